"""The defining case's report: every summary number recomputed from the cited record ids.

The numbers are recomputed here from the demo's source files (shipments.csv, payments.csv) and the
shipped sanctions-list extract, by the rules the report states (route of a line, split at the
switch date), without tradetrace's report code; the report must carry the same numbers, in its
JSON and in the words of its summary.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DemoOut
from tradetrace.report.html import write_report


def _usd(v: float) -> str:
    return f"${v:,.0f}"


def _route(r: dict[str, Any]) -> str:
    origin, dest = r["origin_country"], r["dest"]
    for c in (r["exporter_country"], r["dispatch_country"], r["trading_country"]):
        if c and c != origin and c != dest:
            return c
    return "direct" if origin in (r["exporter_country"], r["dispatch_country"]) else "unknown"


@pytest.fixture(scope="module")
def case(demo_out: DemoOut, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = demo_out.out
    top = json.loads((out / "cases.jsonl").read_text("utf-8").splitlines()[0])
    findings = {
        f["finding_id"]: f for f in map(json.loads, (out / "findings.jsonl").read_text("utf-8").splitlines())
    }
    tmp = tmp_path_factory.mktemp("case-report")
    with demo_out.workspace() as ws:
        doc = json.loads(write_report(ws, top["case_id"], tmp / "case.json", "json").read_text("utf-8"))
        html = write_report(ws, top["case_id"], tmp / "case.html", "html").read_text("utf-8")
        md = write_report(ws, top["case_id"], tmp / "case.md", "md").read_text("utf-8")
    return {"top": top, "findings": [findings[i] for i in top["finding_ids"]], "doc": doc, "html": html,
            "md": md, "out": out}  # fmt: skip


def _rows(path: Path, ids: set[str]) -> dict[str, dict[str, str]]:
    """Source rows by record id, with their data-row number (1 = first row after the header)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {
            r["record_id"]: {**r, "_row": str(i)}
            for i, r in enumerate(csv.DictReader(fh), 1)
            if r["record_id"] in ids
        }


def _listed_tax_ids() -> set[str]:
    text = files("tradetrace").joinpath("data/lists/ofac_sdn_extract/sdn.csv").read_text("utf-8")
    return set(re.findall(r"Tax ID No\. (\d+)", text))


