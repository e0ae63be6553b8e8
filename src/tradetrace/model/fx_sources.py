"""Exchange-rate files as their publishers write them, read into ``FxRate`` rows.

Two official formats are understood besides tradetrace's own CSV:

* **ECB euro foreign exchange reference rates**, the full history file
  ``eurofxref-hist.csv`` (or the ``eurofxref-hist.zip`` that holds it), as
  published by the European Central Bank: one row per publication day, one
  column per currency, units of currency per euro, ``N/A`` where a currency
  was not quoted. Each currency becomes monthly means of the daily USD cross
  rate (USD per euro divided by currency per euro). A month is given only when
  the currency was quoted on at least half of that month's publication days
  and the month is complete in the file, so a currency that stopped being
  quoted (the rouble after 1 March 2022) simply has no rate after that.
* **Bank of Russia official rates, dynamics of one currency** (the
  ``XML_dynamic`` export: ``<ValCurs ID="R01235" ...>`` with ``<Record
  Date="dd.mm.yyyy">`` holding ``<Nominal>`` and ``<Value>`` in roubles with a
  decimal comma). For the US dollar (``R01235``) this gives RUB rows, one per
  day the rate was in force until the next one.

``read_rates_file`` recognises the format from the content, not the name.
"""

from __future__ import annotations

import calendar
import csv
import io
import math
import xml.etree.ElementTree as ElementTree
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from tradetrace.model.money import FxRate, FxTableError, load_rates, rates_arrow

__all__ = [
    "ECB_MIN_SHARE",
    "is_ecb_history",
    "rates_for",
    "rates_table",
    "read_cbr_dynamic",
    "read_ecb_history",
    "read_rates_file",
]

ECB_MIN_SHARE = 0.5  # share of a month's publication days a currency must be quoted on
_CBR_USD = "R01235"  # the Bank of Russia's internal code for the US dollar


def _text_of(data: bytes, name: str) -> str:
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise FxTableError(f"{name}: expected one CSV file inside the zip, found {members}")
            data = zf.read(members[0])
    return data.decode("utf-8-sig")


def is_ecb_history(first_line: str) -> bool:
    cells = [c.strip() for c in first_line.split(",")]
    return len(cells) > 2 and cells[0] == "Date" and "USD" in cells


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def read_ecb_history(data: bytes, name: str = "eurofxref-hist.csv") -> list[FxRate]:
    """Monthly mean USD rates of every currency in an ECB history file (CSV or zip).

    EUR is included (the USD column itself); USD is not (it is always 1).
    Each row's ``source`` names the file's last date and the number of daily
    rates averaged.
    """
    text = _text_of(data, name)
    reader = csv.reader(io.StringIO(text))
    header = [c.strip() for c in next(reader, [])]
    if not is_ecb_history(",".join(header)):
        raise FxTableError(f"{name}:1: not an ECB history file (expected 'Date,USD,...' columns)")
    usd_col = header.index("USD")
    days: dict[tuple[int, int], set[date]] = defaultdict(set)
    sums: dict[tuple[str, int, int], tuple[float, int]] = {}
    last = date.min
    for line_no, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise FxTableError(
                f"{name}:{line_no} column 'Date': expected YYYY-MM-DD, got {row[0]!r}"
            ) from None
        last = max(last, day)
        days[(day.year, day.month)].add(day)
        usd_per_eur = _number(row, usd_col)
        if usd_per_eur is None:
            continue
        for col, code in enumerate(header):
            if col == 0 or not code:
                continue
            per_eur = 1.0 if col == usd_col else _number(row, col)
            if per_eur is None:
                continue
            cur = "EUR" if col == usd_col else code
            key = (cur, day.year, day.month)
            total, n = sums.get(key, (0.0, 0))
            sums[key] = (total + usd_per_eur / per_eur, n + 1)
    if last == date.min:
        raise FxTableError(f"{name}: no rates")
    # the last month counts only if the file reaches its last weekday
    last_weekday = _month_end(last)
    while last_weekday.weekday() >= 5:
        last_weekday -= timedelta(days=1)
    complete = (last.year, last.month) if last >= last_weekday else None
    rates = []
    for (cur, year, month), (total, n) in sorted(sums.items()):
        if cur == "USD":
            continue
        published = len(days[(year, month)])
        if (year, month) >= (last.year, last.month) and (year, month) != complete:
            continue
        if n < ECB_MIN_SHARE * published:
            continue
        start = date(year, month, 1)
        source = f"ECB euro reference rates (eurofxref-hist to {last}): mean of {n} daily USD cross rates"
        rates.append(FxRate(cur, start, _month_end(start) + timedelta(days=1), total / n, source))
    return rates


