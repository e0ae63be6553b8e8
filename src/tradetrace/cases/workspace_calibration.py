"""Calibration refitted on the analyst decisions of one workspace.

The shipped maps (:mod:`tradetrace.cases.calibration`) were fitted on the
simulator. Data nobody here generated can make a detector's high scores false
alarms; analysts say so when they dismiss findings (``tradetrace decide
f-... --dismiss``) or confirm them. ``tradetrace calibrate --from-decisions``
refits the map of each detector (name and version) that has decisions, for
this workspace only:

1. the decided findings of the detector: confirmed = true, dismissed = false
   (the latest decision per finding counts; ``reopen`` makes it undecided;
   a decision on a finding the last ``detect`` did not find again is left out,
   its raw score being unknown), fitted by :func:`fit_curve` on their raw
   scores, isotonic on bins of 0.05, without its Beta prior;
2. each pooled block of decisions then takes the shipped map as its prior,
   worth ``PRIOR_WEIGHT`` (K = 20) decisions at the shipped probability of the
   block's findings: ``p = (confirmed + K * p_shipped) / (decided + K)``. K is
   about the median number of labelled findings per detector the shipped maps
   were fitted on (4 to 126), so two decisions move a probability by at most
   2/22 = 0.09, twenty by half the way to what they say;
3. blocks the prior puts out of order pool again; outside the decided blocks
   the shipped map holds, cut to lie between the probabilities of the blocks
   on either side, so that a higher raw score never lowers the probability.

A detector with no shipped map (a plugin) takes its raw score as the prior.
The fitted maps are kept in the ``workspace_calibration`` table with the
number of decisions and positives and the date; scoring uses them, per
detector, in place of the shipped ones (:func:`calibration_in_use`), and each
finding says which map scored it (``metrics.calibration``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tradetrace.cases.calibration import P_MAX, P_MIN, SCORE_BIN, Calibration, Curve, _pool, fit_curve
from tradetrace.engine import Engine
from tradetrace.model.records import Column, TableSpec

__all__ = [
    "PRIOR_WEIGHT",
    "WORKSPACE_CALIBRATION",
    "Decided",
    "WorkspaceMap",
    "calibration_in_use",
    "calibration_note",
    "decided_findings",
    "fit_with_prior",
    "refit_from_decisions",
    "remove_workspace_maps",
    "workspace_maps",
]

WORKSPACE_CALIBRATION = TableSpec(
    "workspace_calibration",
    "Per-detector score maps refitted on this workspace's analyst decisions (`tradetrace calibrate "
    "--from-decisions`); they replace the shipped maps of those detectors (docs/scoring.md).",
    (
        Column("detector", "VARCHAR", "detector name and version, e.g. related_parties@1"),
        Column("decisions", "INTEGER", "confirmed and dismissed findings the map was fitted on"),
        Column("positives", "INTEGER", "of which confirmed"),
        Column("prior", "VARCHAR", "what the decisions were combined with: shipped, or raw score"),
        Column("prior_weight", "DOUBLE", "decisions the prior counts as, per block of decisions"),
        Column("knots", "VARCHAR", "JSON list of [raw score, probability]: linear between, flat outside"),
        Column("fitted_at", "TIMESTAMP", "when (UTC)"),
    ),
)
PRIOR_WEIGHT = 20.0
RAW_PRIOR = Curve((0.0, 1.0), (0.0, 1.0))  # no shipped map: the raw score is the probability


@dataclass(frozen=True)
class Decided:
    """A finding with a standing decision: its detector, raw score and whether it was confirmed."""

    finding_id: str
    detector: str
    raw: float
    confirmed: bool


@dataclass(frozen=True)
class WorkspaceMap:
    detector: str
    curve: Curve
    prior: str
    prior_weight: float
    fitted_at: datetime

    @property
    def source(self) -> str:
        """``workspace: 37 decisions, 2026-12-03``: what ``metrics.calibration`` says."""
        return f"workspace: {self.curve.n} decisions, {self.fitted_at.date().isoformat()}"


def decided_findings(engine: Engine) -> list[Decided]:
    """Stored findings whose latest decision is confirm or dismiss, with their raw scores."""
    rows = engine.fetchall(
        "WITH d AS (SELECT finding_id, arg_max(decision, decided_at) AS decision FROM finding_decisions "
        "GROUP BY finding_id) SELECT f.finding_id, f.detector, f.score, f.metrics, d.decision FROM findings f "
        "JOIN d USING (finding_id) WHERE d.decision IN ('confirm', 'dismiss') ORDER BY f.detector, f.finding_id"
    )
    out = []
    for fid, detector, score, metrics, decision in rows:
        m = json.loads(metrics or "{}")
        raw = m.get("raw_score") if isinstance(m, dict) else None
        out.append(
            Decided(str(fid), str(detector), float(raw if raw is not None else score), decision == "confirm")
        )
    return out


def fit_with_prior(
    x: Sequence[float],
    y: Sequence[bool],
    prior: Curve,
    weight: float = PRIOR_WEIGHT,
    bin_width: float = SCORE_BIN,
) -> Curve:
    """The map of these decisions (raw scores ``x``, confirmed ``y``) with ``prior`` worth
    ``weight`` decisions in each block of them; ``prior`` elsewhere (see the module docstring)."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    own = fit_curve(xa.tolist(), ya.tolist(), bin_width, prior=(0.0, 0.0), bounds=(0.0, 1.0))
    spans: list[tuple[float, float]] = []  # the isotonic blocks: runs of knots with one probability
    for kx, kp in zip(own.xs, own.ps, strict=True):
        if spans and kp == own(spans[-1][0]):
            spans[-1] = (spans[-1][0], kx)
        else:
            spans.append((kx, kx))
    blocks: list[list[float]] = []  # [n, true, lo, hi], the prior's pseudo-decisions included
    for lo, hi in spans:
        m = (xa >= lo) & (xa <= hi)
        p0 = float(np.mean([prior(v) for v in xa[m]]))
        blocks.append([float(m.sum()) + weight, float(ya[m].sum()) + weight * p0, lo, hi])
    blocks = _pool(blocks, lambda left, right: left[1] / left[0] >= right[1] / right[0])
    rates = [b[1] / b[0] for b in blocks]
    points: dict[float, float] = {}
    for (_, _, lo, hi), p in zip(blocks, rates, strict=True):
        points[lo] = points[hi] = p
    # between and beyond the blocks: the prior, cut to lie between the neighbouring blocks'
    # probabilities, at its own knots, where it crosses a cut, and at the bin centres
    edges = [-np.inf, *(v for b in blocks for v in (b[2], b[3])), np.inf]
    bounds = [0.0, *rates, 1.0]
    segments = list(
        zip(zip(prior.xs, prior.ps, strict=True), zip(prior.xs[1:], prior.ps[1:], strict=True), strict=False)
    )
    centres = [(k + 0.5) * bin_width for k in range(round(1.0 / bin_width))]
    for i in range(len(bounds) - 1):
        start, end, below, above = edges[2 * i], edges[2 * i + 1], bounds[i], bounds[i + 1]
        xs = [k for k in (*prior.xs, *centres) if start < k < end]
        for (x1, p1), (x2, p2) in segments:
            for level in (below, above):
                if min(p1, p2) < level < max(p1, p2):
                    xs.append(x1 + (level - p1) * (x2 - x1) / (p2 - p1))
        for k in xs:
            if start < k < end:
                points[float(k)] = min(max(prior(k), below), above)
    knots = sorted(points.items())
    ps = [float(p) for p in np.maximum.accumulate([min(max(p, P_MIN), P_MAX) for _, p in knots])]
    keep: list[int] = []  # drop knots on the line through their neighbours: the same map
    for i in range(len(knots)):
        if len(keep) >= 2 and _on_line(
            knots[keep[-2]][0], ps[keep[-2]], knots[keep[-1]][0], ps[keep[-1]], knots[i][0], ps[i]
        ):
            keep[-1] = i
        else:
            keep.append(i)
    while len(keep) > 1 and ps[keep[0]] == ps[keep[1]]:  # flat ends: the map is flat beyond its knots
        keep.pop(0)
    while len(keep) > 1 and ps[keep[-1]] == ps[keep[-2]]:
        keep.pop()
    return Curve(
        tuple(round(knots[i][0], 6) for i in keep), tuple(ps[i] for i in keep), len(xa), int(ya.sum())
    )


