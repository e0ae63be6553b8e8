"""SANCTIONED_PARTY, SANCTIONED_NETWORK, MILITARY_END_USE and RELATED_PARTIES.

Small hand-made workspaces (positives and negatives for each detector), then
the simulator at 200,000 rows (seed 7): the defining case and the listed end
user scheme get their flags; per-flag precision and recall are printed.
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import PARTY_HEADER, Rows
from tradetrace.detect.findings import Finding, read_findings
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.lists.store import load_list
from tradetrace.resolve.cluster import cluster_parties
from tradetrace.resolve.related import related_leads
from tradetrace.resolve.screen import screen_workspace
from tradetrace.resolve.tables import PARTY_MATCHES
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

MINE = ("sanctioned_party", "military_end_use", "sanctioned_network", "related_parties")


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@dataclass
class Small:
    ws: Workspace
    listed_tax: str
    listed_entry: str
    found: dict[str, list[Finding]]


def _listed(ws: Workspace) -> tuple[str, str, str]:
    row = ws.engine.fetchone(
        "SELECT i.value, i.entry_id, l.name FROM listing_identifiers i JOIN listings l USING (version_id, entry_id) "
        "WHERE i.type = 'tax_id' ORDER BY i.entry_id LIMIT 1"
    )
    assert row, "the shipped list has tax ids"
    return str(row[0]), str(row[1]), str(row[2])


def _build(tmp: Path) -> Small:
    ws = Workspace(Settings(workspace=tmp / "ws", progress=False))
    load_list(ws, None)
    tax, entry, _ = _listed(ws)
    r = Rows("N")
    # the listed firm exports to M (trade tie); A and B trade (so they can be cited)
    r.add("2023-03-01", ("ООО «Мезень Трейд»", "7700000001"), "АО «Листед»", "RU", "RU", "847130", 250_000,
          exp_tax=f"{tax[:3]}-{tax[3:]}")  # fmt: skip
    r.add("2023-04-01", ("ООО «Альфа Холд»", "7700000002"), "Some Exporter Ltd", "CN", "CN", "847130", 90_000)
    r.add("2023-04-02", ("ООО «Бета»", "7700000003"), "Some Exporter Ltd", "CN", "CN", "847130", 80_000)
    r.add("2023-04-03", ("ООО «Гамма»", "7700000004"), "Some Exporter Ltd", "CN", "CN", "847130", 70_000)
    r.add("2023-04-04", ("ООО «Чистая»", "7700000005"), "Other Exporter Ltd", "CN", "CN", "847130", 60_000)
    # related parties: a maker and its namesake importer, co-owned until 2015 by the maker's sales director
    for i, day in enumerate(("2021-02-01", "2021-06-01", "2022-01-10")):
        r.add(day, ("ООО «Зелкова Машин Тулс»", "7700000006"), "Zelkova Machine Tools Co., Ltd.", "TW", "TW",
              "845811", 400_000 + i, exp_tax="84512345")  # fmt: skip
    r.add(
        "2022-03-01", ("ООО «Пустой Лид»", "7700000009"), "Other Exporter Ltd", "CN", "CN", "847130", 10_000
    )
    r.load(ws, tmp)
    parties = [
        ["L", "company", "АО «Листед»", "", "RU", tax, "", "", "", "", "", ""],
        ["H", "company", "ООО «Холдинг»", "", "RU", "7700000010", "", "", "", "", "", ""],
        ["A", "company", "ООО «Альфа Холд»", "", "RU", "7700000002", "", "", "", "", "", ""],
        ["B", "company", "ООО «Бета»", "", "RU", "7700000003", "", "", "", "", "", ""],
        ["C", "company", "ООО «Гамма»", "", "RU", "7700000004", "", "", "", "", "", ""],
        ["P", "person", "Иванов Пётр Сергеевич", "", "RU", "770000000011", "", "", "", "", "", ""],
        ["Z", "company", "Zelkova Machine Tools Co., Ltd.", "", "TW", "84512345", "", "", "", "", "", ""],
        ["ZR", "company", "ООО «Зелкова Машин Тулс»", "", "RU", "7700000006", "", "", "", "", "", ""],
        ["S", "person", "Lin Mei-Hua", "", "TW", "", "", "", "", "", "", ""],
        ["Q", "company", "ООО «Пустой Лид»", "", "RU", "7700000009", "", "", "", "", "", ""],
        ["Q2", "company", "Pustoy Lid Trading GmbH", "", "DE", "DE999", "", "", "", "", "", ""],
        ["S2", "person", "Schmidt Hans", "", "DE", "", "", "", "", "", "", ""],
    ]
    rel_header = [
        "source_id",
        "target_id",
        "relation",
        "role",
        "share_pct",
        "start_date",
        "end_date",
        "source",
    ]
    relations = [
        ["L", "A", "owner", "", "40", "2019-01-01", "", "test"],
        ["L", "H", "owner", "", "50", "2019-01-01", "", "test"],
        ["H", "A", "owner", "", "30", "2019-01-01", "", "test"],
        ["L", "B", "owner", "", "20", "2019-01-01", "", "test"],
        ["L", "B", "owner", "", "60", "2010-01-01", "2012-01-01", "test"],  # former: not a current stake
        ["P", "L", "officer", "Procurement", "", "2016-02-01", "", "test"],
        ["P", "C", "director", "General Director", "", "2022-05-12", "", "test"],
        ["S", "ZR", "owner", "", "30", "2011-03-15", "2015-10-02", "test"],
        ["S", "Z", "employee", "Sales Director", "", "2009-08-01", "", "test"],
        ["S2", "Q", "owner", "", "50", "2012-01-01", "2016-01-01", "test"],
        ["S2", "Q2", "director", "Managing Director", "", "2012-01-01", "", "test"],
    ]
    pay_header = ["record_id", "date", "payer_name", "payer_tax_id", "payee_name", "payee_tax_id", "amount",
                  "currency", "amount_usd", "purpose"]  # fmt: skip
    pays = [
        [
            "p1",
            "2023-01-10",
            "АО «Листед»",
            tax,
            "ООО «Ондатра»",
            "7700000020",
            "1000000",
            "USD",
            "1000000",
            "",
        ],
        [
            "p2",
            "2023-02-10",
            "АО «Листед»",
            tax,
            "ООО «Ондатра»",
            "7700000020",
            "900000",
            "USD",
            "900000",
            "",
        ],
        [
            "p3",
            "2023-02-11",
            "ООО «Хлеб»",
            "7700000021",
            "ООО «Ондатра»",
            "7700000020",
            "50000",
            "USD",
            "50000",
            "",
        ],
    ]
    for i in range(6):  # six defence plants pay one importer
        pays.append([f"d{i}", f"2023-0{i + 1}-15", f"АО «Завод спецмаш-{i}»", f"77000001{i:02d}",
                     "ООО «Станкоимпорт»", "7700000030", "200000", "USD", "200000", ""])  # fmt: skip
    for i in range(6):  # ordinary payers of another importer
        pays.append([f"b{i}", f"2023-0{i + 1}-16", f"ООО «Торговля-{i}»", f"77000002{i:02d}",
                     "ООО «Обычная»", "7700000040", "200000", "USD", "200000", ""])  # fmt: skip
    ingest_table(ws, "parties", _csv(tmp / "parties.csv", PARTY_HEADER, parties))
    ingest_table(ws, "relations", _csv(tmp / "relations.csv", rel_header, relations))
    ingest_table(ws, "payments", _csv(tmp / "payments.csv", pay_header, pays))
    cluster_parties(ws)
    related_leads(ws)
    found = run_detectors(ws, MINE)
    return Small(ws, tax, entry, found)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Small]:
    s = _build(tmp_path_factory.mktemp("network"))
    yield s
    s.ws.close()


def _names(f: Finding) -> set[str]:
    return {e.name for e in f.entities}


def test_sanctioned_party_by_tax_id(small: Small) -> None:
    fs = small.found["sanctioned_party"]
    assert len(fs) == 1
    f = fs[0]
    assert "АО «Листед»" in _names(f) and f.metrics["decisive"]
    assert {e.role for e in f.entities} >= {"listed_party", "payer", "exporter"}
    assert set(f.record_ids) == {"N00001", "p1", "p2"}
    assert f.metrics["raw_score"] >= 0.85 and small.listed_entry in f.explanation and "$" in f.explanation
    assert any(c.id.endswith(":" + small.listed_entry) for c in f.citations)


def test_military_end_use(small: Small) -> None:
    by_payee = {f.entities[0].name: f for f in small.found["military_end_use"]}
    assert set(by_payee) == {"ООО «Ондатра»", "ООО «Станкоимпорт»"}  # ordinary payers: no finding
    listed = by_payee["ООО «Ондатра»"]
    assert listed.metrics["listed_payers"][0]["entries"] == [f"us-ofac-sdn:{small.listed_entry}"]
    assert listed.metrics["listed_share"] == pytest.approx(1.9 / 1.95, abs=1e-3)
    plants = by_payee["ООО «Станкоимпорт»"]
    assert plants.metrics["payers"] == 6 and plants.metrics["flagged_share"] == 1.0
    assert (
        len(plants.metrics["monthly_usd"]) == 6 and listed.metrics["raw_score"] > plants.metrics["raw_score"]
    )


def test_sanctioned_network(small: Small) -> None:
    by = {f.entities[0].name: f for f in small.found["sanctioned_network"]}
    a = by["ООО «Альфа Холд»"]
    assert a.metrics["aggregate_listed_ownership"] == pytest.approx(0.55)  # 40% + 50% x 30%
    assert a.metrics["blocked_by_ownership"] and a.metrics["raw_score"] >= 0.8 and "55%" in a.explanation
    b = by["ООО «Бета»"]  # 20% now (a former 60% stake does not count): one hop by ownership
    assert (
        b.metrics["aggregate_listed_ownership"] == pytest.approx(0.2)
        and not b.metrics["blocked_by_ownership"]
    )
    c = by["ООО «Гамма»"]  # two hops: the listed firm's officer directs it
    assert c.metrics["one_hop"] == 0 and c.metrics["two_hop"] == 1 and c.metrics["raw_score"] < 0.5
    assert "Иванов Пётр Сергеевич" in c.explanation and "officer" in c.explanation
    assert by["ООО «Мезень Трейд»"].metrics["one_hop"] == 1  # bought from the listed firm
    assert by["ООО «Ондатра»"].metrics["tie_usd"] == 1_900_000
    assert "ООО «Чистая»" not in by and "ООО «Обычная»" not in by


def test_related_parties(small: Small) -> None:
    fs = small.found["related_parties"]
    pair = [f for f in fs if "Zelkova Machine Tools Co., Ltd." in _names(f)]
    assert len(pair) == 1
    f = pair[0]
    assert "ООО «Зелкова Машин Тулс»" in _names(f) and f.metrics["direct_records"] == 3
    assert "until 2015-10-02" in f.explanation and "30%" in f.explanation and f.metrics["raw_score"] >= 0.6
    assert not [f for f in fs if "ООО «Пустой Лид»" in _names(f)]  # a lead without trade is no flag


def test_dismissed_match_is_not_listed(small: Small, tmp_path: Path) -> None:
    eng = small.ws.engine
    if not eng.table_exists("party_matches"):
        eng.execute(PARTY_MATCHES.ddl())
    eng.execute(
        "INSERT INTO party_matches (match_id, party_key, party_name, party_tax_id, list_id, version_id, "
        "entry_id, entry_name, matched_name, score, status) SELECT 'm1', 'k', 'АО «Листед»', ?, list_id, "
        "version_id, entry_id, name, name, 1.0, 'dismissed' FROM listings WHERE entry_id = ?",
        [small.listed_tax, small.listed_entry],
    )
    try:
        found = run_detectors(small.ws, ["sanctioned_party"])["sanctioned_party"]
        assert found == []
    finally:
        eng.execute("DELETE FROM party_matches WHERE match_id = 'm1'")


def test_empty_optional_tables(tmp_path: Path) -> None:
    ws = Workspace(Settings(workspace=tmp_path / "ws", progress=False))
    try:
        r = Rows("E")
        r.add("2023-01-01", ("ООО «Один»", "7700000001"), "Exp Ltd", "CN", "CN", "847130", 1000)
        r.load(ws, tmp_path)
        for name, fs in run_detectors(ws, MINE).items():
            assert fs == [], name
    finally:
        ws.close()


# --- the simulator -------------------------------------------------------------------------------

ROWS, SEED = 200_000, 7
THRESHOLD = 0.5
FLAGS = ("SANCTIONED_PARTY", "SANCTIONED_NETWORK", "MILITARY_END_USE", "RELATED_PARTIES")


@dataclass
class Sim:
    truth: dict[str, Any]
    findings: list[dict[str, Any]]
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    tmp = tmp_path_factory.mktemp("network-sim")
    out = simulate(tmp / "data", rows=ROWS, seed=SEED, formats=("csv",))
    ws = Workspace(Settings(workspace=tmp / "ws", progress=False))
    try:
        assert ingest_shipments(ws, out.files["shipments_csv"]).rows_quarantined == 0
        for kind in ("parties", "relations", "payments"):
            ingest_table(ws, kind, out.files[kind])
        load_list(ws, None)
        seconds: dict[str, float] = {}
        t = time.perf_counter()
        screen_workspace(ws)
        cluster_parties(ws)
        related_leads(ws)
        seconds["resolve"] = time.perf_counter() - t
        for name in MINE:
            t = time.perf_counter()
            run_detectors(ws, [name])
            seconds[name] = time.perf_counter() - t
        truth = json.loads(out.files["truth"].read_text("utf-8"))
        yield Sim(truth, read_findings(ws.engine), seconds)
    finally:
        ws.close()


def _scheme_records(s: dict[str, Any]) -> set[str]:
    return set(s["record_ids"]) | set(s.get("payment_record_ids") or [])


def test_simulator_network_flags(sim: Sim) -> None:
    schemes = {s["scheme_id"]: s for s in sim.truth["schemes"]}
    scheme_of: dict[str, set[str]] = defaultdict(set)
    for sid, s in schemes.items():
        for r in _scheme_records(s):
            scheme_of[r].add(sid)
    print(
        f"\nnetwork flags at {ROWS:,} rows, seed {SEED}; seconds { ({k: round(v, 1) for k, v in sim.seconds.items()}) }"
    )
    for flag in FLAGS:
        fs = [f for f in sim.findings if flag in f["flags"] and f["score"] >= THRESHOLD]
        hit: set[str] = set()
        true = alarms = 0
        for f in fs:
            sids = {sid for r in f["record_ids"] for sid in scheme_of.get(r, ())}
            alarms += not sids
            good = {sid for sid in sids if flag in schemes[sid]["expected_flags"]}
            true += bool(good)
            hit |= good
        want = {sid for sid, s in schemes.items() if flag in s["expected_flags"]}
        precision = true / len(fs) if fs else 1.0
        recall = len(hit & want) / len(want) if want else 1.0
        print(f"  {flag:<18} findings {len(fs):>3}  precision {precision:.3f}  recall {recall:.3f} "
              f"({len(hit & want)}/{len(want)})  touch no scheme {alarms}")  # fmt: skip

    cnc = schemes["cnc_taiwan_reroute"]
    importer_tax = cnc["route_switch"]["buyer_tax_id"]
    importer = cnc["route_switch"]["buyer_name"]

    def naming(flag: str, tax: str, name: str) -> list[dict[str, Any]]:
        return [
            f
            for f in sim.findings
            if flag in f["flags"]
            and f["score"] >= THRESHOLD
            and any(e["id"] == tax or e["name"] == name for e in f["entities"])
        ]

    for flag in ("SANCTIONED_NETWORK", "MILITARY_END_USE", "RELATED_PARTIES"):
        assert naming(flag, importer_tax, importer), f"the defining case has no {flag}"
    related = naming("RELATED_PARTIES", importer_tax, importer)[0]
    assert "until 20" in related["explanation"]
    end_user = next(s for s in schemes.values() if s["scheme_id"].startswith("listed_end_user"))
    records = _scheme_records(end_user)
    flags = {
        fl
        for f in sim.findings
        if f["score"] >= THRESHOLD and records & set(f["record_ids"])
        for fl in f["flags"]
    }
    assert flags & {"SANCTIONED_PARTY", "SANCTIONED_NETWORK"}, flags
    assert sum(v for k, v in sim.seconds.items() if k != "resolve") < 30
    mine = [f for f in sim.findings if f["detector"].split("@")[0] in MINE]
    assert len({f["finding_id"] for f in mine}) == len(mine)
    for f in mine:  # the findings contract, as test_planted_flags checks it for every detector
        assert f["record_ids"] and f["entities"] and f["citations"] and f["explanation"] and f["metrics"]
        assert (
            f["period"]["start"] <= f["period"]["end"]
            and 0.0 <= f["metrics"]["raw_score"] <= 0.9
            and 0.0 <= f["score"] <= 1.0
        )
        assert "$" in f["explanation"]


def test_screening_match_counts_above_threshold(small: Small) -> None:
    eng = small.ws.engine
    if not eng.table_exists("party_matches"):
        eng.execute(PARTY_MATCHES.ddl())
    for mid, score in (("m2", 0.95), ("m3", 0.5)):
        payer = "ООО «Хлеб»" if mid == "m2" else "ООО «Торговля-0»"
        eng.execute(
            "INSERT INTO party_matches (match_id, party_key, party_name, party_tax_id, list_id, version_id, "
            "entry_id, entry_name, matched_name, score, status) SELECT ?, 'k', ?, NULL, list_id, "
            "version_id, entry_id, name, name, ?, 'open' FROM listings WHERE entry_id = ?",
            [mid, payer, score, small.listed_entry],
        )
    try:
        found = run_detectors(small.ws, ["sanctioned_party"])["sanctioned_party"]
        names = {e.name for f in found for e in f.entities}
        assert "ООО «Хлеб»" not in names  # the match names no tax id; the payment carries one
        eng.execute("UPDATE party_matches SET party_tax_id = '7700000021' WHERE match_id = 'm2'")
        found = run_detectors(small.ws, ["sanctioned_party"])["sanctioned_party"]
        screened = [f for f in found if not f.metrics["decisive"]]
        assert screened[0].entities[0].name == "ООО «Хлеб»" and len(screened) == 1
        assert "score 0.95" in screened[0].explanation and screened[0].record_ids == ["p3"]
    finally:
        eng.execute("DELETE FROM party_matches WHERE match_id IN ('m2', 'm3')")


def test_trade_after_the_listing_date(small: Small) -> None:
    eng = small.ws.engine
    eng.execute("UPDATE listings SET listed_on = DATE '2023-02-01' WHERE entry_id = ?", [small.listed_entry])
    try:
        (f,) = run_detectors(small.ws, ["sanctioned_party"])["sanctioned_party"]
        assert f.metrics["after_listing_records"] == 2  # N00001 (2023-03-01) and p2 (2023-02-10)
        assert f.metrics["after_listing_usd"] == 1_150_000
        assert "Listed on 2023-02-01: 2 records worth $1,150,000 came after it." in f.explanation
    finally:
        eng.execute("UPDATE listings SET listed_on = NULL WHERE entry_id = ?", [small.listed_entry])
