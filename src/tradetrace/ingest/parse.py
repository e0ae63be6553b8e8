"""Parsers for raw cell text: SQL for the bulk, Python for small dictionaries.

Numbers, dates, HS codes and directions are parsed in SQL (the same text
gives the same value whatever the engine). Countries and currencies have
too many spellings for SQL: each file's distinct values go through the
Python normalisers here, and the engine joins the small result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from tradetrace.engine.dialect import quote_literal

Normaliser = Callable[[str], str | None]

# ISO 4217 numeric codes seen in customs data (Russian declarations write them in box 22)
CURRENCY_NUMERIC = {
    "840": "USD",
    "978": "EUR",
    "643": "RUB",
    "810": "RUB",
    "156": "CNY",
    "949": "TRY",
    "392": "JPY",
    "826": "GBP",
    "756": "CHF",
    "410": "KRW",
    "901": "TWD",
    "344": "HKD",
    "784": "AED",
    "398": "KZT",
    "356": "INR",
    "933": "BYN",
    "051": "AMD",
    "860": "UZS",
    "417": "KGS",
    "985": "PLN",
    "203": "CZK",
    "752": "SEK",
    "702": "SGD",
    "458": "MYR",
    "764": "THB",
    "704": "VND",
    "376": "ILS",
    "986": "BRL",
    "484": "MXN",
    "710": "ZAR",
    "981": "GEL",
    "496": "MNT",
    "036": "AUD",
    "124": "CAD",
    "578": "NOK",
    "208": "DKK",
}
CURRENCY_ALIASES = {
    "RUR": "RUB",
    "РУБ": "RUB",
    "ДОЛЛ": "USD",
    "ЕВРО": "EUR",
    "ЮАНЬ": "CNY",
    "YUAN": "CNY",
    "RMB": "CNY",
}


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency(raw: str) -> str | None:
    """ISO 4217 alphabetic code from a letter code, numeric code or common alias."""
    text = raw.strip().upper().rstrip(".")
    if text.isdigit():
        return CURRENCY_NUMERIC.get(text.zfill(3))
    text = CURRENCY_ALIASES.get(text, text)
    return text if text in _currencies() else None


def country(raw: str) -> str | None:
    from tradetrace.model.country import normalize_country

    return normalize_country(raw)


def clean_number_sql(expr: str) -> str:
    """Number text without grouping spaces (also non-breaking ones) and apostrophes."""
    return f"regexp_replace({expr}, '[\\s\u00a0\u202f'']', '', 'g')"


def number_sql(s: str, decimal_comma: bool) -> str:
    """A DOUBLE from cleaned number text ``s`` (see clean_number_sql), either decimal mark.

    With both marks present the last one is the decimal mark; with one mark,
    grouping of exactly three digits decides, and otherwise the file's mark.
    """
    plain = f"TRY_CAST({s} AS DOUBLE)"
    both = (
        f"CASE WHEN length({s}) - strpos(reverse({s}), ',') > length({s}) - strpos(reverse({s}), '.') "
        f"THEN TRY_CAST(replace(replace({s}, '.', ''), ',', '.') AS DOUBLE) "
        f"ELSE TRY_CAST(replace({s}, ',', '') AS DOUBLE) END"
    )
    if decimal_comma:
        return (
            f"CASE WHEN {s} IS NULL THEN NULL "
            f"WHEN strpos({s}, '.') = 0 THEN TRY_CAST(replace({s}, ',', '.') AS DOUBLE) "
            f"WHEN strpos({s}, ',') = 0 THEN CASE WHEN regexp_matches({s}, '^[+-]?[0-9]{{1,3}}([.][0-9]{{3}})+$') "
            f"THEN TRY_CAST(replace({s}, '.', '') AS DOUBLE) ELSE {plain} END "
            f"ELSE {both} END"
        )
    return (
        f"CASE WHEN {s} IS NULL THEN NULL "
        f"WHEN strpos({s}, ',') = 0 THEN {plain} "
        f"WHEN strpos({s}, '.') = 0 THEN CASE WHEN regexp_matches({s}, '^[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+$') "
        f"THEN TRY_CAST(replace({s}, ',', '') AS DOUBLE) ELSE TRY_CAST(replace({s}, ',', '.') AS DOUBLE) END "
        f"ELSE {both} END"
    )


def date_sql(expr: str, formats: Sequence[str], try_date: Callable[[str, str], str]) -> str:
    """A DATE from ISO text, a timestamp, an Excel serial day, or one of ``formats``."""
    tries = [f"TRY_CAST({expr} AS DATE)", f"CAST(TRY_CAST({expr} AS TIMESTAMP) AS DATE)"]
    tries += [try_date(expr, f) for f in formats]
    serial = (
        f"CASE WHEN regexp_matches({expr}, '^[0-9]{{5}}([.]0+)?$') "
        f"THEN CAST(DATE '1899-12-30' + CAST(CAST({expr} AS DOUBLE) AS INTEGER) AS DATE) END"
    )
    return f"COALESCE({', '.join(tries)}, {serial})"


def hs_sql(expr: str) -> str:
    """Digits only (dots, spaces and dashes removed), 6 to 10 digits, else NULL.

    The common even lengths take a fast path; odd lengths go through
    ``model.hs.hs_clean_sql``, which restores a leading zero lost when a code
    was stored as a number, where the nomenclature makes that unambiguous.
    """
    from tradetrace.model.hs import hs_clean_sql

    cleaned = f"regexp_replace({expr}, '[\\s.\\-/]', '', 'g')"
    return (
        f"CASE WHEN regexp_matches({cleaned}, '^([0-9]{{6}}|[0-9]{{8}}|[0-9]{{10}})$') THEN {cleaned} "
        f"WHEN {expr} IS NULL THEN NULL ELSE {hs_clean_sql(expr)} END"
    )


# Closed vocabularies: raw spelling (lower case) -> canonical value.
VOCABULARIES: dict[str, dict[str, str]] = {
    "direction": {
        "import": "import",
        "im": "import",
        "i": "import",
        "imp": "import",
        "импорт": "import",
        "им": "import",
        "export": "export",
        "ex": "export",
        "e": "export",
        "exp": "export",
        "экспорт": "export",
        "эк": "export",
    },
    "party_kind": {
        "company": "company",
        "organization": "company",
        "organisation": "company",
        "legalentity": "company",
        "legal entity": "company",
        "person": "person",
        "individual": "person",
        "natural person": "person",
    },
    "relation": {
        **{
            k: k
            for k in ("owner", "director", "officer", "employee", "founder", "representative", "associate")
        },
        "shareholder": "owner",
        "beneficial owner": "owner",
        "ownership": "owner",
        "directorship": "director",
        "ceo": "director",
        "general director": "director",
        "employment": "employee",
        "membership": "associate",
    },
}
DEFAULTS = {"direction": "import"}


def vocabulary_sql(kind: str, expr: str) -> tuple[str, str]:
    """SQL mapping text onto a closed vocabulary, and the list of accepted values."""
    vocab = VOCABULARIES[kind]
    cases = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in vocab.items())
    default = quote_literal(DEFAULTS[kind]) if kind in DEFAULTS else "NULL"
    expected = ", ".join(sorted(set(vocab.values())))
    return f"CASE WHEN {expr} IS NULL THEN {default} ELSE CASE lower(trim({expr})) {cases} END END", expected
