"""Screening the workspace's parties, and batches of names from a file.

``screen_workspace`` gathers every distinct party of the workspace
(importers and exporters of ``shipments``, payers and payees of
``payments``, the entities of ``parties`` with their aliases), screens each
against every active list version, and rewrites ``party_matches``, carrying
over analysts' decisions (see :mod:`tradetrace.resolve.decisions`).

``match_file`` screens a CSV of queries (``id,name`` and optionally
``kind,country,birth_date,tax_id``) into JSON lines
``{"id": ..., "matches": [{"list", "entry_id", "name", "score", "explanation"}]}``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tradetrace.engine.base import runs_as
from tradetrace.resolve.decisions import current_decisions, status_for
from tradetrace.resolve.matcher import Match, Query, Screener
from tradetrace.resolve.tables import PARTY_MATCHES, ensure_tables

if TYPE_CHECKING:
    from tradetrace.workspace import Workspace

__all__ = [
    "Party",
    "ScreenResult",
    "match_file",
    "party_key",
    "read_queries",
    "screen_workspace",
    "workspace_parties",
]

# (table, role, name, tax id, country, kind) column expressions per party source
_SOURCES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("shipments", "importer", "importer_name", "importer_tax_id", "importer_country", "NULL"),
    ("shipments", "exporter", "exporter_name", "exporter_tax_id", "exporter_country", "NULL"),
    ("payments", "payer", "payer_name", "payer_tax_id", "NULL", "NULL"),
    ("payments", "payee", "payee_name", "payee_tax_id", "NULL", "NULL"),
    ("parties", "entity", "name", "tax_id", "country", "kind"),
)


@dataclass
class Party:
    """A distinct party to screen and where it appears."""

    key: str
    name: str
    tax_id: str | None
    country: str | None
    kind: str | None
    sources: list[dict[str, Any]] = field(default_factory=list)

    def query(self) -> Query:
        return Query(self.name, self.country, self.tax_id, self.kind, id=self.key)


@dataclass
class ScreenResult:
    run_id: str
    parties: int
    matches: int
    statuses: dict[str, int]
    lists: list[str]

    def summary(self) -> str:
        st = ", ".join(f"{v:,} {k}" for k, v in sorted(self.statuses.items())) or "none"
        return (
            f"screened {self.parties:,} parties against {len(self.lists)} active list version(s) "
            f"({', '.join(self.lists) or 'none loaded'}): {self.matches:,} matches ({st}); run {self.run_id}"
        )


def party_key(name: str, tax_id: str | None, country: str | None, kind: str | None) -> str:
    """Stable id of a party: the name as written (trimmed), tax id, country and kind."""
    raw = "\x1f".join([" ".join(name.split()), (tax_id or "").strip(), country or "", kind or ""])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def workspace_parties(ws: Workspace) -> list[Party]:
    """Every distinct party of shipments, payments and parties (aliases included)."""
    found: dict[str, Party] = {}

    def add(
        name: str | None, tax: str | None, country: str | None, kind: str | None, src: dict[str, Any]
    ) -> None:
        if not name or not name.strip():
            return
        key = party_key(name, tax, country, kind)
        party = found.get(key)
        if party is None:
            party = found[key] = Party(
                key, " ".join(name.split()), tax or None, country or None, kind or None
            )
        party.sources.append(src)

    engine = ws.engine
    for table, role, name, tax, country, kind in _SOURCES:
        if not engine.table_exists(table):
            continue
        sql = (
            f"SELECT {name}, {tax}, {country}, {kind}, count(*) FROM {table} "
            f"WHERE {name} IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
        for n, t, c, k, rows in engine.fetchall(sql):
            add(n, t, c, k, {"table": table, "role": role, "rows": int(rows)})
    if engine.table_exists("parties"):
        for aliases, tax, country, kind, entity_id in engine.fetchall(
            "SELECT aliases, tax_id, country, kind, entity_id FROM parties WHERE aliases IS NOT NULL "
            "ORDER BY entity_id"
        ):
            for alias in str(aliases).split(";"):
                add(
                    alias.strip(),
                    tax,
                    country,
                    kind,
                    {"table": "parties", "role": "alias", "entity_id": entity_id},
                )
    return [found[k] for k in sorted(found)]


@runs_as("screen")
def screen_workspace(
    ws: Workspace,
    *,
    screener: Screener | None = None,
    threshold: float | None = None,
    limit: int = 5,
    workers: int = 1,
) -> ScreenResult:
    """Screen every party against the active lists and rewrite ``party_matches``."""
    ensure_tables(ws.engine)
    screener = screener or Screener.from_engine(ws.engine)
    parties = workspace_parties(ws)
    results = screener.match_many(
        [p.query() for p in parties], workers=workers, limit=limit, threshold=threshold
    )
    decisions = current_decisions(ws)
    run_id = uuid.uuid4().hex[:12]
    now = datetime.now(UTC).replace(tzinfo=None)
    rows: dict[str, list[Any]] = {c: [] for c in PARTY_MATCHES.names}
    statuses: dict[str, int] = {}
    for party, matches in zip(parties, results, strict=True):
        for rank, m in enumerate(matches, start=1):
            decision = decisions.get((party.key, m.list_id, m.entry_id))
            status = status_for(decision, m.content_hash)
            statuses[status] = statuses.get(status, 0) + 1
            kept = decision if decision is not None and status != "open" else None
            values = {
                "match_id": match_id(party.key, m),
                "party_key": party.key,
                "party_name": party.name,
                "party_tax_id": party.tax_id,
                "party_country": party.country,
                "party_kind": party.kind,
                "sources": json.dumps(party.sources, ensure_ascii=False, sort_keys=True),
                "list_id": m.list_id,
                "version_id": m.version_id,
                "entry_id": m.entry_id,
                "entry_name": m.name,
                "matched_name": m.matched_name,
                "name_type": m.name_type,
                "entry_kind": m.kind,
                "entry_hash": m.content_hash,
                "score": m.score,
                "decisive": m.decisive,
                "rank": rank,
                "explanation": json.dumps(m.explanation, ensure_ascii=False, sort_keys=True),
                "status": status,
                "decided_by": kept["decided_by"] if kept else None,
                "decided_at": kept["decided_at"] if kept else None,
                "decision_note": kept["note"] if kept else None,
                "run_id": run_id,
                "screened_at": now,
            }
            for k, v in values.items():
                rows[k].append(v)
    types = {"score": pa.float64(), "decisive": pa.bool_(), "rank": pa.int32()}
    types.update({"decided_at": pa.timestamp("us"), "screened_at": pa.timestamp("us")})
    table = pa.table({k: pa.array(v, type=types.get(k, pa.string())) for k, v in rows.items()})
    with ws.engine.transaction():
        ws.engine.execute("DELETE FROM party_matches")
        ws.engine.register("_tt_party_matches", table)
        try:
            cols = ", ".join(PARTY_MATCHES.names)
            ws.engine.execute(f"INSERT INTO party_matches ({cols}) SELECT {cols} FROM _tt_party_matches")
        finally:
            ws.engine.unregister("_tt_party_matches")
    lists = sorted({f"{e.list_id}@{e.version_id}" for e in screener.index.entries})
    return ScreenResult(run_id, len(parties), table.num_rows, statuses, lists)


def match_id(party: str, m: Match) -> str:
    """Stable id of a (party, list entry) pair: the same across runs and list versions."""
    return hashlib.sha256(f"{party}\x1f{m.list_id}\x1f{m.entry_id}".encode()).hexdigest()[:16]


def read_queries(path: Path) -> Iterator[Query]:
    """Queries from a CSV with columns id,name and optionally kind,country,birth_date,tax_id."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in reader.fieldnames or ()}
        if "name" not in cols:
            raise ValueError(f"{path}: needs a 'name' column (found: {', '.join(cols) or 'none'})")

        def get(row: dict[str, str], key: str) -> str | None:
            col = cols.get(key)
            value = (row.get(col) or "").strip() if col else ""
            return value or None

        for n, row in enumerate(reader, start=1):
            yield Query(
                get(row, "name") or "",
                country=get(row, "country"),
                tax_id=get(row, "tax_id"),
                kind=get(row, "kind"),
                birth_date=get(row, "birth_date"),
                id=get(row, "id") or str(n),
            )