def _on_line(x1: float, p1: float, x2: float, p2: float, x3: float, p3: float) -> bool:
    """Whether (x2, p2) lies on the segment from (x1, p1) to (x3, p3)."""
    if x3 == x1:
        return p1 == p2 == p3
    return abs(p1 + (p3 - p1) * (x2 - x1) / (x3 - x1) - p2) < 1e-9


def refit_from_decisions(
    engine: Engine,
    shipped: Calibration | None = None,
    weight: float = PRIOR_WEIGHT,
    now: datetime | None = None,
) -> list[WorkspaceMap]:
    """Refit the map of every detector with decisions and store them in ``workspace_calibration``
    (replacing the earlier ones; a detector without decisions now goes back to the shipped map)."""
    shipped = shipped or Calibration.shipped()
    now = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    per: dict[str, list[Decided]] = {}
    for d in decided_findings(engine):
        per.setdefault(d.detector, []).append(d)
    maps: list[WorkspaceMap] = []
    for detector, ds in sorted(per.items()):
        base = shipped.detectors.get(detector)
        curve = fit_with_prior([d.raw for d in ds], [d.confirmed for d in ds], base or RAW_PRIOR, weight)
        label = "shipped" if base is not None else "raw score"
        if base is not None and (when := (shipped.meta.get("fitted_on") or {}).get("date")):
            label = f"shipped ({when})"
        maps.append(WorkspaceMap(detector, curve, label, weight, now))
    with engine.transaction():
        engine.execute("DELETE FROM workspace_calibration")
        for m in maps:
            engine.execute(
                "INSERT INTO workspace_calibration VALUES (?, ?, ?, ?, ?, ?, ?)",
                [m.detector, m.curve.n, m.curve.positives, m.prior, m.prior_weight,
                 json.dumps(m.curve.as_dict()["knots"]), m.fitted_at],
            )  # fmt: skip
    return maps


