"""The party graph built from the simulated sample: identity, edges, list matches, components."""

from __future__ import annotations

import json

import pytest

from tests.graph.sample import Sample
from tradetrace.graph.build import build_graph, ensure_graph, graph_fingerprint


def _node(sample: Sample, tax_id: str) -> dict[str, object]:
    table = sample.ws.engine.arrow(
        "SELECT * FROM graph_nodes WHERE node_id IN (SELECT node_id FROM graph_mentions WHERE tax_key = ?)",
        [tax_id],
    )
    assert table.num_rows == 1, f"tax id {tax_id} maps to {table.num_rows} nodes"
    row: dict[str, object] = table.to_pylist()[0]
    return row


def test_every_record_is_on_an_edge(sample: Sample) -> None:
    e = sample.ws.engine
    trade = e.fetchone("SELECT sum(count), sum(value_usd) FROM graph_edges WHERE kind = 'trade'")
    shipments = e.fetchone("SELECT count(*), sum(value_usd) FROM shipments")
    assert trade is not None and shipments is not None
    assert trade[0] == shipments[0]
    assert trade[1] == pytest.approx(shipments[1], rel=1e-9)
    assert e.scalar("SELECT sum(count) FROM graph_edges WHERE kind = 'payment'") == e.scalar(
        "SELECT count(*) FROM payments"
    )
    relation_rows = e.scalar("SELECT sum(count) FROM graph_edges WHERE kind NOT IN ('trade', 'payment')")
    assert relation_rows == e.scalar("SELECT count(*) FROM relations")


def test_spellings_of_one_firm_are_one_node(sample: Sample) -> None:
    importer = _node(sample, sample.entity("importer")["tax_id"])
    names = {n["name"] for n in json.loads(str(importer["attributes"]))["names"]}
    assert {"ООО «Норвида Машин Текнолоджи»", "OOO NORVIDA MASHIN TEKNOLODZHI"} <= names
    assert importer["kind"] == "company" and importer["country"] == "RU"
    maker = _node(sample, sample.entity("supplier")["tax_id"])
    # lines that write the maker without its tax id join it through its name in its country
    rules = dict(
        sample.ws.engine.fetchall(
            "SELECT rule, count(*) FROM graph_mentions WHERE node_id = ? GROUP BY 1", [maker["node_id"]]
        )
    )
    assert rules.get("name_anchor", 0) > 0 and rules.get("registry", 0) > 0


def test_former_co_owner_is_an_edge_with_its_period(sample: Sample) -> None:
    importer = _node(sample, sample.entity("importer")["tax_id"])
    owners = sample.ws.engine.fetchall(
        "SELECT n.name, e.share_pct, e.start_date, e.end_date FROM graph_edges e "
        "JOIN graph_nodes n ON n.node_id = e.source WHERE e.kind = 'owner' AND e.target = ? ORDER BY 1, 2",
        [importer["node_id"]],
    )
    hsiao = [o for o in owners if o[0] == "Hsiao Yung-Chi"]
    assert len(hsiao) == 1 and hsiao[0][1] == 30 and str(hsiao[0][3]) == "2015-10-02"
    assert len(owners) == 3  # 70% until 2015, then 100%: two edges for the general director


def test_listed_payers_carry_their_list_entries(sample: Sample) -> None:
    payers = [e for e in sample.scheme()["entities"] if e["role"] == "payer" and e.get("listed")]
    assert payers
    for payer in payers:
        node = _node(sample, payer["tax_id"])
        assert node["listed"], payer["name"]
        entries = json.loads(str(node["list_entries"]))
        assert entries[0]["list_id"] == "us-ofac-sdn" and entries[0]["entry_id"]
    not_listed = _node(sample, sample.entity("importer")["tax_id"])
    assert not not_listed["listed"] and not_listed["list_entries"] is None


