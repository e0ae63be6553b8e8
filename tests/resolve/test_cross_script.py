"""Cyrillic, Chinese and Turkish spellings of firms and people: the case table."""

from __future__ import annotations

import csv

import pytest

from tradetrace.resolve.matcher import Screener

from .conftest import HERE

with (HERE / "cross_script_cases.csv").open(encoding="utf-8", newline="") as _fh:
    CASES = list(csv.DictReader(_fh))


def _params() -> list[object]:
    out: list[object] = []
    for row in CASES:
        marks = [pytest.mark.xfail(reason=row["note"], strict=True)] if row["expect"] == "known_gap" else []
        out.append(pytest.param(row, id=row["case"], marks=marks))
    return out


@pytest.mark.parametrize("row", _params())
def test_cross_script_case(screener: Screener, row: dict[str, str]) -> None:
    matches = screener.match(
        row["query"],
        country=row["country"] or None,
        tax_id=row["tax_id"] or None,
        kind=row["kind"] or None,
    )
    source, _, entry_id = row["target"].partition(":")
    list_id = "test-table" if source == "table" else "us-ofac-sdn"
    hits = [m for m in matches if m.list_id == list_id and m.entry_id == entry_id]
    if row["expect"] == "no_match":
        assert not hits, (
            f"{row['query']!r} should not match {entry_id}: {[(m.entry_id, m.score) for m in matches]}"
        )
    elif source == "sdn":
        assert matches and matches[0].list_id == list_id and matches[0].entry_id == entry_id, [
            (m.list_id, m.entry_id, m.name, m.score) for m in matches
        ]
    else:
        # other rows of the table may list the same name: the target must be there,
        # and no SDN entry may outrank it
        sdn = [m.score for m in matches if m.list_id != "test-table"]
        assert hits and hits[0].score >= max(sdn, default=0.0), [
            (m.list_id, m.entry_id, m.name, m.score) for m in matches
        ]


def test_inn_is_decisive_and_explained(screener: Screener) -> None:
    (m, *_rest) = screener.match(
        "ПАО «Силовые машины»", country="RU", tax_id="ИНН 7702080289", kind="company"
    )
    assert m.entry_id == "23563" and m.decisive
    ident = m.explanation["identifier"]
    assert ident["entry"] == "7702080289" and "INN" in ident["check"] and ident["decisive"]
    assert m.score > 0.99


def test_identifier_alone_finds_the_entry(screener: Screener) -> None:
    """A name that shares nothing with the listing still meets it through its INN."""
    matches = screener.match("Энергомашэкспорт Северо-Запад", tax_id="7702080289")
    assert matches[0].entry_id == "23563" and matches[0].decisive
