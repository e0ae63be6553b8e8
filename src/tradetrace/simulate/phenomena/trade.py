"""Phenomena of trade: lawful restricted trade, long-standing hub suppliers, firms founded after 2022."""

from __future__ import annotations

import dataclasses

import numpy as np

from tradetrace.simulate.firms import add_people, date_between, make_firm, weighted
from tradetrace.simulate.goods import make_model, restriction_day
from tradetrace.simulate.links import Build, draw_links
from tradetrace.simulate.phenomena import BIT, GROUP, config, value
from tradetrace.simulate.registry import Firm, Product
from tradetrace.simulate.timeline import END, START, iso, to_day
from tradetrace.simulate.vocab import goods_by_hs6, yaml_data

HUB_KINDS = ("maker", "trader")


def _ru_importers(b: Build, founded_before: str = "2019-01-01") -> list[int]:
    """Russian background importers incorporated before the given date."""
    firms = b.reg.firms
    return [
        i for i in b.importers if firms[i].country == "RU" and (firms[i].incorporated or "") < founded_before
    ]


def _pick(rng: np.random.Generator, items: list[int]) -> int:
    return items[int(rng.integers(len(items)))]


def _subset(rng: np.random.Generator, prods: list[Product], lo: int, hi: int) -> list[Product]:
    k = min(len(prods), int(rng.integers(lo, hi + 1)))
    return [prods[int(i)] for i in rng.permutation(len(prods))[:k]]


def _cn_products(b: Build, controlled: bool) -> list[Product]:
    """Products of Chinese makers (non-restricting origin), controlled headings or not."""
    return [
        p
        for e in b.exporters
        if b.reg.firms[e].role == "maker" and b.reg.firms[e].country == "CN"
        for p in b.catalog[e]
        if p.goods.controlled == controlled
    ]


def _trader(b: Build, country: str, founded: tuple[int, int], incorporated: str | None = None) -> Firm:
    firm = make_firm(b.reg, b.book, b.rng, country, "trading", "trader", founded, incorporated=incorporated)
    b.catalog[firm.idx] = _subset(b.rng, _cn_products(b, False), 4, 12)
    b.exporters.append(firm.idx)
    return firm


def long_standing_hub_suppliers(b: Build) -> None:
    """Hub-country exporters selling the same goods to the same Russian buyers from 2019 to 2024."""
    reg, rng, name = b.reg, b.rng, "long_standing_hub_suppliers"
    group, bit = GROUP[name], BIT[name]
    ru = _ru_importers(b)
    weights: dict[str, float] = value(name, "countries")
    controlled = _cn_products(b, True)
    share = float(value(name, "controlled_share"))
    first, last = to_day(START), to_day(END)
    by_country: dict[str, list[int]] = {}
    for e in b.exporters:
        f = reg.firms[e]
        if f.country in weights and f.role in HUB_KINDS and (f.incorporated or "") < "2019-01-01":
            by_country.setdefault(f.country, []).append(e)
    for _ in range(max(10, round(len(ru) * float(value(name, "links"))))):
        country = weighted(rng, weights)
        if len(by_country.get(country, [])) < 2:  # AM, KG, UZ: a few traders of their own
            by_country.setdefault(country, []).append(_trader(b, country, (2004, 2016)).idx)
        exp = _pick(rng, by_country[country])
        prods = _subset(rng, [p for p in b.catalog[exp] if restriction_day(p.origin, p.goods) is None], 1, 3)
        if rng.random() < share and controlled:
            own = [
                p for p in b.catalog[exp] if p.goods.controlled and restriction_day(p.origin, p.goods) is None
            ]
            extra = own or controlled
            prods = [*prods, extra[int(rng.integers(len(extra)))]]
        if not prods:
            continue
        imp = _pick(rng, ru)
        start, end = first + int(rng.integers(0, 150)), last - int(rng.integers(0, 60))
        b.links.add(
            reg,
            imp,
            exp,
            start,
            end,
            list({p.idx: p for p in prods}.values()),
            weight=1.0,
            price=1.0,
            bits=bit,
            group=group,
        )
        b.labels.entity(name, reg.firms[exp], "supplier")
        b.labels.entity(name, reg.firms[imp], "importer")
    b.links.shares[group] = float(value(name, "row_share"))


