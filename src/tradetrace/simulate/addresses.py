"""Fictional street addresses, phones and web details in each country's usual format."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from followthemoney.types import registry

from tradetrace.simulate.translit import fold_cp1251, ru_latin
from tradetrace.simulate.vocab import yaml_data

# country -> (calling code and area code, number of local digits)
_PHONE = {
    "RU": ("+7 495", 7),
    "KZ": ("+7 727", 7),
    "BY": ("+375 17", 7),
    "AM": ("+374 10", 6),
    "KG": ("+996 312", 6),
    "UZ": ("+998 71", 7),
    "TR": ("+90 212", 7),
    "DE": ("+49 40", 8),
    "CN": ("+86 755", 8),
    "TW": ("+886 4", 8),
    "JP": ("+81 6", 8),
    "KR": ("+82 32", 7),
    "US": ("+1 408", 7),
    "IT": ("+39 02", 8),
    "AE": ("+971 4", 7),
    "HK": ("+852", 8),
    "IN": ("+91 22", 8),
    "PL": ("+48 61", 7),
    "FR": ("+33 4", 8),
    "NL": ("+31 10", 7),
    "GB": ("+44 114", 7),
    "CZ": ("+420 2", 8),
    "VN": ("+84 28", 8),
    "MY": ("+60 3", 8),
}
_TLD = {
    "RU": "ru",
    "KZ": "kz",
    "BY": "by",
    "DE": "de",
    "CN": "com.cn",
    "TW": "com.tw",
    "JP": "co.jp",
    "TR": "com.tr",
    "IT": "it",
    "PL": "pl",
    "FR": "fr",
    "NL": "nl",
    "KR": "co.kr",
    "IN": "in",
}


@dataclass(frozen=True)
class Address:
    text: str
    text_cp: str  # CP1251-safe form for ru-dt records


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return str(items[int(rng.integers(len(items)))])


def ru_address(rng: np.random.Generator, city: str | None = None) -> Address:
    data = yaml_data("names_ru.yaml")
    cities = data["cities"]
    if city is None:
        w = np.array([c["w"] for c in cities], dtype=float)
        entry = cities[
            min(int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(), side="right")), len(cities) - 1)
        ]
    else:
        entry = next((c for c in cities if c["city"] == city), {"city": city, "zip": [100000, 199999]})
    lo, hi = entry["zip"]
    text = f"{int(rng.integers(lo, hi + 1))}, г. {entry['city']}, {_pick(rng, data['streets'])}, д. {int(rng.integers(1, 160))}"
    if rng.random() < 0.4:
        text += f", стр. {int(rng.integers(1, 9))}"
    if rng.random() < 0.55:
        text += f", офис {int(rng.integers(1, 950))}"
    return Address(text, text)


def cis_address(rng: np.random.Generator, country: str) -> Address:
    data = yaml_data("names_ru.yaml")
    city = _pick(rng, data["foreign_cities"][country])
    street = _pick(rng, data["streets"])
    text = f"{int(rng.integers(1000, 999999)):06d}, г. {city}, {street}, д. {int(rng.integers(1, 200))}"
    return Address(text, text)


def foreign_address(rng: np.random.Generator, country: str) -> Address:
    world = yaml_data("names_world.yaml")
    n, m = int(rng.integers(1, 300)), int(rng.integers(1, 30))
    if country == "CN":
        cn = world["cn"]
        place = cn["places"][int(rng.integers(len(cn["places"])))][1]
        text = (
            f"No. {n} {_pick(rng, cn['street_words'])} Road, {_pick(rng, cn['districts'])} District, "
            f"{place}, China"
        )
    elif country == "TW":
        tw = world["tw"]
        place = tw["places"][int(rng.integers(len(tw["places"])))][1]
        text = f"No. {n}, {_pick(rng, tw['street_words'])} Rd., {place} City, Taiwan"
    elif country == "TR":
        tr = world["tr"]
        text = f"{_pick(rng, tr['street_words'])} Cad. No: {n}, {_pick(rng, tr['cities'])}, Turkey"
    else:
        cfg = world["latin"]["countries"].get(country)
        if cfg is None:
            text = f"{n} Industrial Road, {country}"
        else:
            text = cfg["address"].format(
                n=n,
                m=m,
                street=_pick(rng, cfg["streets"]),
                city=_pick(rng, cfg["cities"]),
                zip=f"{int(rng.integers(10000, 99999))}",
            )
    return Address(text, fold_cp1251(text, german=True))


def address(rng: np.random.Generator, country: str) -> Address:
    if country == "RU":
        return ru_address(rng)
    if country in ("KZ", "BY", "AM", "KG", "UZ"):
        return cis_address(rng, country)
    return foreign_address(rng, country)


@cache
def _leads(country: str) -> tuple[str, ...]:
    """Leading two local digits that give valid numbers in the country (probed once)."""
    prefix, digits = _PHONE.get(country, ("+1 202", 7))
    rest = "3" * (digits - 2)
    ok = tuple(f"{d:02d}" for d in range(20, 100) if registry.phone.clean(f"{prefix}{d:02d}{rest}"))
    return ok or ("55",)


def phone(rng: np.random.Generator, country: str) -> str | None:
    """A phone number that phone-number libraries accept as valid (None if none found)."""
    prefix, digits = _PHONE.get(country, ("+1 202", 7))
    leads = _leads(country)
    for _ in range(30):
        lead = leads[int(rng.integers(len(leads)))]
        local = lead + f"{int(rng.integers(0, 10 ** (digits - 2))):0{digits - 2}d}"
        if digits == 8:
            number = f"{prefix} {local[:4]} {local[4:]}"
        else:
            number = f"{prefix} {local[:-4]}-{local[-4:-2]}-{local[-2:]}"
        if registry.phone.clean(number):
            return number
    return None


def web(brand_or_core: str, country: str, suffix: str = "") -> tuple[str, str]:
    """A (website, e-mail) pair derived from a firm's Latin core name (and a suffix)."""
    slug = ("".join(ch for ch in ru_latin(brand_or_core).lower() if ch.isalnum())[:18] or "firm") + suffix
    domain = f"{slug}.{_TLD.get(country, 'com')}"
    return f"www.{domain}", f"info@{domain}"
