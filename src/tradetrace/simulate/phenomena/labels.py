"""Which firms, rows and payments each background phenomenon produced, for truth.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.phenomena import BIT, NAMES, config
from tradetrace.simulate.registry import Firm, Registry
from tradetrace.simulate.rows import RowBlock, record_id, serials


@dataclass
class _Entry:
    entities: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # firm, role, extra
    seen: set[tuple[int, str]] = field(default_factory=set)
    rows: int = 0
    record_ids: list[str] = field(default_factory=list)
    payments: int = 0
    payment_ids: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)


class Labels:
    """Collects the labels of every phenomenon as the world and the rows are generated."""

    def __init__(self) -> None:
        cfg = config()
        self.max_ids = int(cfg["max_record_ids"])
        self.max_entities = int(cfg["max_entities"])
        self.entries = {name: _Entry() for name in NAMES}
        self.firm_bits: dict[int, int] = {}
        self.background_rows = 0

    def firm(self, name: str, firm: Firm, role: str, **extra: Any) -> None:
        """Mark a firm as part of a phenomenon (its shipment rows carry the label)."""
        entry = self.entries[name]
        if (firm.idx, role) not in entry.seen:
            entry.seen.add((firm.idx, role))
            entry.entities.append((firm.idx, role, extra))
        self.firm_bits[firm.idx] = self.firm_bits.get(firm.idx, 0) | BIT[name]

    def entity(self, name: str, firm: Firm, role: str, **extra: Any) -> None:
        """Name a firm in a phenomenon's truth without labelling all of its rows."""
        entry = self.entries[name]
        if (firm.idx, role) not in entry.seen:
            entry.seen.add((firm.idx, role))
            entry.entities.append((firm.idx, role, extra))

    def kind(self, name: str, kind: str, n: int = 1) -> None:
        kinds = self.entries[name].kinds
        kinds[kind] = kinds.get(kind, 0) + n

    def firm_bit_array(self, n_firms: int) -> NDArray[np.uint16]:
        out = np.zeros(n_firms, dtype=np.uint16)
        for idx, bits in self.firm_bits.items():
            out[idx] = bits
        return out

    def observe(self, block: RowBlock, key: int) -> None:
        """Count the labelled rows of one chunk of background rows and keep their first record ids."""
        self.background_rows += len(block)
        for name in NAMES:
            hit = np.flatnonzero(block.bg & BIT[name])
            entry = self.entries[name]
            entry.rows += len(hit)
            room = self.max_ids - len(entry.record_ids)
            if room <= 0 or len(hit) == 0:
                continue
            take = hit[:room]
            ser = serials(block.decl[take], key)
            entry.record_ids += [
                record_id(int(block.post[i]), int(block.day[i]), int(s), int(block.line[i]))
                for i, s in zip(take.tolist(), ser.tolist(), strict=True)
            ]

    def payments(self, name: str, ids: list[str]) -> None:
        entry = self.entries[name]
        entry.payments += len(ids)
        entry.payment_ids += ids[: max(self.max_ids - len(entry.payment_ids), 0)]

    def truth(self, reg: Registry) -> list[dict[str, Any]]:
        """The ``background`` list of truth.json."""
        cfg = config()
        out = []
        for name in NAMES:
            e = self.entries[name]
            params = {k: v for k, v in cfg[name].items() if k != "doc"}
            ents = []
            for idx, role, extra in e.entities[: self.max_entities]:
                f = reg.firms[idx]
                ents.append(
                    {
                        "entity_id": f.entity_id,
                        "name": f.name.primary,
                        "tax_id": f.tax_id,
                        "country": f.country,
                        "role": role,
                        **extra,
                    }
                )
            out.append(
                {
                    "phenomenon": name,
                    "doc": " ".join(str(cfg[name]["doc"]).split()),
                    "params": params,
                    "entities": ents,
                    "entities_total": len(e.entities),
                    "rows": e.rows,
                    "row_share": round(e.rows / max(self.background_rows, 1), 6),
                    "record_ids": e.record_ids,
                    "payments": e.payments,
                    "payment_record_ids": e.payment_ids,
                    "kinds": dict(sorted(e.kinds.items())),
                }
            )
        return out
