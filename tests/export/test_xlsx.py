"""Excel export: text stays text, long cells are cut and noted, long tables continue, XML stays valid."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.graph.sample import HOSTILE, Sample
from tradetrace.export import export
from tradetrace.export.safe_text import EXCEL_CELL_MAX, clip, is_formula_like, utf16_len, xml_safe
from tradetrace.export.scope import Scope
from tradetrace.export.xlsx import write_xlsx
from tradetrace.workspace import Workspace


def test_case_workbook_is_safe(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "case.xlsx"
    result = export(sample.ws, "xlsx", out, case_id=sample.case_id)
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "_notes"
    assert {"shipments", "parties", "relations", "payments", "findings", "graph_nodes", "graph_edges"} <= set(
        wb.sheetnames
    )
    formulas, hostile = [], []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append((ws.title, cell.coordinate, cell.value))
                if isinstance(cell.value, str) and is_formula_like(cell.value):
                    hostile.append(cell)
    assert not formulas
    names = {c.value for c in hostile}
    assert {HOSTILE, "@SUM(1+1);-2+3", "+Deputy director"} <= names
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    # the 40,000-character description is cut to Excel's limit, marked, and listed in _notes
    sheet = wb["shipments"]
    header = [c.value for c in sheet[1]]
    rid, desc = header.index("record_id"), header.index("description")
    long = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[rid] == sample.long_record)
    text = str(long[desc])
    assert len(text) == EXCEL_CELL_MAX and text.endswith("[truncated: 40,000 characters]")
    notes = [r for r in wb["_notes"].iter_rows(min_row=2, values_only=True) if r[0] == "shipments"]
    assert any(n[2] == "description" and "cut from 40,000" in str(n[3]) for n in notes)
    assert any("description: 1 cell(s) cut" in n for n in result.notes)
    assert result.counts["shipments"] == sheet.max_row - 1


def test_long_tables_continue_in_more_sheets(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "split.xlsx"
    with Scope(sample.ws.engine, sample.case_id) as scope:
        n = scope.count("shipments")
        result = write_xlsx(scope, out, max_rows=40)
    wb = load_workbook(out, read_only=True)
    parts = [s for s in wb.sheetnames if s == "shipments" or s.startswith("shipments (")]
    assert len(parts) == -(-n // 40) and parts[1] == "shipments (2)"
    assert sum(sum(1 for _ in wb[s].iter_rows()) - 1 for s in parts) == n == result.counts["shipments"]
    assert any(
        "continues in sheet 'shipments (2)'" in str(r[3]) for r in wb["_notes"].iter_rows(values_only=True)
    )


def test_control_characters_are_removed_and_counted(ws: Workspace, tmp_path: Path) -> None:
    ws.engine.execute("CREATE TABLE oddities (id INTEGER, txt VARCHAR, big BIGINT, x DOUBLE)")
    ws.engine.execute(
        "INSERT INTO oddities VALUES (1, 'bell\x07 and \x0bvtab', 9007199254740993, 'NaN'::DOUBLE), "
        "(2, '-1+2', 1, 1.5), (3, NULL, NULL, NULL)"
    )
    out = tmp_path / "odd.xlsx"
    with Scope(ws.engine) as scope:
        result = write_xlsx(scope, out)
    sheet = load_workbook(out)["oddities"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == (1, "bell and vtab", "9007199254740993", "nan")
    assert rows[1][1] == "-1+2" and rows[2] == (3, None, None, None)
    assert any("oddities.txt: 2 control character(s)" in n for n in result.notes)


def test_safe_text_helpers() -> None:
    assert all(is_formula_like(t) for t in ["=1", "+1", "-1", "@x", "\t=1", "\r1", "  =1", "＝1"])
    assert not any(is_formula_like(t) for t in ["", "a=1", "1-2", "ООО «=»"])
    assert xml_safe("a\x00b\x1fc\ud800d\ufffe") == ("abcd", 4)
    emoji = "😀" * 20_000  # 40,000 UTF-16 units
    cut, original = clip(emoji)
    assert original == 40_000 and utf16_len(cut) <= EXCEL_CELL_MAX and cut.endswith("characters]")
    assert clip("short") == ("short", None)