def test_components_agree_with_the_nodes(sample: Sample) -> None:
    e = sample.ws.engine
    assert (
        e.scalar(
            "SELECT count(*) FROM (SELECT component, count(*) AS n, min(component_size) AS lo, "
            "max(component_size) AS hi FROM graph_nodes GROUP BY 1) WHERE n <> lo OR n <> hi"
        )
        == 0
    )
    crossing = e.scalar(
        "SELECT count(*) FROM graph_edges g JOIN graph_nodes a ON a.node_id = g.source "
        "JOIN graph_nodes b ON b.node_id = g.target WHERE a.component <> b.component"
    )
    assert crossing == 0
    assert (
        e.scalar("SELECT count(*) FROM graph_edges WHERE source NOT IN (SELECT node_id FROM graph_nodes)")
        == 0
    )


def test_rebuild_gives_the_same_ids_and_is_skipped_when_nothing_changed(sample: Sample) -> None:
    e = sample.ws.engine
    before = e.fetchall("SELECT node_id, name, component FROM graph_nodes ORDER BY 1")
    edges = e.fetchall("SELECT edge_id, source, target, value_usd FROM graph_edges ORDER BY 1")
    summary = build_graph(sample.ws)
    assert summary.fingerprint == graph_fingerprint(e)
    assert e.fetchall("SELECT node_id, name, component FROM graph_nodes ORDER BY 1") == before
    assert e.fetchall("SELECT edge_id, source, target, value_usd FROM graph_edges ORDER BY 1") == edges
    assert ensure_graph(sample.ws) is None


def test_party_clusters_decide_the_nodes_when_present(sample: Sample) -> None:
    """Put the Taiwanese maker and its Russian namesake in one (fake) cluster: one node."""
    e = sample.ws.engine
    maker, importer = (
        _node(sample, sample.entity("supplier")["tax_id"]),
        _node(sample, sample.entity("importer")["tax_id"]),
    )
    from tradetrace.resolve.cluster import CLUSTER_TABLES

    e.execute("DROP TABLE IF EXISTS party_clusters")  # the (empty) real tables; a fake takes their place
    e.execute("DROP TABLE IF EXISTS party_mentions")
    try:
        e.execute(
            "CREATE TABLE party_mentions AS SELECT md5(concat_ws('|', source_table, role, name, tax_id, country, "
            "address, entity_id, is_alias)) AS mention_id, source_table, role, trim(name) AS name, tax_id, "
            "country, address, entity_id FROM graph_mentions"
        )
        e.execute(
            "CREATE TABLE party_clusters AS SELECT m.mention_id, CASE WHEN g.node_id IN (?, ?) THEN 'pc_merged' "
            "ELSE 'pc_' || g.node_id END AS cluster_id, 'Norvida' AS canonical_name FROM party_mentions m "
            "JOIN graph_mentions g ON g.source_table = m.source_table AND g.role = m.role AND trim(g.name) = m.name "
            "AND g.tax_id IS NOT DISTINCT FROM m.tax_id AND g.country IS NOT DISTINCT FROM m.country "
            "AND g.address IS NOT DISTINCT FROM m.address AND g.entity_id IS NOT DISTINCT FROM m.entity_id",
            [maker["node_id"], importer["node_id"]],
        )
        summary = build_graph(sample.ws)
        assert summary.used_clusters
        merged = e.fetchone("SELECT attributes FROM graph_nodes WHERE node_id = 'pc_merged'")
        assert merged is not None
        assert set(json.loads(merged[0])["tax_ids"]) >= {sample.entity("importer")["tax_id"], "67079005"}
        assert (
            e.scalar(
                "SELECT count(*) FROM graph_mentions WHERE rule <> 'cluster' AND source_table <> 'relations'"
            )
            == 0
        )
    finally:
        e.execute("DROP TABLE IF EXISTS party_clusters")
        e.execute("DROP TABLE IF EXISTS party_mentions")
        for spec in CLUSTER_TABLES:
            e.execute(spec.ddl())
        build_graph(sample.ws)
    assert _node(sample, "67079005")["node_id"] == maker["node_id"]
