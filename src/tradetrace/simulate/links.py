"""Supply links (importer, exporter, window, products) and how background rows are shared among them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.firms import weighted
from tradetrace.simulate.goods import exits_market, restriction_day
from tradetrace.simulate.names import NameBook
from tradetrace.simulate.phenomena import BIT, value
from tradetrace.simulate.phenomena.labels import Labels
from tradetrace.simulate.registry import Product, Registry
from tradetrace.simulate.timeline import END, START, iso, month_of, profile_of, to_day, volume_weights
from tradetrace.simulate.vocab import country_index

EU = frozenset({"DE", "IT", "FR", "PL", "NL", "CZ", "ES", "AT", "FI"})
CIS = frozenset({"KZ", "BY", "AM", "KG", "UZ"})
MIX_KEYS = ("CN", "HK", "AE", "TR", "JP", "EU", "CIS", "OTHER")


def mix_key(country: str) -> int:
    if country in EU:
        return MIX_KEYS.index("EU")
    if country in CIS:
        return MIX_KEYS.index("CIS")
    return MIX_KEYS.index(country) if country in MIX_KEYS else MIX_KEYS.index("OTHER")


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
    trading: NDArray[np.int16]  # country of the seller (box G11)
    price: NDArray[np.float64]  # link-level price factor
    mix: NDArray[np.int8]  # currency mix row
    profile: NDArray[np.int8]  # volume profile of the importer's country
    bits: NDArray[np.uint16]  # background phenomena the link belongs to


@dataclass
class LinkSet:
    """Links as they are drawn; each group of links gets a fixed share of the background rows.

    Group 0 is ordinary trade and takes whatever share the other groups leave.
    """

    shares: dict[int, float] = field(default_factory=dict)
    cols: dict[str, list[float]] = field(default_factory=dict)
    flat: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def add(
        self,
        reg: Registry,
        imp: int,
        exp: int,
        start: int,
        end: int,
        prods: list[Product],
        *,
        weight: float,
        price: float,
        dispatch: str | None = None,
        trading: str | None = None,
        bits: int = 0,
        group: int = 0,
    ) -> None:
        cidx = country_index()
        ex = reg.firms[exp].country
        row = {
            "imp": imp,
            "exp": exp,
            "start": start,
            "end": end,
            "w": weight,
            "disp": cidx[dispatch or ex],
            "trading": cidx[trading or ex],
            "price": price,
            "mix": mix_key(ex),
            "bits": bits,
            "group": group,
        }
        for k, v in row.items():
            self.cols.setdefault(k, []).append(v)
        self.flat.extend(p.idx for p in prods)
        self.counts.append(len(prods))

    def __len__(self) -> int:
        return len(self.counts)

    def finish(self, reg: Registry) -> Links:
        c = {k: np.array(v) for k, v in self.cols.items()}
        start = c["start"].astype(np.int32)
        end = c["end"].astype(np.int32)
        imp = c["imp"].astype(np.int32)
        profile = np.array([profile_of(reg.firms[int(i)].country) for i in imp], dtype=np.int8)
        vol = volume_weights()
        cum = np.zeros((3, vol.shape[1] + 1))
        cum[:, 1:] = np.cumsum(vol, axis=1)
        mass = c["w"] * (cum[profile, month_of(end) + 1] - cum[profile, month_of(start)])
        group = c["group"].astype(np.int64)
        prob = np.zeros(len(mass))
        taken = 0.0
        for g, share in sorted(self.shares.items()):
            mask = group == g
            if g != 0 and mask.any() and mass[mask].sum() > 0:
                prob[mask] = mass[mask] / mass[mask].sum() * share
                taken += share
        rest = group == 0
        prob[rest] = mass[rest] / mass[rest].sum() * (1.0 - taken)
        cnt = np.array(self.counts, dtype=np.int64)
        off = np.zeros(len(cnt), dtype=np.int64)
        off[1:] = np.cumsum(cnt)[:-1]
        return Links(
            imp=imp,
            exp=c["exp"].astype(np.int32),
            start=start,
            end=end,
            prob=prob / prob.sum(),
            prod_off=off,
            prod_cnt=cnt,
            prod_flat=np.array(self.flat, dtype=np.int32),
            dispatch=c["disp"].astype(np.int16),
            trading=c["trading"].astype(np.int16),
            price=c["price"].astype(np.float64),
            mix=c["mix"].astype(np.int8),
            profile=profile,
            bits=c["bits"].astype(np.uint16),
        )


@dataclass
class PayPlan:
    """Background payments a phenomenon asks for: n payments from payer to payee."""

    payer: int
    payee: int
    n: int
    phenomenon: str


@dataclass
class Build:
    """The world while it is built: parties, catalogues, links and the labels of phenomena."""

    reg: Registry
    book: NameBook
    rng: np.random.Generator
    labels: Labels
    importers: list[int]
    exporters: list[int]
    customers: list[int]
    catalog: dict[int, list[Product]]
    by_ind: dict[str, tuple[list[int], NDArray[np.float64]]]
    links: LinkSet = field(default_factory=LinkSet)
    pay_plan: list[PayPlan] = field(default_factory=list)
    civilian: list[int] = field(default_factory=list)

    def offers(self, exp: int, industry: str) -> list[Product]:
        return [p for p in self.catalog.get(exp, []) if p.goods.industry == industry]

    def pick_exporter(self, industry: str) -> int | None:
        if industry not in self.by_ind:
            return None
        lst, cum = self.by_ind[industry]
        pos = int(np.searchsorted(cum, self.rng.random() * cum[-1], side="right"))
        return lst[min(pos, len(lst) - 1)]


def draw_links(
    b: Build, importers: list[int], *, group: int = 0, bits: int = 0, not_before: dict[int, int] | None = None
) -> None:
    """Two to seven supply links per importer, to exporters of its lines of business.

    Links into Russia never carry controlled goods of a restricting origin past the
    restriction date (lawful exceptions are the lawful_restricted_trade phenomenon); a share
    of the links of makers and distributors is invoiced by a seller in a third country.
    """
    reg, rng = b.reg, b.rng
    first, last = to_day(START), to_day(END)
    exits, new_hub = iso("2022-03-01"), iso("2022-04-01")
    tc_share = float(value("third_country_invoicing", "link_share"))
    sellers: dict[str, float] = value("third_country_invoicing", "sellers")
    for imp in importers:
        firm = reg.firms[imp]
        inds = firm.role.split(":", 1)[1].split(",")
        for _ in range(min(2 + int(rng.poisson(1.3)), 7)):
            ind = inds[int(rng.integers(len(inds)))]
            exp = b.pick_exporter(ind)
            if exp is None:
                continue
            ex = reg.firms[exp]
            if ex.country == firm.country:
                continue
            cands = b.offers(exp, ind)
            k = min(len(cands), int(rng.integers(1, 5)))
            prods = [cands[int(i)] for i in rng.permutation(len(cands))[:k]]
            start = first if rng.random() < 0.65 else int(rng.integers(first, last - 200))
            end = last if rng.random() < 0.7 else int(rng.integers(start + 180, last + 180))
            end = min(end, last)
            start = max(start, iso(firm.incorporated) if firm.incorporated else first)
            if not_before is not None:
                start = max(start, not_before.get(imp, first))
            if firm.country == "RU":
                if exits_market(ex.country) and rng.random() < 0.45:
                    end = min(end, exits + int(rng.integers(0, 200)))
                if ex.role == "trader" and ex.country in ("AE", "HK", "KZ") and rng.random() < 0.5:
                    start = max(start, new_hub + int(rng.integers(0, 420)))
                prods, end = respect_controls(rng, prods, start, end)
            if not prods or end - start < 60:
                continue
            disp = "CN" if ex.country == "HK" and rng.random() < 0.5 else ex.country
            trading, link_bits = ex.country, bits
            if rng.random() < tc_share and ex.role in ("maker", "distributor") and ex.country not in CIS:
                trading = weighted(rng, {c: w for c, w in sellers.items() if c != ex.country})
                link_bits |= BIT["third_country_invoicing"]
                b.labels.entity("third_country_invoicing", ex, "exporter", trading_country=trading)
            b.links.add(
                reg,
                imp,
                exp,
                start,
                end,
                prods,
                weight=float(rng.lognormal(0, 0.9)),
                price=float(rng.lognormal(0, 0.15)),
                dispatch=disp,
                trading=trading,
                bits=link_bits,
                group=group,
            )


def respect_controls(
    rng: np.random.Generator, prods: list[Product], start: int, end: int
) -> tuple[list[Product], int]:
    """Ordinary Russian links do not carry controlled goods past their restriction date."""
    limits = [restriction_day(p.origin, p.goods) for p in prods]
    if all(x is None for x in limits):
        return prods, end
    free = [p for p, x in zip(prods, limits, strict=True) if x is None]
    first_limit = min(x for x in limits if x is not None)
    if start >= first_limit - 60 or (free and rng.random() < 0.5):
        return free, end
    return prods, min(end, first_limit - 1 - int(rng.integers(0, 25)))
