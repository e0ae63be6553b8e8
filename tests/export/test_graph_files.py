"""GEXF, GraphML and Neo4j CSVs hold exactly the graph tables; Parquet holds every table."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest

from tests.graph.sample import HOSTILE, Sample
from tradetrace.export import export
from tradetrace.export.cypher import NODE_HEADER, REL_HEADER
from tradetrace.export.scope import Scope


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_gephi_files_open_in_networkx_with_the_table_counts(sample: Sample, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"graph.{fmt}"
    result = export(sample.ws, fmt, out)
    graph = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out, force_multigraph=True)
    e = sample.ws.engine
    nodes, edges = e.scalar("SELECT count(*) FROM graph_nodes"), e.scalar("SELECT count(*) FROM graph_edges")
    assert graph.number_of_nodes() == nodes and graph.number_of_edges() == edges
    assert result.counts == {"nodes": nodes, "edges": edges}
    listed = [n for n, d in graph.nodes(data=True) if d.get("listed")]
    assert len(listed) == e.scalar("SELECT count(*) FROM graph_nodes WHERE listed")
    kinds = {d["kind"] for _u, _v, d in graph.edges(data=True)}
    assert {"trade", "payment", "owner", "director"} <= kinds
    trade = [d for _u, _v, d in graph.edges(data=True) if d["kind"] == "trade"]
    assert sum(
        d.get("value_usd", 0.0) for d in trade
    ) == pytest.approx(  # edges whose rows have no USD value carry none
        e.scalar("SELECT sum(value_usd) FROM shipments")
    )
    hostile = [d for _n, d in graph.nodes(data=True) if d.get("label") == HOSTILE]
    assert len(hostile) == 1 and hostile[0]["kind"] == "person"


def test_case_graph_is_the_case_scope(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "case.gexf"
    result = export(sample.ws, "gexf", out, case_id=sample.case_id)
    with Scope(sample.ws.engine, sample.case_id) as scope:
        nodes, edges = scope.count("graph_nodes"), scope.count("graph_edges")
    graph = nx.read_gexf(out)
    assert (
        (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges) == tuple(result.counts.values())
    )
    assert 10 < nodes < 200


def test_neo4j_csvs_parse_with_matching_counts(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "neo4j"
    result = export(sample.ws, "cypher", out)
    with (out / "nodes.csv").open(encoding="utf-8", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    with (out / "relationships.csv").open(encoding="utf-8", newline="") as fh:
        rels = list(csv.DictReader(fh))
    e = sample.ws.engine
    assert len(nodes) == e.scalar("SELECT count(*) FROM graph_nodes") == result.counts["nodes"]
    assert len(rels) == e.scalar("SELECT count(*) FROM graph_edges") == result.counts["relationships"]
    assert list(nodes[0]) == NODE_HEADER and list(rels[0]) == REL_HEADER
    ids = {n["node_id:ID"] for n in nodes}
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)
    hostile = next(n for n in nodes if n["name"] == "'" + HOSTILE)  # quotes survive; never a formula
    assert hostile[":LABEL"] == "Party;Person"
    assert all("Listed" in n[":LABEL"].split(";") for n in nodes if n["listed:boolean"] == "true")
    script = (out / "load.cypher").read_text("utf-8")
    for t in {r[":TYPE"] for r in rels}:
        assert f"MERGE (a)-[r:`{t}` {{edge_id: row.edge_id}}]->(b)" in script
    assert HOSTILE not in script and "HYPERLINK" not in script
    assert "--multiline-fields=true" in (out / "import.sh").read_text("utf-8")


def test_parquet_round_trips_every_table(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    result = export(sample.ws, "parquet", out)
    e = sample.ws.engine
    assert {"shipments", "parties", "relations", "payments", "findings", "graph_nodes", "graph_edges"} <= set(
        result.counts
    )
    for table, n in result.counts.items():
        assert (
            pq.read_metadata(out / f"{table}.parquet").num_rows
            == n
            == e.scalar(f"SELECT count(*) FROM {table}")
        )
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["tables"] == result.counts
    long = pq.read_table(out / "shipments.parquet", columns=["record_id", "description"]).to_pylist()
    assert max(len(r["description"] or "") for r in long) == 40_000
