"""Detectors work on entity-resolution clusters: a buyer written in another language, without
its tax id, is the same buyer once `resolve` has clustered the spellings."""

from __future__ import annotations

from pathlib import Path

from tests.detect.builder import Rows, monthly
from tradetrace.detect.runner import run_detectors
from tradetrace.resolve.cluster import cluster_parties
from tradetrace.workspace import Workspace

BUYER = ("ООО «Ладога Станко»", "7813012340")
TRANSLATED = ("LADOGA MACHINE TOOL LLC", "")  # the register's English alias; no tax id on these lines
MAKER = "Formosa Precision Machinery Co., Ltd."


def _rows() -> Rows:
    r = Rows("CL")
    for day in monthly("2021-03-01", 8, 75):  # direct from the maker, long before the rule
        r.add(day, BUYER, MAKER, "TW", "TW", "8458110000", 95_000, manufacturer=MAKER)
    for day in ("2023-01-25", "2023-03-10", "2023-04-28"):  # direct after the rule ...
        r.add(day, BUYER, MAKER, "TW", "TW", "8458110000", 120_000, manufacturer=MAKER)
    for i, day in enumerate(monthly("2023-06-15", 6, 40)):  # ... then via hubs, in the English name
        exporter, cc = (
            ("Xiamen Haoyu Trading Co., Ltd.", "CN") if i % 2 else ("Ege Makina Dış Tic. A.Ş.", "TR")
        )
        r.add(day, TRANSLATED, exporter, cc, "TW", "8458110000", 180_000, manufacturer=MAKER)
    r.party("reg-ladoga", BUYER[0], "RU", aliases="LADOGA MACHINE TOOL LLC", tax_id=BUYER[1])
    return r


def test_route_switch_follows_the_buyer_across_languages(ws: Workspace, tmp_path: Path) -> None:
    _rows().load(ws, tmp_path)
    # without clusters the English-named lines are another buyer: no buyer with both routes
    assert run_detectors(ws, ["route_switch"])["route_switch"] == []
    cluster_parties(ws)
    (finding,) = run_detectors(ws, ["route_switch"])["route_switch"]
    m = finding.metrics
    assert finding.entities[0].id == BUYER[1]
    assert m["direct_shipments"] == 3 and m["rerouted_shipments"] == 6
    assert m["rerouted_after_usd"] == 6 * 180_000 and m["hubs"] == ["CN", "TR"]


def test_an_intermediary_written_in_two_scripts_is_one(ws: Workspace, tmp_path: Path) -> None:
    r = Rows("CX")
    buyer = ("ООО «Вятка Промснаб»", "4345012347")
    for day in monthly("2019-01-10", 30, 30):  # the data start long before the intermediary appears
        r.add(day, buyer, "Kaiyuan Bearings Co., Ltd.", "CN", "CN", "8482100000", 20_000)
    for i, day in enumerate(monthly("2023-08-01", 8, 35)):
        name = "Xiamen Haoyu Trading Co., Ltd." if i % 2 else "厦门豪宇贸易有限公司"
        r.add(
            day,
            buyer,
            name,
            "CN",
            "TW",
            "8458110000",
            150_000,
            manufacturer=MAKER,
            exp_tax="91350200MA8UQ3XW1K",
        )
    r.load(ws, tmp_path)

    def intermediaries() -> list[tuple[str, int]]:
        found = run_detectors(ws, ["new_intermediary"])["new_intermediary"]
        return sorted((f.metrics["party"] or f.title, len(f.record_ids)) for f in found)

    before = intermediaries()
    cluster_parties(ws)
    after = intermediaries()
    assert len(before) == 2 and [n for _, n in before] == [4, 4]
    assert len(after) == 1 and after[0][1] == 8


def test_a_listed_payer_written_without_its_tax_id_is_the_listed_party(ws: Workspace, tmp_path: Path) -> None:
    """Payments from a listed firm, half with its tax id and half in Cyrillic without one: after
    `resolve` the Cyrillic lines are the listed party too (no screening involved)."""
    import csv

    from tradetrace.ingest.parties import ingest_table
    from tradetrace.lists.store import load_list

    load_list(ws, None, None)
    tax = "1832090230"  # the shipped SDN extract lists this tax id (JSC Concern Kalashnikov)
    assert ws.engine.scalar("SELECT count(*) FROM listing_identifiers WHERE value = ?", [tax])
    payee = ("ООО «Вятка Станкосервис»", "4345098761")
    rows = []
    for i, day in enumerate(monthly("2023-02-01", 6, 30)):
        payer = ("JSC CONCERN KALASHNIKOV", tax) if i % 2 else ("АО «Концерн «Калашников»", "")
        rows.append(
            [f"PK{i}", day, payer[0], payer[1], payee[0], payee[1], "300000", "USD", "300000", "оплата"]
        )
    path = tmp_path / "payments.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "date", "payer_name", "payer_tax_id", "payee_name", "payee_tax_id", "amount",
                    "currency", "amount_usd", "purpose"])  # fmt: skip
        w.writerows(rows)
    ingest_table(ws, "payments", path)
    r = Rows("KL")
    r.party(
        "reg-kalashnikov", "АО «Концерн «Калашников»", "RU", aliases="JSC CONCERN KALASHNIKOV", tax_id=tax
    )
    r.party("reg-vyatka", payee[0], "RU", tax_id=payee[1])
    r.load(ws, tmp_path)

    def listed_records() -> int:
        found = run_detectors(ws, ["sanctioned_party"])["sanctioned_party"]
        return sum(len(f.record_ids) for f in found if any(e.id == tax for e in f.entities))

    assert listed_records() == 3
    cluster_parties(ws)
    assert listed_records() == 6
