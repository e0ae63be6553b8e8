"""Shipments of restricted goods keyed by buyer and supplier, with their route.

Shared by the detectors that follow one supplier's goods to one buyer. The
heavy lifting is SQL; Python handles only what needs it: rule applicability
for each distinct (code, origin, destination) and name keys for each
distinct name. ``key_parties`` (in the lower layer :mod:`tradetrace.detect.keys.shipments`)
makes the keys; ``restricted_lines`` keys the lines of restricted goods once per run and
``keyed_shipments`` reads them.

- buyer: the importer's tax id; rows without one take the tax id of the
  importer's entity-resolution cluster (when ``resolve`` has run: the same firm
  written in another script or spelling), else the tax id that the same name
  carries elsewhere, else the cluster, else the name key;
- supplier: the maker of the goods. Manufacturer and brand names are first
  folded onto their most frequent spelling (typos, "(Taiwan)" suffixes,
  "MACHINE TOOL" vs "MACHINE TOOLS"); a brand then stands for the maker it is
  most often declared with, which also catches the maker's name written in
  another script; without a brand the manufacturer counts, then the maker
  the exporter ships from the origin country, then the maker a distinctive
  model number is declared with elsewhere (an intermediary that writes only
  "VMC-1160"), then the exporter when it ships from the goods' origin country;
- route: ``direct`` when the exporter or dispatch country is the origin and
  no third country is involved; otherwise the first of exporter and dispatch
  country that is neither origin nor destination is the hub (the trading
  country only when both are unknown: see ``restricted_lines``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from tradetrace.detect.base import DetectContext
from tradetrace.detect.restricted_lines import restricted_lines
from tradetrace.model.rules import Rule

PairKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class KeyedShipment:
    record_id: str
    date: date
    value: float
    hub: str | None
    buyer_name: str
    supplier_name: str
    exporter_key: str
    exporter_name: str
    hs_code: str
    rules: tuple[Rule, ...]


def keyed_shipments(ctx: DetectContext) -> dict[PairKey, list[KeyedShipment]]:
    """Shipments of restricted goods for every (buyer, supplier, origin, destination)
    that has both direct and third-country shipments.

    Read from the lines ``restricted_lines`` keys once per run (the same rows,
    keys and route: its ``third`` is the hub here), not keyed again.
    """
    engine = ctx.engine
    task = ctx.progress.task("route switch: restricted goods", total=2)
    lines = restricted_lines(ctx)
    task.advance()
    found = {
        combo: tuple(ctx.rules.applicable(code, origin, dest))
        for combo, code, origin, dest in engine.fetchall(
            f"SELECT DISTINCT combo, hs_code, origin, dest FROM {lines.table} ORDER BY combo"
        )
    }
    table = engine.arrow(
        f"""WITH pairs AS (
          SELECT buyer, supplier, origin, dest FROM {lines.table}
          WHERE buyer IS NOT NULL AND supplier IS NOT NULL
          GROUP BY ALL
          HAVING count(*) FILTER (WHERE third IS NULL AND from_origin) > 0
             AND count(*) FILTER (WHERE third IS NOT NULL) > 0
        )
        SELECT k.buyer, k.supplier, k.origin, k.dest, k.record_id, k.date, k.value, k.third AS hub,
          k.importer_name, k.supplier_name, k.ekey, k.exporter_name, k.hs_code, k.combo
        FROM {lines.table} k SEMI JOIN pairs p
          ON p.buyer = k.buyer AND p.supplier = k.supplier AND p.origin = k.origin AND p.dest = k.dest
        WHERE k.third IS NOT NULL OR k.from_origin
        ORDER BY k.buyer, k.supplier, k.date, k.record_id"""
    )
    task.done()
    groups: dict[PairKey, list[KeyedShipment]] = defaultdict(list)
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for buyer, supplier, origin, dest, rid, day, value, hub, iname, sname, ekey, ename, code, combo in zip(
        *cols, strict=True
    ):
        groups[(buyer, supplier, origin, dest)].append(
            KeyedShipment(
                record_id=rid,
                date=day,
                value=float(value),
                hub=hub,
                buyer_name=iname,
                supplier_name=sname,
                exporter_key=ekey,
                exporter_name=ename,
                hs_code=code,
                rules=found[combo],
            )
        )
    return dict(groups)
