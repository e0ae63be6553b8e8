"""Build the party graph: ``graph_mentions`` → ``graph_nodes`` and ``graph_edges``.

Edges come from the workspace tables, aggregated in SQL:

* **relations** (owner, director, officer...): one edge per relation, role and period, so a
  former co-owner (an end date) stays a distinct edge beside the current owner;
* **payments**: one edge per payer → payee, with the USD total, count, first and last date;
* **trade**: one edge per exporter → importer and route (origin, dispatch country), with value,
  count and period.

Every edge keeps a sample of the record ids it rests on. Nodes carry the list entries whose
identifiers equal one of the party's tax or registration numbers, and their connected component.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import pyarrow as pa

from tradetrace.engine import Engine
from tradetrace.engine.base import runs_as
from tradetrace.graph.identity import build_mentions, mention_join, tax_key_sql
from tradetrace.graph.tables import GRAPH_NODES, ensure_tables
from tradetrace.progress import NullProgress, Progress

if TYPE_CHECKING:
    from tradetrace.workspace import Workspace

__all__ = ["GraphSummary", "build_graph", "ensure_graph", "graph_fingerprint"]

MIN_LIST_KEY = 6  # shortest identifier matched against list entries (shorter ones collide)
SAMPLE = 5  # record ids kept per edge
MAX_NAMES = 25  # spellings kept per node in attributes


def _edge_id(*parts: str) -> str:
    # each part is text or NULL-safe already; joined without concat_ws (see engine/portability.py)
    return "'ge_' || substr(sha256(" + " || '|' || ".join(f"coalesce({p}, '')" for p in parts) + "), 1, 16)"


def _text(expr: str) -> str:
    return f"coalesce(CAST({expr} AS VARCHAR), '')"


def _first(
    table: str, keys: str, order: str, value: str, limit: int, alias: str, distinct: bool = False
) -> str:
    """Per group of ``keys`` in ``table``: a list of the first ``limit`` values of ``value`` by
    ``order`` (distinct values, sorted, with ``distinct``), as ``alias``. Written with a window and
    an ordered list, which mean the same on every engine (see engine/portability.py)."""
    rows = (
        f"(SELECT DISTINCT {keys}, {value} AS _v FROM {table} WHERE {value} IS NOT NULL)"
        if distinct
        else table
    )
    sort = "_v" if distinct else order
    pick = "_v" if distinct else value
    return (
        f"SELECT {keys}, list({pick} ORDER BY {sort}) AS {alias} FROM ("
        f"SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY {sort}) AS _k FROM {rows}"
        f") WHERE _k <= {limit} GROUP BY {keys}"
    )


def _same(keys: list[str], a: str, b: str) -> str:
    return " AND ".join(f"{b}.{k} IS NOT DISTINCT FROM {a}.{k}" for k in keys)


_REL_KEYS = ["source", "target", "kind", "role", "share_pct", "start_date", "end_date"]
_RELATION_RECORDS = """
WITH ent AS (
  SELECT entity_id, min(node_id) AS node_id FROM graph_mentions
  WHERE source_table IN ('parties', 'relations') AND entity_id IS NOT NULL GROUP BY entity_id
)
SELECT s.node_id AS source, t.node_id AS target, lower(trim(r.relation)) AS kind, r.role, r.share_pct,
       r.start_date, r.end_date, r.source AS documented, r._source AS file, r._source_row AS row
