"""Knowledge the simulator runs on, read lazily from ``simulate/data``.

Nothing is loaded at import time; every loader is cached after its first call.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

CURRENCIES: tuple[str, ...] = ("USD", "EUR", "CNY", "RUB", "TRY", "JPY")


def data_text(name: str) -> str:
    """The text of one data file shipped with the simulator."""
    return resources.files("tradetrace.simulate").joinpath("data").joinpath(name).read_text("utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    lines = [ln for ln in data_text(name).splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    numeric: str
    name_en: str
    name_ru: str
    name_ru_dt: str


@dataclass(frozen=True)
class Goods:
    """One HS6 line of the goods catalogue with its price and weight model."""

    hs6: str
    industry: str
    tnved: tuple[str, ...]
    unit: str
    price_usd: float
    price_sigma: float
    kg_per_unit: float
    qty: float
    qty_sigma: float
    chpl: str
    model_style: str
    generic: bool
    desc_en: str
    desc_ru: str

    @property
    def controlled(self) -> bool:
        return bool(self.chpl)


@dataclass(frozen=True)
class Post:
    code: str
    country: str
    weight: float


@cache
def countries() -> tuple[Country, ...]:
    return tuple(
        Country(r["alpha2"], r["alpha3"], r["numeric"], r["name_en"], r["name_ru"], r["name_ru_dt"])
        for r in _rows("countries.csv")
    )


@cache
def country_index() -> dict[str, int]:
    return {c.alpha2: i for i, c in enumerate(countries())}


@cache
def goods() -> tuple[Goods, ...]:
    out = []
    for r in _rows("goods.csv"):
        out.append(
            Goods(
                hs6=r["hs6"],
                industry=r["industry"],
                tnved=tuple(r["tnved"].split(";")),
                unit=r["unit"],
                price_usd=float(r["price_usd"]),
                price_sigma=float(r["price_sigma"]),
                kg_per_unit=float(r["kg_per_unit"]),
                qty=float(r["qty"]),
                qty_sigma=float(r["qty_sigma"]),
                chpl=r["chpl"],
                model_style=r["model_style"],
                generic=r["generic"] == "1",
                desc_en=r["desc_en"],
                desc_ru=r["desc_ru"],
            )
        )
    return tuple(out)


@cache
def goods_by_hs6() -> dict[str, Goods]:
    return {g.hs6: g for g in goods()}


@cache
def posts() -> tuple[Post, ...]:
    return tuple(Post(r["code"], r["country"], float(r["weight"])) for r in _rows("posts.csv"))


@cache
def fx_table() -> NDArray[np.float64]:
    """Units of each of CURRENCIES per USD, shape (len(CURRENCIES), 72 months from 2019-01).

    The rates are the ones tradetrace ships (``model.money.load_rates``, monthly means of the
    ECB reference rates), so a simulated amount converts back to the dollars it was made from.
    Where that table has no rate (the rouble after February 2022, when the ECB stopped quoting
    it) the last published month is repeated: the simulator has to write some amount, and it is
    a modelling choice, not a rate. The ingest finds no rate for such rows either; they keep
    their USD value only where the row carries one (value_usd / G46), as real declarations do.
    """
    from datetime import date

    from tradetrace.model.money import load_rates

    rates = load_rates()
    months = [date(2019 + k // 12, k % 12 + 1, 1) for k in range(72)]
    table = np.full((len(CURRENCIES), len(months)), np.nan)
    for c, code in enumerate(CURRENCIES):
        mine = [r for r in rates if r.currency == code]
        for m, start in enumerate(months):
            hit = [r.usd_per_unit for r in mine if r.covers(start)]
            if hit:
                table[c, m] = 1.0 / hit[0]
            elif m and not np.isnan(table[c, m - 1]):
                table[c, m] = table[c, m - 1]
    if np.isnan(table).any():
        missing = [CURRENCIES[c] for c in np.flatnonzero(np.isnan(table).any(axis=1))]
        raise ValueError(f"the shipped FX table has no rate for {missing} in 2019-01")
    return table


FAMILIES = ("a", "b")
_family = ["a"]  # the scenario family being generated (see family())


@contextmanager
def family(name: str) -> Iterator[None]:
    """Generate within a scenario family: YAML data files are read with the family's overrides.

    A family's override of ``data/<name>`` is ``data/families/<family>/<name>``; its mappings are
    merged into the shared file key by key (lists and values replace). Not thread-safe: one
    simulation at a time per process.
    """
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; choose from {FAMILIES}")
    before = _family[0]
    _family[0] = name
    try:
        yield
    finally:
        _family[0] = before


def current_family() -> str:
    return _family[0]


def yaml_data(name: str) -> Any:
    """A YAML data file as the current family sees it."""
    return _yaml(_family[0], name)


@cache
def _yaml(fam: str, name: str) -> Any:
    data = yaml.safe_load(data_text(name))
    override = resources.files("tradetrace.simulate").joinpath("data", "families", fam, name)
    if override.is_file():
        data = _merge(data, yaml.safe_load(override.read_text("utf-8")))
    return data


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


UNITS_RU: dict[str, str] = {"pcs": "ШТ", "kg": "КГ", "set": "КОМПЛ", "m": "М", "pair": "ПАР"}
