"""The same pipeline on Spark (local mode) and on DuckDB gives the same findings, cases and
clusters, and every statement it runs answers the same on both engines."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.engine.lockstep import Lockstep
from tradetrace.engine.duckdb import DuckDBEngine
from tradetrace.engine.spark import SparkEngine
from tradetrace.pipeline import load_simulation, screen_resolve_detect
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

ROWS = 3_000  # the smallest simulation that holds every planted scheme
SEED = 11


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sim")
    return dict(simulate(out, rows=ROWS, seed=SEED, formats=("csv",)).files)


def _pipeline(ws: Workspace, files: dict[str, Path]) -> None:
    from tradetrace.cases.build import build_cases

    load_simulation(ws, files)
    screen_resolve_detect(ws)
    build_cases(ws.engine)


def _results(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    e = ws.engine
    return {
        "findings": e.fetchall(
            "SELECT finding_id, detector, flags, severity, round(score, 6), round(value_usd, 2), entities, "
            "record_ids, period_start, period_end FROM findings ORDER BY finding_id"
        ),
        "cases": e.fetchall(
            "SELECT case_id, rank, round(score, 6), severity, flags, finding_ids, entities FROM cases ORDER BY rank"
        ),
        "clusters": e.fetchall("SELECT cluster_id, mention_id, rule FROM party_clusters ORDER BY mention_id"),
        "matches": e.fetchall(
            "SELECT match_id, party_key, entry_id, round(score, 6) FROM party_matches ORDER BY match_id"
        ),
        "shipments": e.fetchall("SELECT count(*), round(sum(value_usd), 2) FROM shipments"),
        "quarantine": e.fetchall("SELECT kind, source_row, reason FROM quarantine ORDER BY kind, source_row"),
    }


def test_a_spark_workspace_holds_the_same_findings_cases_and_clusters(
    files: dict[str, Path], tmp_path: Path
) -> None:
    duck = Settings(workspace=tmp_path / "duck")
    spark = replace(duck, workspace=tmp_path / "spark", engine="spark", spark_master="local[2]")
    got = {}
    for settings in (duck, spark):
        with Workspace(settings) as ws:
            _pipeline(ws, files)
            got[settings.engine] = _results(ws)
    for table, rows in got["duckdb"].items():
        assert rows == got["spark"][table], table
    assert len(got["duckdb"]["findings"]) >= 10 and got["duckdb"]["cases"]
    # the Spark tables are Parquet, shipments partitioned by month, and DuckDB reads them as written
    folder = tmp_path / "spark" / "spark" / "tables" / "shipments" / "v1"
    months = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert len(months) >= 12 and all(m.startswith("_month=20") for m in months), months
    import duckdb

    glob = str(tmp_path / "spark" / "spark" / "tables" / "shipments" / "v1" / "**" / "*.parquet")
    read = duckdb.connect().execute(
        f"SELECT count(*), round(sum(value_usd), 2) FROM read_parquet('{glob}', hive_partitioning = true)"
    )
    assert read.fetchall() == got["duckdb"]["shipments"]


def test_every_statement_of_the_pipeline_answers_the_same_on_both_engines(
    files: dict[str, Path], tmp_path: Path
) -> None:
    from tradetrace.export import export
    from tradetrace.graph.build import build_graph

    settings = Settings(workspace=tmp_path / "ws")
    settings.workspace.mkdir()
    lock = Lockstep(DuckDBEngine(settings.database_path), SparkEngine(settings.workspace, "local[2]"))
    with Workspace(settings, engine=lock) as ws:
        _pipeline(ws, files)
        build_graph(ws)
        case = ws.engine.scalar("SELECT case_id FROM cases ORDER BY rank LIMIT 1")
        for fmt in ("ftm", "parquet"):
            export(ws, fmt, tmp_path / f"case.{fmt}", case_id=str(case))
    assert lock.calls > 500
    assert not lock.differences, "\n".join(str(d) for d in lock.differences[:5])
