"""Ingest throughput against DuckDB's own reader on the same file.

    python bench/ingest.py [--rows 10000000] [--seed 7] [--formats csv,parquet]

Simulates the rows once (kept in bench/out/), then for each format times
(a) DuckDB reading the file into a table on its own (auto-detected types, the
limit nothing can beat) and (b) `tradetrace ingest shipments` (parse, validate,
normalise countries / HS / money, quarantine, register the load), each in a
fresh database. Prints rows, seconds, rows/s and the ratio (b)/(a); the target
is within 2x. Absolute times depend on the machine: compare ratios.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

OUT = Path(__file__).resolve().parent / "out"


def data(rows: int, seed: int, formats: list[str]) -> dict[str, Path]:
    from tradetrace.simulate import simulate

    folder = OUT / f"sim-{rows}-{seed}"
    marker = folder / f".done-{'-'.join(formats)}"
    if not marker.exists():
        if folder.exists():
            shutil.rmtree(folder)
        print(f"simulating {rows:,} rows (seed {seed}) into {folder} ...", flush=True)
        t = time.perf_counter()
        simulate(folder, rows=rows, seed=seed, formats=tuple(formats))
        print(f"  simulated in {time.perf_counter() - t:.1f} s", flush=True)
        marker.touch()
    names = {"csv": "shipments.csv", "parquet": "shipments.parquet"}
    return {f: folder / names[f] for f in formats}


def duckdb_read(path: Path, db: Path) -> tuple[float, int]:
    con = duckdb.connect(str(db))
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")
    elapsed = time.perf_counter() - t
    n = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return elapsed, int(n[0]) if n else 0


def tradetrace_ingest(path: Path, workspace: Path) -> tuple[float, int]:
    with Workspace(Settings(workspace=workspace, progress=False)) as ws:
        t = time.perf_counter()
        result = ingest_shipments(ws, path)
        elapsed = time.perf_counter() - t
    return elapsed, result.rows_loaded + result.rows_quarantined


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--formats", default="csv,parquet")
    args = ap.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    files = data(args.rows, args.seed, formats)
    print(
        f"{'format':<8} {'rows':>12} {'duckdb s':>9} {'ours s':>8} {'duckdb rows/s':>14} {'ours rows/s':>12} {'ratio':>6}"
    )
    for fmt, path in files.items():
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            base_s, base_n = duckdb_read(path, Path(tmp) / "plain.duckdb")
            ours_s, ours_n = tradetrace_ingest(path, Path(tmp) / "ws")
        print(
            f"{fmt:<8} {ours_n:>12,} {base_s:>9.1f} {ours_s:>8.1f} {base_n / base_s:>14,.0f} "
            f"{ours_n / ours_s:>12,.0f} {ours_s / base_s:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
