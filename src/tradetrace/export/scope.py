"""What an export reads: every workspace table, or one case and its graph neighbourhood.

A case is a ``cases.case_id`` (all its findings) or a ``findings.finding_id``. Its *seed* parties
are the graph nodes of the findings' entities (by node id, tax id or name key) and of the parties
of the records they cite (importers and exporters of shipments, payers and payees of payments);
its nodes are the seeds and every node within ``hops`` ties of them. The case tables hold:

* ``graph_nodes``, ``graph_mentions``: those nodes; ``graph_edges``: the ties among them;
* ``shipments`` / ``payments``: every record between two case nodes (so cited ones, and the
  trade and payments around them);
* ``parties`` / ``relations``: registry rows of case nodes, relations among them;
* ``findings`` (and ``cases``): the case itself; ``listings`` and ``list_versions``: the list
  entries the case's parties match.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Collection
from types import TracebackType
from typing import Any

import pyarrow as pa

from tradetrace.engine import Engine
from tradetrace.graph.identity import mention_join
from tradetrace.graph.tables import GRAPH_TABLES
from tradetrace.resolve.normalize import name_key, tax_key

__all__ = ["Scope", "workspace_tables"]

_SCOPES = itertools.count(1)
MIN_TAX_KEY = 5  # shorter entity ids are not taken for tax ids
_COUNTRY_SUFFIX = " ("  # finding entity names such as "ACME LTD (CN)"


def workspace_tables(engine: Engine) -> list[str]:
    """Every base table of the workspace: documented ones in spec order, then the rest by name."""
    from tradetrace.workspace import all_specs

    present = set(engine.tables())
    ordered = [s.name for s in (*all_specs(), *GRAPH_TABLES) if s.name in present]
    seen = set(ordered)
    return list(dict.fromkeys(ordered)) + sorted(
        t for t in present if t not in seen and not t.startswith("_")
    )


class Scope:
    """Relations to read per table. Use as a context manager: a case creates temporary tables."""

    def __init__(
        self,
        engine: Engine,
        case_id: str | None = None,
        hops: int = 1,
        hop_kinds: Collection[str] | None = None,
        graph_only: bool = False,
    ) -> None:
        """``hop_kinds`` limits the ties followed from the seeds (default: every kind);
        ``graph_only`` makes only the graph tables (the report's network drawing needs no more)."""
        self.engine = engine
        self.case_id = case_id
        self.hops = hops
        self.hop_kinds = sorted(hop_kinds) if hop_kinds is not None else None
        self.graph_only = graph_only
        self.notes: list[str] = []
        self._temp: list[str] = []
        self._prefix = f"_x{next(_SCOPES)}_"  # scopes open at once keep their own tables
        if case_id is None:
            self._tables = {t: t for t in workspace_tables(engine)}
        else:
            self._tables = self._case_tables(case_id)

    def __enter__(self) -> Scope:
        return self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()

    def close(self) -> None:
        for name in self._temp:
            self.engine.execute(f"DROP TABLE IF EXISTS {name}")
        self._temp.clear()

    @property
    def tables(self) -> list[str]:
        return list(self._tables)

    def relation(self, table: str) -> str | None:
        """The relation holding ``table``'s rows in scope, or None when the table is out of scope."""
        return self._tables.get(table)

    def count(self, table: str) -> int:
        rel = self.relation(table)
        return int(self.engine.scalar(f"SELECT count(*) FROM {rel}")) if rel else 0

    def describe(self) -> str:
        if self.case_id is None:
            return "the whole workspace"
        return f"case {self.case_id} and its parties within {self.hops} tie(s)"

    # ------------------------------------------------------------------ case
    def _findings(self, case_id: str) -> list[dict[str, Any]]:
        ids = [case_id]
        if self.engine.table_exists("cases"):
            row = self.engine.fetchone("SELECT finding_ids FROM cases WHERE case_id = ?", [case_id])
            if row:
                ids = [str(i) for i in json.loads(row[0] or "[]")]
        rows: list[dict[str, Any]] = self.engine.arrow(
            "SELECT finding_id, entities, record_ids FROM findings WHERE list_contains(?, finding_id) "
            "ORDER BY finding_id",
            [ids],
        ).to_pylist()
        if not rows:
            raise LookupError(
                f"no case or finding {case_id!r} (see `tradetrace cases` / `tradetrace detect`)"
            )
        return rows

    def _seed_nodes(self, findings: list[dict[str, Any]]) -> set[str]:
        ids: set[str] = set()
        taxes: set[str] = set()
        names: set[str] = set()
        records: set[str] = set()
        for f in findings:
            records.update(str(r) for r in json.loads(f["record_ids"] or "[]"))
            for ent in json.loads(f["entities"] or "[]"):
                ident, name = str(ent.get("id") or ""), str(ent.get("name") or "")
                ids.add(ident)
                if (tk := tax_key(ident)) and len(tk) >= MIN_TAX_KEY and any(c.isdigit() for c in tk):
                    taxes.add(tk)
                for text in (ident, name.split(_COUNTRY_SUFFIX)[0] if name.endswith(")") else name):
                    if nk := name_key(text):
                        names.add(nk)
        e = self.engine
        seeds = {
            str(r[0])
            for r in e.fetchall(
                "SELECT node_id FROM graph_nodes WHERE list_contains(?, node_id) UNION "
                "SELECT node_id FROM graph_mentions WHERE list_contains(?, tax_key) OR list_contains(?, name_key)",
                [sorted(ids), sorted(taxes), sorted(names)],
            )
        }
        for sql in (
            f"SELECT i.node_id, x.node_id FROM shipments s {mention_join('i', 's', 'importer', 'importer_')} "
            f"{mention_join('x', 's', 'exporter', 'exporter_')} WHERE list_contains(?, s.record_id)",
            f"SELECT a.node_id, b.node_id FROM payments p {mention_join('a', 'p', 'payer', 'payer_', False)} "
            f"{mention_join('b', 'p', 'payee', 'payee_', False)} WHERE list_contains(?, p.record_id)",
        ):
            for pair in e.fetchall(sql, [sorted(records)]):
                seeds.update(str(n) for n in pair if n)
        return seeds

    def _temp_table(self, table: str, sql: str, params: list[Any] | None = None) -> str:
        name = f"{self._prefix}{table}"
        self.engine.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params)
        self._temp.append(name)
        return name

    def _case_tables(self, case_id: str) -> dict[str, str]:
        findings = self._findings(case_id)
        seeds = self._seed_nodes(findings)
        if not seeds:
            raise LookupError(f"case {case_id}: none of its parties or records is in the graph")
        self.engine.register(
            f"{self._prefix}seeds", pa.table({"node_id": pa.array(sorted(seeds), pa.string())})
        )
        nodes = self._temp_table("case_nodes", f"SELECT node_id FROM {self._prefix}seeds")
        self.engine.unregister(f"{self._prefix}seeds")
        kinds = "" if self.hop_kinds is None else "AND list_contains(?, kind) "
        params = None if self.hop_kinds is None else [self.hop_kinds, self.hop_kinds]
        for _ in range(self.hops):
            self.engine.execute(
                f"INSERT INTO {nodes} SELECT DISTINCT n FROM (SELECT target AS n FROM graph_edges WHERE source IN "
                f"(SELECT node_id FROM {nodes}) {kinds}UNION SELECT source FROM graph_edges WHERE target IN "
                f"(SELECT node_id FROM {nodes}) {kinds}) WHERE n NOT IN (SELECT node_id FROM {nodes})",
                params,
            )
        inside = f"IN (SELECT node_id FROM {nodes})"
        make = self._temp_table
        make(
            "findings",
            "SELECT * FROM findings WHERE list_contains(?, finding_id)",
            [[f["finding_id"] for f in findings]],
        )
        if self.engine.table_exists("cases"):
            make("cases", "SELECT * FROM cases WHERE case_id = ?", [case_id])
        make("graph_nodes", f"SELECT * FROM graph_nodes WHERE node_id {inside}")
        make("graph_edges", f"SELECT * FROM graph_edges WHERE source {inside} AND target {inside}")
        make("graph_mentions", f"SELECT * FROM graph_mentions WHERE node_id {inside}")
        if self.graph_only:
            return self._ordered()
        make(
            "shipments",
            f"SELECT s.* FROM shipments s {mention_join('i', 's', 'importer', 'importer_')} "
            f"{mention_join('x', 's', 'exporter', 'exporter_')} WHERE i.node_id {inside} AND x.node_id {inside}",
        )
        make(
            "payments",
            f"SELECT p.* FROM payments p {mention_join('a', 'p', 'payer', 'payer_', False)} "
            f"{mention_join('b', 'p', 'payee', 'payee_', False)} WHERE a.node_id {inside} AND b.node_id {inside}",
        )
        entities = f"(SELECT entity_id FROM graph_mentions WHERE node_id {inside} AND entity_id IS NOT NULL)"
        make("parties", f"SELECT * FROM parties WHERE entity_id IN {entities}")
        make(
            "relations", f"SELECT * FROM relations WHERE source_id IN {entities} AND target_id IN {entities}"
        )
        entries = sorted(
            {
                f"{e['version_id']}/{e['entry_id']}"
                for (text,) in self.engine.fetchall(
                    f"SELECT list_entries FROM graph_nodes WHERE listed AND node_id {inside}"
                )
                for e in json.loads(text or "[]")
            }
        )
        make(
            "listings",
            "SELECT * FROM listings WHERE list_contains(?, version_id || '/' || entry_id)",
            [entries],
        )
        make(
            "list_versions",
            "SELECT * FROM list_versions WHERE version_id IN (SELECT version_id FROM listings "
            "WHERE list_contains(?, version_id || '/' || entry_id))",
            [entries],
        )
        n_nodes = self.engine.scalar(f"SELECT count(*) FROM {nodes}")
        self.notes.append(
            f"case {case_id}: {len(findings)} finding(s), {len(seeds)} seed parties, {n_nodes} parties within "
            f"{self.hops} tie(s)"
        )
        return self._ordered()

    def _ordered(self) -> dict[str, str]:
        order = workspace_tables(self.engine)
        made = {name.removeprefix(self._prefix): name for name in self._temp}
        made.pop("case_nodes", None)
        return {table: made[table] for table in order if table in made}
