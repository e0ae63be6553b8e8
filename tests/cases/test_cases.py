"""Grouping findings into cases, ranking them, and their totals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.test_route_switch import loaded  # noqa: F401  (fixture)
from tradetrace.cases.build import build_cases, case_score, group_findings
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace


def _f(
    fid: str, score: float, entities: list[str], records: list[str], detector: str = "d1@1"
) -> dict[str, Any]:
    return {
        "finding_id": fid, "score": score, "value_usd": 0.0, "detector": detector, "flags": ["ROUTE_SWITCH"],
        "entities": [{"id": e, "name": e.upper(), "role": "importer"} for e in entities], "record_ids": records,
    }  # fmt: skip


def test_grouping_by_shared_parties_and_records() -> None:
    findings = [
        _f("a", 0.9, ["buyer1"], ["r1"]),
        _f("b", 0.5, ["buyer1", "maker"], ["r2"], "d2@1"),
        _f("c", 0.7, ["other"], ["r2"]),
        _f("d", 0.6, ["lonely"], ["r9"]),
    ]
    groups = group_findings(findings)
    assert [[f["finding_id"] for f in g] for g in groups] == [["a", "c", "b"], ["d"]]


def test_a_hub_party_does_not_glue_cases() -> None:
    findings = [_f(f"x{i}", 0.5, [f"buyer{i}", "big-forwarder"], [f"r{i}"]) for i in range(30)]
    assert len(group_findings(findings, max_entity_findings=25)) == 30
    assert len(group_findings(findings, max_entity_findings=40)) == 1


def test_score_counts_each_detector_once() -> None:
    one = [_f("a", 0.8, ["x"], []), _f("b", 0.8, ["x"], [])]
    two = [_f("a", 0.8, ["x"], []), _f("b", 0.8, ["x"], [], "d2@1")]
    assert case_score(one) == pytest.approx(0.8)
    assert case_score(two) == pytest.approx(1 - 0.2 * 0.2)


def test_cases_from_the_workspace_carry_totals(loaded: Workspace) -> None:  # noqa: F811
    run_detectors(loaded, ["route_switch"])
    (case,) = build_cases(loaded.engine)
    t = case.totals
    assert case.rank == 1 and t["shipments"] == 13
    assert t["shipments_value_usd"] == pytest.approx(447_000 + 6 * 200_000 + 4 * 145_000)
    assert t["direct_before_usd"] == pytest.approx(447_000) and t["hubs"] == ["CN", "TR"]
    assert loaded.engine.scalar("SELECT count(*) FROM cases") == 1
    assert build_cases(loaded.engine)[0].case_id == case.case_id


def test_a_dismissed_finding_stays_dismissed_across_re_runs(loaded: Workspace) -> None:  # noqa: F811
    from tradetrace.detect.decisions import decide_finding

    (finding,) = run_detectors(loaded, ["route_switch"])["route_switch"]
    assert len(build_cases(loaded.engine)) == 1
    decide_finding(
        loaded.engine, finding.finding_id[:8], "dismiss", note="known supplier change", who="analyst"
    )
    run_detectors(loaded, ["route_switch"])  # the same finding again, same id
    assert build_cases(loaded.engine) == []
    decide_finding(loaded.engine, finding.finding_id, "reopen", who="analyst")
    assert len(build_cases(loaded.engine)) == 1
    log = loaded.engine.fetchall("SELECT decision, decided_by FROM finding_decisions ORDER BY decided_at")
    assert log == [("dismiss", "analyst"), ("reopen", "analyst")]
    with pytest.raises(LookupError):
        decide_finding(loaded.engine, "f-nonexistent", "dismiss")


def test_cases_carry_the_calibrated_and_the_raw_score(loaded: Workspace) -> None:  # noqa: F811
    from tradetrace.cases.calibration import Calibration

    (finding,) = run_detectors(loaded, ["route_switch"])["route_switch"]
    (case,) = build_cases(loaded.engine)
    raw = finding.metrics["raw_score"]
    assert finding.metrics["calibrated"] and case.raw_score == pytest.approx(raw)
    (item,) = case.evidence
    assert (
        item["detector"] == "route_switch@1"
        and item["calibrated"]
        and item["finding_id"] == finding.finding_id
    )
    expected = Calibration.shipped().score_case([{"detector": "route_switch@1", "score": raw}])
    assert case.score == pytest.approx(expected.probability) and 0.0 < case.score < 1.0
    row = loaded.engine.fetchone("SELECT score, raw_score, evidence FROM cases")
    assert row is not None and row[0] == pytest.approx(case.score) and row[1] == pytest.approx(raw)
    assert case.as_dict()["raw_score"] == round(raw, 4)


def test_a_workspace_from_before_calibration_gains_the_new_columns(loaded: Workspace) -> None:  # noqa: F811
    e = loaded.engine
    e.execute("DROP TABLE cases")
    e.execute(
        "CREATE TABLE cases (case_id VARCHAR, rank INTEGER, title VARCHAR, score DOUBLE, severity VARCHAR, "
        "flags VARCHAR, finding_ids VARCHAR, entities VARCHAR, totals VARCHAR, period_start DATE, period_end DATE)"
    )
    run_detectors(loaded, ["route_switch"])
    (case,) = build_cases(e)
    assert e.scalar("SELECT raw_score FROM cases") == pytest.approx(case.raw_score)
