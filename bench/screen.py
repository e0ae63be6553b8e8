"""Screening throughput: 200,000 distinct party names against the full SDN with aliases.

    python bench/screen.py [--names 200000] [--workers 2] [--sample 300] [--seed 11]

Names: firm names in the scripts and styles of customs records (Russian,
Kazakh, Chinese, Taiwanese, Turkish, Emirati, German... with their record
spellings, from the project's simulator) plus the synthetic persons of
``negatives_global_50k.csv`` when ``../shared`` is there. Times (a)
``Screener.match_many`` over all names with ``--workers`` processes, index
build excluded and reported apart, and (b) a plain rapidfuzz brute force
(``process.extractOne`` with ``WRatio`` over every SDN name and alias) on a
``--sample`` of the same names; prints names per second of each and the
ratio. Absolute times depend on the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

from tradetrace.lists.store import load_list
from tradetrace.resolve.matcher import Query, Screener
from tradetrace.settings import Settings
from tradetrace.simulate.goods import _industry_goods
from tradetrace.simulate.names import NameBook, firm_name
from tradetrace.workspace import Workspace

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
COUNTRIES = (
    "RU",
    "RU",
    "RU",
    "KZ",
    "BY",
    "AM",
    "KG",
    "UZ",
    "CN",
    "CN",
    "HK",
    "TW",
    "TR",
    "TR",
    "AE",
    "DE",
    "IT",
    "IN",
    "US",
)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def party_names(n: int, seed: int) -> list[str]:
    """``n`` distinct names: simulated firm names with their variants, and negative persons."""
    names: dict[str, None] = {}
    persons = SHARED / "matching" / "negatives_global_50k.csv"
    if persons.exists():
        with persons.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                names[row["full_name"]] = None
    rng = np.random.default_rng(seed)
    book = NameBook()
    industries = sorted(_industry_goods())
    while len(names) < n:
        country = COUNTRIES[int(rng.integers(len(COUNTRIES)))]
        firm = firm_name(rng, country, industries[int(rng.integers(len(industries)))], book)
        for v in (firm.primary, *firm.variants, *firm.aliases):
            names[v] = None
    out = list(names)[:n]
    random.Random(seed).shuffle(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sdn", type=Path, default=SHARED / "lists" / "ofac_sdn_2024-05")
    ap.add_argument("--names", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=300, help="names for the brute-force baseline")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    print(f"seed {args.seed}")
    names = party_names(args.names, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(workspace=Path(tmp), progress=False))
        load_list(ws, args.sdn)
        t = time.perf_counter()
        screener = Screener.from_engine(ws.engine)
        build = time.perf_counter() - t
        ws.close()
    all_names = [n for entry in screener.index.entries for n, _t in entry.names]
    print(
        f"index: {len(screener.index.entries):,} entries, {len(all_names):,} names and aliases, built in {build:.1f} s"
    )

    t, cpu = time.perf_counter(), _cpu()
    results = screener.match_many([Query(n) for n in names], workers=args.workers)
    ours, ours_cpu = time.perf_counter() - t, _cpu() - cpu
    alerts = sum(1 for r in results if r)
    ours_rate = len(names) / ours
    print(
        f"tradetrace: {len(names):,} names in {ours:.1f} s with {args.workers} worker(s): "
        f"{ours_rate:,.0f} names/s ({len(names) / ours_cpu:,.0f} names per CPU-second); "
        f"{alerts:,} names ({alerts / len(names):.2%}) with a match at or above {screener.model.threshold}"
    )

    sample = random.Random(args.seed).sample(names, min(args.sample, len(names)))
    choices = [utils.default_process(n) for n in all_names]
    t, cpu = time.perf_counter(), _cpu()
    for n in sample:
        process.extractOne(utils.default_process(n), choices, scorer=fuzz.WRatio, processor=None)
    brute, brute_cpu = time.perf_counter() - t, _cpu() - cpu
    brute_rate = len(sample) / brute
    print(
        f"rapidfuzz WRatio brute force (1 process): {len(sample):,} names in {brute:.1f} s: "
        f"{brute_rate:,.1f} names/s ({len(sample) / brute_cpu:,.1f} names per CPU-second)"
    )
    print(
        f"ratio, wall clock: tradetrace ({args.workers} workers) / brute force (1 process) = {ours_rate / brute_rate:,.1f}x"
    )
    print(
        f"ratio, CPU time (unaffected by other load): {(len(names) / ours_cpu) / (len(sample) / brute_cpu):,.1f}x"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
