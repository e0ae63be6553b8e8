"""The HTML report: the numbers of the finding, its chart, its records, and safe text."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from tests.detect.test_route_switch import BUYER, HEADER, _rows
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.report.html import write_report
from tradetrace.workspace import Workspace

HOSTILE = '<script>alert("x")</script> ООО «Нэкса»'


def test_report_carries_the_numbers_and_escapes_names(ws: Workspace, tmp_path: Path) -> None:
    rows = _rows()
    for r in rows:
        if r[2] == BUYER[0]:
            r[2] = HOSTILE
    path = tmp_path / "s.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    ingest_shipments(ws, path)
    (finding,) = run_detectors(ws, ["route_switch"])["route_switch"]
    out = write_report(ws, None, tmp_path / "r" / "report.html")
    html = out.read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    text = re.sub(r"<[^>]+>", " ", html)
    for needle in (
        "$447,000",
        "$1,780,000",
        "2023-05-26",
        "CN, TR",
        "tw-machine-tools-2023",
        "FIN-2022-Alert003",
    ):
        assert needle in text, needle
    assert html.count("<tr class=") == len(finding.record_ids) == 13
    assert "<svg" in html and "direct from origin" in html and "via CN" in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", html), "the report must fetch nothing"
    assert "<link" not in html and "<script" not in html


def test_markdown_report_is_safe_and_complete(ws: Workspace, tmp_path: Path) -> None:
    from tradetrace.report.html import md_text

    assert md_text("a|b <script>x</script>\nnext") == "a\\|b &lt;script&gt;x&lt;/script&gt; next"
    rows = _rows()
    for r in rows:
        if r[2] == BUYER[0]:
            r[2] = "Evil | Corp <img src=x onerror=alert(1)>"
    path = tmp_path / "s.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    ingest_shipments(ws, path)
    run_detectors(ws, ["route_switch"])
    md = write_report(ws, None, tmp_path / "report.md", "md").read_text("utf-8")
    assert "<img" not in md and "Evil \\| Corp" in md
    assert "| Direct, to the switch | $447,000 (3 shipments) |" in md
    record_rows = [line for line in md.splitlines() if line.startswith("| `D")]
    assert len(record_rows) == 13 and all(line.count(" | ") == 8 for line in record_rows)
