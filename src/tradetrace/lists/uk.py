"""UK sanctions lists as CSV: the FCDO UK Sanctions List and OFSI's ConList.

Both put one name per row, and rows of one designation share an id.

* UK Sanctions List (FCDO, the single UK list since January 2026): a first
  line ``Report Date: 24-Jun-2026``, then a header of 58 columns starting
  ``Last Updated,Unique ID,OFSI Group ID,UN Reference Number,Name 6,Name 1``;
  rows share ``Unique ID`` (e.g. ``RUS0001``); ``Name type`` is Primary Name,
  Primary Name Variation or Alias.
* OFSI Consolidated List (``ConList.csv``, HM Treasury, until 2026): a first
  line ``Last Updated,DD/MM/YYYY``, then ``Name 6,Name 1,...,Group ID``;
  ``Alias Type`` is Primary name, AKA or Primary name variation; several
  values in one field are enumerated ``(1) ... (2) ...``.

``Name 6`` is the surname (or the whole name of an entity); Name 1 to 5 are
the other names, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import (
    Address,
    Entry,
    ListData,
    ListSource,
    Name,
    Relation,
    clean,
    parse_date,
    resolve_relations,
    to_date,
)
from tradetrace.lists.remarks import id_labels, label_type, make_identifier
from tradetrace.lists.textio import csv_dicts, read_text

KINDS = {"individual": "person", "entity": "company", "ship": "vessel"}
_ENUM = re.compile(r"\(\d{1,2}\)\s*")


@dataclass(frozen=True)
class Layout:
    list_id: str
    publisher: str
    id: str
    name_type: str
    quality: str
    kind: str
    regime: str
    listed_on: str
    dob: str
    nationality: str
    address: tuple[str, ...]
    postal_code: str
    country: str
    other: str
    identifiers: tuple[tuple[str, str, str], ...]  # (column, type, label)
    extra: tuple[tuple[str, str], ...]  # (column, key)
    relations: tuple[tuple[str, str], ...]  # (column, relation)


FCDO = Layout(
    "gb-fcdo-sanctions",
    "UK Foreign, Commonwealth & Development Office (UK Sanctions List)",
    "Unique ID",
    "Name type",
    "Alias strength",
    "Designation Type",
    "Regime Name",
    "Date Designated",
    "D.O.B",
    "Nationality(/ies)",
    tuple(f"Address Line {i}" for i in range(1, 7)),
    "Address Postal Code",
    "Address Country",
    "Other Information",
    (
        ("Passport number", "passport", "Passport"),
        ("National Identifier number", "national_id", "National Identifier"),
        ("Business registration number (s)", "registration_no", "Business registration number"),
        ("IMO number", "imo", "IMO number"),
        ("Email address", "email", "Email address"),
        ("Website", "website", "Website"),
        ("Phone number", "phone", "Phone number"),
        ("Hull identification number (HIN)", "hull_id", "Hull identification number"),
    ),
    (
        ("Title", "title"),
        ("Position", "position"),
        ("Gender", "gender"),
        ("Town of birth", "town_of_birth"),
        ("Country of birth", "country_of_birth"),
        ("Type of entity", "entity_type"),
        ("Designation source", "designation_source"),
        ("Sanctions Imposed", "sanctions_imposed"),
        ("UK Statement of Reasons", "statement"),
        ("OFSI Group ID", "ofsi_group_id"),
        ("UN Reference Number", "un_reference"),
        ("Passport additional information", "passport_details"),
        ("National Identifier additional information", "national_id_details"),
        ("Current believed flag of ship", "vessel_flag"),
        ("Previous flags", "vessel_former_flag"),
        ("Type of ship", "vessel_type"),
        ("Tonnage of ship", "tonnage"),
        ("Length of ship", "vessel_length"),
        ("Year Built", "vessel_year_built"),
        ("Last Updated", "last_updated"),
    ),
    (
        ("Parent company", "parent_company"),
        ("Subsidiaries", "subsidiary"),
        ("Current owner/operator (s)", "owner_operator"),
        ("Previous owner/operator (s)", "former_owner_operator"),
    ),
)
OFSI = Layout(
    "gb-hmt-ofsi",
    "HM Treasury, Office of Financial Sanctions Implementation (OFSI)",
    "Group ID",
    "Alias Type",
    "Alias Quality",
    "Group Type",
    "Regime",
    "Listed On",
    "DOB",
    "Nationality",
    tuple(f"Address {i}" for i in range(1, 7)),
    "Post/Zip Code",
    "Country",
    "Other Information",
    (
        ("Passport Number", "passport", "Passport"),
        ("National Identification Number", "national_id", "National Identification Number"),
    ),
    (
        ("Title", "title"),
        ("Position", "position"),
        ("Town of Birth", "town_of_birth"),
        ("Country of Birth", "country_of_birth"),
        ("Passport Details", "passport_details"),
        ("National Identification Details", "national_id_details"),
        ("UK Sanctions List Date Designated", "uk_designated"),
        ("Last Updated", "last_updated"),
    ),
    (),
)


def collect(path: Path) -> ListSource:
    return ListSource("uk-csv", path, (path,))


def layout_of(first_lines: list[str]) -> Layout | None:
    """Which UK layout a file is, from its first two lines."""
    head = " ".join(first_lines[:2]).lstrip("\ufeff")
    if "Unique ID" in head and "Name 6" in head:
        return FCDO
    if "Group ID" in head and "Name 6" in head:
        return OFSI
    return None


def read(source: ListSource) -> ListData:
    path = source.path
    text = read_text(path)
    first, _, rest = text.partition("\n")
    layout = layout_of([first, rest.partition("\n")[0]])
    if layout is None:
        raise IngestError(f"{path}: not a UK sanctions list CSV (no 'Name 6' and id columns)")
    data = ListData(layout.list_id, layout.publisher, "uk-csv", [path])
    body, start = text, 1
    banner = first.lstrip("\ufeff").strip()
    if banner.startswith(("Report Date", "Last Updated,")) and "Name 6" not in banner:
        body, start = rest, 2
        stamp = banner.split(":", 1)[1] if banner.startswith("Report") else banner.split(",")[1]
        data.as_of = to_date(stamp.strip())
        data.as_of_basis = f"'{banner[:40]}' line in the file"
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in csv_dicts(path, body, start_line=start):
        data.rows_read += 1
        key = clean(row.get(layout.id))
        if key is None:
            raise IngestError(f"{path}: line {line}: no {layout.id}")
        groups.setdefault(key, []).append((line, row))
    for key, rows in groups.items():
        data.entries.append(_entry(path, layout, key, rows))
    if not data.entries:
        raise IngestError(f"{path}: no rows")
    resolve_relations(data.entries)
    return data


def values(text: str | None) -> list[str]:
    """The values of a field: '(1) Iran (2) Iraq' and 'a|b' give several."""
    raw = clean(text)
    if raw is None:
        return []
    pieces = _ENUM.split(raw) if _ENUM.search(raw) else raw.split("|")
    return [v for p in pieces if (v := clean(p.strip(" ,;")))]


def _name(row: dict[str, str]) -> str | None:
    parts = [clean(row.get(f"Name {i}")) for i in (1, 2, 3, 4, 5, 6)]
    return clean(" ".join(p for p in parts if p))


def _entry(path: Path, layout: Layout, key: str, rows: list[tuple[int, dict[str, str]]]) -> Entry:
    names: list[Name] = []
    for _, row in rows:
        name = _name(row)
        name_type = (clean(row.get(layout.name_type)) or "").lower()
        low = "low" in (clean(row.get(layout.quality)) or "").lower()
        type_ = "primary" if name_type == "primary name" else "weak" if low else "aka"
        if name:
            names.append(Name(name, type_))
        script = clean(row.get("Name non-latin script") or row.get("Name Non-Latin Script"))
        if script:
            names.append(Name(script, "aka"))
    names.sort(key=lambda n: n.type != "primary")
    if not names:
        raise IngestError(f"{path}: line {rows[0][0]}: designation {key} has no name")
    seen: list[Name] = []
    for n in names:
        n = Name(n.name, "primary" if not seen else ("aka" if n.type == "primary" else n.type))
        if all(s.name != n.name for s in seen):
            seen.append(n)
    line, head = rows[0]
    kind = KINDS.get((clean(head.get(layout.kind)) or "").lower(), "unknown")
    entry = Entry(
        key,
        kind,
        seen[0].name,
        path.name,
        line,
        names=seen,
        listed_on=to_date(head.get(layout.listed_on)),
        remarks=clean(head.get(layout.other)),
    )
    for _, row in rows:
        _facts(entry, layout, row)
    return entry


def _facts(entry: Entry, layout: Layout, row: dict[str, str]) -> None:
    for program in values(row.get(layout.regime)):
        entry.add_program(program)
    for dob in values(row.get(layout.dob)):
        entry.add_birth_date(parse_date(dob) or dob)
    for nationality in values(row.get(layout.nationality)):
        entry.add_country(nationality)
    entry.add_address(
        Address.of(
            country_name=row.get(layout.country),
            street=", ".join(v for c in layout.address if (v := clean(row.get(c)))),
            postal_code=row.get(layout.postal_code),
        )
    )
    _, label_re = id_labels()
    for column, type_, label in layout.identifiers:
        for value in values(row.get(column)):
            inner = label_re.match(value)  # 'INN 6316000000' in a registration field
            ident = (
                make_identifier(label_type(inner["label"]) or type_, inner["rest"], inner["label"])
                if inner
                else make_identifier(type_, value, label)
            )
            if ident is not None:
                entry.add_identifier(ident)
    for column, key in layout.extra:
        for value in values(row.get(column)):
            entry.add_extra(key, value)
    entry.add_country(row.get("Current believed flag of ship"))
    for column, relation in layout.relations:
        for value in values(row.get(column)):
            rel = Relation(relation, value)
            if rel not in entry.relations:
                entry.relations.append(rel)
