"""Write tests/data/matching/cldr_exemplar_cities.csv: the time-zone exemplar cities of CLDR (through
Babel) as each locale writes them, next to the English name: a labelled set of real transcriptions of
place names into 28 scripts and languages.

    python scripts/make_cldr_cities.py [--out tests/data/matching/cldr_exemplar_cities.csv]

The English name is CLDR's English exemplar city where it has one, else the zone id's last part
(``America/Sao_Paulo`` -> ``Sao Paulo``), as CLDR itself falls back.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import babel
from babel import Locale
from babel.core import get_cldr_version

LOCALES = [
    "ar",
    "fa",
    "ur",
    "he",
    "el",
    "ru",
    "uk",
    "bg",
    "sr",
    "mn",
    "kk",
    "ka",
    "hy",
    "am",
    "hi",
    "mr",
    "ne",
    "bn",
    "ta",
    "te",
    "si",
    "th",
    "lo",
    "km",
    "my",
    "ko",
    "ja",
    "zh",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("tests/data/matching/cldr_exemplar_cities.csv"))
    args = ap.parse_args()
    en = Locale.parse("en").time_zones
    rows = []
    for code in LOCALES:
        for zone, names in sorted(Locale.parse(code).time_zones.items()):
            local = names.get("city")
            if not local or "/" not in zone or zone.startswith("Etc/"):
                continue
            english = en.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
            rows.append({"locale": code, "zone": zone, "english": english, "local": local})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# CLDR {get_cldr_version()} exemplar cities through Babel {babel.__version__}\n")
        w = csv.DictWriter(fh, fieldnames=["locale", "zone", "english", "local"])
        w.writeheader()
        w.writerows(rows)
    print(f"{args.out}: {len(rows)} rows, {len(LOCALES)} locales")


if __name__ == "__main__":
    main()
