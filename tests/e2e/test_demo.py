"""`tradetrace demo` end to end: the defining case is the top case, with all its flags."""

from __future__ import annotations

import json
from pathlib import Path

from tradetrace.demo import run_demo
from tradetrace.settings import Settings

DEFINING_FLAGS = {
    "ROUTE_SWITCH", "TRANSSHIPMENT_HUB", "RESTRICTED_GOODS", "RELATED_PARTIES",
    "SANCTIONED_NETWORK", "MILITARY_END_USE", "MISDECLARATION",
}  # fmt: skip


def test_demo_top_case_is_the_defining_case(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = run_demo(tmp_path, rows=200_000, seed=7, settings=Settings(progress=False), echo=lines.append)
    truth = json.loads((tmp_path / "data" / "truth.json").read_text("utf-8"))
    scheme = next(s for s in truth["schemes"] if s["scheme_id"] == "cnc_taiwan_reroute")
    importer = scheme["route_switch"]["buyer_tax_id"]
    cases = [json.loads(x) for x in (tmp_path / "cases.jsonl").read_text("utf-8").splitlines()]
    top = cases[0]
    assert set(top["flags"]) >= DEFINING_FLAGS, set(top["flags"])
    assert importer in {e["id"] for e in top["entities"]}
    assert (
        top["totals"]["direct_before_usd"] == 4_470_000 and top["totals"]["rerouted_after_usd"] == 17_800_000
    )
    assert "Report:" in summary
    html = (tmp_path / "report.html").read_text("utf-8")
    # the report of the top finding carries its case: related parties with the former co-ownership,
    # the listed payers, the end use
    for text in (
        "owner 30%",
        "until 2015",
        "(former)",
        "Sales Director",
        "us-ofac-sdn 37699",
        "MILITARY_END_USE",
    ):
        assert text in html, text
