"""One rule for severity, and the cap on findings that rest on a single weak signal.

A finding's ``score`` is a calibrated probability (docs/scoring.md); its
``severity`` says how much it matters *if* it is true. Both are set here, by
the runner, after calibration, so that every detector (and a plugin) follows
the same rule and the two never contradict each other:

* **Weak evidence is never strong.** A detector marks a finding that rests on
  one weak signal alone (a shared address, a similar name, restricted goods
  bought directly from their country of origin, payers whose names merely
  contain a plant word) with ``metrics["weak"]``: a sentence naming that
  signal. Its probability is capped at ``WEAK_CAP`` (so its severity is at
  most medium): it is a lead to read, not an alert.
* **Severity follows probability and value** (``value_usd``, the value at stake)::

      probability < 0.2            low
      0.2 <= probability < 0.5     medium from $1M, else low
      0.5 <= probability < 0.8     high from $1M, medium from $100k, else low
      probability >= 0.8           critical from $5M, high from $250k, else medium

  so a finding is never high or critical below probability 0.5, and a likely
  finding about little money is not shouted.

A finding is *strong* (what a reader acts on first) when its probability is at
least ``STRONG_SCORE`` or its severity is high or critical.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WEAK_CAP = 0.4
WEAK_NOTE = "A lead, not an alert: it rests on one weak signal alone"
STRONG_SCORE = 0.7
STRONG_SEVERITIES = frozenset({"high", "critical"})

# (least probability, [(least value in USD, severity), ...] from the highest value down)
_RULE: tuple[tuple[float, tuple[tuple[float, str], ...]], ...] = (
    (0.8, ((5e6, "critical"), (2.5e5, "high"), (0.0, "medium"))),
    (0.5, ((1e6, "high"), (1e5, "medium"), (0.0, "low"))),
    (0.2, ((1e6, "medium"), (0.0, "low"))),
    (0.0, ((0.0, "low"),)),
)


def severity(probability: float, value_usd: float) -> str:
    """The severity of a finding with this calibrated probability and value at stake (module doc)."""
    for least_p, steps in _RULE:
        if probability >= least_p:
            return next(s for least_v, s in steps if value_usd >= least_v)
    return "low"


def weak_reason(metrics: Mapping[str, Any]) -> str | None:
    """The single weak signal a finding rests on (``metrics["weak"]``), or None."""
    reason = metrics.get("weak")
    return str(reason) if reason else None


def settle(probability: float, value_usd: float, metrics: Mapping[str, Any]) -> tuple[float, str]:
    """(probability, severity) of a finding after the weak-evidence cap and the severity rule."""
    if weak_reason(metrics):  # below 0.5, so never high or critical either
        probability = min(probability, WEAK_CAP)
    return probability, severity(probability, value_usd)


def is_strong(finding: Mapping[str, Any]) -> bool:
    """Probability at least STRONG_SCORE, or severity high or critical."""
    return float(finding["score"]) >= STRONG_SCORE or str(finding["severity"]) in STRONG_SEVERITIES
