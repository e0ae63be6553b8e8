"""Excel workbooks (.xlsx): the first sheet, first row as header, read as text."""

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


def read_xlsx(path: Path) -> pa.Table:
    """Every cell as text (dates as ISO), so the same parsing applies as for CSV."""
    from openpyxl import load_workbook

    from tradetrace.ingest.base import IngestError

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(f"{path}: not a readable .xlsx workbook: {exc}") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise IngestError(f"{path}: the first sheet is empty; expected a header row")
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
    return pa.table(data)
