"""Run detectors over the workspace and store their findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tradetrace.detect.base import DetectContext, registered
from tradetrace.detect.findings import Finding, store_findings
from tradetrace.detect.severity import WEAK_NOTE, settle, weak_reason
from tradetrace.progress import NullProgress, Progress
from tradetrace.workspace import Workspace


def calibrate(findings: list[Finding]) -> list[Finding]:
    """Replace each finding's score by its calibrated probability (data-contracts §4: comparable
    across detectors); the detector's own score stays in ``metrics["raw_score"]``. A detector
    (or version) the shipped calibration does not know keeps its own score, and says so in
    ``metrics["calibrated"]``. Then the one severity rule of :mod:`tradetrace.detect.severity`
    sets the severity from that probability and the value, and caps findings that rest on a
    single weak signal. See docs/scoring.md."""
    from tradetrace.cases.calibration import Calibration, raw_score

    cal = Calibration.shipped()
    for f in findings:
        raw = raw_score({"score": f.score, "metrics": f.metrics})
        probability, calibrated = cal.finding_probability(f.detector, raw)
        f.metrics = {**f.metrics, "raw_score": round(raw, 4), "calibrated": calibrated}
        probability, f.severity = settle(probability, f.value_usd, f.metrics)
        f.score = round(probability, 4)
        reason = weak_reason(f.metrics)
        if reason and WEAK_NOTE not in f.explanation:
            f.explanation += f" {WEAK_NOTE}: {reason}."
    return findings


def run_detectors(
    ws: Workspace,
    names: Sequence[str] = (),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> dict[str, list[Finding]]:
    """Run the named detectors (all registered ones by default); findings are
    stored in the workspace, replacing the same detectors' earlier findings."""
    from tradetrace.ingest.rules import stored_rule_files, workspace_rules

    available = registered()
    chosen = list(names) or list(available)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        raise ValueError(f"unknown detector(s) {unknown}; available: {', '.join(available)}")
    from tradetrace.detect.party_keys import ensure_key_maps

    ensure_key_maps(ws.engine)  # party keys (and their clusters) for every detector's SQL
    ctx = DetectContext(ws.engine, workspace_rules(ws), progress or NullProgress())
    results: dict[str, list[Finding]] = {}
    for name in chosen:
        detector = available[name]((params or {}).get(name))
        findings = calibrate(list(detector.run(ctx)))
        store_findings(ws.engine, detector.ident, findings)
        results[name] = findings
    ws.record(
        "detect",
        {
            "detectors": [
                {
                    "name": available[n].name,
                    "version": available[n].version,
                    "params": vars(available[n]((params or {}).get(n)).params),
                    "findings": len(results[n]),
                }
                for n in chosen
            ],
            "rule_files": [str(p) for p in [*stored_rule_files(ws), *ws.settings.rule_files]],
        },
    )
    return results
