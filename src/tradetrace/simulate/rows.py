"""Shipment rows in columnar form (RowBlock), and planted lines that become such rows."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.ids import feistel
from tradetrace.simulate.names import VARIANT_WEIGHTS
from tradetrace.simulate.timeline import from_day, fx_rate
from tradetrace.simulate.vocab import CURRENCIES, country_index, posts

SERIAL_DOMAIN = 10_000_000


@dataclass
class RowBlock:
    """Shipment lines as parallel arrays of indices and integer amounts."""

    decl: NDArray[np.int64]  # global declaration index (before permutation)
    line: NDArray[np.int16]  # line number within the declaration, from 1
    post: NDArray[np.int16]  # customs post index
    day: NDArray[np.int32]  # days since 1970-01-01
    imp: NDArray[np.int32]  # importer firm
    imp_var: NDArray[np.int8]  # name variant position
    imp_tax: NDArray[np.bool_]  # tax id shown
    exp: NDArray[np.int32]
    exp_var: NDArray[np.int8]
    exp_tax: NDArray[np.bool_]
    mfr: NDArray[np.int32]  # manufacturer firm, -1 when not declared
    mfr_var: NDArray[np.int8]
    prod: NDArray[np.int32]
    origin: NDArray[np.int16]  # country indices
    dispatch: NDArray[np.int16]
    trading: NDArray[np.int16]
    qty_c: NDArray[np.int64]  # quantity in hundredths
    net_g: NDArray[np.int64]  # net weight in grams
    usd_c: NDArray[np.int64]  # USD value in cents
    usd_missing: NDArray[np.bool_]
    cur: NDArray[np.int8]  # index into CURRENCIES
    val_c: NDArray[np.int64]  # invoice value in cents of cur
    bg: NDArray[np.uint16]  # background phenomena of the row (bits of phenomena.BIT), 0 when planted
    drop: NDArray[np.uint8]  # fields left empty: 1 brand, 2 model

    def __len__(self) -> int:
        return len(self.decl)

    def take(self, idx: NDArray[np.int64]) -> RowBlock:
        return RowBlock(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(blocks: list[RowBlock]) -> RowBlock:
        return RowBlock(
            **{f.name: np.concatenate([getattr(b, f.name) for b in blocks]) for f in fields(RowBlock)}
        )


@dataclass
class PlantedLine:
    """One planted declaration line (each planted line is its own declaration)."""

    tag: str
    day: int
    imp: int
    exp: int
    prod: int
    origin: str
    dispatch: str
    trading: str
    qty: float
    net_kg: float
    usd_c: int
    currency: str = "USD"
    mfr: int = -1
    mfr_var: int = -1  # -1: drawn like background rows
    imp_var: int = -1
    exp_var: int = -1
    imp_tax: bool = True
    exp_tax: bool = False
    post: int = -1  # -1: a post of the importer's country
    decl: int = -1
    rid: str = ""

    @property
    def date(self) -> str:
        return from_day(self.day).isoformat()

    @property
    def usd(self) -> float:
        return self.usd_c / 100


def draw_variants(rng: np.random.Generator, n: int) -> NDArray[np.int8]:
    p = VARIANT_WEIGHTS / VARIANT_WEIGHTS.sum()
    return rng.choice(len(p), size=n, p=p).astype(np.int8)


def posts_for(country: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    ps = posts()
    idx = np.array([i for i, p in enumerate(ps) if p.country == country] or [0], dtype=np.int64)
    w = np.array([ps[int(i)].weight for i in idx], dtype=np.float64)
    return idx, w / w.sum()


def serials(decl: NDArray[np.int64], key: int) -> NDArray[np.int64]:
    return feistel(decl, key, SERIAL_DOMAIN)


def record_id(post: int, day: int, serial: int, line: int) -> str:
    d = from_day(day)
    return f"{posts()[post].code}/{d:%d%m%y}/{serial:07d}/{line}"


def planted_block(
    lines: list[PlantedLine], firm_country: list[str], rng: np.random.Generator, key: int
) -> RowBlock:
    """Turn planted lines (with decl already assigned) into rows; fills in their record ids."""
    n = len(lines)
    cidx = country_index()
    rand_var = draw_variants(rng, 3 * n).reshape(3, n) if n else np.zeros((3, 0), np.int8)
    for i, ln in enumerate(lines):
        if ln.post < 0:
            idx, w = posts_for(firm_country[ln.imp])
            ln.post = int(idx[int(rng.choice(len(idx), p=w))])
        ln.imp_var = int(rand_var[0, i]) if ln.imp_var < 0 else ln.imp_var
        ln.exp_var = int(rand_var[1, i]) if ln.exp_var < 0 else ln.exp_var
        ln.mfr_var = int(rand_var[2, i]) if ln.mfr_var < 0 else ln.mfr_var
    decl = np.array([ln.decl for ln in lines], dtype=np.int64)
    ser = serials(decl, key)
    for ln, s in zip(lines, ser, strict=True):
        ln.rid = record_id(ln.post, ln.day, int(s), 1)
    cur = [CURRENCIES.index(ln.currency) for ln in lines]
    val = [round(ln.usd_c * fx_rate(ln.currency, ln.day)) for ln in lines]
    return RowBlock(
        decl=decl,
        line=np.ones(n, dtype=np.int16),
        post=np.array([ln.post for ln in lines], dtype=np.int16),
        day=np.array([ln.day for ln in lines], dtype=np.int32),
        imp=np.array([ln.imp for ln in lines], dtype=np.int32),
        imp_var=np.array([ln.imp_var for ln in lines], dtype=np.int8),
        imp_tax=np.array([ln.imp_tax for ln in lines], dtype=np.bool_),
        exp=np.array([ln.exp for ln in lines], dtype=np.int32),
        exp_var=np.array([ln.exp_var for ln in lines], dtype=np.int8),
        exp_tax=np.array([ln.exp_tax for ln in lines], dtype=np.bool_),
        mfr=np.array([ln.mfr for ln in lines], dtype=np.int32),
        mfr_var=np.array([ln.mfr_var for ln in lines], dtype=np.int8),
        prod=np.array([ln.prod for ln in lines], dtype=np.int32),
        origin=np.array([cidx[ln.origin] for ln in lines], dtype=np.int16),
        dispatch=np.array([cidx[ln.dispatch] for ln in lines], dtype=np.int16),
        trading=np.array([cidx[ln.trading] for ln in lines], dtype=np.int16),
        qty_c=np.array([round(ln.qty * 100) for ln in lines], dtype=np.int64),
        net_g=np.array([round(ln.net_kg * 1000) for ln in lines], dtype=np.int64),
        usd_c=np.array([ln.usd_c for ln in lines], dtype=np.int64),
        usd_missing=np.zeros(n, dtype=np.bool_),
        cur=np.array(cur, dtype=np.int8),
        val_c=np.array(val, dtype=np.int64),
        bg=np.zeros(n, dtype=np.uint16),
        drop=np.zeros(n, dtype=np.uint8),
    )