def workspace_maps(engine: Engine) -> dict[str, WorkspaceMap]:
    """The maps stored by :func:`refit_from_decisions`, by detector@version."""
    if not engine.table_exists("workspace_calibration"):
        return {}
    out = {}
    for detector, n, pos, prior, weight, knots, at in engine.fetchall(
        "SELECT detector, decisions, positives, prior, prior_weight, knots, fitted_at "
        "FROM workspace_calibration ORDER BY detector"
    ):
        curve = Curve.from_dict({"n": n, "positives": pos, "knots": json.loads(knots)})
        out[str(detector)] = WorkspaceMap(str(detector), curve, str(prior), float(weight), at)
    return out


def remove_workspace_maps(engine: Engine) -> int:
    """Drop this workspace's maps (back to the shipped ones); how many there were."""
    n = int(engine.scalar("SELECT count(*) FROM workspace_calibration"))
    with engine.transaction():
        engine.execute("DELETE FROM workspace_calibration")
    return n


def calibration_in_use(engine: Engine, shipped: Calibration | None = None) -> Calibration:
    """The shipped calibration with this workspace's maps in place of the shipped ones of their
    detectors (``meta["sources"]`` names them; :meth:`Calibration.source`). Cases keep the
    shipped case map: decisions are on findings, not cases."""
    shipped = shipped or Calibration.shipped()
    maps = workspace_maps(engine)
    if not maps:
        return shipped
    meta = {**shipped.meta, "sources": {k: m.source for k, m in maps.items()}}
    return Calibration({**shipped.detectors, **{k: m.curve for k, m in maps.items()}}, shipped.case, meta)


def calibration_note(findings: Sequence[Mapping[str, Any]], shipped: Calibration | None = None) -> str:
    """How the findings' scores were calibrated, in a sentence for reports."""
    shipped = shipped or Calibration.shipped()
    groups: dict[str, list[str]] = {}
    for f in findings:
        m = f.get("metrics") or {}
        source = m.get("calibration") or ("shipped" if m.get("calibrated", True) else "none")
        detector = str(f["detector"])
        if detector not in groups.setdefault(str(source), []):
            groups[str(source)].append(detector)
    fitted: Any = shipped.meta.get("fitted_on") or {}
    when = f" ({fitted['date']})" if isinstance(fitted, dict) and fitted.get("date") else ""
    if list(groups) == ["shipped"]:
        return f"Scores calibrated with the shipped calibration, fitted on the simulator's planted schemes{when}."
    parts = []
    for source, detectors in sorted(groups.items(), key=lambda kv: (kv[0] != "shipped", kv[0])):
        who = ", ".join(sorted(detectors))
        if source == "shipped":
            parts.append(f"{who}: the shipped calibration, fitted on the simulator's planted schemes{when}")
        elif source.startswith("workspace: "):
            n, _, day = source.removeprefix("workspace: ").partition(", ")
            parts.append(f"{who}: refitted on {n.split()[0]} analyst decisions of this workspace ({day})")
        else:
            parts.append(f"{who}: not calibrated (the detector's own score)")
    return "Scores calibrated per detector. " + "; ".join(parts) + "." if parts else ""