FROM relations r JOIN ent s ON s.entity_id = r.source_id JOIN ent t ON t.entity_id = r.target_id
"""
_RELATION_EDGES = f"""
WITH e AS (SELECT {", ".join(_REL_KEYS)}, count(*) AS n FROM _g_rec GROUP BY {", ".join(_REL_KEYS)}),
doc AS ({_first("_g_rec", ", ".join(_REL_KEYS), "", "documented", 1_000_000, "documented", distinct=True)}),
smp AS ({_first("_g_rec", ", ".join(_REL_KEYS), "file, row", "struct_pack(file := file, row := row)", SAMPLE, "rows")})
SELECT {_edge_id("'rel'", "e.kind", "e.source", "e.target", _text("e.role"), _text("e.share_pct"), _text("e.start_date"), _text("e.end_date"))},
       e.source, e.target, e.kind, NULL, e.n, NULL, NULL, e.share_pct, e.start_date, e.end_date, NULL, NULL,
       CAST(to_json(struct_pack(role := e.role, documented := doc.documented, rows := smp.rows)) AS VARCHAR)
FROM e LEFT JOIN doc ON {_same(_REL_KEYS, "e", "doc")} LEFT JOIN smp ON {_same(_REL_KEYS, "e", "smp")}
"""

_PAYMENT_RECORDS = f"""
SELECT a.node_id AS source, b.node_id AS target, p.amount_usd AS usd, p.date, p.record_id, p.currency
FROM payments p {mention_join("a", "p", "payer", "payer_", has_place=False)}
     {mention_join("b", "p", "payee", "payee_", has_place=False)}
WHERE a.node_id IS NOT NULL AND b.node_id IS NOT NULL
"""
_PAYMENT_EDGES = f"""
WITH e AS (
  SELECT source, target, sum(usd) AS v, count(*) AS n, count(usd) AS nv, min(date) AS d0, max(date) AS d1
  FROM _g_rec GROUP BY source, target
),
smp AS ({_first("_g_rec", "source, target", "date, record_id", "record_id", SAMPLE, "sample")}),
cur AS ({_first("_g_rec", "source, target", "", "currency", 1_000, "cur", distinct=True)})
SELECT {_edge_id("'pay'", "e.source", "e.target")}, e.source, e.target, 'payment', round(e.v, 2), e.n, e.d0, e.d1,
       NULL, NULL, NULL, NULL, NULL,
       CAST(to_json(struct_pack(record_ids := smp.sample, currencies := cur.cur,
                                records_without_usd := e.n - e.nv)) AS VARCHAR)
FROM e LEFT JOIN smp ON smp.source = e.source AND smp.target = e.target
       LEFT JOIN cur ON cur.source = e.source AND cur.target = e.target
"""

_TRADE_KEYS = ["source", "target", "oc", "dc"]
_TRADE_RECORDS = f"""
SELECT x.node_id AS source, i.node_id AS target, s.origin_country AS oc, s.dispatch_country AS dc,
       s.value_usd AS usd, s.date, s.record_id, s.hs6
FROM shipments s {mention_join("i", "s", "importer", "importer_")} {mention_join("x", "s", "exporter", "exporter_")}
WHERE i.node_id IS NOT NULL AND x.node_id IS NOT NULL
"""
_TRADE_EDGES = f"""
WITH e AS (
  SELECT source, target, oc, dc, sum(usd) AS v, count(*) AS n, count(usd) AS nv, min(date) AS d0, max(date) AS d1
  FROM _g_rec GROUP BY source, target, oc, dc
),
smp AS ({_first("_g_rec", ", ".join(_TRADE_KEYS), "date, record_id", "record_id", SAMPLE, "sample")}),
hs AS ({_first("_g_rec", ", ".join(_TRADE_KEYS), "", "hs6", 10, "hs", distinct=True)})
SELECT {_edge_id("'trade'", "e.source", "e.target", _text("e.oc"), _text("e.dc"))}, e.source, e.target, 'trade',
       round(e.v, 2), e.n, e.d0, e.d1, NULL, NULL, NULL, e.oc, e.dc,
       CAST(to_json(struct_pack(record_ids := smp.sample, hs6 := hs.hs, records_without_usd := e.n - e.nv)) AS VARCHAR)