def test_every_summary_number_is_recomputed_from_the_cited_records(
    case: dict[str, Any], demo_out: DemoOut
) -> None:
    findings, doc = case["findings"], case["doc"]
    s = doc["summary"]
    cited = {r for f in findings for r in f["record_ids"]}
    src_ships = _rows(case["out"] / "data" / "shipments.csv", cited)
    pays = list(_rows(case["out"] / "data" / "payments.csv", cited).values())
    assert len(src_ships) + len(pays) == len(cited)  # every cited id is a source record
    # countries and USD values as ingest normalised them ("Taiwan", "TWN", "158" -> TW; EUR -> USD):
    # plain SQL over the cited ids; the rest straight from the source rows
    with demo_out.workspace() as ws:
        normal = ws.engine.arrow(
            "SELECT record_id, origin_country, exporter_country, dispatch_country, trading_country, "
            "COALESCE(destination_country, importer_country, reporter_country) AS dest, value_usd, _source_row "
            "FROM shipments WHERE list_contains(?, record_id)",
            [sorted(cited)],
        ).to_pylist()
    ships = [
        {**src_ships[n["record_id"]], **{k: v for k, v in n.items() if k != "_source_row"}} for n in normal
    ]
    assert all(str(n["_source_row"]) == src_ships[n["record_id"]]["_row"] for n in normal)
    value = {r["record_id"]: float(r["value_usd"]) for r in ships}
    raw_usd = [r for r in ships if r["currency"] == "USD" and r["value"]]
    assert raw_usd and all(abs(float(r["value"]) - value[r["record_id"]]) < 0.01 for r in raw_usd)

    # all cited shipments
    assert s["shipments"] == len(ships)
    assert s["shipments_usd"] == pytest.approx(sum(value.values()), abs=0.01)
    assert s["first_date"] == min(r["date"] for r in ships) and s["last_date"] == max(
        r["date"] for r in ships
    )

    # the route switch: its finding's lines split at the switch date
    rs_finding = next(f for f in findings if "ROUTE_SWITCH" in f["flags"])
    switch = rs_finding["metrics"]["switch_date"]
    lines = [r for r in ships if r["record_id"] in set(rs_finding["record_ids"])]
    direct = [r for r in lines if _route(r) == "direct" and r["date"] <= switch]
    via = [r for r in lines if _route(r) not in ("direct", "unknown") and r["date"] > switch]
    hubs: dict[str, float] = defaultdict(float)
    for r in via:
        hubs[_route(r)] += value[r["record_id"]]
    rs = s["route_switch"]
    assert (rs["direct_shipments"], rs["rerouted_shipments"], rs["lines"]) == (
        len(direct),
        len(via),
        len(lines),
    )
    assert rs["direct_usd"] == pytest.approx(sum(value[r["record_id"]] for r in direct), abs=0.01)
    assert rs["rerouted_usd"] == pytest.approx(sum(value[r["record_id"]] for r in via), abs=0.01)
    assert {h["hub"]: h["usd"] for h in rs["hubs"]} == pytest.approx(dict(hubs), abs=0.01)
    assert rs["first_rerouted_date"] == min(r["date"] for r in via)
    assert date.fromisoformat(switch) == max(date.fromisoformat(r["date"]) for r in direct)
    # the reporters' figures, planted by the simulator
    assert (round(rs["direct_usd"]), round(rs["rerouted_usd"])) == (4_470_000, 17_800_000)
    assert sorted(hubs) == ["CN", "TR"]

    # payments: payers, and those whose tax id the sanctions-list extract carries
    listed_ids = _listed_tax_ids()
    payers = {r["payer_tax_id"] or r["payer_name"] for r in pays}
    listed = {r["payer_tax_id"] for r in pays if r["payer_tax_id"] in listed_ids}
    pay = s["payments"]
    assert (pay["payments"], pay["payers"], pay["listed_payers"]) == (len(pays), len(payers), len(listed))
    assert pay["payments_usd"] == pytest.approx(sum(float(r["amount_usd"]) for r in pays), abs=0.01)
    assert pay["listed_payers_usd"] == pytest.approx(
        sum(float(r["amount_usd"]) for r in pays if r["payer_tax_id"] in listed), abs=0.01
    )
    assert len(payers) >= 40 and len(listed) >= 10  # "over 40 arms makers, several on the SDN list"

    # misdeclared lines: the MISDECLARATION findings' cited lines
    mis = {r for f in findings if "MISDECLARATION" in f["flags"] for r in f["record_ids"]}
    assert s["misdeclared"]["shipments"] == len(mis)
    assert s["misdeclared"]["usd"] == pytest.approx(sum(value[r] for r in mis), abs=0.01)

    # new intermediaries: each finding's cited lines
    inter = [f for f in findings if "NEW_INTERMEDIARY" in f["flags"]]
    told = {i["finding_id"]: i for i in s["new_intermediaries"]}
    for f in inter:
        own = [value[r] for r in f["record_ids"] if r in value]
        assert told[f["finding_id"]]["usd"] == pytest.approx(sum(own), abs=0.01)
        assert told[f["finding_id"]]["shipments"] == len(own)
    top_inter = sorted(told.values(), key=lambda i: -i["usd"])[:4]

    # the same numbers, in words, in the HTML summary and the Markdown
    summary_html = re.search(r'<div id="summary">(.*?)</div>', case["html"], re.S)
    assert summary_html is not None
    words = summary_html.group(1)
    expected = [
        f"{len(ships)} shipment lines", _usd(s["shipments_usd"]), _usd(rs["direct_usd"]), f"{len(direct)} shipments",
        _usd(rs["rerouted_usd"]), f"{len(via)} shipments", switch, *(f"{h} ({_usd(v)})" for h, v in hubs.items()),
        f"{len(pays)} cited payments", _usd(pay["payments_usd"]), f"{len(payers)} payers",
        f"{len(listed)} of them on a sanctions list", _usd(pay["listed_payers_usd"]),
        f"{len(mis)} lines worth {_usd(s['misdeclared']['usd'])}", *(_usd(i["usd"]) for i in top_inter),
        "owner 30%", "until 2015-10-02 (former)",
    ]  # fmt: skip
    for text in expected:
        assert text in words, text
        assert text in case["md"], text


def test_case_report_sections(case: dict[str, Any]) -> None:
    html, doc = case["html"], case["doc"]
    for section in ('id="route-chart"', 'id="flow-chart"', 'id="network"', 'id="ties"', 'id="list-matches"',
                    'id="findings"', 'id="records"', 'id="payments"', 'id="manifest-inputs"'):  # fmt: skip
        assert section in html, section
    assert html.count("<svg") >= 4  # timeline, flow, payments, network
    # the flow diagram's table adds up to the cited shipments
    assert sum(f["usd"] for f in _flows(html)) == pytest.approx(doc["summary"]["shipments_usd"], abs=1.0)
    # every finding, and every cited record with its file and row
    assert all(f["finding_id"] in html for f in case["findings"])
    assert len(doc["shipments"]) == doc["summary"]["shipments"]
    assert all(r["_source"].endswith("shipments.csv") and r["_source_row"] >= 1 for r in doc["shipments"])
    # list matches carry the list version; the network has the people behind the firms
    assert doc["list_matches"] and all(m["version_id"] and m["as_of"] for m in doc["list_matches"])
    kinds = {e["kind"] for e in doc["network"]["edges"]}
    assert {"trade", "payment", "owner", "employee"} <= kinds
    roles = {n["role"] for n in doc["network"]["nodes"]}
    assert {"importer", "supplier", "intermediary", "listed_party", "person"} <= roles
    assert "<script" not in html and not re.search(r"(src|href)\s*=\s*[\"']?https?:", html)


def _flows(html: str) -> list[dict[str, float]]:
    table = re.search(r'<table id="flows">(.*?)</table>', html, re.S)
    assert table is not None
    out = []
    for row in re.findall(r"<tr><td>(.*?)</tr>", table.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row)
        out.append({"usd": float(cells[-1].replace("$", "").replace(",", ""))})
    return out
