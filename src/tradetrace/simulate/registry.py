"""Parties, relations and products of one simulation, and the lookup pools rows draw from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from tradetrace.simulate.addresses import Address
from tradetrace.simulate.ids import stable_id
from tradetrace.simulate.names import FirmName
from tradetrace.simulate.translit import fold_cp1251, latin1_view
from tradetrace.simulate.vocab import UNITS_RU, Goods, country_index


@dataclass
class Firm:
    idx: int
    entity_id: str
    country: str
    name: FirmName
    address: Address
    tax_id: str | None = None
    registration_no: str | None = None
    incorporated: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    industry: str = "trading"
    role: str = "background"


@dataclass
class Person:
    entity_id: str
    name: str
    country: str
    aliases: list[str] = field(default_factory=list)
    tax_id: str | None = None


@dataclass
class Relation:
    source_id: str
    target_id: str
    relation: str  # owner, director, officer, employee, associate, ...
    role: str = ""
    share_pct: float | None = None
    start_date: str | None = None
    end_date: str | None = None
    source: str = "simulated register"


@dataclass
class Product:
    idx: int
    maker: int  # firm index of the manufacturer
    brand: str
    model: str
    hs10: str
    goods: Goods
    origin: str
    desc_en: str
    desc_ru: str
    price_factor: float = 1.0


class Registry:
    """All parties and products; firm and product indices are positions in these lists."""

    def __init__(self) -> None:
        self.firms: list[Firm] = []
        self.persons: list[Person] = []
        self.relations: list[Relation] = []
        self.products: list[Product] = []
        self._ids: set[str] = set()
        self.websites: set[str] = set()  # domains of background firms, unique per firm

    def add_firm(
        self,
        country: str,
        name: FirmName,
        address: Address,
        *,
        key: str | None = None,
        tax_id: str | None = None,
        registration_no: str | None = None,
        incorporated: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        website: str | None = None,
        industry: str = "trading",
        role: str = "background",
    ) -> Firm:
        entity_id = stable_id("firm", key or f"{country}:{name.primary}")
        if entity_id in self._ids:
            raise ValueError(f"duplicate firm {key or name.primary}")
        self._ids.add(entity_id)
        firm = Firm(
            len(self.firms),
            entity_id,
            country,
            name,
            address,
            tax_id,
            registration_no,
            incorporated,
            phone,
            email,
            website,
            industry,
            role,
        )
        self.firms.append(firm)
        return firm

    def taken(self, country: str, name: FirmName, key: str | None = None) -> bool:
        """Whether a firm of this country, name (or key) is already registered."""
        return stable_id("firm", key or f"{country}:{name.primary}") in self._ids

    def add_person(self, name: str, country: str, aliases: list[str], tax_id: str | None = None) -> Person:
        entity_id = stable_id("person", country, name, tax_id or "")
        person = Person(entity_id, name, country, aliases, tax_id)
        self.persons.append(person)
        return person

    def relate(
        self,
        source_id: str,
        target_id: str,
        relation: str,
        *,
        role: str = "",
        share_pct: float | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
    ) -> None:
        self.relations.append(Relation(source_id, target_id, relation, role, share_pct, start_date, end_date))

    def add_product(
        self,
        maker: int,
        brand: str,
        model: str,
        hs10: str,
        goods: Goods,
        origin: str,
        price_factor: float = 1.0,
    ) -> Product:
        desc_en = f"{goods.desc_en}, model {model}" if model else goods.desc_en
        desc_ru = f"{goods.desc_ru}, МОДЕЛЬ {model}" if model else goods.desc_ru
        p = Product(
            len(self.products), maker, brand, model, hs10, goods, origin, desc_en, desc_ru, price_factor
        )
        self.products.append(p)
        return p


def _arr(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.string())


@dataclass
class Pools:
    """Column-wise views of the registry for vectorised rendering (dictionary values)."""

    firm_country: NDArray[np.int16]
    name_off: NDArray[np.int64]
    name_cnt: NDArray[np.int64]
    names: pa.Array
    names_cp: pa.Array
    tax: pa.Array
    has_tax: NDArray[np.bool_]
    addr: pa.Array
    addr_cp: pa.Array
    brand: pa.Array
    brand_cp: pa.Array
    has_brand: NDArray[np.bool_]
    model: pa.Array
    has_model: NDArray[np.bool_]
    hs10: list[str]
    desc: pa.Array  # English descriptions, then Russian ones
    desc_ru_cp: pa.Array
    unit: pa.Array
    unit_cp: pa.Array


def build_pools(reg: Registry) -> Pools:
    cidx = country_index()
    counts = np.array([len(f.name.variants) for f in reg.firms], dtype=np.int64)
    offsets = np.zeros(len(counts), dtype=np.int64)
    offsets[1:] = np.cumsum(counts)[:-1]
    names: list[str] = []
    names_cp: list[str] = []
    for f in reg.firms:
        names.extend(f.name.variants)
        names_cp.extend(latin1_view(v) for v in f.name.variants_cp)
    prods = reg.products
    return Pools(
        firm_country=np.array([cidx[f.country] for f in reg.firms], dtype=np.int16),
        name_off=offsets,
        name_cnt=counts,
        names=_arr(names),
        names_cp=_arr(names_cp),
        tax=_arr([f.tax_id or "" for f in reg.firms]),
        has_tax=np.array([bool(f.tax_id) for f in reg.firms], dtype=np.bool_),
        addr=_arr([f.address.text for f in reg.firms]),
        addr_cp=_arr([latin1_view(f.address.text_cp) for f in reg.firms]),
        brand=_arr([p.brand for p in prods]),
        brand_cp=_arr([latin1_view(fold_cp1251(p.brand, german=True)) for p in prods]),
        has_brand=np.array([bool(p.brand) for p in prods], dtype=np.bool_),
        model=_arr([p.model for p in prods]),
        has_model=np.array([bool(p.model) for p in prods], dtype=np.bool_),
        hs10=[p.hs10 for p in prods],
        desc=_arr([p.desc_en for p in prods] + [p.desc_ru for p in prods]),
        desc_ru_cp=_arr([latin1_view(p.desc_ru) for p in prods]),
        unit=_arr([p.goods.unit for p in prods]),
        unit_cp=_arr([latin1_view(UNITS_RU[p.goods.unit]) for p in prods]),
    )
