"""What a detector reads, and whether the workspace holds it.

A detector declares the inputs it *requires* and those it merely *uses when
present* (``Detector.requires`` / ``Detector.uses``, by the names of
:data:`INPUTS`). A requirement may be a tuple of names: any one of them will
do (a listed party is found on shipments or on payments). Before running a
detector the runner checks its inputs (:func:`check`):

- a required input is missing: the detector is **not run**, and its status
  says what is missing and what to run, e.g. ``not run, no payments loaded
  (tradetrace ingest payments FILE)``;
- an input it uses is missing: it runs on less and says so, e.g. ``ran
  without screening matches (tradetrace screen)``;
- else it ran on everything it reads.

A detector whose run finds nothing is then known to have looked, not to have
been starved of its inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tradetrace.engine import Engine

__all__ = ["INPUTS", "DetectorStatus", "Input", "InputCheck", "Requirement", "check"]

Requirement = str | tuple[str, ...]  # a name, or names of which any one will do
Status = Literal["ran", "not_run", "ran_partial"]


def _has_rows(table: str) -> Callable[[Engine, Any], bool]:
    def present(engine: Engine, rules: Any) -> bool:
        return engine.table_exists(table) and bool(engine.scalar(f"SELECT count(*) > 0 FROM {table}"))

    return present


def _active_lists(engine: Engine, rules: Any) -> bool:
    if not all(engine.table_exists(t) for t in ("listings", "list_versions")):
        return False
    return bool(
        engine.scalar(
            "SELECT count(*) > 0 FROM listings l JOIN list_versions v ON v.version_id = l.version_id AND v.active"
        )
    )


def _clusters(engine: Engine, rules: Any) -> bool:
    from tradetrace.graph.identity import clusters_available

    return clusters_available(engine)


def _rules(engine: Engine, rules: Any) -> bool:
    return rules is not None and len(rules) > 0


@dataclass(frozen=True)
class Input:
    """One thing a detector may read: how to tell it is there, and what to do when it is not."""

    name: str
    label: str  # what it is: "payments", "screening matches"
    missing: str  # in words, when absent: "no payments loaded"
    remedy: str  # what provides it: "tradetrace ingest payments FILE", "run tradetrace screen"
    present: Callable[[Engine, Any], bool]  # (engine, rule set) -> present?


INPUTS: dict[str, Input] = {
    i.name: i
    for i in (
        Input("shipments", "shipments", "no shipments loaded", "tradetrace ingest shipments FILE",
              _has_rows("shipments")),
        Input("payments", "payments", "no payments loaded", "tradetrace ingest payments FILE",
              _has_rows("payments")),
        Input("parties", "the party register", "no party register loaded", "tradetrace ingest parties FILE",
              _has_rows("parties")),
        Input("relations", "relations", "no relations loaded", "tradetrace ingest relations FILE",
              _has_rows("relations")),
        Input("lists", "sanctions lists", "no active sanctions list", "tradetrace lists load", _active_lists),
        Input("party_matches", "screening matches", "no screening matches", "run tradetrace screen",
              _has_rows("party_matches")),
        Input("clusters", "resolved parties", "parties not resolved", "run tradetrace resolve", _clusters),
        Input("party_leads", "party leads", "no party leads", "run tradetrace resolve",
              _has_rows("party_leads")),
        Input("rules", "restriction rules", "no restriction rules", "tradetrace rules load FILE", _rules),
    )
}  # fmt: skip


@dataclass
class DetectorStatus:
    """Whether a detector ran, and on what: ``ran``, ``ran_partial`` (without some input it uses)
    or ``not_run`` (a required input is missing); ``missing`` names the inputs."""

    status: Status
    reason: str | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.status != "not_run"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "missing": list(self.missing)}

    def line(self) -> str:
        """``not run, no payments loaded (tradetrace ingest payments FILE)``; ``ran``."""
        if self.status == "not_run":
            return f"not run, {self.reason}"
        if self.status == "ran_partial":
            return f"ran {self.reason}"
        return "ran"


class InputCheck:
    """Checks inputs against one workspace, each input once (detectors share most of them)."""

    def __init__(self, engine: Engine, rules: Any) -> None:
        self.engine = engine
        self.rules = rules
        self._seen: dict[str, bool] = {}

    def present(self, name: str) -> bool:
        if name not in INPUTS:
            raise ValueError(f"unknown detector input {name!r}; known: {', '.join(INPUTS)}")
        if name not in self._seen:
            self._seen[name] = INPUTS[name].present(self.engine, self.rules)
        return self._seen[name]

    def status(self, requires: Sequence[Requirement], uses: Sequence[str]) -> DetectorStatus:
        return check(self, requires, uses)


def _names(req: Requirement) -> tuple[str, ...]:
    return (req,) if isinstance(req, str) else tuple(req)


def check(inputs: InputCheck, requires: Sequence[Requirement], uses: Sequence[str]) -> DetectorStatus:
    """The status a detector with these declared inputs gets on this workspace."""
    missing: list[str] = []
    reasons: dict[str, list[str]] = {}  # remedy -> what it would provide
    for req in requires:
        names = _names(req)
        if any(inputs.present(n) for n in names):
            continue
        missing += names
        found = [INPUTS[n] for n in names]
        remedies = " or ".join(dict.fromkeys(i.remedy for i in found))
        reasons.setdefault(remedies, []).append(" and ".join(i.missing for i in found))
    if missing:
        reason = "; ".join(f"{' and '.join(words)} ({remedy})" for remedy, words in reasons.items())
        return DetectorStatus("not_run", reason, missing)
    absent = [n for n in dict.fromkeys(uses) if not inputs.present(n)]
    if absent:
        what = ", ".join(f"{INPUTS[n].label} ({INPUTS[n].remedy})" for n in absent)
        return DetectorStatus("ran_partial", f"without {what}", absent)
    return DetectorStatus("ran")