FROM e LEFT JOIN smp ON {_same(_TRADE_KEYS, "e", "smp")} LEFT JOIN hs ON {_same(_TRADE_KEYS, "e", "hs")}
"""
_EDGES = (
    (_RELATION_RECORDS, _RELATION_EDGES),
    (_PAYMENT_RECORDS, _PAYMENT_EDGES),
    (_TRADE_RECORDS, _TRADE_EDGES),
)


_LIST_MATCHES = f"""
WITH keys AS (
  SELECT DISTINCT node_id, tax_key AS k FROM graph_mentions WHERE tax_key IS NOT NULL
  UNION
  SELECT DISTINCT gm.node_id, {tax_key_sql("p.registration_no")}
  FROM parties p JOIN graph_mentions gm ON gm.source_table = 'parties' AND gm.entity_id = p.entity_id
  WHERE p.registration_no IS NOT NULL
)
SELECT k.node_id, l.list_id, l.version_id, l.entry_id, l.name, v.publisher, l.programs,
       CAST(l.listed_on AS VARCHAR) AS listed_on, i.type AS id_type, i.value AS id_value
FROM keys k
JOIN listing_identifiers i ON i.value_key = k.k AND length(k.k) >= {MIN_LIST_KEY}
JOIN list_versions v ON v.version_id = i.version_id AND v.active
JOIN listings l ON l.version_id = i.version_id AND l.entry_id = i.entry_id
ORDER BY k.node_id, l.list_id, l.entry_id, l.version_id, i.type <> 'tax_id', i.type, i.value
"""


@dataclass
class GraphSummary:
    """What a graph build did."""

    nodes: int
    edges: int
    nodes_by_kind: dict[str, int]
    edges_by_kind: dict[str, int]
    listed: int
    components: int
    largest_components: list[int]
    mentions: int
    mentions_by_rule: dict[str, int]
    used_clusters: bool
    placeholder_nodes: int  # relation ends with no parties row
    fingerprint: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(self.nodes_by_kind.items()))
        ties = ", ".join(f"{k} {v:,}" for k, v in sorted(self.edges_by_kind.items()))
        rules = ", ".join(f"{k} {v:,}" for k, v in sorted(self.mentions_by_rule.items()))
        lines = [
            f"{self.nodes:,} nodes ({kinds}), {self.listed:,} listed",
            f"{self.edges:,} edges ({ties})",
            f"{self.components:,} components; largest: {', '.join(f'{n:,}' for n in self.largest_components)}",
            f"{self.mentions:,} spellings mapped to nodes by {rules}"
            + (" (party_clusters)" if self.used_clusters else " (no party_clusters: tax id / name keys)"),
        ]
        if self.placeholder_nodes:
            lines.append(f"{self.placeholder_nodes:,} relation ends have no parties row: placeholder nodes")
        return "\n".join(lines)


def graph_fingerprint(engine: Engine) -> str:
    """A hash of what the graph is built from: loads, active list versions, clusters, row counts."""
    parts: list[object] = [
        engine.fetchall("SELECT load_id FROM loads ORDER BY load_id"),
        engine.fetchall("SELECT version_id FROM list_versions WHERE active ORDER BY version_id"),
    ]
    for table in ("shipments", "payments", "parties", "relations", "party_clusters"):
        if engine.table_exists(table):
            parts.append((table, engine.scalar(f"SELECT count(*) FROM {table}")))
    if engine.table_exists("party_clusters"):
        parts.append(engine.fetchall("SELECT min(cluster_id), max(cluster_id) FROM party_clusters"))
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


def _facets(engine: Engine, column: str) -> dict[str, list[dict[str, Any]]]:
    rows = engine.arrow(
        f"SELECT node_id, list(struct_pack(v := v, n := n) ORDER BY -n, v) AS vals FROM ("
        f"SELECT node_id, {column} AS v, CAST(sum(rows) AS BIGINT) AS n FROM graph_mentions "
        f"WHERE {column} IS NOT NULL GROUP BY 1, 2) GROUP BY 1"
    ).to_pylist()
    return {r["node_id"]: r["vals"] for r in rows}


def _registry(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    rows = engine.arrow(
        "SELECT gm.node_id, p.* EXCLUDE (_source, _source_row, _load_id) FROM parties p "
        "JOIN (SELECT DISTINCT node_id, entity_id FROM graph_mentions WHERE source_table = 'parties') gm "
        "USING (entity_id) ORDER BY gm.node_id, p.entity_id, p._load_id, p._source_row"
    ).to_pylist()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.pop("node_id"), []).append(r)
    return out


def _list_entries(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for r in engine.arrow(_LIST_MATCHES).to_pylist():
        node = r.pop("node_id")
        key = (node, r["version_id"], r["entry_id"])
        if key not in seen:
            seen.add(key)
            r["programs"] = json.loads(r["programs"]) if r["programs"] else []
            out.setdefault(node, []).append(r)
    return out


def _node_rows(engine: Engine, used_clusters: bool) -> list[dict[str, Any]]:
    base = engine.fetchall(
        "SELECT gm.node_id, min(gm.node_key), CAST(sum(gm.rows) AS BIGINT), bool_or(coalesce(o.org, false)) "
        "FROM graph_mentions gm LEFT JOIN _g_org o ON o.name = gm.name GROUP BY 1 ORDER BY 1"
    )
    names, roles = _facets(engine, "name"), _facets(engine, "role")
    countries, taxes, addresses = (
        _facets(engine, "country"),
        _facets(engine, "tax_id"),
        _facets(engine, "address"),
    )
    registry, listed = _registry(engine), _list_entries(engine)
    canonical: dict[str, str] = {}
    if used_clusters:
        canonical = dict(
            engine.fetchall("SELECT cluster_id, min(canonical_name) FROM party_clusters GROUP BY 1")
        )
    rows = []
    for node_id, node_key, n_rows, org in base:
        spell, reg = names.get(node_id, []), registry.get(node_id, [])
        main = reg[0] if reg else {}
        kind = str(main.get("kind") or "").lower()
        kind = kind if kind in ("company", "person") else ("company" if org else "unknown")
        country = main.get("country") or next((c["v"] for c in countries.get(node_id, [])), None)
        tax_id = main.get("tax_id") or next((t["v"] for t in taxes.get(node_id, [])), None)
        name = main.get("name") or canonical.get(node_id) or (spell[0]["v"] if spell else node_id)
        entries = listed.get(node_id, [])
        facts = {
            k: v for k, v in main.items() if v is not None and k not in ("name", "kind", "country", "tax_id")
        }
        attributes = {
            "names": [{"name": s["v"], "rows": s["n"]} for s in spell[:MAX_NAMES]],
            "names_total": len(spell),
            "roles": {r["v"]: r["n"] for r in roles.get(node_id, [])},
            "tax_ids": [t["v"] for t in taxes.get(node_id, [])],
            "countries": [c["v"] for c in countries.get(node_id, [])],
            "addresses": [a["v"] for a in addresses.get(node_id, [])[:3]],
            "entity_ids": sorted({str(r["entity_id"]) for r in reg}),
            "registry": facts,
        }
        rows.append(
            {
                "node_id": node_id,
                "node_key": node_key,
                "kind": kind,
                "name": name,
                "country": country,
                "tax_id": tax_id,
                "listed": bool(entries),
                "list_entries": json.dumps(entries, ensure_ascii=False) if entries else None,
                "rows": n_rows,
                "attributes": json.dumps(attributes, ensure_ascii=False, default=str),
            }
        )
    return rows


def _components(engine: Engine, rows: list[dict[str, Any]]) -> None:
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(r["node_id"] for r in rows)
    degree: Counter[str] = Counter()
    for source, target in engine.fetchall("SELECT source, target FROM graph_edges"):
        graph.add_edge(source, target)
        degree[source] += 1
        degree[target] += 1
    component: dict[str, tuple[str, int]] = {}
    for members in nx.connected_components(graph):
        label = (min(members), len(members))
        component.update(dict.fromkeys(members, label))
    for r in rows:
        r["component"], r["component_size"] = component[r["node_id"]]
        r["degree"] = degree[r["node_id"]]


def _write_nodes(engine: Engine, rows: list[dict[str, Any]]) -> None:
    types = {"listed": pa.bool_(), "component_size": pa.int32(), "degree": pa.int32(), "rows": pa.int64()}
    table = pa.table(
        {c: pa.array([r.get(c) for r in rows], types.get(c, pa.string())) for c in GRAPH_NODES.names}
    )
    engine.register("_g_nodes", table)
    try:
        cols = ", ".join(GRAPH_NODES.names)
        engine.execute(f"INSERT INTO graph_nodes ({cols}) SELECT {cols} FROM _g_nodes ORDER BY node_id")
    finally:
        engine.unregister("_g_nodes")


@runs_as("graph")
def build_graph(ws: Workspace, progress: Progress | None = None) -> GraphSummary:
    """Rewrite graph_mentions, graph_nodes and graph_edges from the workspace tables."""
    engine = ws.engine
    ensure_tables(engine)
    task = (progress or NullProgress()).task("graph", total=4)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    fingerprint = graph_fingerprint(engine)
    with engine.transaction():
        stats = build_mentions(engine)
        seconds["mentions"] = time.perf_counter() - t0
        task.advance()
        engine.execute("DELETE FROM graph_edges")
        for records, edges in _EDGES:
            engine.execute(f"CREATE OR REPLACE TEMP TABLE _g_rec AS {records}")
            engine.execute(f"INSERT INTO graph_edges {edges} ORDER BY 1")
        engine.execute("DROP TABLE IF EXISTS _g_rec")
        seconds["edges"] = time.perf_counter() - t0 - sum(seconds.values())
        task.advance()
        rows = _node_rows(engine, stats.clusters)
        _components(engine, rows)
        seconds["nodes"] = time.perf_counter() - t0 - sum(seconds.values())
        task.advance()
        engine.execute("DELETE FROM graph_nodes")
        _write_nodes(engine, rows)
        engine.execute("DROP TABLE IF EXISTS _g_org")
    seconds["write"] = time.perf_counter() - t0 - sum(seconds.values())
    task.advance()
    sizes = Counter({r["component"]: r["component_size"] for r in rows})
    summary = GraphSummary(
        nodes=len(rows),
        edges=int(engine.scalar("SELECT count(*) FROM graph_edges")),
        nodes_by_kind=dict(Counter(r["kind"] for r in rows)),
        edges_by_kind={
            str(k): int(n) for k, n in engine.fetchall("SELECT kind, count(*) FROM graph_edges GROUP BY 1")
        },
        listed=sum(1 for r in rows if r["listed"]),
        components=len(sizes),
        largest_components=sorted(sizes.values(), reverse=True)[:5],
        mentions=stats.mentions,
        mentions_by_rule=stats.by_rule,
        used_clusters=stats.clusters,
        placeholder_nodes=stats.missing_entities,
        fingerprint=fingerprint,
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )
    ws.record("graph", summary.as_dict())
    return summary


def ensure_graph(ws: Workspace, progress: Progress | None = None) -> GraphSummary | None:
    """Build the graph unless the last build used the same inputs; returns the summary if it built.

    A workspace opened read-only (the web app) uses the graph as the last writer left it."""
    if ws.read_only:
        return None
    ensure_tables(ws.engine)
    stage = ws.manifest().get("stages", {}).get("graph", {})
    built = bool(ws.engine.scalar("SELECT count(*) > 0 FROM graph_nodes"))
    if built and stage.get("fingerprint") == graph_fingerprint(ws.engine):
        return None
    return build_graph(ws, progress)
