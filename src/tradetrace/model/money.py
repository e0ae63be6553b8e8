"""Money: converting declared values to US dollars with a replaceable FX table.

The table is a CSV with columns ``currency,valid_from,valid_to,usd_per_unit,
source``: one row per currency and period, ``valid_to`` exclusive, so a
monthly average for March 2023 is ``2023-03-01,2023-04-01``. The shipped
table (``data/reference/fx_rates.csv``) holds monthly means of the ECB euro
reference rates, crossed to USD (``scripts/make_fx_rates.py``; SOURCES.md
gives the file and its date). A currency the ECB does not quote, or stopped
quoting (RUB after 1 March 2022), has no rate: such values stay without USD.
Users add their own rates with ``--rates`` (see ``fx_sources.rates_for``).

The same table serves the SQL path: ``rates_arrow`` gives an Arrow table to
register in the engine and join with ``date >= valid_from AND date <
valid_to``; ``to_usd`` applies the same rule to one value.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import pyarrow as pa

__all__ = [
    "FX_COLUMNS",
    "FxRate",
    "FxTableError",
    "known_currencies",
    "load_rates",
    "rates_arrow",
    "to_usd",
]

FX_COLUMNS = ("currency", "valid_from", "valid_to", "usd_per_unit", "source")
_DEFAULT_NAME = "fx_rates.csv"


class FxTableError(ValueError):
    """An FX table that cannot be used; the message names file, row and column."""


@dataclass(frozen=True)
class FxRate:
    """The USD value of one unit of ``currency`` for ``valid_from <= day < valid_to``."""

    currency: str
    valid_from: date
    valid_to: date
    usd_per_unit: float
    source: str

    def covers(self, day: date) -> bool:
        return self.valid_from <= day < self.valid_to


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes known to CLDR (current and historical)."""
    from babel.numbers import list_currencies

    codes: set[str] = list_currencies()
    return frozenset(codes)


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FxTableError(f"{where}: expected an ISO date (YYYY-MM-DD), got {text!r}") from None


def _parse_row(row: dict[str, str], where: str) -> FxRate:
    currency = row["currency"].strip().upper()
    if currency not in known_currencies():
        raise FxTableError(f"{where} column 'currency': unknown ISO 4217 code {row['currency']!r}")
    valid_from = _parse_date(row["valid_from"], f"{where} column 'valid_from'")
    valid_to = _parse_date(row["valid_to"], f"{where} column 'valid_to'")
    if valid_to <= valid_from:
        raise FxTableError(f"{where} column 'valid_to': {valid_to} is not after {valid_from}")
    try:
        rate = float(row["usd_per_unit"])
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise FxTableError(
            f"{where} column 'usd_per_unit': expected a positive number, got {row['usd_per_unit']!r}"
        )
    if currency == "USD" and rate != 1.0:
        raise FxTableError(f"{where} column 'usd_per_unit': USD must be 1.0, got {rate}")
    source = row["source"].strip()
    if not source:
        raise FxTableError(f"{where} column 'source': empty; say where the rate comes from")
    return FxRate(currency, valid_from, valid_to, rate, source)


def _parse(text: str, name: str) -> list[FxRate]:
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != FX_COLUMNS:
        raise FxTableError(f"{name}:1: header must be {','.join(FX_COLUMNS)}, got {','.join(header)}")
    rates: list[tuple[FxRate, int]] = []
    for line_no, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise FxTableError(f"{name}:{line_no}: expected {len(FX_COLUMNS)} columns")
        rates.append((_parse_row(row, f"{name}:{line_no}"), line_no))
    if not rates:
        raise FxTableError(f"{name}: no rates")
    rates.sort(key=lambda item: (item[0].currency, item[0].valid_from))
    for (prev, prev_line), (cur, cur_line) in itertools.pairwise(rates):
        if prev.currency == cur.currency and cur.valid_from < prev.valid_to:
            raise FxTableError(
                f"{name}:{cur_line} column 'valid_from': {cur.currency} period from "
                f"{cur.valid_from} overlaps row {prev_line} ({prev.valid_from} to {prev.valid_to})"
            )
    return [rate for rate, _ in rates]


def load_rates(path: Path | None = None) -> list[FxRate]:
    """Load and validate an FX table; the shipped one when ``path`` is None.

    Returns the rates sorted by currency and ``valid_from``. Raises
    FxTableError naming the file, row and column of the first problem:
    unknown currency, bad date or rate, empty source, or two periods of one
    currency that overlap.
    """
    if path is None:
        ref = resources.files("tradetrace").joinpath("data", "reference", _DEFAULT_NAME)
        return _parse(ref.read_text("utf-8"), _DEFAULT_NAME)
    return _parse(Path(path).read_text("utf-8-sig"), str(path))


def to_usd(value: float | None, currency: str | None, on: date, rates: Sequence[FxRate]) -> float | None:
    """Convert ``value`` in ``currency`` on day ``on`` to USD.

    A missing currency means USD (the shipment contract's default). Returns
    None when the value is missing or no rate covers that currency and day.
    """
    if value is None:
        return None
    code = (currency or "").strip().upper() or "USD"
    if code == "USD":
        return float(value)
    for rate in rates:
        if rate.currency == code and rate.covers(on):
            return float(value) * rate.usd_per_unit
    return None


def rates_by_day(ranges: pa.Table) -> pa.Table:
    """The rows of :func:`rates_arrow` as one row per day they cover: columns currency, day
    (date32), usd_per_unit, source. Made here rather than in SQL, where each engine spells a
    series of dates its own way."""
    import numpy as np

    start = ranges.column("valid_from").cast(pa.int32()).to_numpy(zero_copy_only=False)
    end = ranges.column("valid_to").cast(pa.int32()).to_numpy(zero_copy_only=False)
    days = np.maximum(end - start, 0)
    index = np.repeat(np.arange(len(days)), days)
    first = np.repeat(np.cumsum(days) - days, days)
    offsets = np.arange(int(days.sum())) - first
    day = (start[index] + offsets).astype(np.int32)
    take = pa.array(index, pa.int64())
    return pa.table(
        {
            "currency": ranges.column("currency").take(take),
            "day": pa.array(day, pa.int32()).cast(pa.date32()),
            "usd_per_unit": ranges.column("usd_per_unit").take(take),
            "source": ranges.column("source").take(take),
        }
    )


def rates_arrow(rates: Sequence[FxRate]) -> pa.Table:
    """Return the rates as an Arrow table for a SQL range join.

    Columns: currency (string), valid_from and valid_to (date32, valid_to
    exclusive), usd_per_unit (float64), source (string).
    """
    return pa.table(
        {
            "currency": pa.array([r.currency for r in rates], pa.string()),
            "valid_from": pa.array([r.valid_from for r in rates], pa.date32()),
            "valid_to": pa.array([r.valid_to for r in rates], pa.date32()),
            "usd_per_unit": pa.array([r.usd_per_unit for r in rates], pa.float64()),
            "source": pa.array([r.source for r in rates], pa.string()),
        }
    )
