"""The BIS Denied Persons List, ``dpl.txt`` (tab-separated, quoted, with a header).

Columns: Name, Street_Address, City, State, Country, Postal_Code,
Effective_Date, Expiration_Date (MM/DD/YYYY), Standard_Order, Last_Update
(YYYY-MM-DD), Action, FR_Citation. The file has one row per name and
address, and no ids: rows with the same name and effective date are one
denial order and become one entry with several addresses; its id is a hash
of name and date, so it is stable across versions.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date
from pathlib import Path

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import Address, Entry, ListData, ListSource, clean, us_date
from tradetrace.lists.textio import csv_dicts, read_text

PUBLISHER = "US Department of Commerce, Bureau of Industry and Security (BIS)"
COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)


def collect(path: Path) -> ListSource:
    return ListSource("dpl", path, (path,))


def is_dpl_header(first_line: str) -> bool:
    cols = [c.strip().strip('"') for c in first_line.split("\t")]
    return cols[:2] == ["Name", "Street_Address"]


def read(source: ListSource) -> ListData:
    path = source.path
    data = ListData("us-bis-dpl", PUBLISHER, "dpl", [path])
    by_key: dict[str, Entry] = {}
    updates: list[date] = []
    for line, row in csv_dicts(path, read_text(path), delimiter="\t"):
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise IngestError(f"{path}: not a Denied Persons List file (missing {', '.join(missing)})")
        data.rows_read += 1
        name = clean(row["Name"])
        if name is None:
            raise IngestError(f"{path}: line {line}: row has no name")
        effective = us_date(row["Effective_Date"])
        key = f"{name}\x1f{effective}"
        entry = by_key.get(key)
        if entry is None:
            entry_id = "dpl-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
            entry = Entry(entry_id, "unknown", name, path.name, line, listed_on=effective, programs=["DPL"])
            by_key[key] = entry
            data.entries.append(entry)
        city = ", ".join(v for k in ("City", "State") if (v := clean(row[k])))
        entry.add_address(
            Address.of(
                country_name=row["Country"],
                street=row["Street_Address"],
                city=city,
                postal_code=row["Postal_Code"],
            )
        )
        expires = us_date(row["Expiration_Date"])
        entry.add_extra("expires_on", expires.isoformat() if expires else None)
        for key_, col in (
            ("standard_order", "Standard_Order"),
            ("action", "Action"),
            ("federal_register", "FR_Citation"),
            ("last_update", "Last_Update"),
        ):
            entry.add_extra(key_, clean(row[col]))
        if (stamp := clean(row["Last_Update"])) and len(stamp) == 10:
            with contextlib.suppress(ValueError):
                updates.append(date.fromisoformat(stamp))
    if not data.entries:
        raise IngestError(f"{path}: no rows")
    plausible = [d for d in updates if d <= date.today()]
    if plausible:
        data.as_of = max(plausible)
        data.as_of_basis = "latest Last_Update in the file"
    if len(plausible) < len(updates):
        data.note(
            f"{path.name}: {len(updates) - len(plausible)} Last_Update values in the future "
            "(typing errors in the file) ignored for the as-of date"
        )
    data.note(
        f"{path.name}: {data.rows_read:,} rows (one per name and address) make "
        f"{len(data.entries):,} entries (one per name and order date)"
    )
    return data
