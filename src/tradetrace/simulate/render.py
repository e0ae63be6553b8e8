"""Turn RowBlocks into Arrow tables: canonical (messy on purpose) and ru-dt (CP1251 view)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from tradetrace.simulate.registry import Pools
from tradetrace.simulate.rows import RowBlock, serials
from tradetrace.simulate.timeline import END, START, from_day, to_day
from tradetrace.simulate.translit import latin1_view
from tradetrace.simulate.vocab import CURRENCIES, countries, posts

CANONICAL_COLUMNS = (
    "record_id",
    "declaration_no",
    "date",
    "direction",
    "reporter_country",
    "importer_name",
    "importer_tax_id",
    "importer_country",
    "importer_address",
    "exporter_name",
    "exporter_tax_id",
    "exporter_country",
    "exporter_address",
    "origin_country",
    "dispatch_country",
    "trading_country",
    "destination_country",
    "hs_code",
    "description",
    "manufacturer",
    "brand",
    "model",
    "quantity",
    "unit",
    "net_weight_kg",
    "value",
    "currency",
    "value_usd",
)
RU_DT_COLUMNS = (
    "ND",
    "G072",
    "G021",
    "G022",
    "G023",
    "G081",
    "G082",
    "G083",
    "G11",
    "G15A",
    "G16",
    "G34",
    "G17A",
    "G32",
    "G33",
    "G31_1",
    "G31_11",
    "G31_12",
    "G31_14",
    "G31_7",
    "G41A",
    "G38",
    "G42",
    "G22A",
    "G46",
)
# Shares of the ways a country is written in the canonical file.
COUNTRY_FORMS = np.array([0.88, 0.04, 0.03, 0.03, 0.02])  # alpha-2, alpha-3, numeric, English, Russian
HS_FORMS = np.array([0.9, 0.05, 0.05])  # plain, dotted 8458.11.000.0, spaced 8458 11 000 0
RUSSIAN_DESCRIPTION_SHARE = 0.45
DROP_BRAND, DROP_MODEL = 1, 2  # bits of RowBlock.drop


@dataclass
class Rendered:
    canonical: pa.Table | None  # all strings, as written to CSV
    typed: pa.Table | None  # same content, numbers and dates typed (Parquet)
    ru_dt: pa.Table | None  # ru-dt columns, text as CP1251 bytes viewed as Latin-1


def _s(values: NDArray[np.int64] | NDArray[np.int16]) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def decimal(units: NDArray[np.int64], digits: int, sep: str, trim: bool = False) -> pa.Array:
    """Exact decimal strings of integer amounts in 10**-digits units."""
    scale = 10**digits
    whole = _s(units // scale)
    frac = pc.utf8_lpad(_s(units % scale), digits, "0")
    joined = pc.binary_join_element_wise(whole, frac, sep)
    if trim:
        return pc.if_else(pa.array(units % scale == 0), whole, joined)
    return joined


def _with_nulls(arr: pa.Array, keep: NDArray[np.bool_]) -> pa.Array:
    return pc.if_else(pa.array(keep), arr, pa.nulls(len(arr), pa.string()))


def dict_col(index: NDArray[np.int64], pool: pa.Array, valid: NDArray[np.bool_] | None = None) -> pa.Array:
    """A dictionary-encoded column: no string copying, nulls where not valid."""
    mask = None if valid is None else ~valid
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32), mask=mask), pool)


class Renderer:
    def __init__(self, pools: Pools, serial_key: int) -> None:
        self.p = pools
        self.key = serial_key
        cs = countries()
        self.nc = len(cs)
        self.country_forms = pa.array(
            [c.alpha2 for c in cs]
            + [c.alpha3 for c in cs]
            + [c.numeric for c in cs]
            + [c.name_en for c in cs]
            + [c.name_ru for c in cs]
        )
        self.alpha2 = pa.array([c.alpha2 for c in cs])
        self.ru_dt_names = pa.array([latin1_view(c.name_ru_dt) for c in cs])
        hs = pools.hs10
        self.hs_forms = pa.array(
            hs
            + [f"{h[:4]}.{h[4:6]}.{h[6:9]}.{h[9:]}" for h in hs]
            + [f"{h[:4]} {h[4:6]} {h[6:9]} {h[9:]}" for h in hs]
        )
        self.hs_plain = pa.array(hs)
        self.post_codes = pa.array([p.code for p in posts()])
        self.currencies = pa.array(list(CURRENCIES))
        self.day0 = to_day(START)
        dates = [from_day(self.day0 + i) for i in range(to_day(END) - self.day0 + 1)]
        self.iso_dates = pa.array([d.isoformat() for d in dates])
        self.ru_dates = pa.array([f"{d:%d.%m.%Y}" for d in dates])
        self.short_dates = pa.array([f"{d:%d%m%y}" for d in dates])

    def _name(self, firm: NDArray[np.int32], var: NDArray[np.int8], pool: pa.Array) -> pa.Array:
        safe = np.maximum(firm, 0)
        cnt = self.p.name_cnt[safe]
        v = np.where(var < cnt, var, 0)
        return dict_col(self.p.name_off[safe] + v, pool, firm >= 0)

    def _country(self, rng: np.random.Generator, idx: NDArray[np.int16]) -> pa.Array:
        form = rng.choice(len(COUNTRY_FORMS), size=len(idx), p=COUNTRY_FORMS)
        return dict_col(form * self.nc + idx, self.country_forms)

    def render(
        self,
        b: RowBlock,
        rng: np.random.Generator,
        canonical: bool = True,
        typed: bool = True,
        ru_dt: bool = True,
    ) -> Rendered:
        """Render one block; the messy choices are drawn from rng in a fixed order."""
        n = len(b)
        p = self.p
        dayi = (b.day - self.day0).astype(np.int64)
        post = pc.take(self.post_codes, pa.array(b.post))
        serial = pc.utf8_lpad(_s(serials(b.decl, self.key)), 7, "0")
        decl_no = pc.binary_join_element_wise(post, pc.take(self.short_dates, pa.array(dayi)), serial, "/")
        line = _s(b.line)
        imp_country = p.firm_country[b.imp]
        exp_country = p.firm_country[b.exp]
        imp_i = b.imp.astype(np.int64)
        exp_i = b.exp.astype(np.int64)
        prod = b.prod.astype(np.int64)
        imp_tax = dict_col(imp_i, p.tax, b.imp_tax & p.has_tax[b.imp])
        exp_tax = dict_col(exp_i, p.tax, b.exp_tax & p.has_tax[b.exp])
        model = dict_col(prod, p.model, p.has_model[prod] & (b.drop & DROP_MODEL == 0))
        has_brand = p.has_brand[prod] & (b.drop & DROP_BRAND == 0)
        usd_keep = ~b.usd_missing
        currency = dict_col(b.cur.astype(np.int64), self.currencies)
        # messy draws happen whether or not the canonical file is written (same bytes either way)
        countries_ = [
            self._country(rng, c)
            for c in (imp_country, imp_country, exp_country, b.origin, b.dispatch, b.trading, imp_country)
        ]
        hs_form = rng.choice(len(HS_FORMS), size=n, p=HS_FORMS)
        russian = rng.random(n) < RUSSIAN_DESCRIPTION_SHARE
        can = typ = ru = None
        if canonical or typed:
            cols = {
                "record_id": pc.binary_join_element_wise(decl_no, line, "/"),
                "declaration_no": decl_no,
                "date": dict_col(dayi, self.iso_dates),
                "direction": dict_col(np.zeros(n, np.int64), pa.array(["import"])),
                "reporter_country": countries_[0],
                "importer_name": self._name(b.imp, b.imp_var, p.names),
                "importer_tax_id": imp_tax,
                "importer_country": countries_[1],
                "importer_address": dict_col(imp_i, p.addr),
                "exporter_name": self._name(b.exp, b.exp_var, p.names),
                "exporter_tax_id": exp_tax,
                "exporter_country": countries_[2],
                "exporter_address": dict_col(exp_i, p.addr),
                "origin_country": countries_[3],
                "dispatch_country": countries_[4],
                "trading_country": countries_[5],
                "destination_country": countries_[6],
                "hs_code": dict_col(hs_form * len(p.hs10) + prod, self.hs_forms),
                "description": dict_col(prod + russian * len(p.hs10), p.desc),
                "manufacturer": self._name(b.mfr, b.mfr_var, p.names),
                "brand": dict_col(prod, p.brand, has_brand),
                "model": model,
                "quantity": decimal(b.qty_c, 2, ".", trim=True),
                "unit": dict_col(prod, p.unit),
                "net_weight_kg": decimal(b.net_g, 3, "."),
                "value": decimal(b.val_c, 2, "."),
                "currency": currency,
                "value_usd": _with_nulls(decimal(b.usd_c, 2, "."), usd_keep),
            }
            can = pa.table(cols)
            if typed:
                cols["date"] = pa.array(b.day, pa.date32())
                cols["quantity"] = pa.array(b.qty_c / 100)
                cols["net_weight_kg"] = pa.array(b.net_g / 1000)
                cols["value"] = pa.array(b.val_c / 100)
                cols["value_usd"] = pa.array(b.usd_c / 100, mask=b.usd_missing)
                typ = pa.table(cols)
        if ru_dt:
            ru = pa.table(
                {
                    "ND": decl_no,
                    "G072": dict_col(dayi, self.ru_dates),
                    "G021": exp_tax,
                    "G022": self._name(b.exp, b.exp_var, p.names_cp),
                    "G023": dict_col(exp_i, p.addr_cp),
                    "G081": imp_tax,
                    "G082": self._name(b.imp, b.imp_var, p.names_cp),
                    "G083": dict_col(imp_i, p.addr_cp),
                    "G11": dict_col(b.trading.astype(np.int64), self.alpha2),
                    "G15A": dict_col(b.dispatch.astype(np.int64), self.alpha2),
                    "G16": dict_col(b.origin.astype(np.int64), self.ru_dt_names),
                    "G34": dict_col(b.origin.astype(np.int64), self.alpha2),
                    "G17A": dict_col(imp_country.astype(np.int64), self.alpha2),
                    "G32": line,
                    "G33": dict_col(prod, self.hs_plain),
                    "G31_1": dict_col(prod, p.desc_ru_cp),
                    "G31_11": self._name(b.mfr, b.mfr_var, p.names_cp),
                    "G31_12": dict_col(prod, p.brand_cp, has_brand),
                    "G31_14": model,
                    "G31_7": decimal(b.qty_c, 2, ",", trim=True),
                    "G41A": dict_col(prod, p.unit_cp),
                    "G38": decimal(b.net_g, 3, ","),
                    "G42": decimal(b.val_c, 2, ","),
                    "G22A": currency,
                    "G46": _with_nulls(decimal(b.usd_c, 2, ","), usd_keep),
                }
            )
        return Rendered(can, typ, ru)
