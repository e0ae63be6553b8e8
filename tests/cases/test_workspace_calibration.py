"""Analyst decisions refit the calibration of one workspace."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tradetrace.cases.build import build_cases
from tradetrace.cases.calibration import Calibration
from tradetrace.cases.workspace_calibration import (
    PRIOR_WEIGHT,
    RAW_PRIOR,
    calibration_in_use,
    fit_with_prior,
    refit_from_decisions,
    remove_workspace_maps,
)
from tradetrace.cli import cli
from tradetrace.detect.decisions import decide_finding
from tradetrace.detect.findings import EntityRef, Finding, read_findings, store_findings
from tradetrace.detect.rescore import rescore_findings
from tradetrace.detect.runner import calibrate
from tradetrace.report.html import write_report
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

DETECTOR = "related_parties@2"  # shipped: flat 0.988 over raw 0.55-0.90
GRID = np.linspace(0.0, 1.0, 201)
FITTED = Calibration.shipped().meta["fitted_on"]["date"]  # the shipped fit, named in notes


def _shipped() -> Calibration:
    return Calibration.shipped()


def test_dismissals_lower_the_map_where_they_are_and_not_above() -> None:
    shipped = _shipped().detectors[DETECTOR]
    curve = fit_with_prior([0.6] * 30, [False] * 30, shipped)
    assert curve.n == 30 and curve.positives == 0
    expected = PRIOR_WEIGHT * shipped(0.6) / (30 + PRIOR_WEIGHT)
    assert curve(0.6) == pytest.approx(expected, abs=1e-6) and curve(0.6) < 0.4
    assert curve(0.55) <= curve(0.6)  # a lower raw score is never more likely
    for x in (0.7, 0.8, 0.84):  # above the decisions the shipped map holds
        assert curve(x) == pytest.approx(shipped(x))
    assert all(b >= a - 1e-12 for a, b in zip(curve.ps, curve.ps[1:], strict=False))


def test_two_decisions_barely_move_the_shipped_map() -> None:
    for detector, x in (("related_parties@2", 0.6), ("restricted_goods@1", 0.7), ("route_switch@1", 0.9)):
        shipped = _shipped().detectors[detector]
        for labels in ([False, False], [True, True], [True, False]):
            curve = fit_with_prior([x, x + 0.01], labels, shipped)
            moved = max(abs(curve(v) - shipped(v)) for v in GRID)
            assert moved <= 2 / (2 + PRIOR_WEIGHT) + 1e-9, (detector, labels, moved)


def test_many_decisions_outweigh_the_prior() -> None:
    shipped = _shipped().detectors["restricted_goods@1"]  # 0.013 up to raw 0.44
    curve = fit_with_prior([0.4] * 200, [True] * 190 + [False] * 10, shipped)
    assert curve(0.4) == pytest.approx((190 + PRIOR_WEIGHT * shipped(0.4)) / 220, abs=1e-6)
    assert curve(0.4) > 0.85 and curve(0.3) == pytest.approx(shipped(0.3))


def test_a_detector_without_shipped_map_starts_from_its_raw_score() -> None:
    curve = fit_with_prior([0.5] * 20, [False] * 20, RAW_PRIOR)
    assert curve(0.5) == pytest.approx(PRIOR_WEIGHT * 0.5 / 40)
    assert curve(0.9) == pytest.approx(0.9)


def _finding(i: int, raw: float) -> Finding:
    return Finding(
        detector=DETECTOR, flags=["RELATED_PARTIES"], severity="low", score=raw, title=f"pair {i}",
        explanation="synthetic", entities=[EntityRef(f"p{i}", f"Party {i}", "related_party")],
        record_ids=[f"R{i}"], period_start=date(2023, 1, 1), period_end=date(2023, 6, 1), value_usd=1e5,
        key=(f"pair-{i}",),
    )  # fmt: skip


@pytest.fixture
def decided(ws: Workspace) -> Workspace:
    """30 findings at raw 0.6, all dismissed; 5 at raw 0.8, undecided; 2 at 0.6 reopened."""
    findings = calibrate([_finding(i, 0.6) for i in range(32)] + [_finding(100 + i, 0.8) for i in range(5)])
    store_findings(ws.engine, DETECTOR, findings)
    for f in findings[:32]:
        decide_finding(ws.engine, f.finding_id, "dismiss", who="analyst")
    for f in findings[30:32]:
        decide_finding(ws.engine, f.finding_id, "reopen", who="analyst")
    return ws


def _scores(ws: Workspace) -> dict[float, set[tuple[float, str]]]:
    out: dict[float, set[tuple[float, str]]] = {}
    for f in read_findings(ws.engine):
        out.setdefault(f["metrics"]["raw_score"], set()).add((f["score"], f["metrics"]["calibration"]))
    return out


def test_refit_rescores_the_workspace_only(decided: Workspace, tmp_path: Path) -> None:
    shipped = _shipped().detectors[DETECTOR]
    assert _scores(decided) == {
        0.6: {(round(shipped(0.6), 4), "shipped")},
        0.8: {(round(shipped(0.8), 4), "shipped")},
    }
    (m,) = refit_from_decisions(decided.engine)
    assert m.detector == DETECTOR and m.curve.n == 30 and m.curve.positives == 0
    row = decided.engine.fetchone("SELECT decisions, positives, prior, fitted_at FROM workspace_calibration")
    assert row is not None and row[:3] == (30, 0, f"shipped ({FITTED})")
    cal = calibration_in_use(decided.engine)
    assert rescore_findings(decided.engine, cal) == 37
    label = f"workspace: 30 decisions, {row[3].date().isoformat()}"
    low = round(PRIOR_WEIGHT * shipped(0.6) / 50, 4)
    assert _scores(decided) == {0.6: {(low, label)}, 0.8: {(round(shipped(0.8), 4), label)}}
    for f in read_findings(decided.engine):
        assert f["metrics"]["calibrated"] is True
    # cases take the workspace's map when `cases` runs again
    cases = build_cases(decided.engine)
    probabilities = {e["probability"] for c in cases for e in c.evidence}
    assert probabilities == {low, round(shipped(0.8), 4)}  # the two reopened at 0.6, the five at 0.8
    assert len(cases) == 7  # the dismissed findings left their cases
    # another workspace knows nothing of these decisions
    with Workspace(Settings(workspace=tmp_path / "other", progress=False)) as other:
        assert calibration_in_use(other.engine) is Calibration.shipped()


def test_reopened_decisions_do_not_count_and_reset_restores_shipped(decided: Workspace) -> None:
    before = {f["finding_id"]: (f["score"], f["severity"]) for f in read_findings(decided.engine)}
    refit_from_decisions(decided.engine)
    rescore_findings(decided.engine, calibration_in_use(decided.engine))
    assert remove_workspace_maps(decided.engine) == 1
    rescore_findings(decided.engine, calibration_in_use(decided.engine))
    after = read_findings(decided.engine)
    assert {f["finding_id"]: (f["score"], f["severity"]) for f in after} == before
    assert {f["metrics"]["calibration"] for f in after} == {"shipped"}
    # with every decision reopened, a refit leaves the shipped map in place
    for fid in before:
        decide_finding(decided.engine, fid, "reopen")
    assert refit_from_decisions(decided.engine) == []
    assert calibration_in_use(decided.engine) is Calibration.shipped()


def test_reports_say_how_scores_were_calibrated(decided: Workspace, tmp_path: Path) -> None:
    (case, *_) = build_cases(decided.engine)
    md = write_report(decided, case.case_id, tmp_path / "shipped.md", "md").read_text("utf-8")
    assert "Scores calibrated with the shipped calibration, fitted on the simulator's planted schemes" in md
    refit_from_decisions(decided.engine)
    rescore_findings(decided.engine, calibration_in_use(decided.engine))
    (case, *_) = build_cases(decided.engine)
    for fmt in ("md", "html"):
        text = write_report(decided, case.case_id, tmp_path / f"ws.{fmt}", fmt).read_text("utf-8")
        assert "related_parties@2: refitted on 30 analyst decisions of this workspace" in text
    finding = read_findings(decided.engine)[0]["finding_id"]
    one = write_report(decided, finding, tmp_path / "finding.md", "md").read_text("utf-8")
    assert "refitted on 30 analyst decisions of this workspace" in one


def test_the_calibrate_command(decided: Workspace) -> None:
    path = str(decided.path)
    decided.close()
    runner = CliRunner()
    shown = runner.invoke(cli, ["-q", "-w", path, "calibrate", "--show"])
    assert shown.exit_code == 0, shown.output
    ship = _shipped().detectors[DETECTOR]
    assert f"{DETECTOR}  shipped; n {ship.n}, positives {ship.positives}" in shown.output
    refit = runner.invoke(cli, ["-q", "-w", path, "calibrate", "--from-decisions"])
    assert refit.exit_code == 0, refit.output
    assert "re-scored 37 finding(s)" in refit.output
    assert (
        f"{DETECTOR}  workspace: 30 decisions" in refit.output
        and f"prior shipped ({FITTED}) worth 20" in refit.output
    )
    with Workspace(Settings(workspace=Path(path), progress=False)) as again:
        assert {f["metrics"]["calibration"].split(",")[0] for f in read_findings(again.engine)} == {
            "workspace: 30 decisions"
        }
        manifest = json.loads(again.settings.manifest_path.read_text("utf-8"))
        assert manifest["stages"]["calibrate"]["rescored_findings"] == 37
    reset = runner.invoke(cli, ["-q", "-w", path, "calibrate", "--reset"])
    assert reset.exit_code == 0 and "removed 1 workspace map(s)" in reset.output
    with Workspace(Settings(workspace=Path(path), progress=False)) as again:
        assert {f["metrics"]["calibration"] for f in read_findings(again.engine)} == {"shipped"}
    both = runner.invoke(cli, ["-q", "-w", path, "calibrate", "--reset", "--from-decisions"])
    assert both.exit_code == 2


def test_the_note_names_each_source() -> None:
    from tradetrace.cases.workspace_calibration import calibration_note

    findings = [
        {"detector": "route_switch@1", "metrics": {"calibration": "shipped", "calibrated": True}},
        {"detector": DETECTOR, "metrics": {"calibration": "workspace: 37 decisions, 2026-12-03"}},
        {"detector": "plugin@1", "metrics": {"calibrated": False}},
    ]
    assert calibration_note(findings) == (
        "Scores calibrated per detector. route_switch@1: the shipped calibration, fitted on the simulator's "
        f"planted schemes ({FITTED}); plugin@1: not calibrated (the detector's own score); "
        "related_parties@2: refitted on 37 analyst decisions of this workspace (2026-12-03)."
    )
