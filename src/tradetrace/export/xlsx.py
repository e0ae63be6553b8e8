"""Excel workbook: one sheet per table, safe to open and to edit.

* Text is always stored as text. A cell a spreadsheet could take as a formula (``=``, ``+``,
  ``-``, ``@``, tab, CR first) is written as a string with Excel's own "quote prefix" flag (what
  typing a leading apostrophe does), so ``=HYPERLINK("x")`` shows as typed and stays text even
  when someone edits the cell; the value itself is kept exactly.
* Characters XML forbids are removed (counted in ``_notes``); text longer than Excel's 32,767
  characters per cell is cut with a marker, and each cut cell is listed in ``_notes``.
* A table longer than 1,048,575 rows continues in sheets ``name (2)``, ``name (3)``...
* Workbooks are written in openpyxl's write-only mode, streaming rows in batches.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from tradetrace.export.base import ExportResult, batches
from tradetrace.export.safe_text import EXCEL_CELL_MAX, clip, is_formula_like, xml_safe
from tradetrace.export.scope import Scope

__all__ = ["EXCEL_MAX_ROWS", "write_xlsx"]

EXCEL_MAX_ROWS = 1_048_575  # data rows per sheet: Excel's 1,048,576 less the header
MAX_CELL_NOTES = 10_000
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_EXACT_INT = 2**53


class _Book:
    """The workbook being written, with the notes it gathers."""

    def __init__(self, max_rows: int, cell_max: int) -> None:
        self.wb = Workbook(write_only=True)
        self.notes_sheet = self.wb.create_sheet("_notes")
        self.notes_sheet.append(["sheet", "row", "column", "note"])
        self.max_rows, self.cell_max = max_rows, cell_max
        self.names: set[str] = {"_notes"}
        self.cell_notes = 0
        self.removed: Counter[tuple[str, str]] = Counter()
        self.clipped: Counter[tuple[str, str]] = Counter()

    def sheet(self, table: str, part: int, header: list[str]) -> tuple[WriteOnlyWorksheet, str]:
        suffix = f" ({part})" if part > 1 else ""
        base = table.translate(_BAD_SHEET_CHARS).strip("'") or "table"
        name = base[: 31 - len(suffix)] + suffix
        i = 2
        while name.lower() in self.names:
            tag = f"~{i}{suffix}"
            name, i = base[: 31 - len(tag)] + tag, i + 1
        self.names.add(name.lower())
        ws = self.wb.create_sheet(name)
        ws.freeze_panes = "A2"
        ws.append([self.cell(ws, h, name, 1, h) for h in header])
        return ws, name

    def note(self, sheet: str, row: int | None, column: str | None, text: str) -> None:
        self.notes_sheet.append([sheet, row, column, text])

    def cell(self, ws: WriteOnlyWorksheet, value: Any, sheet: str, row: int, column: str) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value if abs(value) < _EXACT_INT else str(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, dict | list | tuple):
            value = json.dumps(value, ensure_ascii=False, default=str)
        if isinstance(value, date | time | timedelta | Decimal):
            return value
        if not isinstance(value, str):
            value = value.hex() if isinstance(value, bytes) else str(value)
        text, removed = xml_safe(value)
        if removed:
            self.removed[(sheet, column)] += removed
        text, original = clip(text, self.cell_max)
        if original is not None:
            self.clipped[(sheet, column)] += 1
            if self.cell_notes < MAX_CELL_NOTES:
                self.note(
                    sheet,
                    row,
                    column,
                    f"cut from {original:,} to {self.cell_max:,} characters (Excel's limit)",
                )
            self.cell_notes += 1
        if not is_formula_like(text):
            return text
        safe = WriteOnlyCell(ws, value=text)
        safe.data_type = "s"  # never a formula
        safe.quotePrefix = True  # and stays text when edited
        return safe

    def finish(self, path: Path) -> list[str]:
        notes = []
        for (sheet, column), n in sorted(self.removed.items()):
            text = f"{n:,} control character(s) XML forbids removed"
            self.note(sheet, None, column, text)
            notes.append(f"{sheet}.{column}: {text}")
        for (sheet, column), n in sorted(self.clipped.items()):
            notes.append(
                f"{sheet}.{column}: {n:,} cell(s) cut to {self.cell_max:,} characters (listed in _notes)"
            )
        if self.cell_notes > MAX_CELL_NOTES:
            self.note("", None, None, f"{self.cell_notes - MAX_CELL_NOTES:,} more cut cells not listed")
        self.wb.save(path)
        return notes


def write_xlsx(
    scope: Scope, out: Path, max_rows: int = EXCEL_MAX_ROWS, cell_max: int = EXCEL_CELL_MAX
) -> ExportResult:
    """Write every table in ``scope`` to the workbook ``out`` (one sheet each, continued when long)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book = _Book(max_rows, cell_max)
    book.note("", None, None, f"tradetrace export of {scope.describe()}")
    for text in scope.notes:
        book.note("", None, None, text)
    result = ExportResult("xlsx", out, scope.describe())
    engine = scope.engine
    for table in scope.tables:
        relation = scope.relation(table)
        assert relation is not None
        header = [str(c) for c in engine.arrow(f"SELECT * FROM {relation} LIMIT 0").column_names]
        part, written, in_sheet = 1, 0, 0
        ws, name = book.sheet(table, part, header)
        for batch in batches(engine, relation):
            columns = [col.to_pylist() for col in batch.columns]
            for values in zip(*columns, strict=True):
                if in_sheet == max_rows:
                    part += 1
                    ws, next_name = book.sheet(table, part, header)
                    book.note(
                        name, None, None, f"{table} continues in sheet {next_name!r} (Excel's row limit)"
                    )
                    name, in_sheet = next_name, 0
                in_sheet += 1
                written += 1
                ws.append(
                    [book.cell(ws, v, name, in_sheet + 1, h) for v, h in zip(values, header, strict=True)]
                )
        result.counts[table] = written
        if part > 1:
            result.notes.append(f"{table}: {written:,} rows in {part} sheets (Excel's row limit)")
    result.notes += book.finish(out)
    result.notes += scope.notes
    return result
