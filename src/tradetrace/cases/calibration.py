"""Calibrated probabilities for findings and cases, fitted on the simulator's planted schemes.

Each detector scores its findings by its own formula (docs/detectors.md); a 0.8
of one detector and a 0.8 of another need not mean the same. Calibration turns
them into probabilities, in two stages, both monotone maps fitted by
``bench/calibrate.py`` and shipped in ``data/detect/calibration.yaml``:

1. per detector (name and version), raw score -> P(the finding is true);
2. per case, the evidence of its findings -> P(the case is a planted scheme).
   The evidence is a noisy-OR of the best calibrated probability of each
   detector, on a log scale, ``-log10(prod(1 - p_detector))`` (1 = 0.9,
   2 = 0.99), so that independent detectors add up while many findings of one
   detector do not; the second map corrects for detectors that are not
   independent (they fire together on the same schemes).

Both maps are isotonic regressions: scores are binned, and adjacent bins pool
(pool-adjacent-violators) until the observed rate rises strictly with the
score. Each pooled block then estimates its rate as ``(true + a) / (n + a + b)``
(a Beta(a, b) prior, Jeffreys' Beta(1/2, 1/2) by default), so that no block
says 0 or 1 from a handful of examples, while a small detector that is right
nine times in nine is not pulled down to 0.9 as a uniform prior would; blocks
the prior puts out of order pool again, and probabilities are kept within
``[0.01, 0.99]``. The knots are each block's
lowest and highest fitted score; between blocks the map is linear, beyond the
fitted range flat.

A detector missing from the file (a plugin, or a new version whose scores
may mean something else) keeps its raw score as its probability, and the case
says so (``calibrated: false`` in its evidence).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from tradetrace.detect.severity import WEAK_CAP, weak_reason

__all__ = [
    "Calibration",
    "CaseScore",
    "Curve",
    "brier",
    "combine_families",
    "evidence",
    "fit_curve",
    "reliability",
]

PRIOR = (0.5, 0.5)  # Beta(a, b) pseudo-counts per pooled block (Jeffreys)
P_MIN, P_MAX = 0.01, 0.99
SCORE_BIN = 0.05  # width of the raw-score bins of a detector
EVIDENCE_BIN = 0.25  # width of the evidence bins of a case
EVIDENCE_CAP = 6.0  # evidence above this (noisy-OR > 0.999999) counts as this
RAW_CAP = 0.999  # an uncalibrated raw score of 1 would make the evidence infinite
SHIPPED = ("data", "detect", "calibration.yaml")


@dataclass(frozen=True)
class Curve:
    """A monotone map from a number to a probability: linear between knots, flat outside them."""

    xs: tuple[float, ...]
    ps: tuple[float, ...]
    n: int = 0  # labelled examples it was fitted on
    positives: int = 0

    def __post_init__(self) -> None:
        if not self.xs or len(self.xs) != len(self.ps):
            raise ValueError("a curve needs as many probabilities as knots, at least one")
        if any(b < a for a, b in zip(self.xs, self.xs[1:], strict=False)) or any(
            b < a for a, b in zip(self.ps, self.ps[1:], strict=False)
        ):
            raise ValueError("knots and probabilities must not decrease")
        if not all(0.0 <= p <= 1.0 for p in self.ps):
            raise ValueError("probabilities must lie within 0-1")

    def __call__(self, x: float) -> float:
        return float(np.interp(x, self.xs, self.ps))

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "positives": self.positives,
            "knots": [[round(x, 4), round(p, 4)] for x, p in zip(self.xs, self.ps, strict=True)],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Curve:
        knots = [(float(x), float(p)) for x, p in raw["knots"]]
        return cls(
            tuple(x for x, _ in knots),
            tuple(p for _, p in knots),
            int(raw.get("n", 0)),
            int(raw.get("positives", 0)),
        )


def fit_curve(
    x: Sequence[float],
    y: Sequence[bool],
    bin_width: float = SCORE_BIN,
    prior: tuple[float, float] = PRIOR,
    bounds: tuple[float, float] = (P_MIN, P_MAX),
) -> Curve:
    """Isotonic fit of P(y | x) on bins of ``bin_width``, each pooled block smoothed by a Beta prior."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    if len(xa) == 0 or len(xa) != len(ya):
        raise ValueError("fit_curve needs as many labels as values, at least one")
    a, b = prior

    def raw_rate(block: list[float]) -> float:
        return block[1] / block[0]

    def smoothed(block: list[float]) -> float:
        return (block[1] + a) / (block[0] + a + b)

    bins = np.floor(xa / bin_width + 1e-9).astype(np.int64)
    blocks: list[list[float]] = []  # [n, true, lowest x, highest x]
    for k in np.unique(bins):  # ascending
        m = bins == k
        blocks.append([float(m.sum()), float(ya[m].sum()), float(xa[m].min()), float(xa[m].max())])
    # isotonic regression on the observed rates; neighbours with equal rates pool too (the fit is
    # the same, the blocks are larger), so the prior below weighs on whole runs, not on thin bins
    blocks = _pool(blocks, lambda left, right: raw_rate(left) >= raw_rate(right))
    # the prior can reorder small blocks: pool again on the smoothed rates
    blocks = _pool(blocks, lambda left, right: smoothed(left) > smoothed(right))
    xs: list[float] = []
    ps: list[float] = []
    for block in blocks:
        p = min(max(smoothed(block), bounds[0]), bounds[1])
        for edge in sorted({block[2], block[3]}):
            xs.append(edge)
            ps.append(p)
    return Curve(tuple(xs), tuple(ps), len(xa), int(ya.sum()))


