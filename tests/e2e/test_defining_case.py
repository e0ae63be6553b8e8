"""The defining case, found on its own in simulated data, in both formats."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Run


def _scheme(run: Run, scheme_id: str) -> dict[str, object]:
    return next(s for s in run.truth["schemes"] if s["scheme_id"] == scheme_id)


def test_route_switch_finding_is_the_defining_case(demo_run: Run) -> None:
    (top, *others) = [f for f in demo_run.findings if "ROUTE_SWITCH" in f["flags"]]
    assert all(o["metrics"]["rerouted_after_usd"] < top["metrics"]["rerouted_after_usd"] for o in others)
    truth = _scheme(demo_run, "cnc_taiwan_reroute")["route_switch"]
    assert isinstance(truth, dict)
    m = top["metrics"]
    assert "ROUTE_SWITCH" in top["flags"]
    assert top["entities"][0]["id"] == truth["buyer_tax_id"]
    assert m["direct_before_usd"] == pytest.approx(4_470_000, rel=0.01)
    assert m["rerouted_after_usd"] == pytest.approx(17_800_000, rel=0.01)
    assert m["shipments"] == 63
    assert sorted(m["hubs"]) == ["CN", "TR"]
    assert m["switch_date"] == truth["switch_date"] and m["switch_date"].startswith("2023-05")
    assert m["restriction_date"] == "2023-01-01"
    assert set(top["record_ids"]) <= set(_scheme(demo_run, "cnc_taiwan_reroute")["record_ids"])  # type: ignore[arg-type]


def test_ru_dt_extract_gives_the_same_findings(demo_run: Run, demo_run_rudt: Run) -> None:
    def essentials(run: Run) -> list[tuple[object, ...]]:
        return [
            (f["finding_id"], tuple(f["flags"]), round(f["value_usd"], 0), tuple(f["record_ids"]),
             f["metrics"].get("switch_date"), tuple(f["metrics"].get("hubs") or ()))
            for f in run.findings
        ]  # fmt: skip

    assert essentials(demo_run) == essentials(demo_run_rudt)
    assert len(demo_run.findings) >= 2
