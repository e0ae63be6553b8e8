from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetrace.model.hs import (
    CHPL_TIERS,
    chpl,
    clean_hs,
    hs6,
    hs_clean_sql,
    hs_description,
    hs_section,
)

HERE = Path(__file__).parent
SHIPPED = HERE.parents[1] / "src" / "tradetrace" / "data" / "reference"


def _cases() -> list[tuple[str, str | None, str]]:
    with (HERE / "hs_cases.csv").open(encoding="utf-8", newline="") as fh:
        return [(r["value"], r["expected"] or None, r["why"]) for r in csv.DictReader(fh)]


CASES = _cases()


def sql_clean(values: list[str | None]) -> list[str | None]:
    con = duckdb.connect()
    con.register("t", pa.table({"i": list(range(len(values))), "v": pa.array(values, pa.string())}))
    rows = con.execute(f"SELECT {hs_clean_sql('v')} FROM t ORDER BY i").fetchall()
    return [row[0] for row in rows]


@pytest.mark.parametrize(("value", "expected", "why"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_clean_hs(value: str, expected: str | None, why: str) -> None:
    assert clean_hs(value) == expected, why


def test_clean_hs_none() -> None:
    assert clean_hs(None) is None
    assert hs6(None) is None


def test_sql_agrees_on_cases() -> None:
    values: list[str | None] = [c[0] for c in CASES] + [None]
    assert sql_clean(values) == [clean_hs(v) for v in values]


def test_sql_agrees_on_every_odd_length_candidate() -> None:
    # Every 3-digit start padded out to 5, 7 and 9 digits exercises each
    # branch of the lost-leading-zero rule.
    values: list[str | None] = [f"{n:03d}" + tail for n in range(1000) for tail in ("00", "0000", "000000")]
    assert sql_clean(values) == [clean_hs(v) for v in values]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("8457100000", "845710"), ("8457.10", "845710"), ("10121", "010121"), ("84", None), ("x", None)],
)
def test_hs6(code: str, expected: str | None) -> None:
    assert hs6(code) == expected


@pytest.mark.parametrize(
    ("code", "starts"),
    [
        ("845710", "Machining centres"),
        ("8457100000", "Machining centres"),
        ("8457.10.00", "Machining centres"),
        ("8457", "Machining centres, unit construction machines"),
        ("84", "Machinery and mechanical appliances"),
        ("84579900", "Machining centres, unit construction machines"),  # 845799 unknown: heading
        ("0101210000", "Horses; live, pure-bred"),
    ],
)
def test_hs_description_walks_up(code: str, starts: str) -> None:
    description = hs_description(code)
    assert description is not None
    assert description.startswith(starts)


@pytest.mark.parametrize("code", [None, "", "abc", "00", "0000", "12345678901"])
def test_hs_description_unknown(code: str | None) -> None:
    assert hs_description(code) is None


@pytest.mark.parametrize(("code", "numeral"), [("845710", "XVI"), ("8542", "XVI"), ("0101", "I")])
def test_hs_section(code: str, numeral: str) -> None:
    section = hs_section(code)
    assert section is not None
    assert section[0] == numeral
    assert section[1]


@pytest.mark.parametrize("code", [None, "abc", "00"])
def test_hs_section_unknown(code: str | None) -> None:
    assert hs_section(code) is None


def test_chpl() -> None:
    items = chpl()
    assert len(items) == 50
    assert {i.tier for i in items} == set(CHPL_TIERS)
    assert len({i.hs6 for i in items}) == 50
    tier_4b = sorted(i.hs6 for i in items if i.tier == "4.B")
    assert tier_4b == ["845710", "845811", "845891", "845961", "846693"]
    assert all(i.description for i in items)


@pytest.mark.parametrize("name", ["hs2022.csv", "hs2022_sections.csv", "chpl_2024-02.csv"])
def test_shipped_copies_match_the_source_files(test_data: Path, name: str) -> None:
    copy = test_data / "reference" / name
    assert (SHIPPED / name).read_bytes() == copy.read_bytes()


CODEISH = st.text(st.sampled_from(list("0123456789 .-\t\u00a0–0O,aE+")), max_size=16)


@given(CODEISH)
def test_clean_hs_is_idempotent(value: str) -> None:
    cleaned = clean_hs(value)
    if cleaned is not None:
        assert clean_hs(cleaned) == cleaned
        assert cleaned.isascii() and cleaned.isdigit() and 6 <= len(cleaned) <= 10


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(CODEISH, st.text(max_size=12)), min_size=1, max_size=40))
def test_clean_hs_python_equals_sql(values: list[str]) -> None:
    assert sql_clean(list(values)) == [clean_hs(v) for v in values]
