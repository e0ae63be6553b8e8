"""Paths between parties: the defining case's importer, its listed payers, the former co-owner."""

from __future__ import annotations

import pytest

from tests.graph.sample import Sample
from tradetrace.graph.paths import components, find_path, resolve_party


def test_importer_to_listed_payer(sample: Sample) -> None:
    importer = sample.entity("importer")
    payer = next(e for e in sample.scheme()["entities"] if e["role"] == "payer" and e.get("listed"))
    path = find_path(sample.ws.engine, importer["tax_id"], payer["tax_id"])
    assert [p.tax_id for p in path.parties] == [importer["tax_id"], payer["tax_id"]]
    assert path.parties[-1].listed and path.parties[-1].list_entries[0]["list_id"] == "us-ofac-sdn"
    (tie,) = path.hops[0]
    assert tie.edge["kind"] == "payment" and not tie.forward  # the payer pays the importer
    assert tie.edge["value_usd"] > 0 and tie.edge["first_date"] is not None
    text = path.describe()
    assert "← payment:" in text and "LISTED us-ofac-sdn" in text and importer["name"] in text


def test_former_co_owner_to_listed_payer_by_names(sample: Sample) -> None:
    payer = next(e for e in sample.scheme()["entities"] if e["role"] == "payer" and e.get("listed"))
    path = find_path(sample.ws.engine, "Hsiao Yung-Chi", payer["name"])
    assert len(path.hops) == 2
    assert path.parties[1].tax_id == sample.entity("importer")["tax_id"]
    owner = next(t for t in path.hops[0] if t.edge["kind"] == "owner")
    assert owner.forward and owner.edge["share_pct"] == 30 and str(owner.edge["end_date"]) == "2015-10-02"
    assert "owner 30%, 2011-03-15 – 2015-10-02" in path.describe()


def test_kinds_restrict_the_path(sample: Sample) -> None:
    payer = next(e for e in sample.scheme()["entities"] if e["role"] == "payer" and e.get("listed"))
    with pytest.raises(LookupError, match="no path"):
        find_path(sample.ws.engine, "Hsiao Yung-Chi", payer["tax_id"], kinds=["owner", "director"])


def test_resolve_by_id_name_key_and_ambiguity(sample: Sample) -> None:
    e = sample.ws.engine
    maker = resolve_party(e, "NORVIDA MACHINE TOOLS CO LTD")  # a spelling: by name key
    assert maker.tax_id == "67079005"
    assert resolve_party(e, maker.node_id) == maker
    with pytest.raises(LookupError, match="no party"):
        resolve_party(e, "Nobody At All Trading")
    names = e.fetchall(
        "SELECT name_key FROM graph_mentions WHERE name_key IS NOT NULL GROUP BY 1 "
        "HAVING count(DISTINCT node_id) > 1 ORDER BY 1 LIMIT 1"
    )
    if names:
        with pytest.raises(LookupError, match="parties; use a node id"):
            resolve_party(e, str(names[0][0]))


def test_components_put_the_listed_network_first(sample: Sample) -> None:
    top = components(sample.ws.engine, 3)
    assert top[0].listed >= 10
    assert sample.entity("importer")["name"] in top[0].names
