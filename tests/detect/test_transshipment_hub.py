"""TRANSSHIPMENT_HUB on small messy data: new routes and jumps via listed hubs, and the
look-alikes (steady routes, non-hub distributors, unrestricted origins)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import Rows, monthly
from tradetrace.detect.findings import Finding
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace

SCOPE, BEARING, LATHE = "9030200000", "8482101009", "8458114100"
CASES: dict[str, tuple[tuple[str, str], dict[str, Any] | None]] = {
    "new_route": (("ООО «Водлозеро Приборы»", "7702000001"), {"hubs": ["KZ", "AM"], "new": True, "lines": 5}),
    "jump": (("ООО «Скачок»", "7702000002"), {"hubs": ["KG"], "new": False, "lines": 6}),
    "steady_route": (("ООО «Ровный»", "7702000003"), None),
    "eu_distributor": (("ООО «Дистрибуция»", "7702000004"), None),
    "chinese_goods_via_hk": (("ООО «Гонконг»", "7702000005"), None),
    "before_rule": (("ООО «Рано»", "7702000006"), None),
}  # fmt: skip


def _rows() -> Rows:
    r = Rows("TH")
    b = CASES["new_route"][0]
    for i, day in enumerate(monthly("2022-09-05", 5, 45)):
        hub, name = ("KZ", "ТОО «Шалкыма Трейд»") if i % 2 == 0 else ("AM", "SEVKAR TRADE LLC")
        r.add(day, b if i else (b[0], ""), name, hub, "Germany", SCOPE, 30_000, manufacturer="Helmbrecht GmbH",
              currency="EUR" if i == 3 else "USD")  # fmt: skip
    # JP bearings via Kyrgyzstan: some before 2022, ten times more after the CHPL rule (2023-06-23)
    b = CASES["jump"][0]
    for day in monthly("2020-03-02", 2, 300):
        r.add(day, b, "ОсОО «Сон-Куль Трейд»", "KG", "JP", BEARING, 5_000)
    for day in monthly("2023-07-03", 6, 60):
        r.add(day, b, "OSOO SON-KUL TRADE", "KG", "JP", BEARING, 40_000)
    # the same kind of route with the same yearly value before and after: no jump
    b = CASES["steady_route"][0]
    for day in monthly("2020-01-10", 8, 90) + monthly("2023-07-10", 6, 90):
        r.add(day, b, "Balkhash Podshipnik LLP", "KZ", "JP", "8482200009", 20_000)
    b = CASES["eu_distributor"][0]
    for day in monthly("2023-01-10", 4):
        r.add(day, b, "Holland Meet B.V.", "NL", "DE", SCOPE, 40_000)
    b = CASES["chinese_goods_via_hk"][0]
    for day in monthly("2023-01-10", 4):
        r.add(day, b, "Fairwind Trading Limited", "HK", "CN", LATHE, 90_000, dispatch="CN")
    b = CASES["before_rule"][0]
    for day in monthly("2021-01-10", 4):
        r.add(day, b, "Rimal Tech Trading L.L.C", "AE", "DE", SCOPE, 40_000)
    return r


@pytest.fixture
def found(ws: Workspace, tmp_path: Path) -> dict[str, Finding]:
    _rows().load(ws, tmp_path)
    findings = run_detectors(ws, ["transshipment_hub"])["transshipment_hub"]
    return {f.entities[0].id: f for f in findings}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cases(found: dict[str, Finding], case: str) -> None:
    (_, tax), want = CASES[case]
    f = found.get(tax)
    if want is None:
        assert f is None, f"{case}: unexpected finding {f.title if f else ''}"
        return
    assert f is not None, f"{case}: no finding"
    assert f.flags == ["TRANSSHIPMENT_HUB"] and len(f.record_ids) == want["lines"]
    assert sorted(f.metrics["hubs"]) == sorted(want["hubs"])
    routes = f.metrics["routes"]
    assert all(r["route_new"] is want["new"] for r in routes)
    assert f.metrics["raw_score"] >= 0.5 and "fincen-bis-2022-06" in f.metrics["hub_lists"]
    assert "FinCEN and BIS joint alert" in f.explanation


def test_jump_is_measured(found: dict[str, Finding]) -> None:
    (route,) = found["7702000002"].metrics["routes"]
    assert route["route_before_usd"] == pytest.approx(10_000) and route["route_after_usd"] == pytest.approx(
        240_000
    )
    assert route["route_jump"] > 3 and route["route_rule_date"] == "2023-06-23"


def test_history_window_is_a_parameter(ws: Workspace, tmp_path: Path) -> None:
    _rows().load(ws, tmp_path)
    # a baseline of 100 days holds none of the 2020 bearings: the jump becomes a new route
    out = run_detectors(ws, ["transshipment_hub"], {"transshipment_hub": {"baseline_days": 100}})
    by_buyer = {f.entities[0].id: f for f in out["transshipment_hub"]}
    assert by_buyer["7702000002"].metrics["routes"][0]["route_new"] is True
    assert "7702000003" in by_buyer
