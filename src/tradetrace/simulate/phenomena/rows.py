"""Row-level phenomena, drawn vectorised per chunk: lawful price outliers and missing fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.phenomena import BIT, config
from tradetrace.simulate.render import DROP_BRAND, DROP_MODEL


@dataclass(frozen=True)
class RowEffects:
    outlier_share: float
    outlier_kinds: tuple[str, ...]
    outlier_lo: NDArray[np.float64]
    outlier_hi: NDArray[np.float64]
    no_manufacturer: float
    no_brand: float
    no_model: float
    no_importer_tax: float
    no_exporter_tax: float

    @classmethod
    def load(cls) -> RowEffects:
        cfg = config()
        out = cfg["lawful_price_outliers"]
        miss = {k: float(v["value"]) for k, v in cfg["missing_fields"]["rates"].items()}
        kinds = tuple(out["kinds"])
        return cls(
            outlier_share=float(out["row_share"]["value"]),
            outlier_kinds=kinds,
            outlier_lo=np.array([out["kinds"][k]["value"][0] for k in kinds], dtype=np.float64),
            outlier_hi=np.array([out["kinds"][k]["value"][1] for k in kinds], dtype=np.float64),
            no_manufacturer=miss["manufacturer"],
            no_brand=miss["brand"],
            no_model=miss["model"],
            no_importer_tax=miss["importer_tax_id"],
            no_exporter_tax=miss["exporter_tax_id"],
        )

    def outliers(
        self, rng: np.random.Generator, price: NDArray[np.float64], qty: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.uint16], NDArray[np.int64]]:
        """Unit prices and quantities with the outliers applied; the rows' bits; outliers per kind."""
        n = len(price)
        hit = rng.random(n) < self.outlier_share
        kind = rng.integers(0, len(self.outlier_kinds), n)
        factor = self.outlier_lo[kind] + rng.random(n) * (self.outlier_hi[kind] - self.outlier_lo[kind])
        price = np.where(hit, price * factor, price)
        small = hit & (np.asarray(self.outlier_kinds)[kind] == "small_lot")
        qty = np.where(small, 1.0, qty)
        bits = np.where(hit, BIT["lawful_price_outliers"], 0).astype(np.uint16)
        return price, qty, bits, np.bincount(kind[hit], minlength=len(self.outlier_kinds))

    def missing(
        self, rng: np.random.Generator, n_rows: int, n_decl: int, rep: NDArray[np.int64]
    ) -> tuple[
        NDArray[np.bool_], NDArray[np.uint8], NDArray[np.bool_], NDArray[np.bool_], NDArray[np.uint16]
    ]:
        """Rows without manufacturer, dropped brand/model bits, importer and exporter tax shown
        (per declaration), and the rows' bits."""
        no_mfr = rng.random(n_rows) < self.no_manufacturer
        drop = (np.where(rng.random(n_rows) < self.no_brand, DROP_BRAND, 0)
                | np.where(rng.random(n_rows) < self.no_model, DROP_MODEL, 0)).astype(np.uint8)  # fmt: skip
        imp_tax = rng.random(n_decl) >= self.no_importer_tax
        exp_tax = rng.random(n_decl) >= self.no_exporter_tax
        hit = no_mfr | (drop > 0) | ~imp_tax[rep]
        return no_mfr, drop, imp_tax, exp_tax, np.where(hit, BIT["missing_fields"], 0).astype(np.uint16)
