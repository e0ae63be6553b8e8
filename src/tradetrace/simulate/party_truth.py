"""party_truth.csv: which firm or person each written party spelling belongs to.

Every distinct (role, name, tax id, country) that the written files show gets one row with
the entity id of the firm (or person) the simulator drew it from. Roles: ``importer`` and
``exporter`` (shipments), ``payer`` and ``payee`` (payments), ``party`` (parties.csv: the
main name and every alias). Names and tax ids are as written; ``country`` is the ISO alpha-2
code the workspace holds after ingest (the shipment files write countries in several forms),
empty where the file has no country column for the party (payments, ru-dt extracts). Entity
resolution is scored against this file (pairwise precision and recall over spellings).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.registry import Registry
from tradetrace.simulate.rows import RowBlock

COLUMNS = ("role", "name", "tax_id", "country", "entity_id")
_VAR_BITS = 16  # key = firm << 17 | variant << 1 | tax shown


@dataclass
class PaymentParties:
    """The parties payments.csv names: (payer firm, name written) pairs and payee firms."""

    payers: set[tuple[int, str]] = field(default_factory=set)
    payees: set[int] = field(default_factory=set)


class PartyTruth:
    """Collects the (firm, variant, tax shown) combinations of shipment rows, chunk by chunk."""

    def __init__(self, name_cnt: NDArray[np.int64]) -> None:
        if len(name_cnt) and int(name_cnt.max()) >= 1 << _VAR_BITS:
            raise ValueError("too many name variants for one firm")
        self._cnt = name_cnt
        self._seen: dict[str, list[NDArray[np.int64]]] = {"importer": [], "exporter": []}

    def _keys(
        self, firm: NDArray[np.int32], var: NDArray[np.int8], tax: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        f = firm.astype(np.int64)
        v = var.astype(np.int64)
        v = np.where(v < self._cnt[f], v, 0)  # as the renderer clamps it
        return np.unique((f << (_VAR_BITS + 1)) | (v << 1) | tax.astype(np.int64))

    def observe(self, block: RowBlock, has_tax: NDArray[np.bool_]) -> None:
        """Remember the spellings one chunk of shipment rows writes."""
        if len(block) == 0:
            return
        self._seen["importer"].append(
            self._keys(block.imp, block.imp_var, block.imp_tax & has_tax[block.imp])
        )
        self._seen["exporter"].append(
            self._keys(block.exp, block.exp_var, block.exp_tax & has_tax[block.exp])
        )

    def rows(
        self, reg: Registry, payments: PaymentParties, formats: Iterable[str]
    ) -> list[tuple[str, str, str, str, str]]:
        """Every distinct (role, name, tax id, country, entity id), sorted."""
        formats = set(formats)
        out: set[tuple[str, str, str, str, str]] = set()
        for role, parts in self._seen.items():
            keys = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
            for key in keys.tolist():
                firm = reg.firms[key >> (_VAR_BITS + 1)]
                var = (key >> 1) & ((1 << _VAR_BITS) - 1)
                tax = (firm.tax_id or "") if key & 1 else ""
                if formats & {"csv", "parquet"}:
                    out.add((role, firm.name.variants[var], tax, firm.country, firm.entity_id))
                if "ru-dt" in formats:
                    out.add((role, firm.name.variants_cp[var], tax, "", firm.entity_id))
        for idx, name in payments.payers:
            firm = reg.firms[idx]
            out.add(("payer", name, firm.tax_id or "", "", firm.entity_id))
        for idx in payments.payees:
            firm = reg.firms[idx]
            out.add(("payee", firm.name.primary, firm.tax_id or "", "", firm.entity_id))
        for f in reg.firms:
            for name in dict.fromkeys([f.name.primary, *f.name.aliases]):
                if name:
                    out.add(("party", name, f.tax_id or "", f.country, f.entity_id))
        for p in reg.persons:
            for name in dict.fromkeys([p.name, *p.aliases]):
                if name:
                    out.add(("party", name, p.tax_id or "", p.country, p.entity_id))
        return sorted(out)

    def write(self, path: Path, reg: Registry, payments: PaymentParties, formats: Iterable[str]) -> None:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            w.writerows(self.rows(reg, payments, formats))
