"""Shared machinery for planted schemes and decoys: firms, products, lines, payments, truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradetrace.simulate import addresses, ids
from tradetrace.simulate.addresses import Address
from tradetrace.simulate.names import NameBook, fixed_name
from tradetrace.simulate.registry import Firm, Person, Product, Registry
from tradetrace.simulate.rows import PlantedLine
from tradetrace.simulate.schemes.sdn import SdnEntry
from tradetrace.simulate.timeline import from_day, fx_rate, iso
from tradetrace.simulate.translit import ru_latin
from tradetrace.simulate.vocab import goods_by_hs6

Json = dict[str, Any]


@dataclass
class Payment:
    tag: str
    day: int
    payer: int  # firm index
    payee: int
    usd_c: int
    currency: str = "RUB"
    purpose: str = ""
    payer_name: str | None = None  # as written in the record, when not the payer's own name
    rid: str = ""

    @property
    def amount_c(self) -> int:
        return round(self.usd_c * fx_rate(self.currency, self.day))


@dataclass
class Planted:
    """One planted scheme or decoy; truth() is called after record ids are assigned."""

    scheme_id: str
    kind: str  # "scheme" or "decoy"
    truth: Callable[[], Json]


@dataclass
class Plant:
    """Collects planted firms, lines and payments in the shared registry."""

    reg: Registry
    book: NameBook
    rng: np.random.Generator
    sdn: dict[int, SdnEntry]
    lines: list[PlantedLine] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    # parties -------------------------------------------------------------------------------
    def firm(
        self,
        country: str,
        name: str,
        *,
        variants: list[str] | None = None,
        aliases: list[str] | None = None,
        address: str | None = None,
        incorporated: str | None = None,
        role: str = "planted",
        industry: str = "trading",
        tax_id: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        website: str | None = None,
        brand: str = "",
        key: str | None = None,
        random_incorporation: bool = True,
    ) -> Firm:
        fname = fixed_name(name, variants, aliases)
        fname.brand = brand
        self.book.claim(country + name)
        addr = addresses.address(self.rng, country) if address is None else _addr(address)
        if incorporated is None and random_incorporation:
            incorporated = f"{int(self.rng.integers(1996, 2017))}-{int(self.rng.integers(1, 13)):02d}-{int(self.rng.integers(1, 29)):02d}"
        return self.reg.add_firm(
            country,
            fname,
            addr,
            key=key,
            role=role,
            industry=industry,
            incorporated=incorporated,
            tax_id=tax_id or ids.tax_id(self.rng, country),
            registration_no=ids.ogrn(self.rng, int(incorporated[:4]))
            if country == "RU" and incorporated
            else None,
            phone=phone or addresses.phone(self.rng, country),
            email=email,
            website=website,
        )

    def ru_firm(self, name: str, latin: str, city: str | None = None, **kw: Any) -> Firm:
        """A Russian firm: Cyrillic name with its Latin spellings, INN and an address."""
        core = name.split("«", 1)[-1].rstrip("»")
        short = name.split(" ", 1)[0]
        variants = [f'{short} "{core}"', latin, f"{short} {core.upper()}", f"{core} {short}"]
        address = kw.pop("address", None) or addresses.ru_address(self.rng, city).text
        return self.firm("RU", name, variants=variants, aliases=[latin], address=address, **kw)

    def listed(self, ent_num: int, cyrillic: str) -> Firm:
        """A party from the bundled SDN extract, under its real name and tax id."""
        e = self.sdn[ent_num]
        address = e.addresses[0] if e.addresses else "Russia"
        firm = self.firm(
            "RU",
            cyrillic,
            aliases=[e.name, *e.aliases],
            address=address,
            role="listed",
            tax_id=e.tax_id,
            key=f"ofac-sdn:{ent_num}",
            incorporated=e.established,
            random_incorporation=False,
        )
        firm.registration_no = e.registration_no
        return firm

    def person(self, name: str, country: str, aliases: list[str] | None = None) -> Person:
        tax = ids.inn_person(self.rng) if country == "RU" else None
        return self.reg.add_person(name, country, aliases or [], tax)

    def product(self, maker: Firm, brand: str, model: str, hs10: str, price_factor: float = 1.0) -> Product:
        return self.reg.add_product(
            maker.idx, brand, model, hs10, goods_by_hs6()[hs10[:6]], maker.country, price_factor
        )

    # records -------------------------------------------------------------------------------
    def ship(
        self, tag: str, day: int, imp: Firm, exp: Firm, prod: Product, usd_c: int, qty: float, **kw: Any
    ) -> PlantedLine:
        """One planted declaration line; route defaults to the exporter's country."""
        g = prod.goods
        net = kw.pop("net_kg", None)
        if net is None:
            net = qty if g.unit == "kg" else qty * g.kg_per_unit * float(self.rng.lognormal(0, 0.12))
        line = PlantedLine(
            tag=tag,
            day=day,
            imp=imp.idx,
            exp=exp.idx,
            prod=prod.idx,
            origin=kw.pop("origin", prod.origin),
            dispatch=kw.pop("dispatch", exp.country),
            trading=kw.pop("trading", exp.country),
            qty=qty,
            net_kg=round(max(net, 0.001), 3),
            usd_c=usd_c,
            mfr=kw.pop("mfr", prod.maker),
            **kw,
        )
        self.lines.append(line)
        return line

    def normal_value(self, prod: Product, qty: float, factor: float = 1.0) -> int:
        """USD cents at a normal unit price for the product."""
        g = prod.goods
        unit = g.price_usd * prod.price_factor * factor * float(self.rng.lognormal(0, g.price_sigma * 0.3))
        return max(round(unit * qty * 100), 100)

    def normal_qty(self, prod: Product) -> float:
        g = prod.goods
        q = float(np.exp(self.rng.normal(np.log(g.qty), g.qty_sigma * 0.7)))
        return float(max(round(q), 1)) if g.unit != "kg" else max(round(q, 2), 1.0)

    def pay(
        self, tag: str, day: int, payer: Firm, payee: Firm, usd_c: int, purpose: str, **kw: Any
    ) -> Payment:
        p = Payment(tag, day, payer.idx, payee.idx, usd_c, purpose=purpose, **kw)
        self.payments.append(p)
        return p

    def days(self, start: str, end: str, n: int, last: str | None = None) -> list[int]:
        """n sorted working days in [start, end]; the last one fixed when given."""
        lo, hi = iso(start), iso(end)
        pool = [d for d in range(lo, hi + 1) if from_day(d).weekday() < 5]
        k = n - (1 if last else 0)
        picks = sorted(int(x) for x in self.rng.choice(pool, size=k, replace=len(pool) < k))
        return picks + ([iso(last)] if last else [])

    # truth helpers -------------------------------------------------------------------------
    def entity(self, who: Firm | Person, role: str, **extra: Any) -> Json:
        if isinstance(who, Firm):
            out: Json = {
                "entity_id": who.entity_id,
                "name": who.name.primary,
                "role": role,
                "country": who.country,
                "tax_id": who.tax_id,
            }
        else:
            out = {
                "entity_id": who.entity_id,
                "name": who.name,
                "role": role,
                "country": who.country,
                "tax_id": who.tax_id,
            }
        out.update(extra)
        return out

    def rids(self, tag: str) -> list[str]:
        return [ln.rid for ln in sorted(self.tagged(tag), key=lambda x: (x.day, x.rid))]

    def tagged(self, prefix: str) -> list[PlantedLine]:
        return [ln for ln in self.lines if ln.tag == prefix or ln.tag.startswith(prefix + ":")]

    def payment_rids(self, tag: str) -> list[str]:
        return [p.rid for p in sorted(self.payments, key=lambda x: (x.day, x.rid)) if p.tag == tag]


