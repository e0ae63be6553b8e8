"""Planted schemes and decoys, recomputed from the written files."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.simulate.conftest import Dataset, country_code, sdn_tax_ids
from tradetrace.simulate.goods import restriction_day
from tradetrace.simulate.timeline import iso
from tradetrace.simulate.vocab import goods_by_hs6

FLAGS = {"ROUTE_SWITCH", "TRANSSHIPMENT_HUB", "RESTRICTED_GOODS", "SANCTIONED_PARTY", "SANCTIONED_NETWORK",
         "RELATED_PARTIES", "NEW_INTERMEDIARY", "MILITARY_END_USE", "MISDECLARATION", "PRICE_ANOMALY",
         "GOODS_IDENTITY"}  # fmt: skip
ROLES = {"importer", "supplier", "intermediary", "end_user", "payer", "listed_party", "related_party"}


def scheme(truth: dict[str, Any], scheme_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in truth["schemes"] if s["scheme_id"] == scheme_id)
    return found


def test_defining_case_numbers(truth: dict[str, Any], shipments: dict[str, dict[str, str]]) -> None:
    s = scheme(truth, "cnc_taiwan_reroute")
    rs = s["route_switch"]
    rows = [shipments[rid] for rid in s["record_ids"]]
    since = [r for r in rows if r["date"] >= "2023-01-01"]
    assert len(since) == 63 == rs["shipments"]
    direct = [r for r in since if country_code(r["exporter_country"]) == "TW"]
    rerouted = [r for r in since if country_code(r["exporter_country"]) != "TW"]
    assert round(sum(float(r["value_usd"]) for r in direct), 2) == 4_470_000.00 == rs["direct_before_usd"]
    assert round(sum(float(r["value_usd"]) for r in rerouted), 2) == 17_800_000.00 == rs["rerouted_after_usd"]
    assert max(r["date"] for r in direct) == "2023-05-26" == rs["switch_date"]
    assert min(r["date"] for r in rerouted) >= "2023-06-01"
    assert {country_code(r["dispatch_country"]) for r in rerouted} == {"CN", "TR"} == set(rs["hubs"])
    assert {country_code(r["trading_country"]) for r in rerouted} == {"CN", "TR"}
    assert all(country_code(r["origin_country"]) == "TW" for r in since)
    assert all(country_code(r["exporter_country"]) == "TW" for r in rows if r["date"] < "2023-01-01")
    assert len({r["exporter_name"] for r in rerouted}) >= 3
    assert all("norvida" in r["manufacturer"].lower() or "諾維達" in r["manufacturer"] or "novrida" in
               r["manufacturer"].lower() for r in rerouted)  # fmt: skip
    hs6 = {"".join(ch for ch in r["hs_code"] if ch.isdigit())[:6] for r in since}
    assert hs6 <= {"845710", "845811", "845891", "845961", "846693"} and "846693" in hs6
    parts = [r for r in since if "".join(ch for ch in r["hs_code"] if ch.isdigit()).startswith("846693")]
    assert parts and all(float(r["value_usd"]) / float(r["quantity"]) >= 150_000 for r in parts)
    assert all(float(r["net_weight_kg"]) / float(r["quantity"]) >= 3000 for r in parts)
    assert len({r["importer_tax_id"] for r in rows}) == 1 and rows[0]["importer_tax_id"] == rs["buyer_tax_id"]


def test_defining_case_payers(dataset: Dataset, truth: dict[str, Any]) -> None:
    rs = scheme(truth, "cnc_taiwan_reroute")["route_switch"]
    pays = [p for p in dataset.table("payments.csv") if p["payee_tax_id"] == rs["buyer_tax_id"]]
    pays = [p for p in pays if "2023-01-01" <= p["date"] <= "2023-07-31"]
    payers = {p["payer_tax_id"] for p in pays}
    assert len(payers) >= 40
    assert len(payers & sdn_tax_ids()) >= 8
    assert sum(float(p["amount_usd"]) for p in pays) >= 80_000_000
    names = {p["payer_name"] for p in pays if p["payer_tax_id"] in sdn_tax_ids()}
    assert any(n.isascii() for n in names) and any(not n.isascii() for n in names)
    assert "7743065177" in payers  # the S-400 maker
    assert set(scheme(truth, "cnc_taiwan_reroute")["payment_record_ids"]) == {p["record_id"] for p in pays}


def test_defining_case_people(dataset: Dataset, truth: dict[str, Any]) -> None:
    s = scheme(truth, "cnc_taiwan_reroute")
    ids = {e["role"]: e["entity_id"] for e in s["entities"] if e["role"] in ("importer", "supplier")}
    rel = dataset.table("relations.csv")
    former = [
        r
        for r in rel
        if r["target_id"] == ids["importer"] and r["relation"] == "owner" and r["share_pct"] == "30"
    ]
    assert len(former) == 1 and former[0]["end_date"].startswith("2015")
    person = former[0]["source_id"]
    assert any(r["source_id"] == person and r["target_id"] == ids["supplier"] and r["role"] == "Sales Director"
               for r in rel)  # fmt: skip
    assert any(r["target_id"] == ids["importer"] and r["relation"] == "director" for r in rel)


def test_electronics_route_switch(truth: dict[str, Any], shipments: dict[str, dict[str, str]]) -> None:
    s = scheme(truth, "chpl_electronics_hubs")
    rs = s["route_switch"]
    rows = [shipments[rid] for rid in s["record_ids"]]
    before = [r for r in rows if r["date"] < rs["restriction_date"]]
    after = [r for r in rows if r["date"] >= rs["restriction_date"]]
    assert before and after and len(rows) == rs["shipments"]
    assert all(country_code(r["exporter_country"]) == "US" for r in before)
    assert {country_code(r["dispatch_country"]) for r in after} == set(rs["hubs"]) == {"AE", "HK", "KZ"}
    assert all(country_code(r["origin_country"]) == "US" and r["brand"] == rs["brand"] for r in rows)
    assert round(sum(float(r["value_usd"]) for r in before), 2) == rs["direct_before_usd"]


def test_truth_shape(dataset: Dataset, truth: dict[str, Any], shipments: dict[str, dict[str, str]]) -> None:
    assert (
        truth["seed"] == 7
        and truth["rows"] == len(shipments)
        and truth["generator"] == "tradetrace.simulate 1"
    )
    payments = {p["record_id"] for p in dataset.table("payments.csv")}
    parties = {p["entity_id"] for p in dataset.table("parties.csv")}
    for s in truth["schemes"]:
        assert s["record_ids"] and set(s["record_ids"]) <= set(shipments)
        assert set(s["payment_record_ids"]) <= payments
        assert set(s["expected_flags"]) <= FLAGS
        assert all(e["role"] in ROLES and e["entity_id"] in parties for e in s["entities"])
    planted = [rid for s in truth["schemes"] for rid in s["record_ids"]]
    planted += [rid for d in truth["decoys"] for rid in d["record_ids"]]
    assert len(planted) == len(set(planted))


def test_decoys(truth: dict[str, Any], shipments: dict[str, dict[str, str]]) -> None:
    kinds = Counter(d["kind"] for d in truth["decoys"])
    assert len(kinds) == 4 and min(kinds.values()) >= 3
    for d in truth["decoys"]:
        assert d["record_ids"] and set(d["record_ids"]) <= set(shipments)
        rows = [shipments[rid] for rid in d["record_ids"]]
        if d["kind"] == "supplier_stopped_no_replacement":
            stop = max(r["date"] for r in rows)
            brand = rows[0]["brand"]
            buyer = rows[0]["importer_tax_id"]
            later = [r for r in shipments.values() if r["brand"] == brand and r["date"] > stop]
            assert not [r for r in later if r["importer_tax_id"] == buyer]
        if d["kind"] == "direct_and_distributor_throughout":
            years = {r["date"][:4] for r in rows}
            assert {"2019", "2024"} <= years and len({r["exporter_name"] for r in rows}) >= 2


def test_background_controlled_goods_after_restriction_are_labelled_lawful(
    truth: dict[str, Any], shipments: dict[str, dict[str, str]]
) -> None:
    """Background rows with controlled goods past their restriction date exist, and every one of
    them belongs to the lawful_restricted_trade phenomenon (wind-down, exempt use, uncontrolled
    goods of a controlled heading)."""
    planted = {rid for s in truth["schemes"] for rid in s["record_ids"]}
    planted |= {rid for d in truth["decoys"] for rid in d["record_ids"]}
    lawful = next(b for b in truth["background"] if b["phenomenon"] == "lawful_restricted_trade")
    assert lawful["rows"] == len(lawful["record_ids"])  # the list is complete at this size
    after = []
    for rid, r in shipments.items():
        if rid in planted or country_code(r["destination_country"]) != "RU":
            continue
        g = goods_by_hs6()["".join(ch for ch in r["hs_code"] if ch.isdigit())[:6]]
        limit = restriction_day(country_code(r["origin_country"]), g)
        if limit is not None and iso(r["date"]) >= limit:
            after.append(rid)
    assert after and set(after) <= set(lawful["record_ids"])
