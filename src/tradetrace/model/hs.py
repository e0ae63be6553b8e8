"""Harmonized System codes: cleaning, nomenclature and the CHPL.

A commodity code is 6 to 10 digits (HS6, or a national extension such as
the 8-digit CN or the 10-digit TN VED and HTS). ``clean_hs`` accepts the
usual ways such codes get written and damaged:

* spaces, dots and dashes are removed (``8471.30.00`` -> ``84713000``);
* a number that went through a float keeps no fraction: five to ten digits
  followed by ``.0``, ``.00`` ... lose the fraction (``8471300000.0``);
* a leading zero lost when the code was stored as a number (chapters 01 to
  09) is restored only when that is unambiguous, judged at heading level
  against the HS 2022 nomenclature: a 5-, 7- or 9-digit code gets its zero
  back when ``0`` + its first three digits is an HS heading and its own
  first four digits are not (``101210000`` -> ``0101210000``: heading 0101
  exists, 1012 does not). When both readings are headings (``4011...`` vs
  ``0401...``) a 7- or 9-digit code is kept as given, since national
  nomenclatures with odd lengths exist (e.g. Japan's 9-digit codes); a
  5-digit code that cannot be repaired is rejected.

Everything else returns None. ``hs_clean_sql(expr)`` builds the same logic
as one portable SQL expression (``regexp_matches`` transpiles to Spark's
``RLIKE``); tests check the two agree.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "CHPL_TIERS",
    "ChplItem",
    "chpl",
    "clean_hs",
    "hs6",
    "hs_clean_sql",
    "hs_description",
    "hs_section",
]

CHPL_TIERS = ("1", "2", "3.A", "3.B", "4.A", "4.B")

# Whitespace removed anywhere in a code (literal characters, portable in RE2,
# Java and Python character classes).
_SPACES = " \t\n\r\x0b\x0c\xa0\u2007\u2009\u202f\u3000"
# Separators removed after the float check; "-" last so that it is literal.
_SEPARATORS = ".‐‑‒–—―−-"
_SPACES_RE = re.compile("[" + _SPACES + "]")
_SEPARATORS_RE = re.compile("[" + _SEPARATORS + "]")
_FLOAT_RE = re.compile("[0-9]{5,10}[.]0+")
_FRACTION_RE = re.compile("[.]0+$")
_DIGITS_RE = re.compile("[0-9]{5,10}")


@dataclass(frozen=True)
class ChplItem:
    """One Common High Priority List entry."""

    hs6: str
    tier: str
    description: str


@dataclass(frozen=True)
class _Nomenclature:
    descriptions: dict[str, str]  # 2-, 4- and 6-digit codes
    sections: dict[str, str]  # code -> section numeral
    section_names: dict[str, str]
    pad_prefixes: frozenset[str]  # 3 digits d such that "0"+d is a heading
    raw_headings: frozenset[str]  # headings whose first 3 digits are in pad_prefixes


def _read(name: str) -> str:
    ref = resources.files("tradetrace").joinpath("data", "reference", name)
    return ref.read_text("utf-8-sig")


@cache
def _nomenclature() -> _Nomenclature:
    descriptions: dict[str, str] = {}
    sections: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(_read("hs2022.csv"))):
        code = row["hscode"]
        if code.isdigit() and len(code) in (2, 4, 6):
            descriptions[code] = row["description"]
            sections[code] = row["section"]
    names = {r["section"]: r["name"] for r in csv.DictReader(io.StringIO(_read("hs2022_sections.csv")))}
    headings = {c for c in descriptions if len(c) == 4}
    pad = frozenset(h[1:] for h in headings if h.startswith("0"))
    raw = frozenset(h for h in headings if h[:3] in pad)
    return _Nomenclature(descriptions, sections, names, pad, raw)


def clean_hs(value: str | None) -> str | None:
    """Return the digits of a commodity code (6 to 10), or None if it is not one."""
    if value is None:
        return None
    text = _SPACES_RE.sub("", value)
    if _FLOAT_RE.fullmatch(text):
        text = _FRACTION_RE.sub("", text)
    code = _SEPARATORS_RE.sub("", text)
    if not _DIGITS_RE.fullmatch(code):
        return None
    if len(code) in (6, 8, 10):
        return code
    nom = _nomenclature()
    if code[:3] in nom.pad_prefixes and (len(code) == 5 or code[:4] not in nom.raw_headings):
        return "0" + code
    if len(code) == 5:
        return None
    return code


def _in_list(items: frozenset[str]) -> str:
    return ", ".join(f"'{item}'" for item in sorted(items))


def hs_clean_sql(expr: str) -> str:
    """Return a SQL expression computing ``clean_hs`` of a VARCHAR ``expr``.

    The expression repeats its input several times; pass a column name (or
    compute the input in an earlier projection) rather than a costly
    expression. As in ``country_key_sql``, the ``'g'`` flag of
    ``regexp_replace`` is DuckDB's and is dropped for Spark.
    """
    nom = _nomenclature()
    spaced = f"regexp_replace({expr}, '[{_SPACES}]', '', 'g')"
    unfloated = (
        f"CASE WHEN regexp_matches({spaced}, '^[0-9]{{5,10}}[.]0+$') "
        f"THEN regexp_replace({spaced}, '[.]0+$', '') ELSE {spaced} END"
    )
    c = f"regexp_replace({unfloated}, '[{_SEPARATORS}]', '', 'g')"
    return (
        "CASE"
        f" WHEN NOT regexp_matches({c}, '^[0-9]{{5,10}}$') THEN NULL"
        f" WHEN length({c}) IN (6, 8, 10) THEN {c}"
        f" WHEN substr({c}, 1, 3) IN ({_in_list(nom.pad_prefixes)})"
        f" AND (length({c}) = 5 OR substr({c}, 1, 4) NOT IN ({_in_list(nom.raw_headings)}))"
        f" THEN '0' || {c}"
        f" WHEN length({c}) = 5 THEN NULL"
        f" ELSE {c} END"
    )


def hs6(code: str | None) -> str | None:
    """Return the 6-digit HS subheading of a code, or None if it is not a code."""
    cleaned = clean_hs(code)
    return cleaned[:6] if cleaned else None


def _digits_for_lookup(code: str) -> str | None:
    text = _SEPARATORS_RE.sub("", _SPACES_RE.sub("", code))
    if text.isascii() and text.isdigit() and len(text) in (2, 4):
        return text
    return clean_hs(code)


def hs_description(code: str | None) -> str | None:
    """Describe a code by its nearest known HS 2022 level (subheading, heading, chapter).

    Accepts anything ``clean_hs`` accepts, and 2- or 4-digit chapters and
    headings. Returns None when no level is known.
    """
    if code is None:
        return None
    digits = _digits_for_lookup(code)
    if digits is None:
        return None
    descriptions = _nomenclature().descriptions
    for length in (6, 4, 2):
        if len(digits) >= length and digits[:length] in descriptions:
            return descriptions[digits[:length]]
    return None


def hs_section(code: str | None) -> tuple[str, str] | None:
    """Return the HS section ``(numeral, name)`` of a code, e.g. ``("XVI", "Machinery ...")``."""
    if code is None:
        return None
    digits = _digits_for_lookup(code)
    nom = _nomenclature()
    if digits is None or digits[:2] not in nom.sections:
        return None
    numeral = nom.sections[digits[:2]]
    name = nom.section_names.get(numeral)
    return (numeral, name) if name is not None else None


@cache
def _chpl() -> tuple[ChplItem, ...]:
    items: list[ChplItem] = []
    for line_no, row in enumerate(csv.DictReader(io.StringIO(_read("chpl_2024-02.csv"))), start=2):
        code, tier = row["hs_code"].strip(), row["tier"].strip()
        if not (code.isdigit() and len(code) == 6) or tier not in CHPL_TIERS:
            raise ValueError(f"chpl_2024-02.csv:{line_no}: bad hs_code {code!r} or tier {tier!r}")
        items.append(ChplItem(code, tier, row["description"].strip()))
    return tuple(items)


def chpl() -> list[ChplItem]:
    """Return the Common High Priority List (version of 23 Feb 2024), in file order."""
    return list(_chpl())
