"""Rates from the files their publishers write: the ECB history and the Bank of Russia dynamics."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tradetrace.model.fx_sources import rates_for, read_cbr_dynamic, read_ecb_history, read_rates_file
from tradetrace.model.money import FxTableError, load_rates, to_usd

ECB_ZIP = Path(__file__).parents[1] / "data" / "reference" / "eurofxref-hist.zip"


def test_the_shipped_table_is_the_ecb_history_averaged() -> None:
    """Rebuilding from the ECB file in tests/data gives the shipped table, row for row."""
    built = read_ecb_history(ECB_ZIP.read_bytes(), ECB_ZIP.name)
    shipped = [r for r in load_rates() if r.currency != "USD"]
    assert len(built) == len(shipped) > 10_000
    for b, s in zip(built, shipped, strict=True):
        assert (b.currency, b.valid_from, b.valid_to, b.source) == (
            s.currency,
            s.valid_from,
            s.valid_to,
            s.source,
        )
        assert s.usd_per_unit == pytest.approx(b.usd_per_unit, rel=1e-7)


def test_a_month_is_the_mean_of_its_daily_cross_rates() -> None:
    with zipfile.ZipFile(ECB_ZIP) as zf:
        text = zf.read("eurofxref-hist.csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    march = [r for r in rows if r["Date"].startswith("2023-03")]
    expected = sum(float(r["USD"]) / float(r["JPY"]) for r in march) / len(march)
    got = to_usd(1.0, "JPY", date(2023, 3, 10), load_rates())
    assert got == pytest.approx(expected, rel=1e-7)
    eur = sum(float(r["USD"]) for r in march) / len(march)
    assert to_usd(1.0, "EUR", date(2023, 3, 31), load_rates()) == pytest.approx(eur, rel=1e-7)


def ecb_csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["Date,USD,RUB,JPY,"] + [f"{d},{u},{r},1.0," for d, u, r in rows]
    return ("\n".join(lines) + "\n").encode()


def test_sparse_and_unfinished_months_get_no_rate() -> None:
    days = [f"2022-02-{d:02d}" for d in range(1, 29) if date(2022, 2, d).weekday() < 5]
    rows = [(d, "1.1", "90") for d in days]
    rows += [("2022-03-01", "1.1", "110")] + [(f"2022-03-{d:02d}", "1.1", "N/A") for d in (2, 3, 4, 7)]
    rows += [("2022-04-01", "1.2", "N/A")]  # April has one day in the file: unfinished
    rates = read_ecb_history(ecb_csv(rows))
    rub = [r for r in rates if r.currency == "RUB"]
    assert [(r.valid_from, r.valid_to) for r in rub] == [(date(2022, 2, 1), date(2022, 3, 1))]
    assert rub[0].usd_per_unit == pytest.approx(1.1 / 90)
    assert "mean of 20 daily" in rub[0].source and "to 2022-04-01" in rub[0].source
    eur = {r.valid_from: r.usd_per_unit for r in rates if r.currency == "EUR"}
    assert set(eur) == {date(2022, 2, 1), date(2022, 3, 1)}  # March: 5 of 5 days; April: unfinished


def test_a_month_that_ends_on_a_weekend_is_complete_on_its_last_weekday() -> None:
    rows = [("2022-04-28", "1.05", "80"), ("2022-04-29", "1.05", "80")]  # 30 April 2022 was a Saturday
    assert {r.currency for r in read_ecb_history(ecb_csv(rows))} == {"EUR", "RUB", "JPY"}


def test_ecb_reader_refuses_other_files() -> None:
    with pytest.raises(FxTableError, match="not an ECB history file"):
        read_ecb_history(b"currency,valid_from\n", "x.csv")
    with pytest.raises(FxTableError, match=r"x\.csv:3 column 'Date'"):
        read_ecb_history(ecb_csv([("2022-02-01", "1.1", "90"), ("1.2.2022", "1.1", "90")]), "x.csv")


def cbr_xml(records: list[tuple[str, str, str]], code: str = "R01235") -> bytes:
    body = "".join(
        f'<Record Date="{d}" Id="{code}"><Nominal>{n}</Nominal><Value>{v}</Value></Record>'
        for d, n, v in records
    )
    text = (
        '<?xml version="1.0" encoding="windows-1251"?>'
        f'<ValCurs ID="{code}" DateRange1="01.03.2023" DateRange2="07.03.2023" name="Foreign Currency Market Dynamic">'
        f"{body}</ValCurs>"
    )
    return text.encode("cp1251")


def test_bank_of_russia_dynamics_give_daily_rouble_rates() -> None:
    # made-up values for the test, in the publisher's layout (decimal comma, nominal)
    rates = read_cbr_dynamic(cbr_xml([("03.03.2023", "1", "75,5"), ("01.03.2023", "1", "75,0")]), "usd.xml")
    assert [(r.currency, r.valid_from, r.valid_to) for r in rates] == [
        ("RUB", date(2023, 3, 1), date(2023, 3, 3)),
        ("RUB", date(2023, 3, 3), date(2023, 3, 4)),
    ]
    assert rates[0].usd_per_unit == pytest.approx(1 / 75.0)
    assert to_usd(150.0, "RUB", date(2023, 3, 2), rates) == pytest.approx(2.0)
    assert rates[0].source == "Bank of Russia official USD rate (usd.xml)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (cbr_xml([("01.03.2023", "1", "75,0")], code="R01239"), "'R01239'"),
        (cbr_xml([("2023-03-01", "1", "75,0")]), "record 1 attribute 'Date'"),
        (cbr_xml([("01.03.2023", "1", "abc")]), "record 1: expected numbers"),
        (cbr_xml([("01.03.2023", "1", "0")]), "must be positive"),
        (cbr_xml([]), "no <Record>"),
        (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><ValCurs ID='R01235'/>", "document type"),
        (b"<ValCurs ID='R01235'><Record", "not readable XML"),
        (b"<rates/>", "<ValCurs>"),
    ],
)
def test_bad_bank_of_russia_files_say_why(data: bytes, message: str) -> None:
    with pytest.raises(FxTableError, match=message):
        read_cbr_dynamic(data, "usd.xml")


def test_user_rates_win_where_they_overlap_and_nowhere_else(tmp_path: Path) -> None:
    cbr = tmp_path / "usd.xml"
    cbr.write_bytes(cbr_xml([("01.02.2022", "1", "75,0"), ("02.02.2022", "1", "76,0")]))
    merged = rates_for(cbr)
    assert to_usd(75.0, "RUB", date(2022, 2, 1), merged) == pytest.approx(1.0)
    assert to_usd(1.0, "RUB", date(2022, 2, 10), merged) is None  # the shipped February overlapped: dropped
    shipped_2021 = to_usd(1.0, "RUB", date(2021, 6, 1), load_rates())
    assert to_usd(1.0, "RUB", date(2021, 6, 1), merged) == shipped_2021 is not None
    assert to_usd(1.0, "EUR", date(2023, 3, 1), merged) == to_usd(1.0, "EUR", date(2023, 3, 1), load_rates())
    own = tmp_path / "rates.csv"
    own.write_text(
        "currency,valid_from,valid_to,usd_per_unit,source\nTWD,2023-01-01,2024-01-01,0.032,analyst\n",
        encoding="utf-8",
    )
    merged = rates_for(own)
    assert to_usd(100.0, "TWD", date(2023, 7, 1), merged) == pytest.approx(3.2)
    assert to_usd(1.0, "JPY", date(2023, 7, 1), merged) is not None


def test_formats_are_told_apart_by_content(tmp_path: Path) -> None:
    zipped = tmp_path / "anything.bin"
    zipped.write_bytes(ECB_ZIP.read_bytes())
    assert {r.currency for r in read_rates_file(zipped) or []} >= {"EUR", "JPY", "RUB"}
    xml = tmp_path / "rates.txt"
    xml.write_bytes(cbr_xml([("01.03.2023", "1", "75,0")]))
    assert [r.currency for r in read_rates_file(xml) or []] == ["RUB"]
    ours = tmp_path / "rates.csv"
    ours.write_text("currency,valid_from,valid_to,usd_per_unit,source\n", encoding="utf-8")
    assert read_rates_file(ours) is None
