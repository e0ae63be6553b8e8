"""`tradetrace demo` end to end: the defining case is the top case, with all its flags."""

from __future__ import annotations

import json

from tests.e2e.conftest import DemoOut

DEFINING_FLAGS = {
    "ROUTE_SWITCH", "TRANSSHIPMENT_HUB", "RESTRICTED_GOODS", "RELATED_PARTIES",
    "SANCTIONED_NETWORK", "MILITARY_END_USE", "MISDECLARATION",
}  # fmt: skip


def test_demo_top_case_is_the_defining_case(demo_out: DemoOut) -> None:
    out = demo_out.out
    truth = json.loads((out / "data" / "truth.json").read_text("utf-8"))
    scheme = next(s for s in truth["schemes"] if s["scheme_id"] == "cnc_taiwan_reroute")
    importer = scheme["route_switch"]["buyer_tax_id"]
    cases = [json.loads(x) for x in (out / "cases.jsonl").read_text("utf-8").splitlines()]
    top = cases[0]
    assert set(top["flags"]) >= DEFINING_FLAGS, set(top["flags"])
    assert importer in {e["id"] for e in top["entities"]}
    assert (
        top["totals"]["direct_before_usd"] == 4_470_000 and top["totals"]["rerouted_after_usd"] == 17_800_000
    )
    assert "Report:" in demo_out.summary
    html = (out / "report.html").read_text("utf-8")
    # the top case's report: related parties with the former co-ownership, the listed payers, end use
    for text in (
        "owner 30%",
        "until 2015",
        "(former)",
        "Sales Director",
        "us-ofac-sdn",
        "37699",
        "MILITARY_END_USE",
    ):
        assert text in html, text
    # one report per top case, as HTML and Markdown
    per_case = sorted(p.name for p in (out / "cases").iterdir())
    assert per_case[:2] == [f"01-{top['case_id']}.html", f"01-{top['case_id']}.md"]
    assert len(per_case) == 2 * min(3, len(cases))
