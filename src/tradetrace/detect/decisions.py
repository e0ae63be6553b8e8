"""Analyst decisions on findings: a dismissed finding stays dismissed across re-runs.

Finding ids are content hashes of what a finding is about (detector, parties,
goods), so a re-run that finds the same thing gives the same id and the
decision still applies. Every decision is appended to ``finding_decisions``;
the latest one per finding counts.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

from tradetrace.engine import Engine
from tradetrace.model.records import Column, TableSpec

FINDING_DECISIONS = TableSpec(
    "finding_decisions",
    "Analyst decisions on findings (append-only audit log; the latest per finding counts).",
    (
        Column("finding_id", "VARCHAR", "the finding decided on"),
        Column("decision", "VARCHAR", "confirm, dismiss or reopen"),
        Column("note", "VARCHAR", "why"),
        Column("decided_by", "VARCHAR", "who"),
        Column("decided_at", "TIMESTAMP", "when (UTC)"),
        Column("title", "VARCHAR", "the finding's title at the time"),
    ),
)
DECISIONS = ("confirm", "dismiss", "reopen")


@dataclass(frozen=True)
class FindingDecision:
    finding_id: str
    decision: str
    decided_by: str
    decided_at: datetime
    title: str


def decide_finding(
    engine: Engine,
    finding_id: str,
    decision: str,
    note: str | None = None,
    who: str | None = None,
    at: datetime | None = None,
) -> FindingDecision:
    """Record a decision on a finding (id or unique prefix of a stored finding)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    rows = engine.fetchall(
        "SELECT finding_id, title FROM findings WHERE finding_id LIKE ? ORDER BY finding_id",
        [finding_id + "%"],
    )
    if len(rows) != 1:
        what = "no finding" if not rows else f"{len(rows)} findings"
        raise LookupError(f"{what} with an id starting {finding_id!r}; `tradetrace detect` lists them")
    fid, title = rows[0]
    who = who or getpass.getuser()
    now = at or datetime.now(UTC).replace(tzinfo=None)
    with engine.transaction():
        engine.execute(
            "INSERT INTO finding_decisions VALUES (?, ?, ?, ?, ?, ?)", [fid, decision, note, who, now, title]
        )
    return FindingDecision(fid, decision, who, now, title)


def dismissed_findings(engine: Engine) -> set[str]:
    """Findings whose latest decision is a dismissal."""
    return {
        str(r[0])
        for r in engine.fetchall(
            "SELECT finding_id FROM (SELECT finding_id, arg_max(decision, decided_at) AS d "
            "FROM finding_decisions GROUP BY finding_id) WHERE d = 'dismiss'"
        )
    }
