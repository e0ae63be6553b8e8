"""The US Consolidated Screening List, ``consolidated.csv`` (trade.gov).

One row per entry of eleven US lists (Entity List, MEU, UVL, DPL, SDN, SSI,
ISN, DTC...), the list named in ``source``. Two layouts are in use: the
current one starts with an ``_id`` column; the older (to about 2020) has no
``_id``. Multi-valued fields are ``;``-separated; addresses end with the
ISO country code; ``ids`` items are ``Type, Number, Country`` (current) or
``Country, Number, Type`` / ``Number, Type`` (older).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import (
    Address,
    Entry,
    ListData,
    ListSource,
    clean,
    country_code,
    parse_date,
    resolve_relations,
    to_date,
)
from tradetrace.lists.remarks import apply_remarks, label_type, make_identifier
from tradetrace.lists.textio import csv_dicts, read_text

PUBLISHER = "US International Trade Administration (Consolidated Screening List)"
REQUIRED = {"source", "entity_number", "type", "programs", "name", "addresses", "alt_names", "ids"}
KINDS = {"individual": "person", "entity": "company", "vessel": "vessel", "aircraft": "aircraft"}
NOT_IDS = (
    "gender",
    "secondary sanctions",
    "additional sanctions",
    "transactions prohibited",
    "executive order",
    "caatsa",
    "subject to",
    "organization established",
    "organization type",
    "target type",
    "title",
    "listing date",
    "effective date",
)
_CODE = re.compile(r"^[A-Z]{2}$")


def collect(path: Path) -> ListSource:
    return ListSource("csl", path, (path,))


def is_csl_header(first_line: str) -> bool:
    cols = {c.strip().strip('"') for c in first_line.split(",")}
    return cols >= REQUIRED


def read(source: ListSource) -> ListData:
    path = source.path
    data = ListData("us-csl", PUBLISHER, "csl", [path])
    rows = csv_dicts(path, read_text(path))
    ids: dict[str, int] = {}
    layout = "older (no _id)"
    for line, row in rows:
        if "_id" in row:
            layout = "current (_id)"
        if not row.keys() >= REQUIRED:
            missing = ", ".join(sorted(REQUIRED - row.keys()))
            raise IngestError(f"{path}: not a Consolidated Screening List file (missing {missing})")
        entry = _entry(path, line, row)
        base = entry.entry_id
        ids[base] = ids.get(base, 0) + 1
        if ids[base] > 1:  # same generated id twice: keep both, numbered in file order
            entry.entry_id = f"{base}-{ids[base]}"
        data.entries.append(entry)
        data.rows_read += 1
    if not data.entries:
        raise IngestError(f"{path}: no rows")
    data.note(
        f"{path.name}: {layout} layout; sub-lists: "
        + ", ".join(sorted({e.sublist or "?" for e in data.entries}))
    )
    resolve_relations(data.entries)
    return data


def _entry(path: Path, line: int, row: dict[str, str]) -> Entry:
    name = clean(row["name"])
    if name is None:
        raise IngestError(f"{path}: line {line}: row has no name")
    entry_id = clean(row.get("_id")) or clean(row.get("entity_number")) or _stable_id(row)
    kind = KINDS.get((clean(row["type"]) or "").lower(), "unknown")
    entry = Entry(
        entry_id,
        kind,
        name,
        path.name,
        line,
        sublist=clean(row["source"]),
        remarks=clean(row.get("remarks")),
        listed_on=to_date(row.get("start_date")),
    )
    entry.add_extra("entity_number", clean(row["entity_number"]))
    for program in _split(row["programs"]):
        entry.add_program(program)
    for alias in _split(row["alt_names"]):
        entry.add_name(alias, "aka")
    for raw in _split(row["addresses"]):
        entry.add_address(_address(raw))
    for key in ("citizenships", "nationalities"):
        for value in _split(row.get(key, "")):
            entry.add_country(value)
    for value in _split(row.get("dates_of_birth", "")):
        entry.add_birth_date(parse_date(value) or value)
    for value in _split(row.get("places_of_birth", "")):
        entry.add_extra("places_of_birth", value)
    for item in _split(row["ids"]):
        _add_id(entry, item)
    for key in (
        "title",
        "federal_register_notice",
        "end_date",
        "standard_order",
        "license_requirement",
        "license_policy",
        "call_sign",
        "vessel_type",
        "gross_tonnage",
        "gross_registered_tonnage",
        "vessel_flag",
        "vessel_owner",
        "source_list_url",
        "source_information_url",
    ):
        entry.add_extra(key, clean(row.get(key)))
    entry.add_country(row.get("vessel_flag"))
    if entry.remarks and ";" in entry.remarks:
        apply_remarks(entry, entry.remarks)
    return entry


def _stable_id(row: dict[str, str]) -> str:
    key = "\x1f".join(
        clean(row.get(k)) or ""
        for k in ("source", "name", "addresses", "start_date", "federal_register_notice")
    )
    return "csl-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _split(value: str | None) -> list[str]:
    return [v for part in (value or "").split(";") if (v := clean(part))]


def _address(raw: str) -> Address | None:
    parts = [p.strip() for p in raw.split(",")]
    code = parts[-1] if parts and _CODE.match(parts[-1]) else None
    if code and country_code(code) == code:
        parts = parts[:-1]
    else:
        code = None
    street = clean(", ".join(parts))
    if street is None and code is None:
        return None
    return Address(street=street, country=code, full=clean(raw))


def _add_id(entry: Entry, item: str) -> None:
    """One ``ids`` item, in either layout; non-identifiers go to ``extra``."""
    parts = [p.strip() for p in item.split(",") if p.strip()]
    if not parts:
        return
    lowered = item.lower()
    if any(lowered.startswith(p) or f", {p}" in lowered for p in NOT_IDS):
        key = "gender" if "gender" in lowered else "sanctions_info"
        value = ", ".join(p for p in parts if p.lower() != "gender") if key == "gender" else item
        entry.add_extra(key, value)
        return
    country = None
    if len(parts) >= 3 and _CODE.match(parts[-1]):
        country, parts = parts[-1], parts[:-1]
    elif len(parts) >= 3 and _CODE.match(parts[0]):
        country, parts = parts[0], parts[1:]
    if len(parts) == 1:
        label, number = "Identification Number", parts[0]
    elif label_type(parts[0]) or (_is_label(parts[0]) and not label_type(parts[-1])):
        label, number = parts[0], ", ".join(parts[1:])
    else:
        label, number = parts[-1], ", ".join(parts[:-1])
    low = label.lower()
    type_ = label_type(label) or (
        "website"
        if "website" in low
        else "email"
        if "email" in low
        else "crypto_wallet"
        if "digital currency" in low
        else "other"
    )
    ident = make_identifier(type_, number, label, country_code(country) if country else None)
    if ident is not None:
        entry.add_identifier(ident)


def _is_label(text: str) -> bool:
    return label_type(text) is not None or not any(ch.isdigit() for ch in text)
