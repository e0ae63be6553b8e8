"""Re-score the stored findings with another calibration, in place.

When the calibration in use changes (``tradetrace calibrate --from-decisions``
or ``--reset``), the stored findings are passed through the same
:func:`tradetrace.detect.runner.calibrate` as at detection, from the raw score
each keeps in ``metrics.raw_score``: their ``score``, ``metrics`` and
``severity`` are what a new ``detect`` run would write, without running the
detectors again. Cases are re-scored the next time ``tradetrace cases`` runs.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tradetrace.detect.findings import Citation, EntityRef, Finding
from tradetrace.engine import Engine

if TYPE_CHECKING:
    from tradetrace.cases.calibration import Calibration

_COLUMNS = (
    "finding_id, detector, flags, severity, score, title, explanation, entities, record_ids, "
    "period_start, period_end, value_usd, metrics, citations"
)


def _finding(row: tuple[Any, ...]) -> Finding:
    (
        fid,
        detector,
        flags,
        severity,
        score,
        title,
        explanation,
        entities,
        rids,
        start,
        end,
        usd,
        metrics,
        cites,
    ) = row
    return Finding(
        detector=str(detector),
        flags=list(json.loads(flags)),
        severity=str(severity),
        score=float(score),
        title=str(title),
        explanation=str(explanation),
        entities=[EntityRef(str(e["id"]), str(e["name"]), str(e["role"])) for e in json.loads(entities)],
        record_ids=list(json.loads(rids)),
        period_start=start if isinstance(start, date) else None,
        period_end=end if isinstance(end, date) else None,
        value_usd=float(usd or 0.0),
        metrics=dict(json.loads(metrics or "{}")),
        citations=[
            Citation(str(c["id"]), str(c.get("title", "")), str(c.get("url", ""))) for c in json.loads(cites)
        ],
        finding_id=str(fid),
    )


def rescore_findings(engine: Engine, cal: Calibration) -> int:
    """Calibrate every stored finding again with ``cal``; how many were re-scored."""
    from tradetrace.detect.runner import calibrate

    findings = calibrate([_finding(r) for r in engine.fetchall(f"SELECT {_COLUMNS} FROM findings")], cal)
    if not findings:
        return 0
    table = pa.table(
        {
            "finding_id": pa.array([f.finding_id for f in findings], pa.string()),
            "detector": pa.array([f.detector for f in findings], pa.string()),
            "score": pa.array([f.score for f in findings], pa.float64()),
            "severity": pa.array([f.severity for f in findings], pa.string()),
            "metrics": pa.array(
                [json.dumps(f.metrics, ensure_ascii=False, sort_keys=True, default=str) for f in findings],
                pa.string(),
            ),
        }
    )
    engine.register("_tt_rescore", table)
    try:
        with engine.transaction():
            engine.execute(
                "UPDATE findings SET score = r.score, severity = r.severity, metrics = r.metrics "
                "FROM _tt_rescore r WHERE findings.finding_id = r.finding_id AND findings.detector = r.detector"
            )
    finally:
        engine.unregister("_tt_rescore")
    return len(findings)
