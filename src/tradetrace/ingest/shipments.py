"""Shipment ingest (data-contracts §1): CSV, Parquet or .xlsx through a profile."""

from __future__ import annotations

from pathlib import Path

from tradetrace.ingest.base import LoadResult
from tradetrace.ingest.normalise import TableLoad
from tradetrace.ingest.profiles import load_profile
from tradetrace.ingest.tabular import load_table
from tradetrace.model.records import SHIPMENTS
from tradetrace.progress import Progress
from tradetrace.workspace import Workspace

SHIPMENT_LOAD = TableLoad(
    spec=SHIPMENTS,
    kind="shipments",
    key="record_id",
    money=("value", "currency", "value_usd"),
    derived={"hs6": "substr(n.hs_code, 1, 6)"},
    parsers={"hs_code": "hs", "direction": "direction"},
    nonnegative=("value", "value_usd", "quantity", "net_weight_kg"),
)


def ingest_shipments(
    ws: Workspace,
    path: Path,
    profile: str = "canonical",
    encoding: str | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> LoadResult:
    """Load a shipments file into ``shipments``; bad rows go to ``quarantine``."""
    from tradetrace.model.fx_sources import rates_table

    prof = load_profile(profile)
    rates = rates_table(ws.settings.rates_file)
    return load_table(ws.engine, path, SHIPMENT_LOAD, prof, ws.tmp_dir, rates, encoding, progress, sheet)
