"""Case reports on small hand-made workspaces: hostile names, and cases without trade or registers."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tests.detect.builder import monthly
from tests.detect.test_route_switch import BUYER, HEADER, _rows
from tradetrace.cases.build import build_cases
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.report.html import write_report
from tradetrace.workspace import Workspace

HOSTILE = '<script>alert("x")</script> =HYPERLINK("http://x") $5$ ООО «Нэкса»'


def _load_route_switch(ws: Workspace, tmp: Path, buyer_name: str) -> None:
    rows = _rows()
    for r in rows:
        if r[2] == BUYER[0]:
            r[2] = buyer_name
    path = tmp / "s.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    ingest_shipments(ws, path)


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_case_report_of_a_route_switch_with_a_hostile_name(ws: Workspace, tmp_path: Path, fmt: str) -> None:
    _load_route_switch(ws, tmp_path, HOSTILE)
    run_detectors(ws)
    (case, *_) = build_cases(ws.engine)
    out = write_report(ws, case.case_id, tmp_path / f"case.{fmt}", fmt)
    text = out.read_text("utf-8")
    if fmt == "json":
        doc = json.loads(text)
        rs = doc["summary"]["route_switch"]
        assert (rs["direct_usd"], rs["rerouted_usd"]) == (447_000, 6 * 200_000 + 4 * 145_000)
        assert [h["hub"] for h in rs["hubs"]] == ["CN", "TR"] and rs["switch_date"] == "2023-05-26"
        assert doc["network"]["nodes"]  # the graph was built for the drawing, from the trade alone
        return
    assert "<script>" not in text
    if fmt == "html":
        assert "&lt;script&gt;" in text and "<svg" in text
        assert "<bdi>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text  # names isolated for RTL text
        summary = re.search(r'<div id="summary">(.*?)</div>', text, re.S)
        assert summary is not None and "$447,000 in 3 shipments" in summary.group(1)
        assert "$1,780,000 in 10 shipments" in summary.group(1)
        assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", text)
    else:
        assert "&lt;script&gt;" in text and "$447,000 (3 shipments)" in text


def test_case_report_of_payments_only(ws: Workspace, tmp_path: Path) -> None:
    """A listed payer's case has no shipments and no register: the report still has its numbers."""
    from tradetrace.lists.store import load_list

    load_list(ws, None, None)  # the shipped list extract: the payer is one of its entries, by tax id
    tax, entry = ws.engine.fetchone(
        "SELECT i.value, i.entry_id FROM listing_identifiers i WHERE i.type = 'tax_id' ORDER BY i.entry_id LIMIT 1"
    ) or ("", "")
    rows = [
        [
            f"P{i}",
            day,
            "АО «Завод»",
            tax,
            "ООО «Получатель»",
            "7701000018",
            "250000",
            "USD",
            "250000",
            "оплата",
        ]
        for i, day in enumerate(monthly("2023-02-01", 4, 30))
    ]
    path = tmp_path / "payments.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "date", "payer_name", "payer_tax_id", "payee_name", "payee_tax_id", "amount",
                    "currency", "amount_usd", "purpose"])  # fmt: skip
        w.writerows(rows)
    ingest_table(ws, "payments", path)
    run_detectors(ws)
    cases = build_cases(ws.engine)
    assert cases, "the listed payer gives a SANCTIONED_PARTY finding"
    doc = json.loads(write_report(ws, cases[0].case_id, tmp_path / "case.json", "json").read_text("utf-8"))
    pay = doc["summary"]["payments"]
    assert (pay["payments"], pay["payments_usd"], pay["payers"], pay["listed_payers"]) == (4, 1_000_000, 1, 1)
    assert doc["summary"]["shipments"] == 0 and "route_switch" not in doc["summary"]
    assert any(m["entry_id"] == entry for m in doc["list_matches"])
    html = write_report(ws, cases[0].case_id, tmp_path / "case.html").read_text("utf-8")
    assert 'id="payments-chart"' in html and 'id="route-chart"' not in html
