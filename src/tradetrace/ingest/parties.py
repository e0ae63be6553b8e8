"""Parties, relations and payments in their CSV forms (data-contracts §2)."""

from __future__ import annotations

from pathlib import Path

from tradetrace.ingest.base import LoadResult
from tradetrace.ingest.normalise import TableLoad
from tradetrace.ingest.profiles import Profile
from tradetrace.ingest.tabular import load_table
from tradetrace.model.parties import PARTIES, PAYMENTS, RELATIONS
from tradetrace.progress import Progress
from tradetrace.workspace import Workspace

LOADS = {
    "parties": TableLoad(PARTIES, "parties", key="entity_id", parsers={"kind": "party_kind"}),
    "relations": TableLoad(
        RELATIONS, "relations", parsers={"relation": "relation"}, nonnegative=("share_pct",)
    ),
    "payments": TableLoad(
        PAYMENTS,
        "payments",
        key="record_id",
        money=("amount", "currency", "amount_usd"),
        nonnegative=("amount", "amount_usd"),
    ),
}

_DATES = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y%m%d")


def ingest_table(
    ws: Workspace,
    kind: str,
    path: Path,
    encoding: str | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> LoadResult:
    """Load parties.csv, relations.csv or payments.csv (columns named as in §2)."""
    load = LOADS[kind]
    profile = Profile(name="canonical", kind=kind, identity=True, date_formats=_DATES)
    rates = None
    if load.money:
        from tradetrace.model.fx_sources import rates_table

        rates = rates_table(ws.settings.rates_file)
    return load_table(ws.engine, path, load, profile, ws.tmp_dir, rates, encoding, progress, sheet)
