"""Calibrated finding and case probabilities: the fit, the shipped file, the fallback, and reliability."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tradetrace.cases.build import case_score, group_findings
from tradetrace.cases.calibration import (
    P_MAX,
    P_MIN,
    Calibration,
    Curve,
    brier,
    evidence,
    fit_curve,
    raw_score,
)
from tradetrace.cases.labels import Truth
from tradetrace.detect.base import registered
from tradetrace.detect.severity import WEAK_CAP, settle


def _f(
    fid: str, detector: str, score: float, entity: str = "x", records: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "finding_id": fid, "detector": detector, "score": score, "value_usd": 0.0, "severity": "low",
        "entities": [{"id": entity, "name": entity.upper(), "role": "importer"}], "record_ids": list(records),
    }  # fmt: skip


def test_fit_is_monotone_and_bounded() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 400)
    y = rng.uniform(0, 1, 400) < x**2  # true rate rises with the score, noisily
    curve = fit_curve(list(x), list(y))
    grid = [curve(v) for v in np.linspace(-0.5, 1.5, 201)]
    assert all(b >= a for a, b in itertools.pairwise(grid))
    assert min(grid) >= P_MIN and max(grid) <= P_MAX
    assert curve(0.05) < 0.1 and curve(0.95) > 0.8  # close to the rate it was drawn from
    assert curve.n == 400 and curve.positives == int(y.sum())


def test_violating_bins_pool_and_the_prior_keeps_away_from_0_and_1() -> None:
    # 0.1: 2 of 2 true, 0.3: 0 of 2 true -> the two bins pool: (2 + 1/2) / (4 + 1), Jeffreys' prior
    curve = fit_curve([0.1, 0.1, 0.3, 0.3, 0.8, 0.8, 0.8], [True, True, False, False, True, True, True])
    assert curve(0.1) == pytest.approx(0.5) and curve(0.3) == pytest.approx(0.5)
    assert curve(0.8) == pytest.approx(3.5 / 4)  # three of three is not certainty
    assert curve(0.55) == pytest.approx((0.5 + 0.875) / 2)  # linear between blocks
    assert fit_curve([0.4] * 3, [False] * 3)(0.4) == pytest.approx(0.5 / 4)
    assert fit_curve([0.9] * 1000, [True] * 1000)(0.9) == P_MAX
    with pytest.raises(ValueError):
        Curve((0.1, 0.5), (0.6, 0.2))  # decreasing


def test_unknown_detectors_keep_their_raw_score_and_say_so() -> None:
    cal = Calibration({"route_switch@1": Curve((0.5, 0.9), (0.2, 0.9))})
    assert cal.finding_probability("route_switch@1", 0.7) == (pytest.approx(0.55), True)
    assert cal.finding_probability("route_switch@2", 0.7) == (0.7, False)  # a new version: not fitted
    assert cal.finding_probability("my_plugin@1", 0.42) == (0.42, False)
    scored = cal.score_case([_f("a", "route_switch@1", 0.9), _f("b", "my_plugin@1", 0.5)])
    assert scored.uncalibrated == ["my_plugin@1"]
    assert scored.probability == pytest.approx(1 - 0.1 * 0.5)  # no case curve: noisy-OR of probabilities
    assert scored.raw == pytest.approx(
        case_score([_f("a", "route_switch@1", 0.9), _f("b", "my_plugin@1", 0.5)])
    )


def test_case_evidence_counts_each_detector_once() -> None:
    cal = Calibration({"a@1": Curve((0.0, 1.0), (0.0, 0.9)), "b@1": Curve((0.0, 1.0), (0.0, 0.9))})
    one = cal.score_case([_f("1", "a@1", 1.0), _f("2", "a@1", 1.0)])
    two = cal.score_case([_f("1", "a@1", 1.0), _f("2", "b@1", 1.0)])
    assert one.evidence == pytest.approx(1.0) and two.evidence == pytest.approx(2.0)
    assert [d["finding_id"] for d in two.detectors] == ["1", "2"]
    assert evidence([1.0, 1.0, 1.0]) == 6.0  # each at most 0.999 (3), the sum at most 6
    # a finding resting on one weak signal counts at most WEAK_CAP in its case, as in its own score
    weak = _f("3", "b@1", 1.0) | {"metrics": {"raw_score": 1.0, "weak": "a shared address alone"}}
    capped = cal.score_case([_f("1", "a@1", 1.0), weak])
    assert capped.evidence == pytest.approx(1.0 - math.log10(1 - WEAK_CAP))


def test_the_shipped_calibration() -> None:
    cal = Calibration.shipped()
    fitted = cal.meta["fitted_on"]
    assert fitted["seeds"] and fitted["simulator_rows"] > 0 and fitted["date"]
    assert not set(fitted["seeds"]) & set(cal.meta["held_out"]["seeds"])
    missing = {f"{d.name}@{d.version}" for d in registered().values()} - set(cal.detectors)
    assert not missing, f"{missing}: refit with `python bench/calibrate.py`"
    assert cal.case is not None
    for curve in [*cal.detectors.values(), cal.case]:
        assert list(curve.ps) == sorted(curve.ps) and curve.ps[0] >= P_MIN and curve.ps[-1] <= P_MAX
    held = cal.meta["held_out"]["cases"]
    assert held["brier_calibrated"] < held["brier_raw"]


def test_labels_from_records_and_parties() -> None:
    truth = Truth(
        {"schemes": [{"scheme_id": "s1", "record_ids": ["r1"], "payment_record_ids": ["p1"],
                      "entities": [{"entity_id": "e1", "tax_id": "777", "name": "Alpha"}]}]},
        {"ALPHA LLC": {"e1"}},
    )  # fmt: skip
    assert truth.label(_f("a", "d@1", 0.5, records=("r1",))).scheme == "s1"
    assert truth.label(_f("a", "d@1", 0.5, records=("p1",))).by_record
    by_name = truth.label({"record_ids": [], "entities": [{"id": "alpha", "name": "ALPHA LLC (TR)"}]})
    assert by_name.true and by_name.by_party and not by_name.by_record
    assert truth.label({"record_ids": ["r9"], "entities": [{"id": "777", "name": "?"}]}).true
    assert not truth.label(_f("a", "d@1", 0.5, "beta", ("r9",))).true


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Truth, list[dict[str, Any]]]:
    """60,000 rows, a seed not used for fitting, through the whole pipeline (~10 s)."""
    from tradetrace.detect.findings import read_findings
    from tradetrace.pipeline import load_simulation, screen_resolve_detect
    from tradetrace.settings import Settings
    from tradetrace.simulate import simulate
    from tradetrace.workspace import Workspace

    tmp: Path = tmp_path_factory.mktemp("calibration")
    sim = simulate(tmp / "data", rows=60_000, seed=11)
    with Workspace(Settings(workspace=tmp / "ws", progress=False)) as ws:
        load_simulation(ws, sim.files)
        screen_resolve_detect(ws)
        findings = read_findings(ws.engine)
    return Truth.from_files(sim.files["truth"], sim.files["party_truth"]), findings


def test_calibrated_scores_are_closer_to_observed_rates(
    small_run: tuple[Truth, list[dict[str, Any]]],
) -> None:
    truth, findings = small_run
    cal = Calibration.shipped()
    assert 11 not in cal.meta["fitted_on"]["seeds"]
    y = [truth.label(f).true for f in findings]
    assert 0 < sum(y) < len(y)  # both kinds present
    raw = [raw_score(f) for f in findings]
    calibrated = [float(f["score"]) for f in findings]  # the runner calibrates each finding's score
    assert calibrated == [  # ... then caps those that rest on one weak signal
        round(settle(cal.finding_probability(f["detector"], r)[0], f["value_usd"], f["metrics"])[0], 4)
        for f, r in zip(findings, raw, strict=True)
    ]
    assert any(f["metrics"].get("weak") for f in findings)  # the cap was exercised
    assert brier(calibrated, y) < brier(raw, y)
    groups = group_findings(findings)
    yc = [truth.case_label(g) for g in groups]
    scored = [cal.score_case(g) for g in groups]
    assert 0 < sum(yc) < len(yc)
    assert brier([s.probability for s in scored], yc) < brier([s.raw for s in scored], yc)
    # and the calibrated score still ranks every planted scheme above every false alarm
    lowest_true = min(s.probability for s, t in zip(scored, yc, strict=True) if t)
    assert all(s.probability < lowest_true for s, t in zip(scored, yc, strict=True) if not t)


def test_families_that_disagree_shrink_the_pooled_map() -> None:
    from tradetrace.cases.calibration import combine_families

    pooled = Curve((0.2, 0.8), (0.3, 0.9))
    agree = [Curve((0.2, 0.8), (0.25, 0.92)), Curve((0.2, 0.8), (0.35, 0.85))]
    assert combine_families(pooled, agree).ps == pooled.ps  # within the tolerance: unchanged
    other = [Curve((0.2, 0.8), (0.3, 0.95)), Curve((0.2, 0.5, 0.8), (0.05, 0.1, 0.4))]
    shrunk = combine_families(pooled, other, tolerance=0.1)
    assert shrunk(0.8) == pytest.approx(0.5) and shrunk(0.2) == pytest.approx(0.15)
    assert list(shrunk.ps) == sorted(shrunk.ps)  # still monotone
    assert combine_families(pooled, []) is pooled
