"""Party clustering against the simulator's truth, with baselines from the same run.

    python bench/cluster.py [--rows 1000000] [--seed 2024] [--threshold 0.9]

Simulates the rows once (kept in bench/out/), loads them into two workspaces, one with
everything (shipments, payments, the parties register and relations) and one without the
register (shipments and payments only: no aliases, fewer tax ids), and clusters each
party mention three ways:

* ``exact``: one cluster per name as written and country (no resolution at all);
* ``rules``: tax ids, register aliases and name keys across scripts (no splink);
* ``full``: rules then splink (what ``tradetrace resolve`` does).

Prints pairwise precision, recall and F1 against party_truth.csv, the seconds each run
took (each run in a fresh interpreter: transliteration caches are not shared), and the
leads ``related_leads`` finds. Absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.resolve.cluster import cluster_parties
from tradetrace.resolve.cluster_eval import PairwiseScores, pairwise_scores, read_truth, score_assignment
from tradetrace.resolve.related import related_leads
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

OUT = Path(__file__).resolve().parent / "out"


def data(rows: int, seed: int) -> dict[str, Path]:
    folder = OUT / f"sim-cluster-{rows}-{seed}"
    marker = folder / ".done"
    if not marker.exists():
        if folder.exists():
            shutil.rmtree(folder)
        print(f"simulating {rows:,} rows (seed {seed}) into {folder} ...", flush=True)
        t = time.perf_counter()
        simulate(folder, rows=rows, seed=seed)
        print(f"  simulated in {time.perf_counter() - t:.1f} s", flush=True)
        marker.touch()
    names = ("shipments", "payments", "parties", "relations", "party_truth")
    return {n: folder / ("shipments.csv" if n == "shipments" else f"{n}.csv") for n in names}


def workspace(files: dict[str, Path], folder: Path, register: bool) -> Workspace:
    if folder.exists():
        shutil.rmtree(folder)
    ws = Workspace(Settings(workspace=folder, progress=False))
    t = time.perf_counter()
    ingest_shipments(ws, files["shipments"], "canonical")
    for kind in ("payments", *(("parties", "relations") if register else ())):
        ingest_table(ws, kind, files[kind])
    print(f"  ingested in {time.perf_counter() - t:.1f} s", flush=True)
    return ws


def exact_baseline(ws: Workspace, truth: Path) -> PairwiseScores:
    rows = ws.engine.fetchall(
        "SELECT role, name, coalesce(tax_id, ''), coalesce(country, ''), name || '|' || coalesce(country, '') "
        "FROM party_mentions ORDER BY mention_id"
    )
    return score_assignment(rows, read_truth(truth))


def run_once(folder: Path, truth: Path, splink: bool, threshold: float) -> dict[str, Any]:
    """Cluster one workspace in this process (cold caches) and score it; for --run."""
    with Workspace(Settings(workspace=folder, progress=False)) as ws:
        t = time.perf_counter()
        result = cluster_parties(ws, threshold=threshold, use_splink=splink)
        seconds = time.perf_counter() - t
        scores = pairwise_scores(ws.engine, truth)
        out: dict[str, Any] = {"seconds": seconds, "summary": result.summary(), "phases": result.seconds}
        out["scores"] = asdict(scores)
        if splink:
            t = time.perf_counter()
            leads = related_leads(ws)
            out["leads"] = dict(sorted(Counter(x.kind for x in leads).items()))
            out["leads_seconds"] = time.perf_counter() - t
    return out


def in_subprocess(folder: Path, truth: Path, splink: bool, threshold: float) -> dict[str, Any]:
    """One clustering run in a fresh interpreter, so that no run profits from another's caches."""
    cmd = [
        sys.executable,
        __file__,
        "--run",
        str(folder),
        "--truth",
        str(truth),
        "--threshold",
        str(threshold),
    ]
    done = subprocess.run(
        [*cmd, *([] if splink else ["--no-splink"])], check=True, capture_output=True, text=True
    )
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def line(label: str, s: PairwiseScores, seconds: float | None) -> str:
    t = f"{seconds:7.1f} s" if seconds is not None else "       -"
    return (
        f"  {label:<6} P {s.precision:.4f}  R {s.recall:.4f}  F1 {s.f1:.4f}  clusters {s.clusters:>7,} "
        f"(entities {s.entities:,})  {t}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # internal: one run in this process
    ap.add_argument("--truth", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--no-splink", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        print(json.dumps(run_once(args.run, args.truth, not args.no_splink, args.threshold), default=str))
        return
    files = data(args.rows, args.seed)
    truth = files["party_truth"]
    for register in (True, False):
        label = "with the parties register" if register else "without the register (shipments + payments)"
        print(f"\n{args.rows:,} rows, seed {args.seed}, {label}:", flush=True)
        folder = OUT / f"ws-cluster-{args.rows}-{args.seed}-{int(register)}"
        ws = workspace(files, folder, register)
        ws.close()
        rules = in_subprocess(folder, truth, False, args.threshold)
        full = in_subprocess(folder, truth, True, args.threshold)
        with Workspace(Settings(workspace=folder, progress=False)) as ws:
            exact = exact_baseline(ws, truth)
        print(f"  {full['summary']}")
        print(f"  phases (s): {full['phases']}")
        print(line("exact", exact, None))
        print(line("rules", PairwiseScores(**rules["scores"]), rules["seconds"]))
        print(line("full", PairwiseScores(**full["scores"]), full["seconds"]))
        n = sum(full["leads"].values())
        print(f"  leads: {n:,} in {full['leads_seconds']:.1f} s: {full['leads']}")


if __name__ == "__main__":
    main()
