"""Small hand-made shipment and party files for detector tests.

``Rows`` collects lines with the messiness real extracts have (spelling
variants, missing tax ids, values in other currencies without a USD value)
and loads them into a workspace through the ordinary ingest.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.workspace import Workspace

HEADER = [
    "record_id", "date", "importer_name", "importer_tax_id", "importer_country", "exporter_name",
    "exporter_tax_id", "exporter_country", "exporter_address", "dispatch_country", "origin_country",
    "destination_country", "hs_code", "description", "manufacturer", "brand", "model", "quantity", "unit",
    "net_weight_kg", "value", "currency", "value_usd", "trading_country",
]  # fmt: skip
PARTY_HEADER = [
    "entity_id", "kind", "name", "aliases", "country", "tax_id", "registration_no", "incorporation_date",
    "address", "phone", "email", "website",
]  # fmt: skip


@dataclass
class Rows:
    prefix: str = "T"
    rows: list[list[str]] = field(default_factory=list)
    parties: list[list[str]] = field(default_factory=list)

    def add(
        self,
        day: str,
        importer: tuple[str, str],
        exporter: str,
        exp_cc: str,
        origin: str,
        hs: str,
        value: float,
        *,
        dest: str = "RU",
        currency: str = "USD",
        usd: str | None = None,
        manufacturer: str = "",
        brand: str = "",
        model: str = "",
        qty: float = 1,
        unit: str = "pcs",
        kg: float | None = None,
        description: str = "",
        dispatch: str | None = None,
        exp_tax: str = "",
        exp_address: str = "",
        trading: str | None = None,
    ) -> str:
        rid = f"{self.prefix}{len(self.rows) + 1:05d}"
        self.rows.append(
            [rid, day, importer[0], importer[1], dest, exporter, exp_tax, exp_cc, exp_address,
             dispatch or exp_cc, origin, dest, hs, description, manufacturer, brand, model, f"{qty:g}", unit,
             "" if kg is None else f"{kg:.3f}", f"{value:.2f}", currency,
             (f"{value:.2f}" if currency == "USD" else "") if usd is None else usd, trading or exp_cc]
        )  # fmt: skip
        return rid

    def party(
        self,
        entity_id: str,
        name: str,
        country: str,
        *,
        aliases: str = "",
        tax_id: str = "",
        incorporated: str = "",
        address: str = "",
        phone: str = "",
    ) -> None:
        self.parties.append(
            [entity_id, "company", name, aliases, country, tax_id, "", incorporated, address, phone, "", ""]
        )

    def load(self, ws: Workspace, tmp: Path) -> Workspace:
        path = tmp / f"{self.prefix}-shipments.csv"
        _write(path, HEADER, self.rows)
        result = ingest_shipments(ws, path)
        assert result.rows_quarantined == 0, result.summary()
        if self.parties:
            ppath = tmp / f"{self.prefix}-parties.csv"
            _write(ppath, PARTY_HEADER, self.parties)
            ingest_table(ws, "parties", ppath)
        return ws


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def monthly(start: str, n: int, step_days: int = 30) -> list[str]:
    """n ISO dates from start, step_days apart."""
    from datetime import date, timedelta

    d0 = date.fromisoformat(start)
    return [(d0 + timedelta(days=step_days * i)).isoformat() for i in range(n)]
