"""Remarks parsing: identifiers, dates, aliases and links out of OFAC-style remarks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tradetrace.lists.model import Entry, Identifier, parse_date
from tradetrace.lists.remarks import apply_remarks, split_remarks

HERE = Path(__file__).parent


def _cases() -> list[dict[str, str]]:
    with (HERE / "remark_cases.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _entry() -> Entry:
    return Entry("1", "company", "TEST", "sdn.csv", 1)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["remark"][:40])
def test_identifier_in_remark(case: dict[str, str]) -> None:
    entry = _entry()
    apply_remarks(entry, case["remark"] + ".")
    expected = Identifier(case["type"], case["value"], case["country"] or None, case["label"])
    assert entry.identifiers == [expected]


def test_a_full_remark() -> None:
    entry = _entry()
    apply_remarks(
        entry,
        "DOB 28 Jul 1963; alt. DOB 1960 to 1962; POB Toledo District, Belize; nationality "
        "Belize; citizen Mexico; Gender Male; Passport P0017003 (Belize); a.k.a. 'D'S "
        "SUPERMARKET; LTD'; f.k.a. 'OLD NAME'; Linked To: D'S SUPERMARKET COMPANY LTD.; "
        "Organization Established Date 19 Nov 1991; Listing Date (EO 14024 Directive 2): 24 "
        "Feb 2022; Secondary sanctions risk: section 1(b) of Executive Order 13224.",
    )
    assert entry.birth_dates == ["1963-07-28", "1960", "1962"]
    assert entry.countries == ["BZ", "MX"]
    assert [(n.name, n.type) for n in entry.names[1:]] == [
        ("D'S SUPERMARKET; LTD", "weak"),
        ("OLD NAME", "fka"),
    ]
    assert [r.target_name for r in entry.relations] == ["D'S SUPERMARKET COMPANY LTD"]
    assert entry.extra["gender"] == "Male"
    assert entry.extra["established"] == "1991-11-19"
    assert entry.extra["places_of_birth"] == "Toledo District, Belize"
    assert entry.extra["directive_dates"] == {
        "what": "Listing Date (EO 14024 Directive 2)",
        "date": "2022-02-24",
    }
    assert entry.identifiers == [Identifier("passport", "P0017003", "BZ", "Passport")]


def test_split_keeps_quoted_alias_with_semicolon() -> None:
    assert split_remarks("a.k.a. 'A; B'; Website x.com.") == ["a.k.a. 'A; B'", "Website x.com"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("10 Dec 1948", "1948-12-10"),
        ("Dec 1948", "1948-12"),
        ("1948", "1948"),
        ("circa 1951", "1951"),
        ("1937-04-28", "1937-04-28"),
        ("28/04/1937", "1937-04-28"),
        ("00/00/1965", "1965"),
        ("24-Jun-2026", "2026-06-24"),
        ("2026-02-27T00:00:09.554Z", "2026-02-27"),
        ("unknown", None),
        ("-0-", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso
