from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tradetrace.model.money import (
    FX_COLUMNS,
    FxRate,
    FxTableError,
    load_rates,
    rates_arrow,
    to_usd,
)

# currencies the ECB quotes today: the shipped table covers every month of the simulator's years
QUOTED = ["EUR", "CNY", "TRY", "JPY", "GBP", "CHF", "KRW", "HKD", "INR", "PLN", "CZK", "SEK"]
HEADER = ",".join(FX_COLUMNS)


@pytest.fixture(scope="module")
def rates() -> list[FxRate]:
    return load_rates()


def months(first: int = 2018, last: date = date(2026, 10, 1)) -> list[date]:
    return [d for y in range(first, last.year + 1) for m in range(1, 13) if (d := date(y, m, 1)) <= last]


@pytest.mark.parametrize("currency", QUOTED)
def test_shipped_table_covers_every_month(rates: list[FxRate], currency: str) -> None:
    for month in months():
        assert to_usd(1.0, currency, month, rates) is not None, (currency, month)
        assert to_usd(1.0, currency, date(month.year, month.month, 28), rates) is not None


def test_no_rate_where_the_source_has_none(rates: list[FxRate]) -> None:
    assert to_usd(1.0, "RUB", date(2022, 2, 28), rates) is not None
    for month in months(2022):
        if month >= date(2022, 3, 1):
            assert to_usd(1.0, "RUB", month, rates) is None, month
    for code in ("TWD", "AED", "KZT", "BYN", "AMD", "UZS", "KGS"):  # not quoted by the ECB
        assert to_usd(1.0, code, date(2023, 5, 1), rates) is None
    assert to_usd(1.0, "EUR", date(2026, 11, 15), rates) is None  # past the file's last full month


def test_euro_below_parity_in_september_2022(rates: list[FxRate]) -> None:
    value = to_usd(1.0, "EUR", date(2022, 9, 15), rates)
    assert value is not None and 0.95 < value < 1.0


def test_every_row_names_its_source(rates: list[FxRate]) -> None:
    assert all(r.source == "identity" or r.source.startswith("ECB euro reference rates") for r in rates)


def test_to_usd() -> None:
    table = [FxRate("EUR", date(2023, 1, 1), date(2023, 2, 1), 1.08, "test")]
    assert to_usd(100, "EUR", date(2023, 1, 31), table) == pytest.approx(108.0)
    assert to_usd(100, " eur ", date(2023, 1, 1), table) == pytest.approx(108.0)
    assert to_usd(100, "EUR", date(2023, 2, 1), table) is None  # valid_to is exclusive
    assert to_usd(100, "GBP", date(2023, 1, 15), table) is None
    assert to_usd(100, "USD", date(2023, 1, 15), table) == 100.0
    assert to_usd(100, None, date(2023, 1, 15), table) == 100.0  # default currency is USD
    assert to_usd(100, "", date(2023, 1, 15), table) == 100.0
    assert to_usd(None, "EUR", date(2023, 1, 15), table) is None


def test_rates_arrow_range_join_matches_to_usd(rates: list[FxRate]) -> None:
    shipments = [
        (1, date(2023, 3, 31), 1000.0, "EUR"),
        (2, date(2023, 4, 1), 1000.0, "EUR"),
        (3, date(2022, 3, 15), 5_000_000.0, "RUB"),
        (4, date(2024, 2, 29), 12_345.0, "CNY"),
        (5, date(2024, 2, 29), 10.0, "USD"),
        (6, date(1998, 12, 31), 10.0, "EUR"),  # before the euro: no rate
        (7, date(2024, 2, 29), 10.0, "XAF"),  # currency not in the table
        (8, date(2023, 6, 1), 10.0, "RUB"),  # the ECB stopped quoting RUB
    ]
    con = duckdb.connect()
    con.register("fx", rates_arrow(rates))
    con.execute("CREATE TABLE s (id INT, d DATE, v DOUBLE, c VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?, ?, ?, ?)", shipments)
    rows = con.execute(
        "SELECT s.id, s.v * fx.usd_per_unit FROM s LEFT JOIN fx "
        "ON fx.currency = s.c AND s.d >= fx.valid_from AND s.d < fx.valid_to ORDER BY s.id"
    ).fetchall()
    expected = [to_usd(v, c, d, rates) for _, d, v, c in shipments]
    got = [row[1] for row in rows]
    assert [g is None for g in got] == [e is None for e in expected]
    assert [g for g in got if g is not None] == pytest.approx([e for e in expected if e is not None])
    assert got[5] is None and got[6] is None and got[7] is None


def test_rates_arrow_schema(rates: list[FxRate]) -> None:
    table = rates_arrow(rates)
    assert table.column_names == list(FX_COLUMNS)
    assert str(table.schema.field("valid_from").type) == "date32[day]"
    assert table.num_rows == len(rates)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rates.csv"
    path.write_text(HEADER + "\n" + body, encoding="utf-8")
    return path


def test_user_table_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "EUR,2023-01-01,2023-02-01,1.08,ECB\nEUR,2023-02-01,2023-03-01,1.07,ECB\n",
    )
    loaded = load_rates(path)
    assert [r.usd_per_unit for r in loaded] == [1.08, 1.07]


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("XYZ,2023-01-01,2023-02-01,1.0,x\n", [":2", "'currency'", "XYZ"]),
        ("EUR,2023-01-01,2023-02-01,-1,x\n", [":2", "'usd_per_unit'"]),
        ("EUR,2023-01-01,2023-02-01,abc,x\n", [":2", "'usd_per_unit'"]),
        ("EUR,2023-01-01,2023-02-01,0,x\n", [":2", "'usd_per_unit'"]),
        ("EUR,2023-13-01,2023-02-01,1.0,x\n", [":2", "'valid_from'"]),
        ("EUR,2023-02-01,2023-01-01,1.0,x\n", [":2", "'valid_to'"]),
        ("EUR,2023-01-01,2023-02-01,1.0,\n", [":2", "'source'"]),
        ("USD,2023-01-01,2023-02-01,1.1,x\n", [":2", "'usd_per_unit'", "USD"]),
        (
            "EUR,2023-01-01,2023-03-01,1.08,x\nGBP,2023-01-01,2023-03-01,1.2,x\n"
            "EUR,2023-02-01,2023-04-01,1.07,x\n",
            [":4", "'valid_from'", "overlaps row 2"],
        ),
        ("EUR,2023-01-01,2023-02-01,1.0\n", [":2", "columns"]),
        ("", ["no rates"]),
    ],
)
def test_bad_tables_name_file_row_and_column(tmp_path: Path, body: str, fragments: list[str]) -> None:
    path = write(tmp_path, body)
    with pytest.raises(FxTableError) as info:
        load_rates(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_bad_header(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("currency,from,to,rate,source\n", encoding="utf-8")
    with pytest.raises(FxTableError, match="header"):
        load_rates(path)
