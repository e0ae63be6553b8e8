from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetrace.model.country import (
    _tables,
    country_key,
    country_key_sql,
    country_lookup,
    country_name,
    country_sources,
    iso_countries,
    normalize_country,
)

HERE = Path(__file__).parent


def _cases() -> list[tuple[str, str | None, str]]:
    with (HERE / "country_cases.csv").open(encoding="utf-8", newline="") as fh:
        return [(r["value"], r["expected"] or None, r["why"]) for r in csv.DictReader(fh)]


CASES = _cases()
MESSY = [
    "  Russian   Federation ",
    "KOREA,REPUBLIC OF",
    "Тайвань(Китай)",
    "Объединённые\tАрабские\u00a0Эмираты",
    "TÜRKİYE",
    "U.S.A.",
    "[Hong Kong]",
    "Côte d’Ivoire",
    "guinea—bissau",
    "«Россия»",
    "'Russia'",
    '"China"',
    "ΟΔΟΣ",
    "\ufeffRU",
    "R\u200bU",
    "",
    "   ",
]


def sql_keys(values: list[str]) -> list[str | None]:
    """Run country_key_sql over values in DuckDB, keeping their order."""
    table = pa.table({"i": list(range(len(values))), "v": pa.array(values, pa.string())})
    con = duckdb.connect()
    con.register("t", table)
    rows = con.execute(f"SELECT {country_key_sql('v')} FROM t ORDER BY i").fetchall()
    return [row[0] for row in rows]


def sql_normalize(values: list[str]) -> list[str | None]:
    """Normalise values the way the ingest does: key in SQL, join to the lookup."""
    lookup = country_lookup()
    con = duckdb.connect()
    con.register("t", pa.table({"i": list(range(len(values))), "v": pa.array(values, pa.string())}))
    con.register("lookup", pa.table({"key": [k for k, _ in lookup], "alpha2": [a for _, a in lookup]}))
    rows = con.execute(
        f"SELECT l.alpha2 FROM t LEFT JOIN lookup l ON l.key = {country_key_sql('t.v')} ORDER BY t.i"
    ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.parametrize(("value", "expected", "why"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_normalize_country(value: str, expected: str | None, why: str) -> None:
    assert normalize_country(value) == expected, why


def test_sql_path_gives_the_same_answers_as_python() -> None:
    values = [c[0] for c in CASES] + MESSY
    assert sql_normalize(values) == [normalize_country(v) for v in values]


def test_none_is_unknown() -> None:
    assert normalize_country(None) is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("  Russian   Federation ", "russian federation"),
        ("KOREA,REPUBLIC OF", "korea republic of"),
        ("Тайвань(Китай)", "тайвань китай"),
        ("Объединённые\tАрабские\u00a0Эмираты", "объединенные арабские эмираты"),
        ("U.S.A.", "usa"),
        ("Côte d’Ivoire", "côte divoire"),
        ("TÜRKİYE", "türkiye"),
        ("guinea—bissau", "guinea bissau"),
        ("[Hong Kong]", "hong kong"),
        ("ΟΔΟΣ", "οδοσ"),
    ],
)
def test_country_key(raw: str, key: str) -> None:
    assert country_key(raw) == key


def test_every_lookup_key_is_its_own_key_in_python_and_sql() -> None:
    keys = [k for k, _ in country_lookup()]
    assert [country_key(k) for k in keys] == keys
    assert sql_keys(keys) == keys


def test_messy_inputs_agree() -> None:
    assert sql_keys(MESSY) == [country_key(v) for v in MESSY]


def test_sql_uses_only_portable_functions() -> None:
    sql = country_key_sql("x")
    for name in ("strip_accents", "nfc_normalize", "regexp_extract", "\\"):
        assert name not in sql


def test_lookup_is_unique_and_valid() -> None:
    lookup = country_lookup()
    keys = [k for k, _ in lookup]
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys)
    assert all(k and k == k.strip() for k in keys)
    assert {a for _, a in lookup} <= iso_countries()


def test_lookup_covers_all_codes() -> None:
    table = dict(country_lookup())
    for code in iso_countries():
        assert table[code.lower()] == code
        assert normalize_country(country_name(code, "en")) == code
        assert normalize_country(country_name(code, "ru")) == code


def test_ambiguous_and_blocked_keys_stay_out() -> None:
    tables = _tables()
    table = dict(country_lookup())
    assert not (tables.ambiguous & table.keys())
    assert not (tables.blocked & table.keys())
    assert "north cyprus" in tables.blocked


def test_iso_countries() -> None:
    codes = iso_countries()
    assert len(codes) == 250  # 249 ISO 3166-1 codes and XK
    assert {"RU", "TW", "HK", "MO", "XK"} <= codes
    assert not ({"EU", "UN", "ZZ", "QO", "IC"} & codes)


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [("RU", "en", "Russia"), ("RU", "ru", "Россия"), ("tw", "en", "Taiwan"), ("KZ", "ru", "Казахстан")],
)
def test_country_name(code: str, lang: str, name: str) -> None:
    assert country_name(code, lang) == name


def test_country_name_unknown() -> None:
    with pytest.raises(KeyError):
        country_name("EU")


TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
NAMEISH = st.text(
    st.sampled_from(list("abcxyzABCXYZ .,'-()[]\t«»ёЁİıΣσςРоссияTÜRKİYE’\u00a0\u200b")),
    max_size=30,
)


@given(st.one_of(TEXT, NAMEISH))
def test_country_key_is_idempotent(value: str) -> None:
    key = country_key(value)
    assert country_key(key) == key


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(TEXT, NAMEISH), min_size=1, max_size=40))
def test_country_key_python_equals_sql(values: list[str]) -> None:
    assert sql_keys(values) == [country_key(v) for v in values]


def test_country_sources_name_versions() -> None:
    sources = country_sources()
    assert set(sources) == {"babel", "cldr", "rigour", "country_aliases.csv"}
    assert all(sources.values())
