"""Background phenomena: each one is in the files at about its configured rate and labelled in truth."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from tests.simulate.conftest import Dataset, country_code
from tradetrace.simulate.phenomena import NAMES
from tradetrace.simulate.phenomena import config as _config
from tradetrace.simulate.vocab import family

Rows = dict[str, dict[str, str]]
FAMILY = ["a"]  # the family of the module's current dataset (the tests run once per family)


def config() -> dict[str, Any]:
    with family(FAMILY[0]):
        return _config()


def _cfg(name: str, key: str) -> Any:
    return config()[name][key]["value"]


@pytest.fixture(scope="module", params=["a", "b"])
def dataset(request: pytest.FixtureRequest) -> Dataset:
    FAMILY[0] = request.param
    found: Dataset = request.getfixturevalue("dataset" if request.param == "a" else "dataset_b")
    return found


@pytest.fixture(scope="module")
def truth(dataset: Dataset) -> dict[str, Any]:
    return dataset.truth()


@pytest.fixture(scope="module")
def shipments(dataset: Dataset) -> Rows:
    return dataset.shipments()


@pytest.fixture(scope="module")
def background(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    FAMILY[0] = truth["family"]
    return {b["phenomenon"]: b for b in truth["background"]}


@pytest.fixture(scope="module")
def planted(truth: dict[str, Any]) -> set[str]:
    ids = {rid for s in truth["schemes"] for rid in s["record_ids"]}
    return ids | {rid for d in truth["decoys"] for rid in d["record_ids"]}


def test_every_phenomenon_is_labelled(background: dict[str, dict[str, Any]], shipments: Rows) -> None:
    assert list(background) == list(NAMES)
    for name, b in background.items():
        assert b["doc"] and b["params"] and b["entities_total"] >= len(b["entities"])
        assert set(b["record_ids"]) <= set(shipments), name
        assert b["rows"] >= len(b["record_ids"])
        for rate in _rates(b["params"]):
            assert ("source" in rate) != ("assumption" in rate), (name, rate)
        if name != "civilian_plants_paying":
            assert b["rows"] > 0, name
        if name not in ("lawful_price_outliers", "missing_fields"):
            assert b["entities"], name


def _rates(params: Any) -> list[dict[str, Any]]:
    """Every {value: ...} entry of a parameter block."""
    if isinstance(params, dict):
        if "value" in params:
            return [params]
        return [r for v in params.values() for r in _rates(v)]
    return []


def test_labels_never_overlap_planted(
    truth: dict[str, Any], background: dict[str, dict[str, Any]], planted: set[str]
) -> None:
    pays = {rid for s in truth["schemes"] for rid in s["payment_record_ids"]}
    parties = {e["entity_id"] for s in truth["schemes"] for e in s["entities"]}
    parties |= {e["entity_id"] for d in truth["decoys"] for e in d["entities"]}
    for b in background.values():
        assert not set(b["record_ids"]) & planted
        assert not set(b["payment_record_ids"]) & pays
        assert not {e["entity_id"] for e in b["entities"]} & parties


@pytest.mark.parametrize(
    "name", ["namesakes", "lawful_restricted_trade", "long_standing_hub_suppliers", "new_firms_after_2022"]
)
def test_row_share_phenomena_take_about_their_share(background: dict[str, dict[str, Any]], name: str) -> None:
    share = float(_cfg(name, "row_share"))
    assert 0.6 * share <= background[name]["row_share"] <= 2.0 * share


def test_price_outliers(background: dict[str, dict[str, Any]], shipments: Rows) -> None:
    b = background["lawful_price_outliers"]
    share = float(_cfg("lawful_price_outliers", "row_share"))
    assert 0.5 * share <= b["row_share"] <= 1.5 * share
    assert (
        set(b["kinds"]) == {"premium_model", "small_lot", "bundled_service"} and min(b["kinds"].values()) > 0
    )


def test_missing_fields_at_their_rates(shipments: Rows, planted: set[str]) -> None:
    rows = [r for rid, r in shipments.items() if rid not in planted]
    rates = config()["missing_fields"]["rates"]
    for col, key in (
        ("manufacturer", "manufacturer"),
        ("brand", "brand"),
        ("importer_tax_id", "importer_tax_id"),
    ):
        share = sum(not r[col] for r in rows) / len(rows)
        assert abs(share - rates[key]["value"]) < 0.02, (col, share)
    assert sum(not r["model"] for r in rows) / len(rows) >= rates["model"]["value"]
    assert sum(not r["exporter_tax_id"] for r in rows) / len(rows) >= rates["exporter_tax_id"]["value"] - 0.02


def test_third_country_invoicing(
    background: dict[str, dict[str, Any]], shipments: Rows, planted: set[str]
) -> None:
    b = background["third_country_invoicing"]
    differ = {
        rid
        for rid, r in shipments.items()
        if rid not in planted and country_code(r["trading_country"]) != country_code(r["exporter_country"])
    }
    assert differ and b["rows"] == len(differ) == len(b["record_ids"])
    assert differ == set(b["record_ids"])
    dates = [shipments[rid]["date"] for rid in differ]
    assert min(dates) < "2022-02-24" < max(dates)  # before and after the rules
    assert all(country_code(shipments[rid]["dispatch_country"]) != country_code(shipments[rid]["trading_country"])
               for rid in differ)  # fmt: skip


def test_mass_registration(dataset: Dataset, background: dict[str, dict[str, Any]], shipments: Rows) -> None:
    b = background["mass_registration"]
    bases = {e["address"] for e in b["entities"]}
    parties = dataset.table("parties.csv")
    at = Counter(base for p in parties for base in bases if p["address"].startswith(base))
    assert max(at.values()) >= 8 and len(at) >= 6
    ru = [p for p in parties if p["country"] == "RU" and p["entity_id"] in _importers(shipments, parties)]
    ru_at = sum(any(p["address"].startswith(base) for base in bases) for p in ru)
    share = float(_cfg("mass_registration", "firm_share"))
    assert 0.6 * share <= ru_at / len(ru) <= 1.6 * share
    offices = Counter(p["address"] for p in parties if any(p["address"].startswith(b) for b in bases))
    assert max(offices.values()) >= 2  # some firms share the office too
    written = {r["importer_address"] for rid, r in shipments.items() if rid in set(b["record_ids"])}
    assert any(any(a.startswith(base) for base in bases) for a in written)


def _importers(shipments: Rows, parties: list[dict[str, str]]) -> set[str]:
    tax = {r["importer_tax_id"] for r in shipments.values()}
    return {p["entity_id"] for p in parties if p["tax_id"] in tax}


def test_namesakes(dataset: Dataset, background: dict[str, dict[str, Any]]) -> None:
    b = background["namesakes"]
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in b["entities"]:
        if "group" in e:
            groups[e["group"]].append(e)
    parties = {p["entity_id"]: p for p in dataset.table("parties.csv")}
    importers = [[e for e in g if e["role"] == "importer"] for g in groups.values()]
    assert importers and all(len(g) >= 2 for g in importers)
    for g in importers:
        assert len({e["name"] for e in g}) == 1 and len({e["tax_id"] for e in g}) == len(g)
        assert len({parties[e["entity_id"]]["address"].split(",")[1] for e in g}) >= 2  # other cities
    roles = {e["role"] for g in groups.values() for e in g}
    assert {"shared_supplier", "shared_payer"} <= roles
    stock = [e for e in b["entities"] if "stock_word" in e]
    words = Counter(e["stock_word"] for e in stock)
    assert words and max(words.values()) >= 2
    payers = {e["tax_id"] for g in groups.values() for e in g if e["role"] == "shared_payer"}
    paid = defaultdict(set)
    for p in dataset.table("payments.csv"):
        if p["payer_tax_id"] in payers:
            paid[p["payer_tax_id"]].add(p["payee_name"])
    assert b["payments"] == len(b["payment_record_ids"]) > 0
    assert payers and all(len(paid[t]) >= 1 for t in payers)


def test_civilian_plants_pay_importers(dataset: Dataset, background: dict[str, dict[str, Any]]) -> None:
    b = background["civilian_plants_paying"]
    words = ("завод", "авиа", "нпо", "кб")
    assert all(any(w in e["name"].lower() for w in words) for e in b["entities"])
    pays = dataset.table("payments.csv")
    ids = set(b["payment_record_ids"])
    civil = {e["tax_id"] for e in b["entities"]}
    mine = [p for p in pays if p["payer_tax_id"] in civil]
    assert {p["record_id"] for p in mine} >= ids and len(ids) == b["payments"]
    share = float(_cfg("civilian_plants_paying", "payment_share"))
    assert 0.7 * share <= b["payments"] / len(pays) <= 1.3 * share


def test_new_firms_trade_after_incorporation(
    dataset: Dataset, background: dict[str, dict[str, Any]], shipments: Rows
) -> None:
    b = background["new_firms_after_2022"]
    inc = {e["tax_id"]: e["incorporated"] for e in b["entities"]}
    assert all(d > "2022-02-24" for d in inc.values())
    assert {e["role"] for e in b["entities"]} == {"importer", "exporter"}
    for rid in b["record_ids"]:
        r = shipments[rid]
        for side in ("importer", "exporter"):
            if r[f"{side}_tax_id"] in inc:
                assert r["date"] > inc[r[f"{side}_tax_id"]]


def test_long_standing_hub_suppliers(background: dict[str, dict[str, Any]], shipments: Rows) -> None:
    b = background["long_standing_hub_suppliers"]
    spans: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rid in b["record_ids"]:
        r = shipments[rid]
        spans[(r["importer_address"], r["exporter_address"])].append(r["date"])
    assert any(min(d) < "2021-01-01" and max(d) > "2023-01-01" for d in spans.values())
    hubs = {"CN", "HK", "TR", "AE", "KZ", "AM", "KG", "UZ"}
    assert {e["country"] for e in b["entities"] if e["role"] == "supplier"} <= hubs


def test_lawful_restricted_trade_kinds(background: dict[str, dict[str, Any]], shipments: Rows) -> None:
    b = background["lawful_restricted_trade"]
    assert set(b["kinds"]) == set(config()["lawful_restricted_trade"]["kinds"])
    same = config()["lawful_restricted_trade"]["same_heading"]
    described = {d for pair in same.values() for d in pair}
    texts = {
        shipments[rid]["description"].split(", model")[0].split(", МОДЕЛЬ")[0] for rid in b["record_ids"]
    }
    assert texts & described  # uncontrolled goods of a controlled heading carry their own description
