"""Paths and components of the party graph (networkx over ``graph_nodes`` / ``graph_edges``).

``find_path(engine, "5902807948", "Концерн Калашников")`` finds the shortest chain of ties between
two parties, named by node id, tax id, name as written or name key, ignoring edge direction (a
payment in either direction connects); each hop lists every tie between the two parties with its
kind, dates and values, and the arrow shows which way the tie points.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import networkx as nx

from tradetrace.engine import Engine
from tradetrace.resolve.normalize import name_key, tax_key

__all__ = ["Component", "Party", "PathResult", "components", "find_path", "load_graph", "resolve_party"]

MAX_TIES_SHOWN = 5
_NODE_COLS = "node_id, name, kind, country, tax_id, listed, list_entries, component, component_size"


@dataclass(frozen=True)
class Party:
    node_id: str
    name: str
    kind: str
    country: str | None
    tax_id: str | None
    listed: bool
    list_entries: list[dict[str, Any]] = field(default_factory=list)
    component: str | None = None
    component_size: int | None = None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Party:
        node_id, name, kind, country, tax_id, listed, entries, comp, size = row
        return cls(
            node_id, name, kind, country, tax_id, bool(listed), json.loads(entries or "[]"), comp, size
        )

    def label(self) -> str:
        facts = [self.kind, *(x for x in (self.country,) if x)]
        if self.tax_id:
            facts.append(f"tax id {self.tax_id}")
        facts += [f"LISTED {e['list_id']} {e['entry_id']}" for e in self.list_entries]
        return f"{self.name} [{', '.join(facts)}]"


@dataclass(frozen=True)
class Tie:
    """One edge on a hop, seen from the hop's first party."""

    edge: dict[str, Any]
    forward: bool  # the edge points from the hop's first party to its second

    def describe(self) -> str:
        e = self.edge
        arrow = "→" if self.forward else "←"
        kind = e["kind"]
        if kind in ("payment", "trade"):
            noun = "payment" if kind == "payment" else "shipment"
            parts = [f"{e['count']:,} {noun}{'' if e['count'] == 1 else 's'}"]
            if e["value_usd"] is not None:
                parts.append(f"${e['value_usd']:,.2f}")
            parts.append(f"{e['first_date']} – {e['last_date']}")
            if kind == "trade":
                parts.append(
                    f"origin {e['origin_country'] or '?'}, dispatched from {e['dispatch_country'] or '?'}"
                )
            text = f"{kind}: " + ", ".join(parts)
        else:
            role = json.loads(e["attributes"] or "{}").get("role")
            text = kind + (f" ({role})" if role else "")
            if e["share_pct"] is not None:
                text += f" {e['share_pct']:g}%"
            if e["start_date"] or e["end_date"]:
                text += f", {e['start_date'] or '?'} – {e['end_date'] or 'now'}"
        return f"{arrow} {text}  [{e['edge_id']}]"


