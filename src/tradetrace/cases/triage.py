"""Triage: the status of a case, and decisions that wait for the workspace.

A case moves through ``new``, ``in review``, ``confirmed`` and ``closed``;
every change is appended to ``case_status`` with who, when and why, and the
latest one counts. Case ids are stable across runs (they hash the case's
anchor party), so a status survives a re-run.

DuckDB lets one process write a workspace. A decision taken while another
process writes (a finding confirmed in the browser during an ingest) is not
lost: it is appended to ``pending_decisions.jsonl`` in the workspace folder,
with the time it was taken, and ``apply_pending`` writes it as soon as a
writer opens the workspace (the web server retries; every CLI verb that opens
the workspace for writing applies the queue first).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradetrace.engine import Engine
from tradetrace.model.records import Column, TableSpec

if TYPE_CHECKING:
    from tradetrace.workspace import Workspace

CASE_STATUS = TableSpec(
    "case_status",
    "Case status changes (append-only audit log; the latest per case counts).",
    (
        Column("case_id", "VARCHAR", "the case", True),
        Column("status", "VARCHAR", "new, in review, confirmed or closed", True),
        Column("note", "VARCHAR", "why"),
        Column("decided_by", "VARCHAR", "who"),
        Column("decided_at", "TIMESTAMP", "when (UTC)"),
    ),
)
STATUSES = ("new", "in review", "confirmed", "closed")
PENDING = "pending_decisions.jsonl"
KINDS = ("finding", "match", "case")
_queue_lock = threading.Lock()


@dataclass(frozen=True)
class StatusChange:
    case_id: str
    status: str
    note: str | None
    decided_by: str
    decided_at: datetime


def set_case_status(
    engine: Engine,
    case_id: str,
    status: str,
    note: str | None = None,
    who: str | None = None,
    at: datetime | None = None,
) -> StatusChange:
    """Append a status change for a case that exists."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if not engine.scalar("SELECT count(*) FROM cases WHERE case_id = ?", [case_id]):
        raise LookupError(f"no case {case_id!r}; `tradetrace cases` lists them")
    change = StatusChange(case_id, status, note, who or _user(), at or _now())
    with engine.transaction():
        engine.execute(
            "INSERT INTO case_status VALUES (?, ?, ?, ?, ?)",
            [change.case_id, change.status, change.note, change.decided_by, change.decided_at],
        )
    return change


def case_statuses(engine: Engine) -> dict[str, str]:
    """The current status of every case that has one (cases without one are ``new``)."""
    if not engine.table_exists("case_status"):
        return {}
    rows = engine.fetchall(
        "SELECT case_id, arg_max(status, decided_at) FROM case_status GROUP BY case_id ORDER BY case_id"
    )
    return {str(r[0]): str(r[1]) for r in rows}


def status_history(engine: Engine, case_id: str) -> list[dict[str, Any]]:
    if not engine.table_exists("case_status"):
        return []
    rows: list[dict[str, Any]] = engine.arrow(
        "SELECT status, note, decided_by, decided_at FROM case_status WHERE case_id = ? ORDER BY decided_at",
        [case_id],
    ).to_pylist()
    return rows


def _user() -> str:
    import getpass

    return getpass.getuser()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------------- the queue
def decision_item(kind: str, target: str, decision: str, note: str | None, who: str) -> dict[str, Any]:
    """A decision as taken now, in the form the queue keeps and ``apply_decision`` writes."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    return {
        "kind": kind,
        "id": target,
        "decision": decision,
        "note": note,
        "who": who,
        "at": _now().isoformat(timespec="microseconds"),
    }


def queue_decision(workspace: Path, item: dict[str, Any]) -> dict[str, Any]:
    """Append a decision (see ``decision_item``) to the workspace's queue, for ``apply_pending``."""
    with _queue_lock, open(workspace / PENDING, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return item


def pending(workspace: Path) -> list[dict[str, Any]]:
    """The queued decisions, oldest first (lines that are not JSON objects are skipped)."""
    path = workspace / PENDING
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def apply_decision(ws: Workspace, item: dict[str, Any]) -> None:
    """Write one decision (as queued or as taken just now)."""
    from tradetrace.detect.decisions import decide_finding
    from tradetrace.resolve.decisions import decide

    at = datetime.fromisoformat(item["at"]) if item.get("at") else None
    kind, target, decision = item["kind"], str(item["id"]), str(item["decision"])
    note, who = item.get("note"), item.get("who")
    if kind == "finding":
        decide_finding(ws.engine, target, decision, note, who, at)
    elif kind == "match":
        decide(ws, target, decision, note, who, at)
    elif kind == "case":
        set_case_status(ws.engine, target, decision, note, who, at)
    else:
        raise ValueError(f"unknown decision kind {kind!r}")


def apply_pending(ws: Workspace) -> tuple[int, list[str]]:
    """Write every queued decision; returns (written, problems). The queue is emptied.

    A decision that can no longer be written (its finding is gone) is reported
    and kept in ``pending_decisions.rejected.jsonl``, never dropped silently.
    """
    with _queue_lock:
        items = pending(ws.path)
        if not items:
            return 0, []
        written, problems, rejected = 0, [], []
        for item in items:
            try:
                apply_decision(ws, item)
                written += 1
            except (LookupError, ValueError, KeyError) as exc:
                problems.append(f"{item.get('kind')} {item.get('id')}: {exc}")
                rejected.append(item)
        if rejected:
            with open(ws.path / "pending_decisions.rejected.jsonl", "a", encoding="utf-8") as fh:
                for item in rejected:
                    fh.write(json.dumps({**item, "problem": problems[rejected.index(item)]}) + "\n")
        (ws.path / PENDING).unlink(missing_ok=True)
    return written, problems