def match_file(
    screener: Screener,
    path: Path,
    out: Path,
    *,
    limit: int = 5,
    threshold: float | None = None,
    workers: int = 1,
) -> int:
    """Screen the queries of a CSV into JSON lines; returns the number of queries."""
    queries = list(read_queries(path))
    results = screener.match_many(queries, workers=workers, limit=limit, threshold=threshold)
    with out.open("w", encoding="utf-8") as fh:
        for q, matches in zip(queries, results, strict=True):
            line = {"id": q.id, "matches": [m.as_dict() for m in matches]}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(queries)


def match_lines(matches: Sequence[Match]) -> list[str]:
    """Plain-text lines for the CLI: score, list, entry id, names and the aligned words."""
    out = []
    for m in matches:
        words = ", ".join(f"{a}~{b}" for a, b, _s, _h in m.explanation["name"]["aligned"])
        extra = [k for k in ("identifier", "country", "birth_date", "kind") if k in m.explanation]
        out.append(
            f"{m.score:.4f}  {m.list_id} {m.entry_id}  {m.name}"
            + (f"  (as {m.matched_name!r}, {m.name_type})" if m.matched_name != m.name else "")
            + f"  [{words}]"
            + (f" +{'+'.join(extra)}" if extra else "")
        )
    return out
