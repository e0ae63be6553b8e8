"""Excel workbooks (.xlsx): one sheet (the first unless named), first row as header, read as text.

The sheets not read are named in the load summary, so that a workbook whose data
runs over several sheets is never half-loaded in silence."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from tradetrace.engine.base import ROW_COLUMN


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names in order ([] when it cannot be read: read_xlsx says why)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except Exception:
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[pa.Table, str, list[str]]:
    """Every cell of one sheet as text (dates as ISO), so the same parsing applies as for
    CSV; with the name of the sheet read and the names of those not read."""
    from openpyxl import load_workbook

    from tradetrace.ingest.base import IngestError

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(f"{path}: not a readable .xlsx workbook: {exc}") from exc
    try:
        names_all = list(wb.sheetnames)
        if sheet is not None and sheet not in names_all:
            raise IngestError(
                f"{path}: no sheet named {sheet!r}; the workbook has {', '.join(repr(n) for n in names_all)}"
            )
        used = sheet if sheet is not None else names_all[0]
        ws = wb[used]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise IngestError(f"{path}: sheet {used!r} is empty; expected a header row")
        names: list[str] = []
        for i, h in enumerate(header):
            base = (_cell_text(h) or "").strip() or f"column{i}"
            names.append(base if base not in names else f"{base}_{i}")
        cols: list[list[str | None]] = [[] for _ in names]
        numbers: list[int] = []
        for n, row in enumerate(rows, start=1):
            if row is None or all(v is None for v in row):
                continue
            numbers.append(n)
            for i in range(len(names)):
                cols[i].append(_cell_text(row[i]) if i < len(row) else None)
    finally:
        wb.close()
    data = {n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)}
    data[ROW_COLUMN] = pa.array(numbers, pa.int64())
    return pa.table(data), used, [n for n in names_all if n != used]
