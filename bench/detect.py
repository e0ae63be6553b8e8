"""Every detector on simulated rows, against one full-scan aggregate over the same table.

    python bench/detect.py [--rows 10000000] [--seed 7] [--threads 2] [--memory-limit 6GB]
                           [--only route_switch,price_anomaly] [--findings-out findings.jsonl]
                           [--reuse-workspace]

Simulates the rows once (kept in bench/out/sim-ROWS-SEED/, shared with
bench/ingest.py), ingests shipments, parties, relations and payments into a
fresh workspace, loads the shipped list extract, and screens, clusters and
finds related-party leads as ``tradetrace demo`` does (some detectors read
their tables; these steps are timed apart, they are not detectors). Then, with
DuckDB on ``--threads`` threads, it times:

* the floor: one full-scan grouping aggregate over ``shipments`` touching the
  main columns (importer, goods, value, date, countries), which no detector
  reading the shipments can beat;
* each detector alone (``run_detectors(ws, names=[name])``, in registry
  order, sharing what one ``tradetrace detect`` run shares: the restricted
  lines are built by the first detector that needs them).

Prints the data size, per-detector seconds, findings and ratio to the floor,
the total and total/floor (the issue's aim: under 40x), and the peak resident
memory of the detection phase (DuckDB runs in-process, so it is counted). The
issue's target for 10M rows on 2 cores is 60 s and 8 GB. Absolute times depend
on the machine: compare ratios.

``--reuse-workspace`` keeps the ingested and resolved workspace in bench/out/
and skips straight to detection on reruns (for profiling); ``--findings-out``
writes every finding (finding_id, score, record_ids, metrics...) as JSON lines,
sorted by id (to check that an optimisation changes no finding).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType

from tradetrace.detect.base import registered
from tradetrace.detect.findings import read_findings
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.lists.store import load_list
from tradetrace.resolve.cluster import cluster_parties
from tradetrace.resolve.related import related_leads
from tradetrace.resolve.screen import screen_workspace
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

OUT = Path(__file__).resolve().parent / "out"
FLOOR_SQL = """SELECT importer_tax_id, hs6, origin_country, destination_country, count(*) AS n,
  sum(value_usd) AS usd, min(date) AS first, max(date) AS last
FROM shipments GROUP BY ALL"""


def data(rows: int, seed: int) -> Path:
    """The simulated files for (rows, seed), made once; any earlier run's CSV will do."""
    folder = OUT / f"sim-{rows}-{seed}"
    if (folder / "shipments.csv").exists() and any(folder.glob(".done*")):
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    print(f"simulating {rows:,} rows (seed {seed}) into {folder} ...", flush=True)
    t = time.perf_counter()
    simulate(folder, rows=rows, seed=seed, formats=("csv",))
    print(f"  simulated in {time.perf_counter() - t:.1f} s", flush=True)
    (folder / ".done-csv").touch()
    return folder


def _rss_kb() -> int:
    """Resident set size of this process now, in kB (Linux /proc; else the peak so far)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


@dataclass
class PeakRss:
    """Samples the process's resident memory in a background thread while the block runs."""

    interval: float = 0.02
    peak_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _rss_kb())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self.peak_kb = _rss_kb()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_kb = max(self.peak_kb, _rss_kb())

    @property
    def gb(self) -> float:
        return self.peak_kb / 1024 / 1024


def timed(label: str, fn: Callable[[], str | None]) -> float:
    """Run one preparation step; print its seconds and its summary line."""
    t = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t
    print(f"  {label:<28} {elapsed:>8.1f} s" + (f"  {out}" if out else ""), flush=True)
    return elapsed


