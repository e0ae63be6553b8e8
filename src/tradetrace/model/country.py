"""Countries: codes and names in many forms, normalised to ISO 3166-1 alpha-2.

Customs files name countries as alpha-2, alpha-3 or numeric codes, or as
names in English or Russian, in any case and spacing. The ingest normalises
millions of such values in SQL by joining a key expression to a lookup
table; this module builds both, and a Python function that gives the same
answer for a single value.

The pipeline has two halves that must agree exactly:

* ``country_key(text)`` / ``country_key_sql(expr)`` turn a raw value into a
  lookup key: ``İ`` becomes ``I`` and ``Σ`` becomes ``σ`` (the two letters
  whose lower case differs between Python, Java and DuckDB); then lower
  case; ``ё`` becomes ``е``; dots, apostrophes and invisible characters
  are removed; brackets, quotes, commas, dashes, slashes and all whitespace
  become one space; leading and trailing spaces go. The SQL uses only
  ``lower``, ``replace``, ``regexp_replace`` and ``trim`` with character
  classes of literal characters (no backslashes, no Unicode classes), so it
  transpiles to Spark SQL.
* ``country_lookup()`` lists ``(key, alpha2)`` pairs. Its keys come, in
  order of precedence, from ``data/reference/country_aliases.csv``; ISO
  codes from CLDR via babel (alpha-2; alpha-3; numeric, zero-padded or not,
  withdrawn numeric codes mapping to their successor as CLDR says); CLDR
  names in English and Russian; the canonical and strong names in rigour's
  territory data; and rigour's weak (multilingual, noisier) names of four
  characters or more (shorter ones are mostly noise). A key that two
  sources of the same rank give to different countries is dropped, and is
  not resolved by a lower rank either; an alias with an empty ``alpha2``
  blocks a key on purpose.

Accents are kept in keys (``türkiye``) because accent folding has no
portable SQL form; instead the table holds every name both as written and
with its accents stripped. Input is expected in NFC form.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import Any

__all__ = [
    "country_key",
    "country_key_sql",
    "country_lookup",
    "country_name",
    "country_sources",
    "iso_countries",
    "normalize_country",
]

# Removed outright: dots (U.S.A. -> usa), apostrophes and invisible marks.
_DROP_CHARS = ".'`´‘’ʼ\u200b\u200c\u200d\u2060\ufeff"
# Each run of these becomes a single space. ``-`` must stay last so that it
# is a literal inside a regular-expression character class.
_SEP_CHARS = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    ',;:!?()"{}<>«»“”„‟/|_*#~=+'
    "‐‑‒–—―−-"
)
# Letters whose lower case is context- or language-dependent somewhere
# (Python lowers "İ" to two characters and a final "Σ" to "ς"): mapped first.
_PRE_LOWER = (("İ", "I"), ("Σ", "σ"))
# Square brackets cannot sit portably inside a character class (Java reads
# ``[`` there as a nested class), so they are replaced one by one.
_BRACKETS = ("[", "]")
_DROP_RE = re.compile("[" + _DROP_CHARS + "]")
_SEP_RE = re.compile("[" + _SEP_CHARS + "]+")

# CLDR territory codes that are not ISO 3166-1 countries: supranational or
# statistical groupings, pseudo-locales, and codes reserved for places that
# ISO files under another country. XK (Kosovo) is user-assigned but used by
# the EU, OpenSanctions and most customs data, so it stays.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)

_DATA = ("tradetrace", "data", "reference")
_MIN_WEAK_KEY = 4


def country_key(value: str) -> str:
    """Return the lookup key of a raw country value (see the module doc)."""
    text = value
    for before, after in _PRE_LOWER:
        text = text.replace(before, after)
    text = text.lower().replace("ё", "е")
    for bracket in _BRACKETS:
        text = text.replace(bracket, " ")
    text = _DROP_RE.sub("", text)
    text = _SEP_RE.sub(" ", text)
    return text.strip(" ")


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def country_key_sql(expr: str) -> str:
    """Return a SQL expression computing ``country_key`` of a VARCHAR ``expr``.

    Written for DuckDB with portable functions only. ``regexp_replace`` gets
    the ``'g'`` flag that DuckDB needs to replace every match; Spark always
    replaces every match and reads a fourth argument as a position, so the
    flag must be dropped when transpiling. The patterns hold literal
    whitespace characters (tab, newline, no-break space...), not escapes.
    """
    sql = expr
    for before, after in _PRE_LOWER:
        sql = f"replace({sql}, {_sql_literal(before)}, {_sql_literal(after)})"
    sql = f"replace(lower({sql}), 'ё', 'е')"
    for bracket in _BRACKETS:
        sql = f"replace({sql}, {_sql_literal(bracket)}, ' ')"
    sql = f"regexp_replace({sql}, {_sql_literal('[' + _DROP_CHARS + ']')}, '', 'g')"
    sql = f"regexp_replace({sql}, {_sql_literal('[' + _SEP_CHARS + ']+')}, ' ', 'g')"
    return f"trim({sql})"


@cache
def iso_countries() -> frozenset[str]:
    """Return the alpha-2 codes that normalisation may produce (ISO 3166-1 + XK)."""
    from babel import Locale

    names: Mapping[str, str] = Locale("en").territories
    return frozenset(
        code for code in names if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@dataclass(frozen=True)
class _Tables:
    lookup: dict[str, str]
    ambiguous: frozenset[str]
    blocked: frozenset[str]


def _read_aliases() -> dict[str, str | None]:
    """Read country_aliases.csv: key -> alpha2, or None for a blocked key."""
    text = resources.files(_DATA[0]).joinpath(*_DATA[1:], "country_aliases.csv").read_text("utf-8")
    valid = iso_countries()
    out: dict[str, str | None] = {}
    for line_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        key = country_key(row["alias"])
        code = (row["alpha2"] or "").strip().upper() or None
        where = f"country_aliases.csv:{line_no}"
        if not key:
            raise ValueError(f"{where}: column 'alias' is empty after normalisation")
        if code is not None and code not in valid:
            raise ValueError(f"{where}: column 'alpha2': unknown country code {code!r}")
        if key in out and out[key] != code:
            raise ValueError(f"{where}: alias key {key!r} already maps to {out[key]!r}")
        out[key] = code
    return out


def _add(tier: dict[str, set[str]], name: str | None, code: str) -> None:
    if not name:
        return
    for form in {name, _strip_accents(name)}:
        key = country_key(form)
        if key:
            tier.setdefault(key, set()).add(code)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def _code_tier(valid: frozenset[str]) -> dict[str, set[str]]:
    from babel.core import get_global

    tier: dict[str, set[str]] = {}
    for code in valid:
        tier.setdefault(code.lower(), set()).add(code)
    aliases: Mapping[str, list[str]] = get_global("territory_aliases")
    for alias, targets in aliases.items():
        if len(targets) != 1 or targets[0] not in valid:
            continue
        code = targets[0]
        if len(alias) == 3 and alias.isalpha():
            tier.setdefault(alias.lower(), set()).add(code)
        elif len(alias) == 3 and alias.isdigit():
            tier.setdefault(alias, set()).add(code)
            tier.setdefault(str(int(alias)), set()).add(code)
    return tier


def _cldr_tier(valid: frozenset[str]) -> dict[str, set[str]]:
    from babel import Locale

    tier: dict[str, set[str]] = {}
    for lang in ("en", "ru"):
        names: Mapping[str, str] = Locale(lang).territories
        for code, name in names.items():
            if code in valid:
                _add(tier, name, code)
    return tier


def _rigour_records() -> Iterator[dict[str, Any]]:
    """Yield rigour's territory records, names included.

    The names are only reachable through rigour's data module; should it
    move, fall back to the public API, which has canonical names only.
    """
    try:
        from rigour._core import territories_jsonl
        from rigour.data import iter_jsonl_text
    except ImportError:  # pragma: no cover - depends on the rigour version
        from rigour.territories import get_territories

        for territory in get_territories():
            yield {"code": territory.code, "name": territory.name, "full_name": territory.full_name}
        return
    yield from iter_jsonl_text(territories_jsonl())


def _rigour_tiers(valid: frozenset[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    strong: dict[str, set[str]] = {}
    weak: dict[str, set[str]] = {}
    for data in _rigour_records():
        code = str(data.get("code", "")).upper()
        if code not in valid:
            continue
        for name in [data.get("name"), data.get("full_name"), *data.get("names_strong", [])]:
            _add(strong, name, code)
        for name in data.get("names_weak", []):
            _add(weak, name, code)
    # Weak names shorter than four characters are mostly noise ("en", "y",
    # "cat", "poo"): keep only the longer ones.
    weak = {key: codes for key, codes in weak.items() if len(key) >= _MIN_WEAK_KEY}
    return strong, weak


@cache
def _tables() -> _Tables:
    valid = iso_countries()
    aliases = _read_aliases()
    lookup: dict[str, str] = {k: v for k, v in aliases.items() if v is not None}
    blocked = {k for k, v in aliases.items() if v is None}
    ambiguous: set[str] = set()
    tiers = [_code_tier(valid), _cldr_tier(valid), *_rigour_tiers(valid)]
    for tier in tiers:
        for key, codes in tier.items():
            if key in lookup or key in blocked or key in ambiguous:
                continue
            if len(codes) == 1:
                lookup[key] = next(iter(codes))
            else:
                ambiguous.add(key)
    return _Tables(lookup, frozenset(ambiguous), frozenset(blocked))


def country_sources() -> dict[str, str]:
    """Name the versions the lookup table was built from, for a run manifest."""
    from babel.core import get_cldr_version

    aliases = resources.files(_DATA[0]).joinpath(*_DATA[1:], "country_aliases.csv")
    return {
        "babel": metadata.version("babel"),
        "cldr": str(get_cldr_version()),
        "rigour": metadata.version("rigour"),
        "country_aliases.csv": hashlib.sha256(aliases.read_bytes()).hexdigest(),
    }


def country_lookup() -> list[tuple[str, str]]:
    """Return the ``(key, alpha2)`` lookup table, sorted by key; keys are unique."""
    return sorted(_tables().lookup.items())


def normalize_country(value: str | None) -> str | None:
    """Return the ISO alpha-2 code of a country code or name, or None if unknown."""
    if value is None:
        return None
    return _tables().lookup.get(country_key(value))


def country_name(alpha2: str, lang: str = "en") -> str:
    """Return the CLDR display name of a country in ``lang`` (e.g. "en", "ru").

    Raises KeyError for a code that is not a known country.
    """
    from babel import Locale

    code = alpha2.strip().upper()
    if code not in iso_countries():
        raise KeyError(f"unknown country code: {alpha2!r}")
    names: Mapping[str, str] = Locale.parse(lang).territories
    return names.get(code) or Locale("en").territories[code]
