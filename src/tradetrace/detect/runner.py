"""Run detectors over the workspace and store their findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tradetrace.detect.base import DetectContext, registered
from tradetrace.detect.findings import Finding, store_findings
from tradetrace.detect.inputs import DetectorStatus, InputCheck
from tradetrace.detect.severity import WEAK_NOTE, settle, weak_reason
from tradetrace.progress import NullProgress, Progress
from tradetrace.workspace import Workspace

if TYPE_CHECKING:
    from tradetrace.cases.calibration import Calibration


class DetectRun(dict[str, list[Finding]]):
    """Findings per detector name, and ``status``: per detector, whether it ran and on what
    (:class:`tradetrace.detect.inputs.DetectorStatus`)."""

    def __init__(self) -> None:
        super().__init__()
        self.status: dict[str, DetectorStatus] = {}

    def lines(self) -> list[str]:
        """One line per detector: ``route_switch: 3 finding(s)``, ``sanctioned_party: 2 finding(s);
        ran without screening matches (run tradetrace screen)``, ``military_end_use: not run, no
        payments loaded (tradetrace ingest payments FILE)``."""
        out = []
        for name, st in self.status.items():
            if not st.runs:
                out.append(f"{name}: {st.line()}")
                continue
            note = f"; {st.line()}" if st.status == "ran_partial" else ""
            out.append(f"{name}: {len(self.get(name, []))} finding(s){note}")
        return out


def calibrate(findings: list[Finding], cal: Calibration | None = None) -> list[Finding]:
    """Replace each finding's score by its calibrated probability (data-contracts §4: comparable
    across detectors); the detector's own score stays in ``metrics["raw_score"]``. ``cal`` is
    the calibration in use (default: the shipped one; the runner passes the workspace's, see
    :mod:`tradetrace.cases.workspace_calibration`). A detector (or version) the calibration does
    not know keeps its own score, and says so in ``metrics["calibrated"]``; ``metrics["calibration"]``
    says which map was used. Then the one severity rule of :mod:`tradetrace.detect.severity`
    sets the severity from that probability and the value, and caps findings that rest on a
    single weak signal. Idempotent: the raw score is read back from the metrics, and severity
    depends only on the probability, the value and ``metrics["weak"]``. See docs/scoring.md."""
    from tradetrace.cases.calibration import Calibration, raw_score

    cal = cal or Calibration.shipped()
    for f in findings:
        raw = raw_score({"score": f.score, "metrics": f.metrics})
        probability, calibrated = cal.finding_probability(f.detector, raw)
        f.metrics = {**f.metrics, "raw_score": round(raw, 4), "calibrated": calibrated,
                     "calibration": cal.source(f.detector)}  # fmt: skip
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
) -> DetectRun:
    """Run the named detectors (all registered ones by default); findings are
    stored in the workspace, replacing the same detectors' earlier findings.

    A detector whose required inputs are missing is not run (its earlier findings
    are removed: they no longer rest on the workspace); the result's ``status``
    and the manifest say why, and which inputs a detector that ran went without."""
    from tradetrace.cases.workspace_calibration import calibration_in_use
    from tradetrace.ingest.rules import stored_rule_files, workspace_rules

    available = registered()
    chosen = list(names) or list(available)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        raise ValueError(f"unknown detector(s) {unknown}; available: {', '.join(available)}")
    from tradetrace.detect.party_keys import ensure_key_maps

    ensure_key_maps(ws.engine)  # party keys (and their clusters) for every detector's SQL
    ctx = DetectContext(ws.engine, workspace_rules(ws), progress or NullProgress())
    inputs = InputCheck(ws.engine, ctx.rules)
    cal = calibration_in_use(ws.engine)
    results = DetectRun()
    for name in chosen:
        detector = available[name]((params or {}).get(name))
        status = inputs.status(detector.requires, detector.uses)
        with ws.engine.doing(f"detector {detector.ident}"):
            findings = calibrate(list(detector.run(ctx)), cal) if status.runs else []
        store_findings(ws.engine, detector.ident, findings)
        results[name] = findings
        results.status[name] = status
    ws.record(
        "detect",
        {
            "detectors": [
                {
                    "name": available[n].name,
                    "version": available[n].version,
                    "params": vars(available[n]((params or {}).get(n)).params),
                    "findings": len(results[n]),
                    **results.status[n].as_dict(),
                    "calibration": cal.source(f"{available[n].name}@{available[n].version}"),
                }
                for n in chosen
            ],
            "rule_files": [str(p) for p in [*stored_rule_files(ws), *ws.settings.rule_files]],
        },
    )
    return results