def _addr(text: str) -> Address:
    from tradetrace.simulate.translit import fold_cp1251

    return Address(text, fold_cp1251(text, german=True))


def split_total(rng: np.random.Generator, total_c: int, n: int, lo_c: int, hi_c: int) -> list[int]:
    """n integer amounts within [lo_c, hi_c] that add up to total_c exactly."""
    if not n * lo_c <= total_c <= n * hi_c:
        raise ValueError("bounds cannot reach the total")
    excess = rng.gamma(4.0, size=n)
    x = lo_c + excess / excess.sum() * (total_c - n * lo_c)
    for _ in range(100):
        over = x > hi_c
        if not over.any():
            break
        spill = float((x[over] - hi_c).sum())
        x[over] = hi_c
        room = np.where(over, 0.0, hi_c - x)
        x += room / room.sum() * spill
    out = [int(v) for v in np.floor(x)]
    rest = total_c - sum(out)
    i = 0
    while rest != 0:
        step = 1 if rest > 0 else -1
        if lo_c <= out[i % n] + step <= hi_c:
            out[i % n] += step
            rest -= step
        i += 1
    return out


def latin_person(name: str) -> str:
    """Given-name-first Latin form of a Russian 'Surname Given Patronymic'."""
    parts = name.split()
    return f"{ru_latin(parts[1])} {ru_latin(parts[0])}" if len(parts) >= 2 else ru_latin(name)


def date(day: int) -> str:
    return from_day(day).isoformat()


def weekday_after(d: str, days: int) -> str:
    x = dt.date.fromisoformat(d) + dt.timedelta(days=days)
    while x.weekday() >= 5:
        x += dt.timedelta(days=1)
    return x.isoformat()
