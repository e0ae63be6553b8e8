"""The whole pipeline on one machine (DuckDB), every README stage against DuckDB's raw read.

    python bench/pipeline.py [--rows 10000000] [--seed 7]

Simulates the rows once (bench/out/sim-ROWS-SEED/, shared with bench/detect.py and
bench/engines.py) and runs every stage as the README does, in a fresh workspace:
ingest, lists load, screen, resolve, related-party leads, detect (each detector), cases
and the graph. The baseline, measured in the same run, is DuckDB's raw read of the
shipments file. It prints each stage's time, its ratio to that read, and the issue's
one-machine targets: screen and resolve each within 2x the ingest time, the whole
pipeline within 6x the raw read, each with how far the run is from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engines import prepare, run

from detect import OUT
from tradetrace.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    folder, base = prepare(args.rows, args.seed)
    settings = Settings(workspace=OUT / f"pipeline-{args.rows}-{args.seed}", progress=False)
    times, findings = run(settings, folder)
    detect = sum(t for s, t in times.items() if s.startswith("detect:"))
    stages = {k: v for k, v in times.items() if not k.startswith("detect:")}
    stages["detect (all detectors)"] = detect
    total = sum(times.values())
    print(f"\n{'stage':28} {'seconds':>9} {'/read':>7}")
    for stage, t in stages.items():
        print(f"{stage:28} {t:9.1f} {t / base:7.1f}")
    print(f"{'total':28} {total:9.1f} {total / base:7.1f}   ({len(findings)} findings)")
    ingest = times["ingest"]
    print("\ntargets (2 cores):")
    for name, value, limit in (
        ("screen / ingest", times["screen"] / ingest, 2.0),
        ("resolve / ingest", times["resolve"] / ingest, 2.0),
        ("total / raw read", total / base, 6.0),
    ):
        verdict = "met" if value <= limit else f"not met: {value / limit:.1f}x the limit"
        print(f"  {name:18} {value:7.1f} (limit {limit:.0f}) {verdict}")


if __name__ == "__main__":
    main()
