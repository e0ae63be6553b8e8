"""The pipeline on simulated data, as the demo, the tests and the benchmarks run it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tradetrace.progress import Progress
from tradetrace.workspace import Workspace


def load_simulation(
    ws: Workspace,
    files: Mapping[str, Path],
    fmt: str = "csv",
    profile: str = "canonical",
    progress: Progress | None = None,
) -> None:
    """Ingest a simulation's shipments (in ``fmt``), parties, relations and payments."""
    from tradetrace.ingest.parties import ingest_table
    from tradetrace.ingest.shipments import ingest_shipments

    ingest_shipments(ws, files["shipments_" + fmt.replace("-", "_")], profile, progress=progress)
    for kind in ("parties", "relations", "payments"):
        ingest_table(ws, kind, files[kind], progress=progress)


def screen_resolve_detect(ws: Workspace, progress: Progress | None = None) -> None:
    """The shipped list extract, screening, entity resolution, related-party leads, detectors."""
    from tradetrace.detect.runner import run_detectors
    from tradetrace.lists.store import load_list
    from tradetrace.resolve.cluster import cluster_parties
    from tradetrace.resolve.related import related_leads
    from tradetrace.resolve.screen import screen_workspace

    load_list(ws, None, None)
    screen_workspace(ws)
    cluster_parties(ws, progress)
    related_leads(ws)
    run_detectors(ws, progress=progress)
