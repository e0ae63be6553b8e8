"""Analyst decisions on matches: confirm, dismiss, reopen; with an audit log.

A decision is about a *pair* (the party, the list entry), not about one
run: it is keyed by ``party_key``, ``list_id`` and ``entry_id`` and stores
the entry's content hash. Each screening run re-applies the latest decision
of every pair it finds again, in any later list version, as long as the
entry's hash is unchanged; if the entry changed (new names, identifiers,
dates...), the match comes back with status ``changed`` for a new look.
Every decision is a new row of ``match_decisions``; nothing is updated or
deleted there.
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tradetrace.resolve.tables import ensure_tables

if TYPE_CHECKING:
    from tradetrace.workspace import Workspace

__all__ = ["DECISIONS", "Decision", "DecisionError", "current_decisions", "decide", "history", "status_for"]

DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed", "reopen": "open"}


class DecisionError(ValueError):
    """The match id is unknown or ambiguous, or the decision is not one of DECISIONS."""


class UnknownMatchError(DecisionError, LookupError):
    """No stored match has that id."""


@dataclass(frozen=True)
class Decision:
    decision_id: str
    match_id: str
    party_name: str
    list_id: str
    entry_id: str
    decision: str
    status: str
    previous_status: str
    note: str | None
    decided_by: str
    decided_at: datetime


def _find_match(ws: Workspace, match_id: str) -> tuple[Any, ...]:
    rows = ws.engine.fetchall(
        "SELECT match_id, party_key, party_name, list_id, entry_id, version_id, entry_hash, score, status "
        "FROM party_matches WHERE match_id LIKE ? ORDER BY match_id LIMIT 2",
        [match_id.strip() + "%"],
    )
    if not rows or len(match_id.strip()) < 4:
        raise UnknownMatchError(f"no match with id {match_id!r} (run `tradetrace screen` first?)")
    if len(rows) > 1:
        raise DecisionError(f"match id {match_id!r} is ambiguous: {rows[0][0]}, {rows[1][0]} ...")
    return rows[0]


def decide(
    ws: Workspace,
    match_id: str,
    decision: str,
    note: str | None = None,
    who: str | None = None,
    at: datetime | None = None,
) -> Decision:
    """Record ``confirm``, ``dismiss`` or ``reopen`` on a match (id or unique prefix)."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    ensure_tables(ws.engine)
    m_id, party_key, party_name, list_id, entry_id, version_id, entry_hash, score, previous = _find_match(
        ws, match_id
    )
    who = who or getpass.getuser()
    at = at or datetime.now(UTC).replace(tzinfo=None)
    status = DECISIONS[decision]
    decision_id = hashlib.sha256(f"{m_id}\n{decision}\n{who}\n{at.isoformat()}".encode()).hexdigest()[:16]
    with ws.engine.transaction():
        ws.engine.execute(
            "INSERT INTO match_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                decision_id,
                m_id,
                party_key,
                party_name,
                list_id,
                entry_id,
                version_id,
                entry_hash,
                score,
                decision,
                previous,
                note,
                who,
                at,
            ],
        )
        ws.engine.execute(
            "UPDATE party_matches SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
            "WHERE match_id = ?",
            [status, who, at, note, m_id],
        )
    return Decision(
        decision_id, m_id, party_name, list_id, entry_id, decision, status, previous, note, who, at
    )


def current_decisions(ws: Workspace) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The latest decision of every (party_key, list_id, entry_id) pair."""
    ensure_tables(ws.engine)
    rows = ws.engine.fetchall(
        "SELECT party_key, list_id, entry_id, decision, entry_hash, decided_by, decided_at, note FROM ("
        "SELECT *, row_number() OVER (PARTITION BY party_key, list_id, entry_id "
        "ORDER BY decided_at DESC, decision_id DESC) AS _n FROM match_decisions) d WHERE _n = 1"
    )
    keys = ("decision", "entry_hash", "decided_by", "decided_at", "note")
    return {(r[0], r[1], r[2]): dict(zip(keys, r[3:], strict=True)) for r in rows}


def status_for(decision: dict[str, Any] | None, entry_hash: str) -> str:
    """Status of a match given its pair's latest decision and the entry's current hash."""
    if decision is None or decision["decision"] == "reopen":
        return "open"
    if decision["entry_hash"] != entry_hash:
        return "changed"
    return DECISIONS[str(decision["decision"])]


def history(ws: Workspace, match_id: str | None = None) -> list[dict[str, Any]]:
    """The audit log (of one match's pair, or all), oldest first."""
    ensure_tables(ws.engine)
    sql = (
        "SELECT decision_id, match_id, party_name, list_id, entry_id, version_id, entry_hash, score, "
        "decision, previous_status, note, decided_by, decided_at FROM match_decisions"
    )
    params: list[object] = []
    if match_id:
        sql += " WHERE match_id LIKE ?"
        params.append(match_id + "%")
    sql += " ORDER BY decided_at, decision_id"
    keys = (
        "decision_id",
        "match_id",
        "party_name",
        "list_id",
        "entry_id",
        "version_id",
        "entry_hash",
        "score",
        "decision",
        "previous_status",
        "note",
        "decided_by",
        "decided_at",
    )
    return [dict(zip(keys, r, strict=True)) for r in ws.engine.fetchall(sql, params)]
