"""What lawful trade looks like is not evidence: one weak signal alone never makes a strong finding.

Small hand-made data, each case beside its look-alike that is a real signal:
a seller invoicing from a third country on a direct shipment (not a hub route),
firms at a mass-registration address (not co-located), a new firm buying
restricted goods directly (one kind of signal), and civilian plants paying an
importer (not defence payers).
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.detect.builder import Rows, monthly
from tradetrace.detect.findings import Finding
from tradetrace.detect.runner import run_detectors
from tradetrace.detect.severity import WEAK_CAP, WEAK_NOTE, is_strong
from tradetrace.ingest.parties import ingest_table
from tradetrace.workspace import Workspace

CHIPS = "8542319010"
BUSINESS_CENTRE = "123112, г. Москва, Пресненская наб., д. 12, этаж 45"
QUIET = "197022, г. Санкт-Петербург, ул. Профессора Попова, д. 37, лит. Б"


def _by_buyer(findings: list[Finding]) -> dict[str, Finding]:
    return {f.entities[0].id: f for f in findings}


def _strong(f: Finding) -> bool:
    return is_strong({"score": f.score, "severity": f.severity})


def test_a_seller_in_a_third_country_is_no_hub_route(ws: Workspace, tmp_path: Path) -> None:
    r = Rows("TC")
    invoiced, rerouted = ("ООО «Инвойс»", "7701000001"), ("ООО «Обход»", "7701000002")
    r.add("2019-01-10", ("ООО «Давний»", "7701000009"), "Mobili Roma S.r.l.", "IT", "IT", "9401710009", 9_000)
    for day in monthly("2023-09-01", 6):
        # made and shipped in Germany, sold by an Emirati trader (G11 = AE): a direct shipment
        r.add(day, invoiced, "Rhein Halbleiter GmbH", "DE", "DE", CHIPS, 60_000, trading="AE")
        # made in Germany, exported from the Emirates: a hub route
        r.add(day, rerouted, "Gulf Parts Trading FZE", "AE", "DE", CHIPS, 60_000)
    r.load(ws, tmp_path)
    found = run_detectors(ws, ["restricted_goods", "transshipment_hub"])
    goods = _by_buyer(found["restricted_goods"])
    direct = goods["7701000001"]
    assert direct.metrics["third_country_share"] == 0.0 and direct.metrics["weak"]
    assert direct.score <= WEAK_CAP and not _strong(direct) and WEAK_NOTE in direct.explanation
    hub = goods["7701000002"]
    assert hub.metrics["third_country_share"] == 1.0 and "weak" not in hub.metrics
    assert set(_by_buyer(found["transshipment_hub"])) == {"7701000002"}


def _colocation_rows(address: str, others: int) -> Rows:
    """Two old importers at ``address`` buying US chips through a Hong Kong exporter; ``others``
    more firms registered there."""
    r = Rows("CL")
    for i in (1, 2):
        r.party(f"p-imp{i}", f"ООО «Импортер {i}»", "RU", tax_id=f"770200000{i}", incorporated="2010-05-05",
                address=address)  # fmt: skip
    for i in range(others):
        r.party(f"p-other{i}", f"ООО «Сосед {i}»", "RU", tax_id=f"77030000{i:02d}", address=address)
    for i in (1, 2):
        for day in [*monthly("2019-02-01", 4, 120), *monthly("2023-02-01", 4)]:
            r.add(day, (f"ООО «Импортер {i}»", f"770200000{i}"), "Kowloon Chip Supply Ltd", "HK", "US", CHIPS,
                  30_000)  # fmt: skip
    return r


def test_a_mass_registration_address_is_no_co_location(ws: Workspace, tmp_path: Path) -> None:
    _colocation_rows(BUSINESS_CENTRE, others=8).load(ws, tmp_path)
    found = run_detectors(ws, ["new_intermediary"])["new_intermediary"]
    assert not [f for f in found if f.metrics["role"] == "importer"]  # 10 firms there: nothing to say


def test_a_quiet_shared_address_is_co_location(ws: Workspace, tmp_path: Path) -> None:
    _colocation_rows(QUIET, others=1).load(ws, tmp_path)
    found = [
        f
        for f in run_detectors(ws, ["new_intermediary"])["new_intermediary"]
        if f.metrics["role"] == "importer"
    ]
    assert len(found) == 2
    for f in found:  # co-located, and most of the goods came through a third country: two kinds
        assert f.metrics["signals"] == ["co_located"] and "weak" not in f.metrics


def test_a_new_firm_buying_directly_is_one_weak_signal(ws: Workspace, tmp_path: Path) -> None:
    r = Rows("NF")
    r.party("p-new", "ООО «Новая Фирма»", "RU", tax_id="7704000001", incorporated="2023-01-10")
    r.party("p-new-hub", "ООО «Новый Обход»", "RU", tax_id="7704000002", incorporated="2023-01-10")
    r.add("2018-01-15", ("ООО «Старая»", "7704000009"), "Acme Semiconductors Inc.", "US", "US", CHIPS, 5_000)
    for day in monthly("2023-04-01", 5):
        r.add(day, ("ООО «Новая Фирма»", "7704000001"), "Acme Semiconductors Inc.", "US", "US", CHIPS, 40_000)
        r.add(
            day, ("ООО «Новый Обход»", "7704000002"), "Bosphorus Elektronik Ltd.", "TR", "US", CHIPS, 40_000
        )
    r.load(ws, tmp_path)
    found = {f.metrics["party"]["entity_id"]: f for f in run_detectors(ws, ["new_intermediary"])["new_intermediary"]
             if f.metrics["role"] == "importer"}  # fmt: skip
    direct, hub = found["p-new"], found["p-new-hub"]
    assert "incorporated_after" in direct.metrics["signals"] and direct.metrics["weak"]
    assert not _strong(direct) and direct.score <= WEAK_CAP
    assert "incorporated_after" in hub.metrics["signals"] and "weak" not in hub.metrics


def _payments(path: Path, rows: list[tuple[str, str, str, float]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "date", "payer_name", "payer_tax_id", "payee_name", "payee_tax_id", "amount",
                    "currency", "amount_usd", "purpose"])  # fmt: skip
        tax = {payer: f"50{i:08d}" for i, payer in enumerate(dict.fromkeys(r[1] for r in rows))}
        for i, (day, payer, payee, usd) in enumerate(rows):
            w.writerow(
                [f"PM{i:04d}", day, payer, tax[payer], payee, "", f"{usd:.2f}", "USD", f"{usd:.2f}", ""]
            )
    return path


def test_civilian_plants_paying_are_no_defence_payers(ws: Workspace, tmp_path: Path) -> None:
    civilian = [
        "АО «Кондитерский завод «Снежинка»»", "ООО «Завод строительных смесей»", "АО «Авиакомпания «Северный ветер»»",
        "ПАО «Молочный завод Заречье»", "АО «Стекольный завод»", "ООО «НИИ пищевых технологий»",
    ]  # fmt: skip
    rows = [
        (d, payer, "ООО «Мирный Импорт»", 90_000.0) for payer in civilian for d in monthly("2023-03-01", 2)
    ]
    rows += [
        (d, payer, "ООО «Военный Импорт»", 90_000.0) for payer in civilian for d in monthly("2023-03-01", 2)
    ]
    rows += [
        (d, "АО «Завод боеприпасов «Искра»»", "ООО «Военный Импорт»", 400_000.0)
        for d in monthly("2023-05-01", 3)
    ]
    ingest_table(ws, "payments", _payments(tmp_path / "payments.csv", rows))
    found = {f.entities[0].name: f for f in run_detectors(ws, ["military_end_use"])["military_end_use"]}
    civil = found["ООО «Мирный Импорт»"]
    assert civil.metrics["specific_payers"] == 0 and civil.metrics["weak"] and not _strong(civil)
    armed = found["ООО «Военный Импорт»"]
    assert armed.metrics["specific_payers"] == 1 and "weak" not in armed.metrics
