"""OFAC's four-file CSV format: the SDN list and the consolidated non-SDN list.

``sdn.csv`` (``cons_prim.csv``) holds one entry per line, without a header:
ent_num, name, type, programs, title, call sign, vessel type, tonnage, GRT,
vessel flag, vessel owner, remarks; ``-0-`` means empty. ``alt.csv`` adds
aliases (ent_num, alt_num, type, name, remarks), ``add.csv`` addresses
(ent_num, add_num, address, city/state/postal code, country, remarks) and
``sdn_comments.csv`` the continuation of remarks longer than the main file
holds (ent_num, text; the main file cuts remarks at 1,000 characters). The files end with a DOS end-of-file byte.

The side files may be newer than the main file; their rows for entries the
main file does not have are counted and reported, not loaded. A first-seen
file (ent_num, ..., first_seen_utc, last_seen_utc, removed_by_utc) beside
the set gives listing dates and the as-of date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import (
    Address,
    Entry,
    Identifier,
    ListData,
    ListSource,
    Name,
    clean,
    resolve_relations,
)
from tradetrace.lists.remarks import apply_remarks
from tradetrace.lists.textio import csv_records, read_text


@dataclass(frozen=True)
class FileSet:
    key: str
    list_id: str
    title: str
    main: str
    alt: str
    add: str
    comments: str


SETS = (
    FileSet("sdn", "us-ofac-sdn", "OFAC SDN list", "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"),
    FileSet(
        "cons",
        "us-ofac-cons",
        "OFAC consolidated (non-SDN) list",
        "cons_prim.csv",
        "cons_alt.csv",
        "cons_add.csv",
        "cons_comments.csv",
    ),
)
FIRST_SEEN = ("sdn_first_seen.csv", "cons_first_seen.csv", "first_seen.csv")
PUBLISHER = "US Treasury, Office of Foreign Assets Control (OFAC)"
KINDS = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
ALIAS_TYPES = {"aka": "aka", "fka": "fka", "nka": "nka"}
REMARKS_LIMIT = 1000  # longer remarks continue in the comments file


def file_set(folder: Path) -> FileSet | None:
    """Which OFAC set (SDN or consolidated) a folder holds, by its main file."""
    for fs in SETS:
        if _find(folder, fs.main):
            return fs
    return None


def _find(folder: Path, name: str) -> Path | None:
    """``name`` in ``folder``, any letter case (OFAC also publishes SDN.CSV)."""
    exact = folder / name
    if exact.is_file():
        return exact
    for p in folder.iterdir() if folder.is_dir() else ():
        if p.name.lower() == name and p.is_file():
            return p
    return None


def collect(path: Path, first_seen: Path | None = None) -> ListSource:
    """The files of the set at ``path`` (a folder, or any file of the set)."""
    folder = path if path.is_dir() else path.parent
    fs = file_set(folder)
    if fs is None:
        raise IngestError(f"{path}: no sdn.csv or cons_prim.csv here (OFAC four-file CSV format)")
    files = [p for name in (fs.main, fs.alt, fs.add, fs.comments) if (p := _find(folder, name))]
    if first_seen is None:
        first_seen = next((p for n in FIRST_SEEN if (p := _find(folder, n))), None)
    if first_seen is not None:
        files.append(first_seen)
    return ListSource("ofac-csv", path, tuple(files), first_seen)


def read(source: ListSource) -> ListData:
    folder = source.path if source.path.is_dir() else source.path.parent
    fs = file_set(folder)
    if fs is None:
        raise IngestError(f"{source.path}: no sdn.csv or cons_prim.csv here")
    data = ListData(fs.list_id, PUBLISHER, "ofac-csv", list(source.files))
    main = _find(folder, fs.main)
    assert main is not None
    by_id = _read_main(main, data)
    _read_aliases(_find(folder, fs.alt), by_id, data)
    _read_addresses(_find(folder, fs.add), by_id, data)
    remarks = _read_comments(_find(folder, fs.comments), by_id, data)
    stale: list[str] = []
    for entry in data.entries:
        raw = entry.remarks or ""
        more = remarks.get(entry.entry_id)
        if more and len(raw) >= REMARKS_LIMIT:
            raw += more
        elif more:
            stale.append(entry.entry_id)
        entry.remarks = clean(raw)
        apply_remarks(entry, entry.remarks)
    if stale:
        data.note(
            f"{fs.comments}: {len(stale)} continuations ignored (e.g. {', '.join(stale[:3])}): "
            f"the remarks in {fs.main} are shorter than {REMARKS_LIMIT} characters, so they "
            "are complete; the files are from different dates"
        )
    if source.first_seen is not None:
        _apply_first_seen(source.first_seen, by_id, data)
    resolved = resolve_relations(data.entries)
    links = sum(len(e.relations) for e in data.entries)
    if links:
        data.note(f"'Linked To' remarks: {links:,} relations, {resolved:,} resolved to entries")
    return data


def _read_main(path: Path, data: ListData) -> dict[str, Entry]:
    by_id: dict[str, Entry] = {}
    for line, row in csv_records(path, read_text(path), fields=12):
        ent_num = _ent_num(path, line, row[0])
        if ent_num in by_id:
            raise IngestError(f"{path}: line {line}: ent_num {ent_num} appears twice")
        kind = KINDS.get((clean(row[2]) or "").lower(), "company")
        name = clean(row[1])
        if name is None:
            raise IngestError(f"{path}: line {line}: entry {ent_num} has no name")
        # remarks stay raw until the continuation from the comments file is joined
        raw_remarks = row[11] if clean(row[11]) else None
        entry = Entry(ent_num, kind, name, path.name, line, remarks=raw_remarks)
        for program in (clean(row[3]) or "").strip("[]").split("] ["):
            entry.add_program(program)
        entry.add_extra("title", clean(row[4]))
        if call_sign := clean(row[5]):
            entry.add_identifier(Identifier("call_sign", call_sign))
        for key, i in (
            ("vessel_type", 6),
            ("tonnage", 7),
            ("gross_registered_tonnage", 8),
            ("vessel_flag", 9),
            ("vessel_owner", 10),
        ):
            entry.add_extra(key, clean(row[i]))
        entry.add_country(row[9])
        by_id[ent_num] = entry
        data.entries.append(entry)
    data.rows_read += len(by_id)
    if not by_id:
        raise IngestError(f"{path}: no entries")
    return by_id


def _ent_num(path: Path, line: int, raw: str) -> str:
    value = raw.strip()
    if not value.isdigit():
        raise IngestError(f"{path}: line {line}: ent_num {raw!r} is not a number")
    return value


def _orphans(data: ListData, path: Path, rows: int, ids: set[str], main: str) -> None:
    if rows:
        sample = ", ".join(sorted(ids, key=int)[:5])
        data.note(
            f"{path.name}: {rows:,} rows refer to {len(ids):,} entries not in {main} "
            f"(e.g. {sample}); not loaded - the side file is newer or older than {main}"
        )


def _read_aliases(path: Path | None, by_id: dict[str, Entry], data: ListData) -> None:
    if path is None:
        data.note("no alias file (alt.csv) beside the main file: primary names only")
        return
    orphan_rows, orphan_ids, attached = 0, set(), 0
    for line, row in csv_records(path, read_text(path, required=False), fields=5):
        ent_num = _ent_num(path, line, row[0])
        entry = by_id.get(ent_num)
        if entry is None:
            orphan_rows += 1
            orphan_ids.add(ent_num)
            continue
        name = clean(row[3])
        if name is None:
            raise IngestError(f"{path}: line {line}: alias {row[1].strip()} has no name")
        alias_type = ALIAS_TYPES.get((clean(row[2]) or "").lower().replace(".", ""), "aka")
        entry.names.append(Name(name, alias_type))
        entry.add_extra("alias_remarks", clean(row[4]))
        attached += 1
    data.rows_read += attached + orphan_rows
    data.note(f"{path.name}: {attached:,} aliases attached")
    _orphans(data, path, orphan_rows, orphan_ids, data.files[0].name)


def _read_addresses(path: Path | None, by_id: dict[str, Entry], data: ListData) -> None:
    if path is None:
        data.note("no address file (add.csv) beside the main file")
        return
    orphan_rows, orphan_ids, attached, empty = 0, set(), 0, 0
    for line, row in csv_records(path, read_text(path, required=False), fields=6):
        ent_num = _ent_num(path, line, row[0])
        entry = by_id.get(ent_num)
        if entry is None:
            orphan_rows += 1
            orphan_ids.add(ent_num)
            continue
        address = Address.of(country_name=row[4], street=row[2], city=row[3])
        if address is None:
            empty += 1
            continue
        entry.add_address(address)
        entry.add_extra("address_remarks", clean(row[5]))
        attached += 1
    data.rows_read += attached + empty + orphan_rows
    data.note(
        f"{path.name}: {attached:,} addresses attached, {empty:,} rows with no address "
        "fields (OFAC placeholders)"
    )
    _orphans(data, path, orphan_rows, orphan_ids, data.files[0].name)


def _read_comments(path: Path | None, by_id: dict[str, Entry], data: ListData) -> dict[str, str]:
    out: dict[str, str] = {}
    if path is None:
        return out
    orphan_ids: set[str] = set()
    rows = 0
    for line, row in csv_records(path, read_text(path, required=False), fields=2):
        ent_num = _ent_num(path, line, row[0])
        rows += 1
        if ent_num not in by_id:
            orphan_ids.add(ent_num)
            continue
        text = row[1] if row[1].strip() != "-0-" else ""
        out[ent_num] = out.get(ent_num, "") + text
    data.rows_read += rows
    _orphans(data, path, len(orphan_ids), orphan_ids, data.files[0].name)
    return out


def _apply_first_seen(path: Path, by_id: dict[str, Entry], data: ListData) -> None:
    """Listing dates from when each entry first appeared in the published file.

    An entry seen on the first day of the record may have been listed long
    before, so it gets no listing date, only ``extra.listed_before``.
    """
    text = read_text(path)
    rows: dict[str, tuple[date | None, date | None]] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    needed = {"ent_num", "first_seen_utc", "last_seen_utc"}
    if not needed <= set(reader.fieldnames or ()):
        raise IngestError(f"{path}: first-seen file needs columns {', '.join(sorted(needed))}")
    try:
        for row in reader:
            rows[row["ent_num"].strip()] = (_day(row["first_seen_utc"]), _day(row["last_seen_utc"]))
    except csv.Error as exc:
        raise IngestError(f"{path}: line {reader.line_num}: malformed CSV record ({exc})") from None
    starts = [f for f, _ in rows.values() if f]
    ends = [s for _, s in rows.values() if s]
    if not starts:
        return
    record_start = min(starts)
    missing = 0
    for ent_num, entry in by_id.items():
        first, _ = rows.get(ent_num, (None, None))
        if first is None:
            missing += 1
        elif first == record_start:
            entry.add_extra("listed_before", first.isoformat())
        else:
            entry.listed_on = first
    data.as_of = max(ends) if ends else None
    data.as_of_basis = f"latest last_seen in {path.name}"
    data.note(
        f"{path.name}: listing dates from first appearance; entries already present on "
        f"{record_start.isoformat()} (start of the record) get none; {missing:,} entries "
        "not in the file"
    )


def _day(value: str | None) -> date | None:
    text = clean(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
