"""Parquet: every table in scope to ``<out>/<table>.parquet``, with ``manifest.json`` of row counts."""

from __future__ import annotations

import json
from pathlib import Path

from tradetrace.export.base import ExportResult
from tradetrace.export.scope import Scope

__all__ = ["write_parquet"]


def write_parquet(scope: Scope, out: Path) -> ExportResult:
    """Write each table of ``scope`` as a Parquet file in the folder ``out`` (through the engine)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult("parquet", out, scope.describe(), notes=list(scope.notes))
    for table in scope.tables:
        relation = scope.relation(table)
        assert relation is not None
        scope.engine.write_parquet(f"SELECT * FROM {relation}", out / f"{table}.parquet")
        result.counts[table] = scope.count(table)
    manifest = {"scope": scope.describe(), "tables": result.counts, "notes": result.notes}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    return result