def prepare(ws: Workspace, folder: Path) -> None:
    """Ingest, load the list extract, screen, cluster, find leads: timed, not detectors."""
    print("preparing the workspace (not part of the detection timings):", flush=True)
    timed("ingest shipments", lambda: ingest_shipments(ws, folder / "shipments.csv").summary())

    def ingest(kind: str) -> str:
        return ingest_table(ws, kind, folder / f"{kind}.csv").summary()

    for kind in ("parties", "relations", "payments"):
        timed(f"ingest {kind}", partial(ingest, kind))
    timed("load list extract", lambda: load_list(ws, None, None).summary())
    timed("screen parties", lambda: screen_workspace(ws).summary())
    timed("cluster parties", lambda: cluster_parties(ws).summary())
    timed("related-party leads", lambda: f"{len(related_leads(ws)):,} leads")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads (the issue's target: 2 cores)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 6GB (default: DuckDB's)")
    ap.add_argument("--only", default="", help="comma-separated detectors (default: all registered)")
    ap.add_argument("--findings-out", type=Path, default=None, help="write every finding as JSON lines")
    ap.add_argument("--reuse-workspace", action="store_true", help="keep the prepared workspace for reruns")
    args = ap.parse_args()

    folder = data(args.rows, args.seed)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(registered())
    wsdir = OUT / f"detect-ws-{args.rows}-{args.seed}"
    ready = wsdir / ".prepared"
    fresh = not (args.reuse_workspace and ready.exists())
    if fresh and wsdir.exists():
        shutil.rmtree(wsdir)
    settings = Settings(workspace=wsdir, progress=False, threads=args.threads, memory_limit=args.memory_limit)
    try:
        with Workspace(settings) as ws:
            if fresh:
                prepare(ws, folder)
                ready.touch()
            else:
                print(f"reusing the prepared workspace {wsdir}", flush=True)
            n_rows = int(ws.engine.scalar("SELECT count(*) FROM shipments"))
            n_pay = int(ws.engine.scalar("SELECT count(*) FROM payments"))
            n_par = int(ws.engine.scalar("SELECT count(*) FROM parties"))
            size = os.path.getsize(settings.database_path) / 1e6
            print(
                f"\nshipments {n_rows:,}; payments {n_pay:,}; parties {n_par:,}; "
                f"database {size:,.0f} MB; DuckDB threads {args.threads}; "
                f"memory_limit {args.memory_limit or 'default'}",
                flush=True,
            )
            # the floor, twice: the first run warms the buffer pool as the first detector's would
            ws.engine.fetchall(FLOOR_SQL)
            t = time.perf_counter()
            groups = len(ws.engine.fetchall(FLOOR_SQL))
            floor = time.perf_counter() - t
            print(f"floor: full-scan aggregate into {groups:,} groups: {floor:.2f} s\n", flush=True)

            print(f"{'detector':<20} {'seconds':>8} {'findings':>9} {'x floor':>8} {'peak RSS GB':>12}")
            total = 0.0
            with PeakRss() as phase:
                for name in names:
                    with PeakRss() as one:
                        t = time.perf_counter()
                        found = run_detectors(ws, names=[name])
                        elapsed = time.perf_counter() - t
                    total += elapsed
                    print(
                        f"{name:<20} {elapsed:>8.2f} {len(found[name]):>9,} {elapsed / floor:>8.1f} "
                        f"{one.gb:>12.2f}",
                        flush=True,
                    )
            print(
                f"{'total':<20} {total:>8.2f} {'':>9} {total / floor:>8.1f} {phase.gb:>12.2f}\n"
                f"\n{n_rows:,} rows: detectors {total:.1f} s = {total / floor:.1f}x the floor "
                f"({floor:.2f} s); peak RSS while detecting {phase.gb:.2f} GB",
                flush=True,
            )
            if args.findings_out is not None:
                with args.findings_out.open("w", encoding="utf-8") as f:
                    for fd in sorted(read_findings(ws.engine), key=lambda d: str(d["finding_id"])):
                        f.write(json.dumps(fd, sort_keys=True, default=str) + "\n")
                print(f"findings written to {args.findings_out}")
    finally:
        if not args.reuse_workspace and wsdir.exists():
            shutil.rmtree(wsdir)


if __name__ == "__main__":
    main()