def combine_families(pooled: Curve, families: Sequence[Curve], tolerance: float = 0.1) -> Curve:
    """The pooled map, shrunk where the scenario families disagree.

    ``pooled`` is fitted on every family together, ``families`` on each alone. Where the
    families' maps agree within ``tolerance`` the pooled map stands; where they disagree, the
    probability is at most the lowest family's plus ``tolerance``: a map fitted on the more
    favourable family would overstate the precision observed on the other (the out-of-family
    precision), so the shipped probability shrinks toward it. The minimum of monotone maps is
    monotone; it is evaluated at the union of their knots.
    """
    if not families:
        return pooled
    xs = sorted({x for c in (pooled, *families) for x in c.xs})
    ps = [min(pooled(x), min(c(x) for c in families) + tolerance) for x in xs]
    return Curve(tuple(xs), tuple(ps), pooled.n, pooled.positives)


def _pool(
    blocks: list[list[float]], violates: Callable[[list[float], list[float]], bool]
) -> list[list[float]]:
    """Pool adjacent violators: merge neighbouring blocks [n, true, lo, hi] while ``violates(left, right)``."""
    out: list[list[float]] = []
    for block in blocks:
        out.append(list(block))
        while len(out) > 1 and violates(out[-2], out[-1]):
            n, t, _, hi = out.pop()
            out[-1] = [out[-1][0] + n, out[-1][1] + t, out[-1][2], hi]
    return out


def evidence(probabilities: Iterable[float]) -> float:
    """``-log10(prod(1 - p))``: a noisy-OR on a log scale (1 = 0.9, 2 = 0.99), at most EVIDENCE_CAP."""
    total = sum(-math.log10(1.0 - min(max(p, 0.0), RAW_CAP)) for p in probabilities)
    return min(total, EVIDENCE_CAP)


def raw_score(finding: Mapping[str, Any]) -> float:
    """The detector's own score of a finding: ``metrics.raw_score`` once the runner has calibrated
    ``score``, else ``score`` itself."""
    metrics = finding.get("metrics") or {}
    raw = metrics.get("raw_score") if isinstance(metrics, Mapping) else None
    return float(raw if raw is not None else finding["score"])


@dataclass
class CaseScore:
    """A case's calibrated probability, the raw noisy-OR it replaces, and the evidence per detector."""

    probability: float
    raw: float
    evidence: float
    detectors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uncalibrated(self) -> list[str]:
        return [d["detector"] for d in self.detectors if not d["calibrated"]]


