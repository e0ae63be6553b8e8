"""Exports for the tools reporters and analysts use: FtM (Aleph), GEXF/GraphML (Gephi), Excel,
Neo4j and Parquet. Everything is read from workspace tables; ``case_id`` restricts an export to
one case (or finding) and its graph neighbourhood (see :mod:`tradetrace.export.scope`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tradetrace.engine.base import runs_as
from tradetrace.export.base import ExportResult

if TYPE_CHECKING:
    from tradetrace.progress import Progress
    from tradetrace.workspace import Workspace

__all__ = ["FORMATS", "ExportResult", "export"]

FORMATS = ("ftm", "gexf", "graphml", "xlsx", "cypher", "parquet")
FOLDER_FORMATS = ("cypher", "parquet")  # these write a folder of files


@runs_as("export")
def export(
    ws: Workspace,
    fmt: str,
    out: Path,
    case_id: str | None = None,
    hops: int = 1,
    max_shipments: int | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Export the workspace (or one case) as ``fmt`` to ``out`` (a file, or a folder for cypher/parquet).

    The graph is (re)built first when its inputs changed. ``max_shipments`` caps the FtM
    EconomicActivity lines (None: the default cap, 0: all).
    """
    from tradetrace.export.cypher import write_cypher
    from tradetrace.export.ftm import DEFAULT_MAX_SHIPMENTS, write_ftm
    from tradetrace.export.graphfile import write_gexf, write_graphml
    from tradetrace.export.parquet import write_parquet
    from tradetrace.export.scope import Scope
    from tradetrace.export.xlsx import write_xlsx
    from tradetrace.graph.build import ensure_graph

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    ensure_graph(ws, progress)
    with Scope(ws.engine, case_id, hops) as scope:
        if fmt == "ftm":
            cap = DEFAULT_MAX_SHIPMENTS if max_shipments is None else (max_shipments or None)
            return write_ftm(scope, out, cap)
        if fmt == "gexf":
            return write_gexf(scope, out)
        if fmt == "graphml":
            return write_graphml(scope, out)
        if fmt == "xlsx":
            return write_xlsx(scope, out)
        if fmt == "cypher":
            return write_cypher(scope, out)
        return write_parquet(scope, out)
