"""A case's scope: its parties, their neighbourhood, and the records among them."""

from __future__ import annotations

import json

import pytest

from tests.graph.sample import Sample
from tradetrace.export.scope import Scope


def test_case_holds_the_cited_records_and_the_listed_payers(sample: Sample) -> None:
    e = sample.ws.engine
    with Scope(e, sample.case_id) as scope:
        cited = set(
            json.loads(e.scalar("SELECT record_ids FROM findings WHERE finding_id = ?", [sample.case_id]))
        )
        shipments = {r[0] for r in e.fetchall(f"SELECT record_id FROM {scope.relation('shipments')}")}
        assert cited <= shipments
        taxes = {r[0] for r in e.fetchall(f"SELECT tax_id FROM {scope.relation('graph_nodes')}")}
        listed_payers = {
            x["tax_id"] for x in sample.scheme()["entities"] if x["role"] == "payer" and x.get("listed")
        }
        assert listed_payers <= taxes
        assert scope.count("findings") == 1 and scope.count("listings") == len(listed_payers)
        outside = e.scalar(
            f"SELECT count(*) FROM {scope.relation('graph_edges')} WHERE source NOT IN "
            f"(SELECT node_id FROM {scope.relation('graph_nodes')})"
        )
        assert outside == 0
        hostile = e.scalar(
            f"SELECT count(*) FROM {scope.relation('relations')} WHERE source_id = 'hostile-1'"
        )
        assert hostile == 1
        temp = scope.relation("graph_nodes")
    assert temp is not None and not e.table_exists(temp)


def test_more_hops_reach_further(sample: Sample) -> None:
    with (
        Scope(sample.ws.engine, sample.case_id, hops=0) as near,
        Scope(sample.ws.engine, sample.case_id, hops=2) as far,
    ):
        assert 0 < near.count("graph_nodes") < far.count("graph_nodes")


def test_unknown_case(sample: Sample) -> None:
    with pytest.raises(LookupError, match="no case or finding"):
        Scope(sample.ws.engine, "f-nope")
