"""RESTRICTED_GOODS on small messy data: one workspace, one buyer per case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import Rows, monthly
from tradetrace.detect.findings import Finding
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace

CHIPS, LATHE, SOFA = "8542319010", "8458114100", "9401710009"
# case -> (buyer, expectation); None = no finding for the buyer
CASES: dict[str, tuple[tuple[str, str], dict[str, Any] | None]] = {
    "chips_via_hub": (("ООО «Кенозеро Чип»", "7701000001"),
                      {"min_score": 0.5, "tier": "CHPL tier 1", "share": 1.0, "lines": 6, "rule": "chpl-tier-1"}),
    "machines_direct": (("АО «Уралстан»", "7701000002"),
                        {"max_score": 0.5, "share": 0.0, "lines": 3, "rule": "tw-machine-tools-2023"}),
    "before_rule_only": (("ООО «Ранний»", "7701000003"), None),
    "uncontrolled": (("ООО «Мебель»", "7701000004"), None),
    "unrestricted_destination": (("ТОО «Алматы Чип»", "7701000005"), None),
    "chinese_origin": (("ООО «Китайстан»", "7701000006"), None),
    "missing_origin": (("ООО «Безродный»", "7701000007"), None),
}  # fmt: skip


def _rows() -> Rows:
    r = Rows("RG")
    buyer = CASES["chips_via_hub"][0]
    for i, day in enumerate(monthly("2023-07-03", 6)):
        # spelling variants, a line without the tax id, EUR values with and without a USD value
        imp = (buyer[0], "") if i == 2 else (("KENOZERO CHIP LLC", buyer[1]) if i == 3 else buyer)
        cur, usd = ("EUR", "54000" if i % 2 else "") if i >= 4 else ("USD", None)
        r.add(day, imp, "Sandgrouse Trading FZE", "AE", "US", CHIPS, 50_000, currency=cur, usd=usd,
              manufacturer="Quillon Microsystems Inc.", brand="QUILLON", model="QM32F407")  # fmt: skip
    buyer = CASES["machines_direct"][0]
    for day in monthly("2023-02-01", 3):
        r.add(day, buyer, "Formosa Lathe Works", "TW", "Taiwan", "8458.11.4100", 150_000,
              manufacturer="Formosa Lathe Works")  # fmt: skip
    r.add("2021-05-05", CASES["before_rule_only"][0], "Quillon Microsystems Inc.", "US", "US", CHIPS, 80_000)
    r.add("2023-05-05", CASES["uncontrolled"][0], "Mobili Roma S.r.l.", "IT", "IT", SOFA, 80_000)
    r.add("2023-05-05", CASES["unrestricted_destination"][0], "Quillon Microsystems Inc.", "US", "US", CHIPS,
          80_000, dest="KZ")  # fmt: skip
    r.add("2023-05-05", CASES["chinese_origin"][0], "Jiangyin CNC Co., Ltd.", "CN", "CN", LATHE, 120_000)
    r.add("2023-05-05", CASES["missing_origin"][0], "Sandgrouse Trading FZE", "AE", "", CHIPS, 80_000)
    return r


@pytest.fixture
def found(ws: Workspace, tmp_path: Path) -> dict[str, Finding]:
    _rows().load(ws, tmp_path)
    findings = run_detectors(ws, ["restricted_goods"])["restricted_goods"]
    return {f.entities[0].id: f for f in findings}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cases(found: dict[str, Finding], case: str) -> None:
    (_, tax), want = CASES[case]
    f = found.get(tax)
    if want is None:
        assert f is None, f"{case}: unexpected finding {f.title if f else ''}"
        return
    assert f is not None, f"{case}: no finding"
    m = f.metrics
    assert f.flags == ["RESTRICTED_GOODS"] and len(f.record_ids) == want["lines"]
    assert m["third_country_share"] == pytest.approx(want["share"])
    assert want["rule"] in m["by_rule_usd"]
    assert any(c.id == want["rule"] for c in f.citations)
    if "tier" in want:
        assert want["tier"] in m["by_tier_usd"]
    if "min_score" in want:
        assert f.metrics["raw_score"] >= want["min_score"]
    if "max_score" in want:
        assert f.metrics["raw_score"] < want["max_score"]


def test_values_are_converted_and_named(found: dict[str, Finding]) -> None:
    f = found["7701000001"]
    assert f.value_usd > 4 * 50_000 + 54_000  # the EUR line without USD was converted
    assert f.entities[0].role == "importer" and {e.role for e in f.entities} >= {"supplier", "intermediary"}
    assert f.metrics["intermediary_countries"] == ["AE"]
    assert "Sandgrouse" in f.explanation and f.severity in ("high", "critical")


def test_stable_ids_and_parameters(ws: Workspace, tmp_path: Path) -> None:
    _rows().load(ws, tmp_path)
    first = [f.finding_id for f in run_detectors(ws, ["restricted_goods"])["restricted_goods"]]
    again = [f.finding_id for f in run_detectors(ws, ["restricted_goods"])["restricted_goods"]]
    assert first == again and len(first) == 2
    strict = run_detectors(ws, ["restricted_goods"], {"restricted_goods": {"min_value_usd": 400_000}})
    assert [f.entities[0].id for f in strict["restricted_goods"]] == ["7701000002"]
