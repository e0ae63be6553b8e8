"""Making fictional background firms: name, address, identifiers, contacts and people."""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate import addresses, ids
from tradetrace.simulate.addresses import Address
from tradetrace.simulate.names import FirmName, NameBook, firm_name, ru_person
from tradetrace.simulate.registry import Firm, Registry
from tradetrace.simulate.timeline import from_day, iso


def make_firm(
    reg: Registry,
    book: NameBook,
    rng: np.random.Generator,
    country: str,
    industry: str,
    role: str,
    founded: tuple[int, int] = (1994, 2019),
    *,
    name: FirmName | None = None,
    key: str | None = None,
    incorporated: str | None = None,
    address: Address | None = None,
) -> Firm:
    """A new fictional firm with name, address, identifiers and contact details."""
    if name is None:
        name = firm_name(rng, country, industry, book)
        for _ in range(100):  # a generated name can still meet a given one (planted, stock words)
            if not reg.taken(country, name, key):
                break
            name = firm_name(rng, country, industry, book)
    addr = address or addresses.address(rng, country)
    year = int(rng.integers(founded[0], founded[1] + 1))
    inc = incorporated or f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
    site, mail = addresses.web(name.brand or name.primary, country)
    n = 1
    while site in reg.websites:  # unrelated firms with one brand word own different domains
        n += 1
        site, mail = addresses.web(name.brand or name.primary, country, f"-{country.lower()}{n}")
    reg.websites.add(site)
    has_web = rng.random() < 0.6
    return reg.add_firm(
        country,
        name,
        addr,
        key=key,
        tax_id=ids.tax_id(rng, country),
        registration_no=ids.ogrn(rng, int(inc[:4])) if country == "RU" else None,
        incorporated=inc,
        phone=addresses.phone(rng, country),
        email=mail if has_web else None,
        website=site if has_web else None,
        industry=industry,
        role=role,
    )


def date_between(rng: np.random.Generator, start: str, end: str) -> str:
    """A random ISO date in [start, end]."""
    return from_day(int(rng.integers(iso(start), iso(end) + 1))).isoformat()


def add_people(reg: Registry, rng: np.random.Generator, firm: Firm) -> None:
    """Directors and owners of a Russian firm, some of them replaced over time."""
    first = firm.incorporated or "2010-01-01"
    cyr, lat = ru_person(rng)
    boss = reg.add_person(cyr, "RU", [lat], ids.inn_person(rng))
    if rng.random() < 0.2 and first < "2021-01-01":
        change = f"{int(rng.integers(max(int(first[:4]) + 1, 2015), 2022))}-{int(rng.integers(1, 13)):02d}-15"
        reg.relate(
            boss.entity_id,
            firm.entity_id,
            "director",
            role="General Director",
            start_date=first,
            end_date=change,
        )
        cyr2, lat2 = ru_person(rng)
        boss = reg.add_person(cyr2, "RU", [lat2], ids.inn_person(rng))
        reg.relate(boss.entity_id, firm.entity_id, "director", role="General Director", start_date=change)
    else:
        reg.relate(boss.entity_id, firm.entity_id, "director", role="General Director", start_date=first)
    if rng.random() < 0.6:
        reg.relate(boss.entity_id, firm.entity_id, "owner", share_pct=100.0, start_date=first)
    else:
        cyr3, lat3 = ru_person(rng)
        partner = reg.add_person(cyr3, "RU", [lat3], ids.inn_person(rng))
        share = float(rng.choice([50.0, 51.0, 60.0, 75.0]))
        reg.relate(boss.entity_id, firm.entity_id, "owner", share_pct=share, start_date=first)
        reg.relate(partner.entity_id, firm.entity_id, "owner", share_pct=100.0 - share, start_date=first)


def weighted(rng: np.random.Generator, table: dict[str, float]) -> str:
    """A key of table drawn with probability proportional to its value."""
    keys, cum = _cumulative(tuple(table.items()))
    return keys[min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(keys) - 1)]


@cache
def _cumulative(items: tuple[tuple[str, float], ...]) -> tuple[list[str], NDArray[np.float64]]:
    return [k for k, _ in items], np.cumsum([float(w) for _, w in items])