@dataclass(frozen=True)
class Calibration:
    """Fitted maps: per detector (``name@version``) and for cases; ``meta`` says what they were fitted on."""

    detectors: Mapping[str, Curve]
    case: Curve | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def shipped(cls) -> Calibration:
        """The calibration shipped in ``data/detect/calibration.yaml`` (read once)."""
        return _shipped()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Calibration:
        detectors = {str(k): Curve.from_dict(v) for k, v in (raw.get("detectors") or {}).items()}
        case = Curve.from_dict(raw["case"]) if raw.get("case") else None
        meta = {k: v for k, v in raw.items() if k not in ("detectors", "case")}
        return cls(detectors, case, meta)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.meta)
        out["detectors"] = {k: c.as_dict() for k, c in sorted(self.detectors.items())}
        if self.case is not None:
            out["case"] = self.case.as_dict()
        return out

    def source(self, detector: str) -> str:
        """How ``detector``'s map was fitted, for ``metrics.calibration``: as ``meta["sources"]``
        says for maps fitted elsewhere (``"workspace: 37 decisions, 2026-12-03"``), else
        ``"shipped"``; ``"none"`` when there is no map for it."""
        sources = self.meta.get("sources") or {}
        if detector in sources:
            return str(sources[detector])
        return "shipped" if detector in self.detectors else "none"

    def finding_probability(self, detector: str, score: float) -> tuple[float, bool]:
        """(probability, calibrated): the raw score itself for a detector@version not in the file."""
        curve = self.detectors.get(detector)
        if curve is None:
            return min(max(float(score), 0.0), 1.0), False
        return curve(float(score)), True

    def score_case(self, findings: Sequence[Mapping[str, Any]]) -> CaseScore:
        """Best finding per detector, calibrated; combined as a noisy-OR; mapped through the case curve."""
        best: dict[str, tuple[float, float, str, Any, bool]] = {}  # base -> (p, score, name, id, calibrated)
        best_raw: dict[str, float] = {}
        for f in findings:
            name, score = str(f["detector"]), raw_score(f)
            base = name.split("@", 1)[0]
            best_raw[base] = max(best_raw.get(base, 0.0), score)
            p, calibrated = self.finding_probability(name, score)
            if weak_reason(f.get("metrics") or {}):  # one weak signal alone: capped as the runner caps it
                p = min(p, WEAK_CAP)
            if base not in best or (p, score) > best[base][:2]:
                best[base] = (p, score, name, f.get("finding_id"), calibrated)
        chosen = sorted(best.values(), key=lambda t: (-t[0], t[2]))
        items = [
            {
                "detector": name,
                "finding_id": fid,
                "score": score,
                "probability": round(p, 4),
                "calibrated": cal,
            }
            for p, score, name, fid, cal in chosen
        ]
        raw = 1.0 - math.prod(1.0 - min(v, RAW_CAP) for v in best_raw.values())
        ev = evidence(t[0] for t in chosen)
        # without a case curve: the noisy-OR of the calibrated probabilities
        probability = self.case(ev) if self.case is not None else 1.0 - 10.0**-ev
        return CaseScore(probability, raw, ev, items)


@lru_cache(maxsize=1)
def _shipped() -> Calibration:
    ref = resources.files("tradetrace").joinpath(*SHIPPED)
    return Calibration.from_dict(yaml.safe_load(ref.read_text("utf-8")))


def brier(p: Sequence[float], y: Sequence[bool]) -> float:
    """Mean squared difference between predicted probabilities and outcomes (0 is perfect)."""
    pa, ya = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean((pa - ya) ** 2)) if len(pa) else float("nan")


def reliability(p: Sequence[float], y: Sequence[bool], bins: int = 10) -> list[dict[str, Any]]:
    """Per bin of predicted probability: count, mean prediction and observed rate (non-empty bins only)."""
    pa, ya = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    idx = np.minimum((pa * bins).astype(np.int64), bins - 1)
    out = []
    for k in range(bins):
        m = idx == k
        if m.any():
            out.append(
                {
                    "bin": [round(k / bins, 2), round((k + 1) / bins, 2)],
                    "n": int(m.sum()),
                    "predicted": round(float(pa[m].mean()), 4),
                    "observed": round(float(ya[m].mean()), 4),
                }
            )
    return out