def _number(row: list[str], col: int) -> float | None:
    cell = row[col].strip() if col < len(row) else ""
    if not cell or cell == "N/A":
        return None
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def read_cbr_dynamic(data: bytes, name: str = "XML_dynamic.xml") -> list[FxRate]:
    """RUB rows from the Bank of Russia's dynamics of the US dollar rate.

    Each record's rate holds from its date until the next record's date; the
    last one for one day (the file says nothing about later days).
    """
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise FxTableError(f"{name}: a document type declaration is not allowed in a rates file")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise FxTableError(f"{name}: not readable XML ({exc})") from None
    if root.tag != "ValCurs":
        raise FxTableError(f"{name}: expected a Bank of Russia <ValCurs> document, found <{root.tag}>")
    if root.get("ID") != _CBR_USD:
        raise FxTableError(
            f"{name}: the file holds currency {root.get('ID')!r}; tradetrace needs the US dollar "
            f"({_CBR_USD}) to convert roubles to USD"
        )
    points: list[tuple[date, float]] = []
    for i, rec in enumerate(root.iter("Record"), start=1):
        where = f"{name}: record {i}"
        raw = rec.get("Date", "")
        try:
            d, m, y = (int(p) for p in raw.split("."))
            day = date(y, m, d)
        except ValueError:
            raise FxTableError(f"{where} attribute 'Date': expected dd.mm.yyyy, got {raw!r}") from None
        try:
            nominal = float((rec.findtext("Nominal") or "").replace(",", "."))
            rub = float((rec.findtext("Value") or "").replace(",", "."))
        except ValueError:
            raise FxTableError(f"{where}: expected numbers in <Nominal> and <Value>") from None
        if not (nominal > 0 and rub > 0 and math.isfinite(rub)):
            raise FxTableError(f"{where}: <Value> and <Nominal> must be positive")
        points.append((day, rub / nominal))
    if not points:
        raise FxTableError(f"{name}: no <Record> elements")
    points.sort()
    source = f"Bank of Russia official USD rate ({name})"
    out = []
    for (day, rub_per_usd), nxt in zip(points, [*points[1:], None], strict=True):
        until = nxt[0] if nxt else day + timedelta(days=1)
        if until > day:
            out.append(FxRate("RUB", day, until, 1.0 / rub_per_usd, source))
    return out


def read_rates_file(path: Path) -> list[FxRate] | None:
    """Rates from an ECB or Bank of Russia file; None when the file is in neither format."""
    data = Path(path).read_bytes()
    head = data[:512].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"PK\x03\x04") or is_ecb_history(head.split(b"\n", 1)[0].decode("latin-1")):
        return read_ecb_history(data, str(path))
    if head.startswith(b"<?xml") or head.lstrip().startswith(b"<ValCurs"):
        return read_cbr_dynamic(data, str(path))
    return None


def rates_for(path: Path | None = None) -> list[FxRate]:
    """The rates an ingest uses: the shipped table, with the user's file in front.

    ``path`` may be tradetrace's CSV (``currency,valid_from,valid_to,
    usd_per_unit,source``), an ECB history file or a Bank of Russia dynamics
    file. The file's rates win: a shipped rate is dropped when its period
    overlaps one of the file's for the same currency, and kept otherwise.
    """
    shipped = load_rates()
    if path is None:
        return shipped
    own = [r for r in (read_rates_file(Path(path)) or load_rates(Path(path))) if r.currency != "USD"]
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for r in own:
        spans[r.currency].append((r.valid_from, r.valid_to))
    kept = [
        r
        for r in shipped
        if not any(start < r.valid_to and r.valid_from < end for start, end in spans.get(r.currency, ()))
    ]
    return sorted(kept + own, key=lambda r: (r.currency, r.valid_from))


def rates_table(path: Path | None = None) -> pa.Table:
    """``rates_for(path)`` as the Arrow table the ingest joins on (see ``money.rates_arrow``)."""
    return rates_arrow(rates_for(path))
