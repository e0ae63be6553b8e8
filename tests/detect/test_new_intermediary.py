"""NEW_INTERMEDIARY on small messy data with a party register: new, co-located and
short-lived intermediaries, and the look-alikes (old firms, new firms with harmless goods)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import Rows, monthly
from tradetrace.detect.findings import Finding
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace

CHIPS, SOFA = "8542319010", "9401710009"
SHARED = "Room 1807, 18/F, Grand Meridian Centre, 8 Canton Road, Kowloon, Hong Kong"
BUYER = ("ООО «Сямозеро Комплект»", "7704000001")
# exporter as written on the lines -> expectation (None: no finding)
CASES: dict[str, dict[str, Any] | None] = {
    "TIANLU GLOBAL TRADING LTD": {
        "signals": {"incorporated_after", "co_located", "first_seen_after"},
        "min": 0.7,
    },
    "Corvina General Trading FZCO": {
        "signals": {"incorporated_after", "co_located", "first_seen_after"},
        "min": 0.7,
    },
    "Brief Components Ltd": {"signals": {"first_seen_after", "short_lived"}, "max": 0.5},
    "Old Harbour Electronics Ltd": None,
    "New Sofa Trading FZE": None,
}


def _rows() -> Rows:
    r = Rows("NI")
    r.party("p-tianlu", "Tianlu Global Trading Limited", "HK", incorporated="2022-06-14", address=SHARED,
            phone="+852 3958 2214")  # fmt: skip
    r.party("p-corvina", "Corvina General Trading FZCO", "AE", tax_id="100695991341481",
            incorporated="2022-08-02", address=SHARED.upper(), phone="+852 3958-2214")  # fmt: skip
    r.party("p-old", "Old Harbour Electronics Limited", "HK", incorporated="2004-03-01")
    r.party("p-sofa", "New Sofa Trading FZE", "AE", incorporated="2023-01-05")
    for i, day in enumerate(monthly("2022-09-01", 4, 200)):
        r.add(day, BUYER, "TIANLU GLOBAL TRADING LTD" if i % 2 else "Tianlu Global Trading Limited", "HK", "US",
              CHIPS, 40_000)  # fmt: skip
    for day in monthly("2022-10-03", 3, 300):
        r.add(day, BUYER, "Corvina General Trading FZCO", "AE", "US", CHIPS, 30_000, exp_tax="100695991341481",
              exp_address=SHARED)  # fmt: skip
    for day in monthly("2022-11-01", 3, 40):  # three months in 2022-2023, then silence
        r.add(day, BUYER, "Brief Components Ltd", "HK", "US", CHIPS, 20_000)
    for day in monthly("2019-03-01", 10, 180):  # trading since 2019
        r.add(day, BUYER, "Old Harbour Electronics Ltd", "HK", "US", CHIPS, 20_000)
    for day in monthly("2023-03-01", 4):
        r.add(day, BUYER, "New Sofa Trading FZE", "AE", "IT", SOFA, 50_000)
    r.add("2024-12-20", ("ООО «Последний»", "7704000009"), "Mobili Roma S.r.l.", "IT", "IT", SOFA, 10_000)
    return r


@pytest.fixture
def found(ws: Workspace, tmp_path: Path) -> dict[str, Finding]:
    _rows().load(ws, tmp_path)
    findings = run_detectors(ws, ["new_intermediary"])["new_intermediary"]
    return {f.entities[0].name: f for f in findings if f.metrics["role"] == "intermediary"}


@pytest.mark.parametrize("exporter", sorted(CASES))
def test_cases(found: dict[str, Finding], exporter: str) -> None:
    want = CASES[exporter]
    f = next((f for name, f in found.items() if name.lower()[:12] == exporter.lower()[:12]), None)
    if want is None:
        assert f is None, f"{exporter}: unexpected finding {f.title if f else ''}"
        return
    assert f is not None, f"{exporter}: no finding among {sorted(found)}"
    assert set(f.metrics["signals"]) == want["signals"]
    raw = f.metrics["raw_score"]
    assert raw >= want.get("min", 0.0) and raw < want.get("max", 1.0)
    assert f.flags == ["NEW_INTERMEDIARY"] and f.entities[1].id == BUYER[1]


def test_register_facts_are_cited(found: dict[str, Finding]) -> None:
    f = found["Tianlu Global Trading Limited"]
    assert f.entities[0].id == "p-tianlu" and len(f.record_ids) == 4  # both spellings, one party
    assert f.metrics["incorporated"] == "2022-06-14" and f.metrics["first_restriction"] == "2022-02-24"
    assert f.metrics["co_located_with"] == ["p-corvina"]
    assert "address and phone" in f.explanation and "2022-06-14" in f.explanation
    assert {e.role for e in f.entities} == {"intermediary", "importer", "related_party"}
