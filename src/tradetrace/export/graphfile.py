"""GEXF and GraphML for Gephi, yEd and Cytoscape, written with networkx.

The graph is a directed multigraph: one node per ``graph_nodes`` row, one edge per
``graph_edges`` row (edge ids kept). Nodes carry ``label`` (name), ``kind``, ``country``,
``tax_id``, ``listed``, ``list_entries`` (``list:entry`` ids), ``component``, ``component_size``,
``degree`` and ``rows``; edges carry ``kind`` (also as ``label``), ``value_usd``, ``count``,
``first_date``/``last_date``, ``share_pct``, ``start_date``/``end_date``, origin and dispatch
countries, a sample of ``record_ids``, and ``weight`` (value in USD for payments and trade,
1 for register relations) for Gephi's edge thickness. Missing values are left out rather than
written as empty, and text is stripped of characters XML forbids.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from tradetrace.export.base import ExportResult, rows
from tradetrace.export.safe_text import xml_safe
from tradetrace.export.scope import Scope

__all__ = ["graph_of", "write_gexf", "write_graphml"]

_NODE_TEXT = ("kind", "country", "tax_id", "component", "node_key")
_NODE_INT = ("component_size", "degree", "rows")
_EDGE_TEXT = (
    "kind",
    "first_date",
    "last_date",
    "start_date",
    "end_date",
    "origin_country",
    "dispatch_country",
)


def _text(value: object) -> str:
    return xml_safe(str(value))[0]


def _node_data(r: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"label": _text(r["name"]), "listed": bool(r["listed"])}
    data.update({k: _text(r[k]) for k in _NODE_TEXT if r[k] is not None})
    data.update({k: int(r[k]) for k in _NODE_INT if r[k] is not None})
    entries = json.loads(r["list_entries"] or "[]")
    if entries:
        data["list_entries"] = _text(";".join(f"{e['list_id']}:{e['entry_id']}" for e in entries))
    return data


def _edge_data(r: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": r["edge_id"], "label": r["kind"]}
    data.update({k: _text(r[k]) for k in _EDGE_TEXT if r[k] is not None})
    if r["count"] is not None:
        data["count"] = int(r["count"])
    for k in ("value_usd", "share_pct"):
        if r[k] is not None:
            data[k] = float(r[k])
    attrs = json.loads(r["attributes"] or "{}")
    if attrs.get("record_ids"):
        data["record_ids"] = _text(";".join(attrs["record_ids"]))
    if attrs.get("role"):
        data["role"] = _text(attrs["role"])
    data["weight"] = float(r["value_usd"]) if r["value_usd"] is not None else 1.0
    return data


def graph_of(scope: Scope) -> nx.MultiDiGraph:
    """The scope's graph tables as a networkx directed multigraph keyed by edge id."""
    graph: nx.MultiDiGraph = nx.MultiDiGraph()
    nodes, edges = scope.relation("graph_nodes"), scope.relation("graph_edges")
    if nodes:
        for r in rows(scope.engine, f"SELECT * FROM {nodes}", "node_id"):
            graph.add_node(r["node_id"], **_node_data(r))
    if edges:
        for r in rows(scope.engine, f"SELECT * FROM {edges}", "edge_id"):
            graph.add_edge(r["source"], r["target"], key=r["edge_id"], **_edge_data(r))
    return graph


def _result(fmt: str, scope: Scope, out: Path, graph: nx.MultiDiGraph) -> ExportResult:
    counts = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    return ExportResult(fmt, out, scope.describe(), counts, list(scope.notes), unit="nodes and edges")


def write_gexf(scope: Scope, out: Path) -> ExportResult:
    """Write the scope's graph as GEXF 1.2 (Gephi's own format)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    graph = graph_of(scope)
    nx.write_gexf(graph, out, version="1.2draft")
    return _result("gexf", scope, out, graph)


def write_graphml(scope: Scope, out: Path) -> ExportResult:
    """Write the scope's graph as GraphML (edge ids as GraphML edge ids)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    graph = graph_of(scope)
    for _u, _v, data in graph.edges(data=True):
        data.pop("id", None)  # GraphML takes the edge key as its id
    nx.write_graphml(graph, out, edge_id_from_attribute=None)
    return _result("graphml", scope, out, graph)
