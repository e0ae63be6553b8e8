"""Read the OFAC SDN extract bundled with tradetrace (official four-file CSV format)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from importlib import resources

EXTRACT = ("data", "lists", "ofac_sdn_extract")
_TAX = re.compile(r"Tax ID No\. (\d+) \(Russia\)")
_REG = re.compile(r"Registration (?:Number|ID) (\d+) \(Russia\)")
_EST = re.compile(r"Organization Established Date (\d{1,2} \w{3} \d{4})")


@dataclass(frozen=True)
class SdnEntry:
    ent_num: int
    name: str
    sdn_type: str
    programs: str
    remarks: str
    aliases: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)

    @property
    def tax_id(self) -> str | None:
        m = _TAX.search(self.remarks)
        return m.group(1) if m else None

    @property
    def established(self) -> str | None:
        m = _EST.search(self.remarks)
        return dt.datetime.strptime(m.group(1), "%d %b %Y").date().isoformat() if m else None

    @property
    def registration_no(self) -> str | None:
        m = _REG.search(self.remarks)
        return m.group(1) if m else None


def _read(name: str) -> list[list[str]]:
    path = resources.files("tradetrace")
    for part in EXTRACT:
        path = path.joinpath(part)
    raw = path.joinpath(name).read_bytes().decode("utf-8", errors="replace")
    rows = csv.reader(io.StringIO(raw))
    return [[None if c.strip() == "-0-" else c.strip() for c in row] for row in rows if row]  # type: ignore[misc]


def load_extract() -> dict[int, SdnEntry]:
    """Entries of the bundled extract by ent_num, with their aliases and addresses."""
    aliases: dict[int, list[str]] = {}
    for row in _read("alt.csv"):
        if len(row) >= 4 and row[0] and row[3]:
            aliases.setdefault(int(row[0]), []).append(row[3])
    addresses: dict[int, list[str]] = {}
    for row in _read("add.csv"):
        if len(row) >= 5 and row[0]:
            parts = [p for p in row[2:5] if p]
            addresses.setdefault(int(row[0]), []).append(", ".join(parts))
    out: dict[int, SdnEntry] = {}
    for row in _read("sdn.csv"):
        if len(row) < 12 or not row[0]:
            continue
        num = int(row[0])
        out[num] = SdnEntry(
            num,
            row[1] or "",
            row[2] or "",
            row[3] or "",
            row[11] or "",
            aliases.get(num, []),
            addresses.get(num, []),
        )
    return out
