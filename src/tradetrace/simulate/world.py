"""The background world: innocent importers, exporters, makers, customers and who trades with whom."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate import addresses, ids
from tradetrace.simulate.goods import add_catalogue, exits_market, restriction_day
from tradetrace.simulate.names import NameBook, firm_name, ru_person
from tradetrace.simulate.registry import Firm, Product, Registry
from tradetrace.simulate.timeline import END, START, iso, month_of, profile_of, to_day, volume_weights
from tradetrace.simulate.vocab import CURRENCIES, country_index, yaml_data

EU = frozenset({"DE", "IT", "FR", "PL", "NL", "CZ", "ES", "AT", "FI"})
CIS = frozenset({"KZ", "BY", "AM", "KG", "UZ"})
MIX_KEYS = ("CN", "HK", "AE", "TR", "JP", "EU", "CIS", "OTHER")


@dataclass
class Links:
    """Steady supply relations: importer, exporter, active window and products."""

    imp: NDArray[np.int32]
    exp: NDArray[np.int32]
    start: NDArray[np.int32]
    end: NDArray[np.int32]
    prob: NDArray[np.float64]  # share of background declarations
    prod_off: NDArray[np.int64]
    prod_cnt: NDArray[np.int64]
    prod_flat: NDArray[np.int32]
    dispatch: NDArray[np.int16]
    price: NDArray[np.float64]  # link-level price factor
    mix: NDArray[np.int8]  # currency mix row
    profile: NDArray[np.int8]  # volume profile of the importer's country


@dataclass
class World:
    importers: list[int]
    exporters: list[int]
    customers: list[int]
    links: Links
    currency_cdf: NDArray[np.float64]  # (len(MIX_KEYS), 2 periods, len(CURRENCIES)) cumulative


def sizes(rows: int) -> tuple[int, int, int]:
    """Numbers of background importers, exporters and customers for a row count."""
    return (
        _clamp(rows // 220, 250, 40_000),
        _clamp(rows // 300, 220, 30_000),
        _clamp(rows // 600, 150, 15_000),
    )


def _clamp(x: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, x))


def mix_key(country: str) -> int:
    if country in EU:
        return MIX_KEYS.index("EU")
    if country in CIS:
        return MIX_KEYS.index("CIS")
    return MIX_KEYS.index(country) if country in MIX_KEYS else MIX_KEYS.index("OTHER")


def make_firm(
    reg: Registry,
    book: NameBook,
    rng: np.random.Generator,
    country: str,
    industry: str,
    role: str,
    founded: tuple[int, int] = (1994, 2019),
) -> Firm:
    """A new fictional firm with name, address, identifiers and contact details."""
    name = firm_name(rng, country, industry, book)
    addr = addresses.address(rng, country)
    year = int(rng.integers(founded[0], founded[1] + 1))
    inc = f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
    site, mail = addresses.web(name.brand or name.primary, country)
    has_web = rng.random() < 0.6
    return reg.add_firm(
        country,
        name,
        addr,
        tax_id=ids.tax_id(rng, country),
        registration_no=ids.ogrn(rng, year) if country == "RU" else None,
        incorporated=inc,
        phone=addresses.phone(rng, country),
        email=mail if has_web else None,
        website=site if has_web else None,
        industry=industry,
        role=role,
    )


def add_people(reg: Registry, rng: np.random.Generator, firm: Firm) -> None:
    """Directors and owners of a Russian firm, some of them replaced over time."""
    first = firm.incorporated or "2010-01-01"
    cyr, lat = ru_person(rng)
    boss = reg.add_person(cyr, "RU", [lat], ids.inn_person(rng))
    if rng.random() < 0.2:
        change = f"{int(rng.integers(2015, 2022))}-{int(rng.integers(1, 13)):02d}-15"
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


def _weighted(rng: np.random.Generator, table: dict[str, float]) -> str:
    keys, cum = _cumulative(tuple(table.items()))
    return keys[min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(keys) - 1)]


@cache
def _cumulative(items: tuple[tuple[str, float], ...]) -> tuple[list[str], NDArray[np.float64]]:
    return [k for k, _ in items], np.cumsum([float(w) for _, w in items])


def _exporters(reg: Registry, book: NameBook, rng: np.random.Generator, n: int) -> dict[int, list[Product]]:
    cfg = yaml_data("world.yaml")
    mix = cfg["exporters"]
    w = np.array([m[1] for m in mix], dtype=float)
    draws = [mix[int(i)] for i in rng.choice(len(mix), size=n, p=w / w.sum())]
    catalog: dict[int, list[Product]] = {}
    makers: list[Firm] = []
    for country, _, kind in draws:
        if kind == "maker":
            industry = _weighted(rng, cfg["maker_industries"][country])
            firm = make_firm(reg, book, rng, country, industry, "maker", (1985, 2016))
            catalog[firm.idx] = add_catalogue(reg, rng, firm, int(rng.integers(2, 7)))
            makers.append(firm)
    pools = {
        "EU": [m for m in makers if m.country in EU],
        "TR": [m for m in makers if m.country in ("TR", "CN")],
        "CN": [m for m in makers if m.country == "CN"],
    }
    for country, _, kind in draws:
        if kind == "maker":
            continue
        firm = make_firm(reg, book, rng, country, "trading", kind, (1995, 2018))
        pool = pools["EU" if kind == "distributor" else ("TR" if country == "TR" else "CN")]
        picks = rng.permutation(len(pool))[: int(rng.integers(3, 9))]
        products = [p for i in picks for p in catalog[pool[int(i)].idx]]
        if kind == "trader":
            products = [p for p in products if not p.goods.controlled]
        catalog[firm.idx] = products
    return {k: v for k, v in catalog.items() if v}


def build_world(reg: Registry, book: NameBook, rng: np.random.Generator, rows: int) -> World:
    cfg = yaml_data("world.yaml")
    n_imp, n_exp, n_cust = sizes(rows)
    catalog = _exporters(reg, book, rng, n_exp)
    exporters = sorted(catalog)
    # exporters by industry, with cumulative size weights for fast drawing
    by_ind: dict[str, tuple[list[int], NDArray[np.float64]]] = {}
    size = {e: float(rng.lognormal(0, 1.0)) for e in exporters}
    for e in exporters:
        for ind in sorted({p.goods.industry for p in catalog[e]}):
            by_ind.setdefault(ind, ([], np.zeros(0)))[0].append(e)
    for ind, (lst, _) in list(by_ind.items()):
        by_ind[ind] = (lst, np.cumsum([size[e] for e in lst]))

    importers: list[int] = []
    for _ in range(n_imp):
        country = _weighted(rng, cfg["importers"])
        inds = [_weighted(rng, cfg["importer_industries"]) for _ in range(1 + int(rng.random() < 0.4))]
        firm = make_firm(reg, book, rng, country, inds[0], "importer")
        firm.role = "importer:" + ",".join(dict.fromkeys(inds))
        importers.append(firm.idx)
        if country == "RU" and rng.random() < 0.4:
            add_people(reg, rng, firm)
    customers = []
    for _ in range(n_cust):
        firm = make_firm(reg, book, rng, "RU", _weighted(rng, cfg["importer_industries"]), "customer")
        customers.append(firm.idx)
        if rng.random() < 0.3:
            add_people(reg, rng, firm)
    links = _links(reg, rng, importers, catalog, by_ind)
    cdf = np.zeros((len(MIX_KEYS), 2, len(CURRENCIES)))
    for k, key in enumerate(MIX_KEYS):
        for period, weights in enumerate(cfg["currency_mix"][key]):
            w = np.array(weights, dtype=float)
            cdf[k, period] = np.cumsum(w / w.sum())
    return World(importers, exporters, customers, links, cdf)


def _links(
    reg: Registry,
    rng: np.random.Generator,
    importers: list[int],
    catalog: dict[int, list[Product]],
    by_ind: dict[str, tuple[list[int], NDArray[np.float64]]],
) -> Links:
    first, last = to_day(START), to_day(END)
    cidx = country_index()
    cols: dict[str, list[int | float]] = {
        k: [] for k in ("imp", "exp", "start", "end", "w", "disp", "price", "mix")
    }
    flat: list[int] = []
    counts: list[int] = []
    offers: dict[tuple[int, str], list[Product]] = {}
    for exp, prods_ in catalog.items():
        for p in prods_:
            offers.setdefault((exp, p.goods.industry), []).append(p)
    exits = iso("2022-03-01")
    new_hub = iso("2022-04-01")
    for imp in importers:
        firm = reg.firms[imp]
        inds = firm.role.split(":", 1)[1].split(",")
        for _ in range(min(2 + int(rng.poisson(1.3)), 7)):
            ind = inds[int(rng.integers(len(inds)))]
            if ind not in by_ind:
                continue
            lst, cum = by_ind[ind]
            exp = lst[int(np.searchsorted(cum, rng.random() * cum[-1], side="right").clip(0, len(lst) - 1))]
            ex = reg.firms[exp]
            if ex.country == firm.country:
                continue
            cands = offers[(exp, ind)]
            k = min(len(cands), int(rng.integers(1, 5)))
            prods = [cands[int(i)] for i in rng.permutation(len(cands))[:k]]
            start = first if rng.random() < 0.65 else int(rng.integers(first, last - 200))
            end = last if rng.random() < 0.7 else int(rng.integers(start + 180, last + 180))
            end = min(end, last)
            if firm.country == "RU":
                if exits_market(ex.country) and rng.random() < 0.45:
                    end = min(end, exits + int(rng.integers(0, 200)))
                if ex.role == "trader" and ex.country in ("AE", "HK", "KZ") and rng.random() < 0.5:
                    start = max(start, new_hub + int(rng.integers(0, 420)))
                prods, end = _respect_controls(rng, prods, start, end)
            if not prods or end - start < 60:
                continue
            cols["imp"].append(imp)
            cols["exp"].append(exp)
            cols["start"].append(start)
            cols["end"].append(end)
            cols["w"].append(float(rng.lognormal(0, 0.9)))
            disp = "CN" if ex.country == "HK" and rng.random() < 0.5 else ex.country
            cols["disp"].append(cidx[disp])
            cols["price"].append(float(rng.lognormal(0, 0.15)))
            cols["mix"].append(mix_key(ex.country))
            flat.extend(p.idx for p in prods)
            counts.append(len(prods))
    start_a = np.array(cols["start"], dtype=np.int32)
    end_a = np.array(cols["end"], dtype=np.int32)
    profile = np.array([profile_of(reg.firms[int(i)].country) for i in cols["imp"]], dtype=np.int8)
    vol = volume_weights()
    cum = np.zeros((3, vol.shape[1] + 1))
    cum[:, 1:] = np.cumsum(vol, axis=1)
    mass = cum[profile, month_of(end_a) + 1] - cum[profile, month_of(start_a)]
    w = np.array(cols["w"]) * mass
    cnt = np.array(counts, dtype=np.int64)
    off = np.zeros(len(cnt), dtype=np.int64)
    off[1:] = np.cumsum(cnt)[:-1]
    return Links(
        imp=np.array(cols["imp"], dtype=np.int32),
        exp=np.array(cols["exp"], dtype=np.int32),
        start=start_a,
        end=end_a,
        prob=w / w.sum(),
        prod_off=off,
        prod_cnt=cnt,
        prod_flat=np.array(flat, dtype=np.int32),
        dispatch=np.array(cols["disp"], dtype=np.int16),
        price=np.array(cols["price"], dtype=np.float64),
        mix=np.array(cols["mix"], dtype=np.int8),
        profile=profile,
    )


def _respect_controls(
    rng: np.random.Generator, prods: list[Product], start: int, end: int
) -> tuple[list[Product], int]:
    """Background Russian links never carry controlled goods past their restriction date."""
    limits = [restriction_day(p.origin, p.goods) for p in prods]
    if all(x is None for x in limits):
        return prods, end
    free = [p for p, x in zip(prods, limits, strict=True) if x is None]
    first_limit = min(x for x in limits if x is not None)
    if start >= first_limit - 60 or (free and rng.random() < 0.5):
        return free, end
    return prods, min(end, first_limit - 1 - int(rng.integers(0, 25)))
