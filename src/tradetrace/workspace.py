"""The workspace: a folder holding the DuckDB database and the run manifest."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradetrace import __version__
from tradetrace.engine import Engine, open_engine
from tradetrace.model.records import TableSpec
from tradetrace.settings import Settings


def all_specs() -> tuple[TableSpec, ...]:
    """Every table spec of the workspace (gathered lazily from the stages)."""
    from tradetrace.cases.build import CASES
    from tradetrace.cases.triage import CASE_STATUS
    from tradetrace.cases.workspace_calibration import WORKSPACE_CALIBRATION
    from tradetrace.detect.decisions import FINDING_DECISIONS
    from tradetrace.detect.findings import FINDINGS
    from tradetrace.graph.tables import GRAPH_TABLES
    from tradetrace.ingest.rules import RULE_FILES
    from tradetrace.lists.tables import LIST_TABLES
    from tradetrace.model.parties import PARTY_TABLES
    from tradetrace.model.records import ALL_TABLES
    from tradetrace.resolve.cluster import CLUSTER_TABLES
    from tradetrace.resolve.lead_model import PARTY_LEADS
    from tradetrace.resolve.tables import RESOLVE_TABLES

    return (
        *ALL_TABLES,
        *PARTY_TABLES,
        *LIST_TABLES,
        RULE_FILES,
        FINDINGS,
        FINDING_DECISIONS,
        CASES,
        CASE_STATUS,
        WORKSPACE_CALIBRATION,
        *GRAPH_TABLES,
        *CLUSTER_TABLES,
        PARTY_LEADS,
        *RESOLVE_TABLES,
    )


class Workspace:
    """Open a workspace folder; tables are created on first use."""

    def __init__(self, settings: Settings, engine: Engine | None = None, read_only: bool = False) -> None:
        """Open (and create) the workspace; ``read_only`` opens an existing one for reading only,
        creating nothing (tables a stage has not made yet are simply absent)."""
        self.settings = settings
        self.path = settings.workspace
        self.read_only = read_only
        if read_only:
            if not settings.has_database():
                raise FileNotFoundError(f"{settings.workspace}: no {settings.engine} workspace here")
            self.engine = engine or open_engine(settings, read_only=True)
            return
        self.path.mkdir(parents=True, exist_ok=True)
        self.engine = engine or open_engine(settings)
        for spec in all_specs():
            self.engine.execute(spec.ddl())

    @property
    def tmp_dir(self) -> Path:
        d = self.path / "tmp"
        d.mkdir(exist_ok=True)
        return d

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def counts(self) -> dict[str, int]:
        return {
            spec.name: int(self.engine.scalar(f"SELECT count(*) FROM {spec.name}")) for spec in all_specs()
        }

    def manifest(self) -> dict[str, Any]:
        if self.settings.manifest_path.exists():
            data: dict[str, Any] = json.loads(self.settings.manifest_path.read_text("utf-8"))
            return data
        return {}

    def record(self, stage: str, details: dict[str, Any]) -> dict[str, Any]:
        """Write what a stage did into manifest.json, with inputs and row counts."""
        manifest = self.manifest()
        manifest.update(
            {
                "tradetrace": __version__,
                "engine": self.engine.name,
                "python": platform.python_version(),
                "workspace": str(self.path),
                "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        manifest["inputs"] = [
            {
                "load_id": r[0],
                "kind": r[1],
                "source": r[2],
                "sha256": r[3],
                "profile": r[4],
                "rows_loaded": r[5],
                "rows_quarantined": r[6],
            }
            for r in self.engine.fetchall(
                "SELECT load_id, kind, source, sha256, profile, rows_loaded, rows_quarantined "
                "FROM loads ORDER BY loaded_at, load_id"
            )
        ]
        manifest["lists"] = [
            {
                "version_id": r[0],
                "list_id": r[1],
                "as_of": r[2],
                "sha256": r[3],
                "entries": r[4],
                "active": r[5],
            }
            for r in self.engine.fetchall(
                "SELECT version_id, list_id, as_of, sha256, entries, active FROM list_versions "
                "ORDER BY list_id, as_of, version_id"
            )
        ]
        manifest.setdefault("stages", {})[stage] = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            **details,
        }
        manifest["row_counts"] = self.counts()
        self.settings.manifest_path.write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str), "utf-8"
        )
        return manifest