def new_firms(b: Build) -> None:
    """Russian importers and hub exporters incorporated after 24 February 2022, trading normally."""
    reg, rng, name = b.reg, b.rng, "new_firms_after_2022"
    group, bit = GROUP[name], BIT[name]
    ru = _ru_importers(b)
    industries = yaml_data("world.yaml")["importer_industries"]
    not_before: dict[int, int] = {}
    for _ in range(max(3, round(len(ru) * float(value(name, "importer_share"))))):
        industry = weighted(rng, industries)
        inc = date_between(rng, "2022-03-01", "2024-06-30")
        firm = make_firm(reg, b.book, rng, "RU", industry, "importer", incorporated=inc)
        firm.role = f"importer:{industry}"
        if rng.random() < 0.4:
            add_people(reg, rng, firm)
        b.importers.append(firm.idx)
        not_before[firm.idx] = iso(inc) + int(rng.integers(20, 120))
        b.labels.firm(name, firm, "importer", incorporated=inc)
    draw_links(b, list(not_before), group=group, bits=bit, not_before=not_before)
    controlled = _cn_products(b, True)
    share = float(value(name, "controlled_share"))
    last = to_day(END)
    for _ in range(max(3, round(len(b.exporters) * float(value(name, "exporter_share"))))):
        country = weighted(rng, value(name, "exporter_countries"))
        inc = date_between(rng, "2022-03-01", "2024-03-31")
        firm = _trader(b, country, (2022, 2024), incorporated=inc)
        b.labels.firm(name, firm, "exporter", incorporated=inc)
        for _ in range(int(rng.integers(2, 6))):
            prods = _subset(rng, b.catalog[firm.idx], 1, 3)
            if rng.random() < share and controlled:
                prods.append(controlled[int(rng.integers(len(controlled)))])
            start = iso(inc) + int(rng.integers(30, 150))
            if start < last - 60 and prods:
                b.links.add(
                    reg,
                    _pick(rng, ru),
                    firm.idx,
                    start,
                    last,
                    prods,
                    weight=1.0,
                    price=1.0,
                    bits=bit,
                    group=group,
                )
    b.links.shares[group] = float(value(name, "row_share"))


def _variant_product(b: Build, maker: Firm, hs6: str, desc: list[str]) -> Product:
    """A product of the maker under a restricted HS6 heading, with its own description."""
    rng = b.rng
    g = dataclasses.replace(goods_by_hs6()[hs6], desc_en=desc[0], desc_ru=desc[1])
    hs10 = g.tnved[int(rng.integers(len(g.tnved)))]
    model = make_model(rng, g.model_style, maker.name.brand)
    return b.reg.add_product(
        maker.idx, maker.name.brand, model, hs10, g, maker.country, float(rng.lognormal(0, 0.2))
    )


def lawful_restricted_trade(b: Build) -> None:
    """Direct trade in restricted headings after their dates: wind-down, exempt use, uncontrolled
    goods of a controlled heading, and makers of non-restricting countries."""
    reg, rng, name = b.reg, b.rng, "lawful_restricted_trade"
    cfg = config()[name]
    group, bit = GROUP[name], BIT[name]
    ru = _ru_importers(b)
    medical = [i for i in ru if "medical" in reg.firms[i].role] or ru
    kinds = {k: float(v["value"]) for k, v in cfg["kinds"].items()}
    wd_lo, wd_hi = cfg["wind_down_days"]["value"]
    makers = [reg.firms[e] for e in b.exporters if reg.firms[e].role == "maker"]
    restricted = [m for m in makers if any(restriction_day(p.origin, p.goods) for p in b.catalog[m.idx])]
    restricting = [m for m in makers if restriction_day(m.country, goods_by_hs6()["854231"]) is not None]
    free: dict[str, list[Firm]] = {}
    for m in makers:
        if (
            any(p.goods.controlled for p in b.catalog[m.idx])
            and m.country in cfg["non_restricting_makers"]["value"]
        ):
            free.setdefault(m.country, []).append(m)
    first, last = to_day(START), to_day(END)
    for _ in range(max(12, round(len(ru) * float(cfg["links"]["value"])))):
        kind = weighted(rng, kinds)
        imp = _pick(rng, ru)
        start, end = first + int(rng.integers(0, 500)), last
        if kind == "wind_down" and restricted:
            maker = restricted[int(rng.integers(len(restricted)))]
            prods = _subset(
                rng, [p for p in b.catalog[maker.idx] if restriction_day(p.origin, p.goods)], 1, 3
            )
            limit = min(int(restriction_day(p.origin, p.goods) or last) for p in prods)
            start = min(start, limit - 120)
            end = limit + int(rng.integers(wd_lo, wd_hi + 1))
        elif kind in ("exempt_use", "uncontrolled_same_heading") and restricting:
            table = cfg["exempt_use" if kind == "exempt_use" else "same_heading"]
            hs6 = str(list(table)[int(rng.integers(len(table)))])
            industry = goods_by_hs6()[hs6].industry
            fits = [m for m in restricting if m.industry == industry] or restricting
            maker = fits[int(rng.integers(len(fits)))]
            prods = [_variant_product(b, maker, hs6, table[hs6])]
            if kind == "exempt_use":
                imp = _pick(rng, medical)
        elif kind == "non_restricting_maker" and free:
            country = weighted(
                rng, {c: w for c, w in cfg["non_restricting_makers"]["value"].items() if c in free}
            )
            maker = free[country][int(rng.integers(len(free[country])))]
            prods = _subset(rng, [p for p in b.catalog[maker.idx] if p.goods.controlled], 1, 3)
        else:
            continue
        b.links.add(reg, imp, maker.idx, start, end, prods, weight=1.0, price=1.0, bits=bit, group=group)
        b.labels.entity(name, maker, "supplier", kind=kind)
        b.labels.entity(name, reg.firms[imp], "importer", kind=kind)
        b.labels.kind(name, kind)
    b.links.shares[group] = float(value(name, "row_share"))
