"""The background world: innocent importers, exporters, makers, customers and who trades with whom."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.firms import add_people, make_firm, weighted
from tradetrace.simulate.goods import add_catalogue
from tradetrace.simulate.links import EU, MIX_KEYS, Build, Links, PayPlan, draw_links
from tradetrace.simulate.names import NameBook
from tradetrace.simulate.phenomena import parties, trade
from tradetrace.simulate.phenomena.labels import Labels
from tradetrace.simulate.registry import Firm, Product, Registry
from tradetrace.simulate.vocab import CURRENCIES, yaml_data

__all__ = ["World", "build_world", "sizes"]


@dataclass
class World:
    importers: list[int]
    exporters: list[int]
    customers: list[int]
    links: Links
    currency_cdf: NDArray[np.float64]  # (len(MIX_KEYS), 2 periods, len(CURRENCIES)) cumulative
    civilian: list[int]  # civilian plants and airlines among the customers
    pay_plan: list[PayPlan]  # payments the phenomena ask for


def sizes(rows: int) -> tuple[int, int, int]:
    """Numbers of background importers, exporters and customers for a row count."""
    return (
        _clamp(rows // 220, 250, 40_000),
        _clamp(rows // 300, 220, 30_000),
        _clamp(rows // 600, 150, 15_000),
    )


def _clamp(x: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, x))


def _exporters(
    reg: Registry, book: NameBook, rng: np.random.Generator, n: int, labels: Labels
) -> dict[int, list[Product]]:
    cfg = yaml_data("world.yaml")
    mix = cfg["exporters"]
    w = np.array([m[1] for m in mix], dtype=float)
    draws = [mix[int(i)] for i in rng.choice(len(mix), size=n, p=w / w.sum())]
    catalog: dict[int, list[Product]] = {}
    makers: list[Firm] = []
    for country, _, kind in draws:
        if kind == "maker":
            industry = weighted(rng, cfg["maker_industries"][country])
            firm = make_firm(reg, book, rng, country, industry, "maker", (1985, 2016))
            catalog[firm.idx] = add_catalogue(reg, rng, firm, int(rng.integers(2, 7)))
            makers.append(firm)
    pools = {
        "EU": [m for m in makers if m.country in EU],
        "TR": [m for m in makers if m.country in ("TR", "CN")],
        "CN": [m for m in makers if m.country == "CN"],
    }
    stock = parties.StockNames(book, rng, labels)
    for country, _, kind in draws:
        if kind == "maker":
            continue
        name = stock.name(country, "trading")
        firm = make_firm(reg, book, rng, country, "trading", kind, (1995, 2018), name=name)
        if name is not None:
            stock.label(firm)
        pool = pools["EU" if kind == "distributor" else ("TR" if country == "TR" else "CN")]
        picks = rng.permutation(len(pool))[: int(rng.integers(3, 9))]
        products = [p for i in picks for p in catalog[pool[int(i)].idx]]
        if kind == "trader":
            products = [p for p in products if not p.goods.controlled]
        catalog[firm.idx] = products
    return {k: v for k, v in catalog.items() if v}


def build_world(reg: Registry, book: NameBook, rng: np.random.Generator, rows: int, labels: Labels) -> World:
    cfg = yaml_data("world.yaml")
    n_imp, n_exp, n_cust = sizes(rows)
    catalog = _exporters(reg, book, rng, n_exp, labels)
    exporters = sorted(catalog)
    # exporters by industry, with cumulative size weights for fast drawing
    by_ind: dict[str, tuple[list[int], NDArray[np.float64]]] = {}
    size = {e: float(rng.lognormal(0, 1.0)) for e in exporters}
    lists: dict[str, list[int]] = {}
    for e in exporters:
        for ind in sorted({p.goods.industry for p in catalog[e]}):
            lists.setdefault(ind, []).append(e)
    for ind, lst in lists.items():
        by_ind[ind] = (lst, np.cumsum([size[e] for e in lst]))

    importers: list[int] = []
    for _ in range(n_imp):
        country = weighted(rng, cfg["importers"])
        inds = [weighted(rng, cfg["importer_industries"]) for _ in range(1 + int(rng.random() < 0.4))]
        firm = make_firm(reg, book, rng, country, inds[0], "importer")
        firm.role = "importer:" + ",".join(dict.fromkeys(inds))
        importers.append(firm.idx)
        if country == "RU" and rng.random() < 0.4:
            add_people(reg, rng, firm)
    customers = []
    for _ in range(n_cust):
        firm = make_firm(reg, book, rng, "RU", weighted(rng, cfg["importer_industries"]), "customer")
        customers.append(firm.idx)
        if rng.random() < 0.3:
            add_people(reg, rng, firm)
    b = Build(reg, book, rng, labels, importers, exporters, customers, catalog, by_ind)
    draw_links(b, list(importers))
    parties.namesakes(b)
    parties.civilian_plants(b)
    trade.new_firms(b)
    trade.long_standing_hub_suppliers(b)
    trade.lawful_restricted_trade(b)
    parties.mass_registration(b)
    cdf = np.zeros((len(MIX_KEYS), 2, len(CURRENCIES)))
    for k, key in enumerate(MIX_KEYS):
        for period, weights in enumerate(cfg["currency_mix"][key]):
            w = np.array(weights, dtype=float)
            cdf[k, period] = np.cumsum(w / w.sum())
    links = b.links.finish(reg)
    return World(b.importers, b.exporters, b.customers, links, cdf, b.civilian, b.pay_plan)
