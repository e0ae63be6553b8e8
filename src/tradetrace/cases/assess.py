"""How well findings recover the simulator's planted schemes: per-flag precision and recall,
schemes found, and the share of strong findings that rest on background alone.

The measures of issue 10, computed the same way by the tests and the benchmarks:

- an **alert** is a finding with a calibrated score of at least ``threshold`` (0.5);
- a finding **finds** a scheme for a flag when it raises the flag, the scheme expects it
  (``expected_flags``), and the finding cites at least half of the scheme's records or names
  one of its parties;
- per flag, **precision** is the share of alerts raising it that point at a planted scheme
  (any record or party of one: :class:`~tradetrace.cases.labels.Truth`), **recall** the share
  of schemes expecting it that an alert finds;
- a finding is **strong** when its score is at least 0.7 or its severity high or critical
  (:func:`tradetrace.detect.severity.is_strong`); the background share is the share of strong
  findings that point at no planted scheme.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tradetrace.cases.labels import Truth
from tradetrace.detect.severity import is_strong

Finding = Mapping[str, Any]


@dataclass
class FlagStats:
    alerts: int = 0
    true_alerts: int = 0
    expected: set[str] = field(default_factory=set)  # schemes that expect the flag
    found: set[str] = field(default_factory=set)  # of them, found by an alert
    found_any: set[str] = field(default_factory=set)  # found by a finding at any score

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def recall(self) -> float:
        return len(self.found & self.expected) / len(self.expected) if self.expected else 1.0


@dataclass
class Assessment:
    flags: dict[str, FlagStats]
    strong: int
    strong_background: list[str]  # titles
    missed: list[str]  # "scheme: FLAG" found by no finding at any score

    @property
    def background_share(self) -> float:
        return len(self.strong_background) / self.strong if self.strong else 0.0

    def lines(self) -> list[str]:
        out = [
            f"  {flag:<18} alerts {s.alerts:>4}  precision {s.precision:.3f}  recall {s.recall:.3f} "
            f"({len(s.found & s.expected)}/{len(s.expected)})"
            for flag, s in sorted(self.flags.items())
        ]
        out.append(
            f"  strong findings {self.strong}, on background only {len(self.strong_background)} "
            f"({self.background_share:.1%}); expected flags found by no finding: {len(self.missed)}"
        )
        return out


def _finds(f: Finding, scheme: str, records: set[str], truth: Truth) -> bool:
    cited = records & set(f["record_ids"])
    if records and len(cited) * 2 >= len(records):
        return True
    return any(truth.party_of(e) == scheme for e in f["entities"])


def assess(
    truth_json: Mapping[str, Any], truth: Truth, findings: Sequence[Finding], threshold: float = 0.5
) -> Assessment:
    """Measure ``findings`` against the simulator's ``truth.json`` (module doc)."""
    schemes = truth_json["schemes"]
    records = {s["scheme_id"]: {*s.get("record_ids", []), *s.get("payment_record_ids", [])} for s in schemes}
    stats: dict[str, FlagStats] = defaultdict(FlagStats)
    for s in schemes:
        for flag in s["expected_flags"]:
            stats[flag].expected.add(s["scheme_id"])
    strong, background = 0, []
    for f in findings:
        label = truth.label(f)
        alert = float(f["score"]) >= threshold
        for flag in f["flags"]:
            st = stats[flag]
            st.alerts += alert
            st.true_alerts += alert and label.true
            for sid in st.expected:
                if _finds(f, sid, records[sid], truth):
                    st.found_any.add(sid)
                    if alert:
                        st.found.add(sid)
        if is_strong(f):
            strong += 1
            if not label.true:
                background.append(f"{f['detector']} {float(f['score']):.2f} {f['severity']}: {f['title']}")
    missed = [
        f"{sid}: {flag}" for flag, st in sorted(stats.items()) for sid in sorted(st.expected - st.found_any)
    ]
    return Assessment(dict(stats), strong, background, missed)
