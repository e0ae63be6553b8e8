"""The whole pipeline on DuckDB and on Spark, per stage and per detector, with the ratio.

    python bench/engines.py [--rows 10000000] [--seed 7] [--spark-master local[2]]
                            [--engines duckdb,spark] [--json out.json]

Simulates the rows once (bench/out/sim-ROWS-SEED/, shared with bench/detect.py),
then for each engine, in a fresh workspace, times every stage as the README
runs them: ingest (shipments, parties, relations, payments), lists load,
screen, resolve, related-party leads, each detector alone, cases, and the
graph. The baseline, measured in the same run, is DuckDB's raw read of the
shipments file (``count(*)`` over ``read_csv``); every time is printed with its
ratio to that read and, for Spark, its ratio to DuckDB's time for the stage.

The findings of both engines are compared at the end (same ids and scores).
Spark pays a fixed cost per statement (planning, a job, a Parquet write):
on small data that cost dominates, and the ratio shows the overhead paid for
running on many machines. Absolute times depend on the machine: compare ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from detect import OUT, data
from tradetrace.cases.build import build_cases
from tradetrace.detect.base import registered
from tradetrace.detect.runner import run_detectors
from tradetrace.graph.build import build_graph
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.lists.store import load_list
from tradetrace.resolve.cluster import cluster_parties
from tradetrace.resolve.related import related_leads
from tradetrace.resolve.screen import screen_workspace
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace


def raw_read(path: Path) -> float:
    """Seconds DuckDB takes to read every line of ``path`` (the baseline)."""
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar = true)").fetchall()
    return time.perf_counter() - t


def prepare(rows: int, seed: int) -> tuple[Path, float]:
    """The simulated files for (rows, seed), and DuckDB's raw read of the shipments (the baseline)."""
    folder = data(rows, seed)
    base = raw_read(folder / "shipments.csv")
    size = (folder / "shipments.csv").stat().st_size
    print(f"{rows:,} shipment rows ({size / 1e6:,.0f} MB CSV); DuckDB raw read: {base:.2f} s", flush=True)
    return folder, base


def run(settings: Settings, folder: Path) -> tuple[dict[str, float], list[tuple[Any, ...]]]:
    """Every stage on one engine; seconds per stage (detectors as ``detect:NAME``) and the findings."""
    times: dict[str, float] = {}

    def timed(stage: str, step: Callable[[], object]) -> None:
        t = time.perf_counter()
        step()
        times[stage] = time.perf_counter() - t
        print(f"  {settings.engine:6} {stage:34} {times[stage]:9.1f} s", flush=True)

    if settings.workspace.exists():
        shutil.rmtree(settings.workspace)
    t0 = time.perf_counter()
    with Workspace(settings) as ws:
        times["open"] = time.perf_counter() - t0

        def ingest() -> None:
            ingest_shipments(ws, folder / "shipments.csv", "canonical")
            for kind in ("parties", "relations", "payments"):
                ingest_table(ws, kind, folder / f"{kind}.csv")

        timed("ingest", ingest)
        timed("lists load", lambda: load_list(ws, None, None))
        timed("screen", lambda: screen_workspace(ws))
        timed("resolve", lambda: cluster_parties(ws))
        timed("related-party leads", lambda: related_leads(ws))
        for name in registered():
            timed(f"detect:{name}", lambda n=name: run_detectors(ws, [n]))
        timed("cases", lambda: build_cases(ws.engine))
        timed("graph", lambda: build_graph(ws))
        findings = ws.engine.fetchall("SELECT finding_id, round(score, 6) FROM findings ORDER BY finding_id")
    return times, findings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--json", type=Path, default=None, help="write the times as JSON here")
    args = ap.parse_args()
    folder, base = prepare(args.rows, args.seed)
    results: dict[str, dict[str, float]] = {}
    findings: dict[str, list[tuple[Any, ...]]] = {}
    for engine in args.engines.split(","):
        settings = replace(
            Settings(workspace=OUT / f"engines-{engine}-{args.rows}-{args.seed}"),
            engine=engine,
            spark_master=args.spark_master,
            progress=False,
        )
        results[engine], findings[engine] = run(settings, folder)
    print(f"\n{'stage':36} " + " ".join(f"{e:>10} {'/read':>7}" for e in results) + "   spark/duckdb")
    stages = list(next(iter(results.values())))
    for stage in [*stages, "total"]:
        cells = []
        for engine in results:
            t = sum(results[engine].values()) if stage == "total" else results[engine].get(stage, 0.0)
            cells.append(f"{t:10.1f} {t / base:7.1f}")
        ratio = ""
        if {"duckdb", "spark"} <= set(results):
            d = sum(results["duckdb"].values()) if stage == "total" else results["duckdb"][stage]
            s = sum(results["spark"].values()) if stage == "total" else results["spark"][stage]
            ratio = f"{s / d:10.1f}x" if d > 0 else ""
        print(f"{stage:36} " + " ".join(cells) + f"   {ratio}")
    if {"duckdb", "spark"} <= set(findings):
        same = findings["duckdb"] == findings["spark"]
        print(
            f"\nfindings: {len(findings['duckdb'])} on DuckDB, {len(findings['spark'])} on Spark; identical: {same}"
        )
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "raw_read_s": base, "stages": results}, indent=2))


if __name__ == "__main__":
    main()
