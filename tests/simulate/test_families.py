"""Scenario families a and b: both plant all their schemes; they differ in names, countries and goods."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.simulate.conftest import Dataset, country_code, make, sdn_tax_ids
from tests.simulate.test_schemes import FLAGS, ROLES
from tradetrace.simulate.schemes import BUILDERS
from tradetrace.simulate.vocab import family, yaml_data


def _planted(fam: str) -> list[str]:
    with family(fam):
        names: list[str] = yaml_data("world.yaml")["planted"]
    return names


@pytest.mark.parametrize("fam", ["a", "b"])
def test_family_plants_all_its_schemes(fam: str, dataset: Dataset, dataset_b: Dataset) -> None:
    ds = dataset if fam == "a" else dataset_b
    truth = ds.truth()
    assert truth["family"] == fam
    assert len(truth["schemes"]) == len(_planted(fam)) and set(_planted(fam)) <= set(BUILDERS)
    shipments = ds.shipments()
    payments = {p["record_id"] for p in ds.table("payments.csv")}
    parties = {p["entity_id"] for p in ds.table("parties.csv")}
    for s in truth["schemes"]:
        assert s["record_ids"] and set(s["record_ids"]) <= set(shipments), s["scheme_id"]
        assert set(s["payment_record_ids"]) <= payments
        assert s["expected_flags"] and set(s["expected_flags"]) <= FLAGS
        assert all(e["role"] in ROLES and e["entity_id"] in parties for e in s["entities"])
    assert Counter(d["kind"] for d in truth["decoys"]).most_common()[-1][1] >= 3
    listed = {e["tax_id"] for s in truth["schemes"] for e in s["entities"] if e.get("listed")}
    assert len(listed) >= 5 and listed <= sdn_tax_ids()


def _names(ds: Dataset) -> set[str]:
    return {p["name"] for p in ds.table("parties.csv")}


def test_families_differ(dataset: Dataset, dataset_b: Dataset) -> None:
    a, b = dataset.truth(), dataset_b.truth()
    assert {s["scheme_id"] for s in a["schemes"]} != {s["scheme_id"] for s in b["schemes"]}
    a_names, b_names = _names(dataset), _names(dataset_b)
    assert len(a_names & b_names) < 0.05 * min(len(a_names), len(b_names))
    sa, sb = dataset.shipments().values(), dataset_b.shipments().values()

    def share(rows: Any, key: str) -> Counter[str]:
        c = Counter(key_of(r, key) for r in rows)
        total = sum(c.values())
        return Counter({k: v / total for k, v in c.items()})

    def key_of(r: dict[str, str], key: str) -> str:
        if key == "hs4":
            return "".join(ch for ch in r["hs_code"] if ch.isdigit())[:4]
        return country_code(r[key])

    for key in ("importer_country", "exporter_country", "hs4"):
        ca, cb = share(sa, key), share(sb, key)
        distance = sum(abs(ca[k] - cb[k]) for k in set(ca) | set(cb)) / 2
        assert distance > 0.05, key  # total variation distance of the two distributions


def test_family_b_partial_switch(dataset_b: Dataset) -> None:
    truth = dataset_b.truth()
    s = next(x for x in truth["schemes"] if x["scheme_id"] == "instruments_partial_reroute")
    rs, facts = s["route_switch"], s["facts"]
    rows = dataset_b.shipments()
    rer = [rows[r] for r in facts["rerouted_record_ids"]]
    still = [rows[r] for r in facts["still_direct_record_ids"]]
    assert rer and still and rs["partial"]
    assert {country_code(r["exporter_country"]) for r in rer} == set(rs["hubs"]) and "DE" not in rs["hubs"]
    assert all(country_code(r["origin_country"]) == "DE" for r in rer + still)
    assert all(r["date"] > rs["restriction_date"] for r in rer + still)
    digits = {"".join(ch for ch in r["hs_code"] if ch.isdigit()) for r in still}
    assert digits <= set(facts["uncontrolled_hs"]) and not digits & set(facts["controlled_hs"])
    assert round(sum(float(r["value_usd"]) for r in rer), 2) == rs["rerouted_after_usd"]
    pays = {p["record_id"]: p for p in dataset_b.table("payments.csv")}
    payers = {pays[r]["payer_tax_id"] for r in s["payment_record_ids"]}
    assert len(payers & sdn_tax_ids()) >= 5 and len(payers) >= 20


def test_family_b_same_seed_same_bytes(tmp_path: Path) -> None:
    one = make(tmp_path / "one", rows=6_000, family="b")
    two = make(tmp_path / "two", rows=6_000, family="b")
    for name, path in one.summary.files.items():
        assert path.read_bytes() == two.summary.files[name].read_bytes(), name


def test_unknown_family(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make(tmp_path, family="c")
