"""Calendar of the simulation: days, months, seasonal volume and exchange rates."""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.vocab import CURRENCIES, fx_table

EPOCH = dt.date(1970, 1, 1)
START = dt.date(2019, 1, 1)
END = dt.date(2024, 12, 31)
MONTHS = 72

# Volume profiles by importer country group.
PROFILE_RU = 0
PROFILE_NEIGHBOUR = 1
PROFILE_OTHER = 2
NEIGHBOURS = ("KZ", "BY", "AM", "KG", "UZ")

_SEASON = np.array([0.72, 0.88, 1.04, 1.02, 0.98, 1.0, 0.97, 0.95, 1.03, 1.08, 1.12, 1.25])


def to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def from_day(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def iso(d: str) -> int:
    """Day number of an ISO date string."""
    return to_day(dt.date.fromisoformat(d))


def month_starts() -> NDArray[np.int32]:
    """Day number of the first day of each month 2019-01 .. 2025-01 (73 values)."""
    out = [to_day(dt.date(2019 + k // 12, k % 12 + 1, 1)) for k in range(MONTHS + 1)]
    return np.array(out, dtype=np.int32)


def month_of(days: NDArray[np.int32]) -> NDArray[np.int32]:
    """Month index (0 = 2019-01) of each day number."""
    idx = np.searchsorted(month_starts(), days, side="right") - 1
    return np.clip(idx, 0, MONTHS - 1).astype(np.int32)


def month_of_day(day: int) -> int:
    d = from_day(day)
    return (d.year - 2019) * 12 + d.month - 1


def profile_of(country: str) -> int:
    if country == "RU":
        return PROFILE_RU
    if country in NEIGHBOURS:
        return PROFILE_NEIGHBOUR
    return PROFILE_OTHER


def volume_weights() -> NDArray[np.float64]:
    """Relative monthly volume per profile, shape (3, MONTHS)."""
    w = np.zeros((3, MONTHS))
    for k in range(MONTHS):
        year, month = 2019 + k // 12, k % 12 + 1
        base = _SEASON[month - 1] * (1.0 + 0.04 * (year - 2019))
        if year == 2020 and month in (4, 5):
            base *= 0.76 if month == 4 else 0.85
        ru = base
        neighbour = base
        if (year, month) >= (2022, 3):
            months_after = (year - 2022) * 12 + month - 3
            ru *= 0.55 if months_after < 4 else (0.64 if year == 2022 else 0.7 + 0.05 * (year - 2023))
            neighbour *= min(1.2 + 0.03 * months_after, 1.8)
        w[PROFILE_RU, k] = ru
        w[PROFILE_NEIGHBOUR, k] = neighbour
        w[PROFILE_OTHER, k] = base
    return w


def sample_days(
    rng: np.random.Generator,
    profile: NDArray[np.int8],
    start: NDArray[np.int32],
    end: NDArray[np.int32],
) -> NDArray[np.int32]:
    """Draw one day per row within [start, end], following the profile's monthly volume."""
    weights = volume_weights()
    cdf = np.zeros((3, MONTHS + 1))
    cdf[:, 1:] = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    ms = month_starts()
    m0 = month_of(start)
    m1 = month_of(end)
    lo = cdf[profile, m0]
    hi = cdf[profile, m1 + 1]
    u = lo + rng.random(len(start)) * (hi - lo)
    # search within the row's own profile: offset each profile's cdf by its index
    flat = (cdf + np.arange(3)[:, None] * 2.0).ravel()
    pos = np.searchsorted(flat, u + profile * 2.0, side="right") - 1
    month = np.clip(pos - profile * (MONTHS + 1), m0, m1).astype(np.int32)
    first = np.maximum(ms[month], start)
    last = np.minimum(ms[month + 1] - 1, end)
    span = np.maximum(last - first + 1, 1)
    day = first + (rng.random(len(start)) * span).astype(np.int32)
    out: NDArray[np.int32] = np.minimum(day, end).astype(np.int32)
    return out


def fx_rates(currency: NDArray[np.int8], month: NDArray[np.int32]) -> NDArray[np.float64]:
    """Units of currency per USD for each row."""
    table = fx_table()
    out: NDArray[np.float64] = table[currency, month]
    return out


def fx_rate(currency: str, day: int) -> float:
    return float(fx_table()[CURRENCIES.index(currency), month_of_day(day)])