@dataclass(frozen=True)
class PathResult:
    parties: list[Party]
    hops: list[list[Tie]]  # hops[i]: the ties between parties[i] and parties[i + 1]

    def describe(self) -> str:
        first, last = self.parties[0], self.parties[-1]
        lines = [f"{len(self.hops)} step(s) from {first.name} to {last.name}:", f"  {first.label()}"]
        for party, ties in zip(self.parties[1:], self.hops, strict=True):
            for tie in ties[:MAX_TIES_SHOWN]:
                lines.append(f"      {tie.describe()}")
            if len(ties) > MAX_TIES_SHOWN:
                lines.append(f"      (+{len(ties) - MAX_TIES_SHOWN} more ties)")
            lines.append(f"  {party.label()}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Component:
    component: str
    size: int
    listed: int
    names: list[str]  # the best-connected parties first


def load_graph(engine: Engine, kinds: Collection[str] | None = None) -> nx.MultiGraph:
    """The graph as an undirected networkx multigraph; edge keys are edge ids, data the edge row."""
    graph: nx.MultiGraph = nx.MultiGraph()
    graph.add_nodes_from(
        str(r[0]) for r in engine.fetchall("SELECT node_id FROM graph_nodes ORDER BY node_id")
    )
    where, params = "", None
    if kinds:
        where = f"WHERE kind IN ({', '.join('?' for _ in kinds)})"
        params = list(kinds)
    table = engine.arrow(f"SELECT * FROM graph_edges {where} ORDER BY edge_id", params)
    for e in table.to_pylist():
        graph.add_edge(e["source"], e["target"], key=e["edge_id"], **e)
    return graph


def _parties(engine: Engine, where: str, params: list[Any]) -> list[Party]:
    rows = engine.fetchall(f"SELECT {_NODE_COLS} FROM graph_nodes WHERE {where} ORDER BY node_id", params)
    return [Party.from_row(r) for r in rows]


def resolve_party(engine: Engine, query: str) -> Party:
    """The one party named by ``query``: node id, tax id, name as written, or name key.

    Raises LookupError when nothing or more than one party fits the first rule that finds any.
    """
    q = query.strip()
    mentions = "node_id IN (SELECT node_id FROM graph_mentions WHERE {})"
    rules: list[tuple[str, list[Any]]] = [("node_id = ?", [q])]
    if (tk := tax_key(q)) and any(ch.isdigit() for ch in tk):
        rules.append((mentions.format("tax_key = ?"), [tk]))
    rules.append((f"lower(name) = lower(?) OR {mentions.format('lower(name) = lower(?)')}", [q, q]))
    if nk := name_key(q):
        rules.append((mentions.format("name_key = ?"), [nk]))
    for where, params in rules:
        found = _parties(engine, where, params)
        if len(found) == 1:
            return found[0]
        if found:
            options = "\n".join(f"  {p.node_id}  {p.label()}" for p in found[:10])
            more = f"\n  ... and {len(found) - 10} more" if len(found) > 10 else ""
            raise LookupError(f"{query!r} names {len(found)} parties; use a node id:\n{options}{more}")
    raise LookupError(f"no party in the graph is named {query!r} (by node id, tax id, name or name key)")


def find_path(engine: Engine, a: str, b: str, kinds: Collection[str] | None = None) -> PathResult:
    """The shortest chain of ties between parties ``a`` and ``b`` (either direction)."""
    start, end = resolve_party(engine, a), resolve_party(engine, b)
    graph = load_graph(engine, kinds)
    try:
        ids: list[str] = nx.shortest_path(graph, start.node_id, end.node_id)
    except nx.NetworkXNoPath:
        raise LookupError(
            f"no path between {start.name} and {end.name}"
            + (f" over {', '.join(sorted(kinds))} ties" if kinds else "")
            + (
                f" (they are in different components: {start.component}, {end.component})"
                if start.component != end.component
                else ""
            )
        ) from None
    by_id = {p.node_id: p for p in _parties(engine, "list_contains(?, node_id)", [ids])}
    hops = []
    for x, y in pairwise(ids):
        edges = sorted(
            graph.get_edge_data(x, y).values(),
            key=lambda e: (e["kind"], -(e["value_usd"] or 0), e["edge_id"]),
        )
        hops.append([Tie(e, e["source"] == x) for e in edges])
    return PathResult([by_id[i] for i in ids], hops)


def components(engine: Engine, limit: int = 10) -> list[Component]:
    """The largest connected components, those holding listed parties first."""
    rows = engine.fetchall(
        "SELECT component, max(component_size), count(*) FILTER (WHERE listed), "
        "list(name ORDER BY degree DESC, node_id)[1:3] FROM graph_nodes GROUP BY component "
        "ORDER BY count(*) FILTER (WHERE listed) > 0 DESC, max(component_size) DESC, component LIMIT ?",
        [limit],
    )
    return [Component(str(c), int(size), int(listed), list(names)) for c, size, listed, names in rows]
