"""Write the small OFAC SDN extract that tradetrace ships for its demo.

The extract is a verbatim subset of the official OFAC SDN four-file CSV set
(US public domain): the rows of sdn.csv, alt.csv, add.csv and
sdn_comments.csv whose ent_num is in ENTRIES. Run from the project root:

    python scripts/make_list_extract.py ../shared/data/lists/ofac_sdn_2024-05

Only needed when the chosen entries change; the output is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Russian defence-industrial companies (with Tax ID remarks), one Chinese
# machinery supplier and one Turkish trader, all listed under RUSSIA-EO14024
# or UKRAINE-EO13661 in the May 2024 SDN.
ENTRIES = [
    "37699",
    "16865",
    "16911",
    "23563",
    "17255",
    "35340",
    "35341",
    "35345",
    "35887",
    "37670",
    "35867",
    "37526",
    "37781",
    "35889",
    "35864",
    "37524",
    "46643",
    "45779",
    "45784",
    "41861",
]
OUT = Path("src/tradetrace/data/lists/ofac_sdn_extract")


def main(src: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = set(ENTRIES)
    for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
        raw = (Path(src) / name).read_bytes().decode("utf-8", errors="strict")
        kept = [line for line in raw.splitlines(keepends=True) if line.split(",", 1)[0] in wanted]
        (OUT / name).write_text("".join(kept), encoding="utf-8", newline="")
        print(f"{name}: {len(kept)} rows")


if __name__ == "__main__":
    main(sys.argv[1])
