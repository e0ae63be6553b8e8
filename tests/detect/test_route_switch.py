"""ROUTE_SWITCH on small, messy, hand-made data: one positive case and the
negatives that look like it (routes used all along, supply that simply
stops, uncontrolled goods, goods that were never shipped direct)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from tradetrace.detect.findings import read_findings
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.workspace import Workspace

HEADER = [
    "record_id", "date", "importer_name", "importer_tax_id", "importer_country", "exporter_name",
    "exporter_country", "dispatch_country", "origin_country", "destination_country", "hs_code",
    "manufacturer", "brand", "value", "currency", "value_usd",
]  # fmt: skip
BUYER = ("ООО «Нэкса Машин Технолоджи»", "7707083893")
MAKER = "Nexa Machine Tools Co., Ltd."


def _rows() -> list[list[str]]:
    rows: list[list[str]] = []
    n = 0

    def add(
        day: date,
        importer: tuple[str, str],
        exporter: str,
        exp_cc: str,
        origin: str,
        hs: str,
        value: float,
        manufacturer: str = "",
        brand: str = "",
        currency: str = "USD",
        usd: str = "",
    ) -> None:
        nonlocal n
        n += 1
        rows.append([f"D{n:04d}", day.isoformat(), importer[0], importer[1], "RU", exporter, exp_cc, exp_cc,
                     origin, "RU", hs, manufacturer, brand, f"{value:.2f}", currency, usd])  # fmt: skip

    # positive: direct from the maker before and after the TW restriction (2023-01-01) ...
    for i in range(8):  # 2021-2022, long cooperation
        add(date(2021, 2, 1) + timedelta(days=80 * i), BUYER, MAKER, "TW", "TW", "8458110000", 90_000)
    for d, v in ((date(2023, 1, 20), 150_000), (date(2023, 3, 14), 147_000), (date(2023, 5, 26), 150_000)):
        add(
            d,
            (BUYER[0], "") if d.month == 3 else BUYER,
            "NEXA MACHINE TOOLS CO LTD",
            "TWN",
            "Taiwan",
            "8458.11.0000",
            v,
            manufacturer="Nexa Machine Tools",
        )
    # ... then via China and Turkey, declaring the maker and Taiwanese origin; some in EUR
    for i in range(6):
        add(
            date(2023, 6, 20) + timedelta(days=30 * i),
            ("NEXA MACHINE TECHNOLOGY LLC", "7707083893"),
            "Shenzhen Hop Trading Co., Ltd.",
            "CN",
            "TW",
            "8459610000",
            200_000,
            manufacturer=MAKER,
            brand="NEXA",
        )
    for i in range(4):
        add(
            date(2023, 7, 5) + timedelta(days=45 * i),
            BUYER,
            "Anka Makine Dış Ticaret Ltd. Şti.",
            "TR",
            "TW",
            "8466930000",
            135_000,
            manufacturer="NEXA MACHINE TOOLS CO., LTD",
            currency="EUR",
            usd="145000",
        )
    # negative: a German brand always came both directly and via a Dutch distributor
    other = ("ООО «Станкоимпорт»", "7703012345")
    for i in range(20):
        d = date(2021, 1, 10) + timedelta(days=60 * i)
        add(d, other, "Werkzeugbau GmbH", "DE", "DE", "8458110000", 80_000, manufacturer="Werkzeugbau GmbH")
        add(
            d + timedelta(days=5),
            other,
            "Holland Machines B.V.",
            "NL",
            "DE",
            "8458110000",
            70_000,
            manufacturer="Werkzeugbau GmbH",
        )
    # negative: direct supply of Japanese machine tools simply stops
    third = ("АО «Уралмашпром»", "6601234567")
    for i in range(10):
        add(
            date(2021, 6, 1) + timedelta(days=50 * i),
            third,
            "Kaizen Seiki K.K.",
            "JP",
            "JP",
            "8457100000",
            120_000,
        )
    # negative: uncontrolled goods (furniture) switch to a Chinese exporter
    fourth = ("ООО «Мебельторг»", "7812345678")
    for i in range(6):
        add(
            date(2021, 1, 1) + timedelta(days=90 * i),
            fourth,
            "Mobili Roma S.r.l.",
            "IT",
            "IT",
            "9403300000",
            60_000,
        )
    for i in range(6):
        add(
            date(2023, 1, 1) + timedelta(days=60 * i),
            fourth,
            "Guangzhou Mobili Trading",
            "CN",
            "IT",
            "9403300000",
            60_000,
            manufacturer="Mobili Roma S.r.l.",
        )
    # negative: goods only ever came through a hub
    fifth = ("ООО «Транзит»", "7701111111")
    for i in range(8):
        add(
            date(2022, 1, 1) + timedelta(days=60 * i),
            fifth,
            "Dubai Gulf Machinery FZE",
            "AE",
            "TW",
            "8458110000",
            100_000,
            manufacturer="Formosa Lathe Works",
        )
    return rows


@pytest.fixture
def loaded(ws: Workspace, tmp_path: Path) -> Workspace:
    path = tmp_path / "ship.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(_rows())
    result = ingest_shipments(ws, path)
    assert result.rows_quarantined == 0, result.summary()
    return ws


def test_finds_the_switch_and_only_it(loaded: Workspace) -> None:
    results = run_detectors(loaded, ["route_switch"])
    (finding,) = results["route_switch"]
    m = finding.metrics
    assert m["restriction_date"] == "2023-01-01" and m["restriction_rule"] == "tw-machine-tools-2023"
    assert m["direct_before_usd"] == pytest.approx(447_000)
    assert m["rerouted_after_usd"] == pytest.approx(6 * 200_000 + 4 * 145_000)
    assert m["switch_date"] == "2023-05-26" and m["first_rerouted_date"] == "2023-06-20"
    assert m["hubs"] == ["CN", "TR"] and m["shipments"] == 13
    assert m["direct_shipments"] == 3 and m["rerouted_shipments"] == 10
    assert m["direct_pre_restriction_usd"] == pytest.approx(8 * 90_000)
    roles = {e.role for e in finding.entities}
    assert roles == {"importer", "supplier", "intermediary"}
    assert finding.entities[0].id == "7707083893"
    assert set(finding.flags) == {"ROUTE_SWITCH", "TRANSSHIPMENT_HUB"}
    assert len(finding.record_ids) == 13 and finding.severity == "high"
    assert any(c.id == "tw-machine-tools-2023" for c in finding.citations)


def test_findings_are_stable_and_stored(loaded: Workspace) -> None:
    first = run_detectors(loaded, ["route_switch"])["route_switch"]
    second = run_detectors(loaded, ["route_switch"])["route_switch"]
    assert [f.finding_id for f in first] == [f.finding_id for f in second]
    stored = read_findings(loaded.engine)
    assert [f["finding_id"] for f in stored] == [f.finding_id for f in first]
    assert stored[0]["metrics"]["hubs"] == ["CN", "TR"]


def test_parameters_change_the_outcome(loaded: Workspace) -> None:
    strict = run_detectors(loaded, ["route_switch"], {"route_switch": {"min_rerouted_usd": 5e6}})
    assert strict["route_switch"] == []
    with pytest.raises(ValueError, match="unknown parameter"):
        run_detectors(loaded, ["route_switch"], {"route_switch": {"no_such": 1}})


def test_supplier_recognised_by_model_alone(ws: Workspace, tmp_path: Path) -> None:
    """Intermediaries that write neither maker nor brand, only the maker's model numbers."""
    from tests.detect.builder import Rows, monthly

    r = Rows("MO")
    buyer = ("ООО «Кама Станкосервис»", "1650012349")
    maker = "Hsinchu Precision Machinery Co., Ltd."
    for i, day in enumerate(monthly("2021-05-01", 10, 60)):
        r.add(
            day,
            buyer,
            maker,
            "TW",
            "TW",
            "8457101000",
            110_000,
            manufacturer=maker,
            model=f"HPM-{800 + 100 * (i % 3)}V",
        )
    for day in ("2023-02-10", "2023-04-05"):
        r.add(day, buyer, maker, "TW", "TW", "8457101000", 130_000, manufacturer=maker, model="HPM-900V")
    for i, day in enumerate(monthly("2023-06-20", 6, 45)):
        exporter, cc = (
            ("Yiwu Dingsheng Trading Co., Ltd.", "CN") if i % 2 else ("Orta Asya Makina Ltd. Şti.", "TR")
        )
        r.add(day, buyer, exporter, cc, "TW", "8457101000", 160_000, model=f"HPM {800 + 100 * (i % 3)} V")
    r.load(ws, tmp_path)
    (finding,) = run_detectors(ws, ["route_switch"])["route_switch"]
    m = finding.metrics
    assert m["direct_shipments"] == 2 and m["rerouted_shipments"] == 6 and m["hubs"] == ["CN", "TR"]
    assert m["switch_date"] == "2023-04-05"
    assert {e.role for e in finding.entities} == {"importer", "supplier", "intermediary"}
