"""party_truth.csv: every written party spelling, keyed as the workspace holds it, with its entity."""

from __future__ import annotations

import csv
from collections import defaultdict

from tests.simulate.conftest import Dataset, country_code
from tradetrace.simulate.party_truth import COLUMNS

Key = tuple[str, str, str, str]


def _truth(dataset: Dataset) -> dict[Key, set[str]]:
    path = dataset.summary.files["party_truth"]
    assert path == dataset.dir / "party_truth.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert tuple(next(reader)) == COLUMNS
        out: dict[Key, set[str]] = defaultdict(set)
        for role, name, tax, country, entity in reader:
            out[(role, name, tax, country)].add(entity)
    return out


def test_every_shipment_spelling_is_in_the_truth(
    dataset: Dataset, shipments: dict[str, dict[str, str]]
) -> None:
    truth = _truth(dataset)
    seen: set[Key] = set()
    for r in shipments.values():
        for role in ("importer", "exporter"):
            seen.add((role, r[f"{role}_name"], r[f"{role}_tax_id"], country_code(r[f"{role}_country"])))
    assert seen <= set(truth)
    written = {k for k in truth if k[0] in ("importer", "exporter") and k[3]}
    assert written == seen  # nothing listed that the canonical file does not write


def test_ru_dt_spellings_are_in_the_truth(dataset: Dataset) -> None:
    truth = _truth(dataset)
    for r in dataset.ru_dt().values():
        assert ("importer", r["G082"], r["G081"], "") in truth
        assert ("exporter", r["G022"], r["G021"], "") in truth


def test_payments_and_parties_are_in_the_truth(dataset: Dataset) -> None:
    truth = _truth(dataset)
    for r in dataset.table("payments.csv"):
        assert ("payer", r["payer_name"], r["payer_tax_id"], "") in truth
        assert ("payee", r["payee_name"], r["payee_tax_id"], "") in truth
    for r in dataset.table("parties.csv"):
        for name in [r["name"], *filter(None, r["aliases"].split(";"))]:
            assert truth[("party", name, r["tax_id"], r["country"])] == {r["entity_id"]}


def test_each_spelling_names_one_entity_and_firms_have_many(dataset: Dataset) -> None:
    truth = _truth(dataset)
    # namesakes (the background phenomenon) write the same spelling for different firms; when the
    # record shows no tax id, such a spelling is ambiguous. Every other spelling names one entity.
    named = {e["entity_id"] for b in dataset.truth()["background"] if b["phenomenon"] == "namesakes"
             for e in b["entities"]}  # fmt: skip
    ambiguous = [ids for ids in truth.values() if len(ids) > 1]
    assert all(ids <= named for ids in ambiguous)
    assert ambiguous  # namesakes are there
    spellings: dict[str, set[str]] = defaultdict(set)
    for (_, name, _, _), ids in truth.items():
        spellings[next(iter(ids))].add(name)
    parties = {r["entity_id"] for r in dataset.table("parties.csv")}
    assert set(spellings) == parties  # every spelling belongs to a registered firm or person
    assert sum(len(s) >= 4 for s in spellings.values()) > len(spellings) / 3


def test_defining_case_spellings_share_the_importer_id(dataset: Dataset) -> None:
    importer = dataset.truth()["schemes"][0]["entities"][0]
    names = {k[1] for k, ids in _truth(dataset).items() if importer["entity_id"] in ids}
    assert importer["name"] in names and any(n.isascii() for n in names)
