"""A workbook with several sheets: one is read, the others are named, and each can be loaded."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from tests.ingest.test_shipments import GOOD, HEADER
from tradetrace.cli import cli


def _workbook(path: Path) -> Path:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "2023"
    for row in [HEADER, *GOOD[:2]]:
        first.append(row)
    second = wb.create_sheet("2024 Q1")
    for row in [HEADER, ["R9", *GOOD[2][1:]]]:
        second.append(row)
    wb.create_sheet("notes").append(["free text, no data"])
    wb.save(path)
    return path


def _cli(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "--quiet", *args])
    return result.exit_code, result.output


def test_the_first_sheet_by_default_and_the_others_named(tmp_path: Path) -> None:
    book, ws = _workbook(tmp_path / "lines.xlsx"), tmp_path / "ws"
    code, out = _cli(ws, "ingest", "shipments", str(book))
    assert code == 0 and "2 shipments rows loaded" in out, out
    assert "read sheet '2023' only; not read: '2024 Q1', 'notes'" in out
    code, out = _cli(ws, "ingest", "shipments", str(book), "--sheet", "2024 Q1")
    assert code == 0 and "1 shipments rows loaded" in out and "not read: '2023', 'notes'" in out, out
    code, out = _cli(ws, "sql", "SELECT string_agg(record_id, ',' ORDER BY record_id) AS ids FROM shipments")
    assert "R1,R2,R9" in out
    code, out = _cli(ws, "ingest", "shipments", str(book), "--sheet", "2024 Q1")
    assert code == 0 and "already loaded" in out  # the same sheet twice changes nothing


def test_an_unknown_sheet_is_one_line_naming_the_sheets(tmp_path: Path) -> None:
    code, out = _cli(
        tmp_path / "ws", "ingest", "shipments", str(_workbook(tmp_path / "b.xlsx")), "--sheet", "2025"
    )
    assert code == 2 and "no sheet named '2025'" in out and "'2023', '2024 Q1', 'notes'" in out, out
    assert len(out.strip().splitlines()) == 1
