"""Vectorised generation of background (innocent) shipment rows, one chunk at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.phenomena.labels import Labels
from tradetrace.simulate.phenomena.rows import RowEffects
from tradetrace.simulate.registry import Registry
from tradetrace.simulate.rows import RowBlock, draw_variants, posts_for
from tradetrace.simulate.timeline import fx_rates, iso, month_of, sample_days
from tradetrace.simulate.vocab import country_index
from tradetrace.simulate.world import World

MISSING_USD_SHARE = 0.05


@dataclass
class ProductArrays:
    price_log: NDArray[np.float64]
    price_sigma: NDArray[np.float64]
    qty_log: NDArray[np.float64]
    qty_sigma: NDArray[np.float64]
    kg: NDArray[np.float64]
    count_unit: NDArray[np.bool_]
    kg_unit: NDArray[np.bool_]
    maker: NDArray[np.int32]
    origin: NDArray[np.int16]


def product_arrays(reg: Registry) -> ProductArrays:
    ps = reg.products
    cidx = country_index()
    return ProductArrays(
        price_log=np.log([p.goods.price_usd * p.price_factor for p in ps]),
        price_sigma=np.array([p.goods.price_sigma for p in ps]),
        qty_log=np.log([p.goods.qty for p in ps]),
        qty_sigma=np.array([p.goods.qty_sigma for p in ps]),
        kg=np.array([p.goods.kg_per_unit for p in ps]),
        count_unit=np.array([p.goods.unit in ("pcs", "set", "pair") for p in ps]),
        kg_unit=np.array([p.goods.unit == "kg" for p in ps]),
        maker=np.array([p.maker for p in ps], dtype=np.int32),
        origin=np.array([cidx[p.origin] for p in ps], dtype=np.int16),
    )


class Background:
    """Draws background rows from the world's supply links."""

    def __init__(self, reg: Registry, world: World, labels: Labels) -> None:
        self.world = world
        self.labels = labels
        self.effects = RowEffects.load()
        self.firm_bits = labels.firm_bit_array(len(reg.firms))
        self.products = product_arrays(reg)
        self.firm_country = np.array([country_index()[f.country] for f in reg.firms], dtype=np.int16)
        self.cum_prob = np.cumsum(world.links.prob)
        self.post_tables = {i: posts_for(c) for c, i in country_index().items()}
        self.march22 = iso("2022-03-01")

    def generate(self, rng: np.random.Generator, n_rows: int, decl_start: int) -> RowBlock:
        links = self.world.links
        m = int(n_rows / 1.5) + 64
        while True:
            lines = np.minimum(rng.geometric(0.6, m), 8)
            cum = np.cumsum(lines)
            if cum[-1] >= n_rows:
                break
            m *= 2
        k = int(np.searchsorted(cum, n_rows)) + 1
        lines = lines[:k].copy()
        lines[-1] -= int(cum[k - 1] - n_rows)
        link = np.minimum(
            np.searchsorted(self.cum_prob, rng.random(k) * self.cum_prob[-1]), len(self.cum_prob) - 1
        )
        day = sample_days(rng, links.profile[link], links.start[link], links.end[link])
        imp = links.imp[link]
        exp = links.exp[link]
        post = self._posts(rng, self.firm_country[imp])
        period = (day >= self.march22).astype(np.int64)
        cdf = self.world.currency_cdf[links.mix[link], period]
        cur = np.minimum((rng.random(k)[:, None] > cdf).sum(axis=1), cdf.shape[1] - 1).astype(np.int8)
        # per declaration -> per line
        rep = np.repeat(np.arange(k), lines)
        first_row = np.repeat(np.cumsum(lines) - lines, lines)
        line_no = (np.arange(n_rows) - first_row + 1).astype(np.int16)
        lk = link[rep]
        pick = (rng.random(n_rows) * links.prod_cnt[lk]).astype(np.int64)
        prod = links.prod_flat[links.prod_off[lk] + pick]
        pa_ = self.products
        qty = np.exp(rng.normal(pa_.qty_log[prod], pa_.qty_sigma[prod]))
        qty = np.where(pa_.count_unit[prod], np.maximum(np.round(qty), 1), np.maximum(np.round(qty, 2), 1))
        price = np.exp(rng.normal(pa_.price_log[prod] + np.log(links.price[lk]), pa_.price_sigma[prod] * 0.6))
        fx = self.effects
        price, qty, out_bits, per_kind = fx.outliers(rng, price, qty)
        for kind, count in zip(fx.outlier_kinds, per_kind.tolist(), strict=True):
            self.labels.kind("lawful_price_outliers", kind, count)
        no_mfr, drop, imp_tax, exp_tax, miss_bits = fx.missing(rng, n_rows, k, rep)
        usd_c = np.maximum(np.round(qty * price * 100), 100).astype(np.int64)
        net = np.where(pa_.kg_unit[prod], qty, qty * pa_.kg[prod] * rng.lognormal(0, 0.15, n_rows))
        net_g = np.maximum(np.round(net * 1000), 1).astype(np.int64)
        month = month_of(day[rep])
        val_c = np.round(usd_c * fx_rates(cur[rep], month)).astype(np.int64)
        mfr = np.where(no_mfr, -1, pa_.maker[prod]).astype(np.int32)
        bg = links.bits[lk] | self.firm_bits[imp[rep]] | self.firm_bits[exp[rep]] | out_bits | miss_bits
        return RowBlock(
            decl=(decl_start + rep).astype(np.int64),
            line=line_no,
            post=post[rep],
            day=day[rep],
            imp=imp[rep],
            imp_var=draw_variants(rng, k)[rep],
            imp_tax=imp_tax[rep],
            exp=exp[rep],
            exp_var=draw_variants(rng, k)[rep],
            exp_tax=exp_tax[rep],
            mfr=mfr,
            mfr_var=draw_variants(rng, n_rows),
            prod=prod.astype(np.int32),
            origin=pa_.origin[prod],
            dispatch=links.dispatch[lk],
            trading=links.trading[lk],
            qty_c=np.round(qty * 100).astype(np.int64),
            net_g=net_g,
            usd_c=usd_c,
            usd_missing=rng.random(n_rows) < MISSING_USD_SHARE,
            cur=cur[rep],
            val_c=val_c,
            bg=bg.astype(np.uint16),
            drop=drop,
        )

    def _posts(self, rng: np.random.Generator, country: NDArray[np.int16]) -> NDArray[np.int16]:
        out = np.zeros(len(country), dtype=np.int16)
        u = rng.random(len(country))
        for c in np.unique(country):
            mask = country == c
            idx, w = self.post_tables[int(c)]
            pos = np.minimum(np.searchsorted(np.cumsum(w), u[mask]), len(idx) - 1)
            out[mask] = idx[pos]
        return out
