"""Loading the full OFAC SDN set against a plain ``csv`` module parse of the same files.

    python bench/lists.py [--sdn ../shared/data/lists/ofac_sdn_2024-05] [--repeat 3]

Times (a) Python's ``csv`` module reading sdn.csv, alt.csv, add.csv and
sdn_comments.csv into lists of rows (nothing else: the floor for any
pure-Python reader) and (b) ``tradetrace lists load`` of the same folder into
a fresh workspace (parse remarks into identifiers, dates and links, resolve
relations, normalise countries, write five tables in one transaction). Prints
the best of ``--repeat`` runs of each and the ratio (b)/(a). Absolute times
depend on the machine: compare ratios; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from tradetrace.lists.ofac_csv import SETS
from tradetrace.lists.store import load_list
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists" / "ofac_sdn_2024-05"


def plain_csv(folder: Path) -> tuple[float, int]:
    fs = SETS[0]
    t = time.perf_counter()
    rows = 0
    for name in (fs.main, fs.alt, fs.add, fs.comments):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            rows += sum(1 for _ in csv.reader(fh))
    return time.perf_counter() - t, rows


def tradetrace_load(folder: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(workspace=Path(tmp) / "ws", progress=False))
        try:
            t = time.perf_counter()
            result = load_list(ws, folder, "ofac-csv")
            elapsed = time.perf_counter() - t
        finally:
            ws.close()
    return elapsed, result.entries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sdn", type=Path, default=DEFAULT, help="folder with sdn.csv etc.")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not (args.sdn / "sdn.csv").exists():
        raise SystemExit(f"{args.sdn}: no sdn.csv (pass --sdn FOLDER)")
    # warm up once: imports, the country table and the file cache are not what we measure
    tradetrace_load(args.sdn)
    base = min((plain_csv(args.sdn) for _ in range(args.repeat)), key=lambda r: r[0])
    ours = min((tradetrace_load(args.sdn) for _ in range(args.repeat)), key=lambda r: r[0])
    print(f"{'what':<34} {'records':>9} {'seconds':>8}")
    print(f"{'csv module, 4 files':<34} {base[1]:>9,} {base[0]:>8.3f}")
    print(f"{'tradetrace lists load (entries)':<34} {ours[1]:>9,} {ours[0]:>8.3f}")
    print(
        f"ratio (tradetrace / csv module): {ours[0] / base[0]:.1f}x "
        f"(best of {args.repeat}; compare ratios, not seconds)"
    )


if __name__ == "__main__":
    main()
