"""Loading list versions into the workspace, and listing what is loaded.

``load_list`` reads a list with the reader for its format, then writes the
version, its entries, relations, names and identifiers in one transaction.
The same content twice is a no-op (unless ``as_of`` is given: then that
version becomes the active one again, dated as given); a version with a newer
as-of date becomes the active one for its list while older versions stay
queryable; a file that cannot be read raises :class:`IngestError` before
anything is written, so the active version is never touched by a failed load.

A guard keeps a truncated or partial file from replacing a whole list: a newer
version with fewer than ``MIN_ACTIVE_SHARE`` of the active version's entries
is loaded but not made active, and the load says why (``force`` overrides).
``activate_version`` switches the active version by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tradetrace.engine.base import runs_as
from tradetrace.ingest.base import IngestError
from tradetrace.ingest.textfile import sha256_file
from tradetrace.lists.diff import FIELDS as LISTING_FIELDS
from tradetrace.lists.diff import ListDiff, ListVersionError, diff_versions, resolve_version
from tradetrace.lists.model import Entry, ListData
from tradetrace.lists.readers import detect, read
from tradetrace.lists.tables import LIST_TABLES

if TYPE_CHECKING:
    from tradetrace.engine import Engine
    from tradetrace.workspace import Workspace

__all__ = [
    "ListDiff",
    "ListLoadResult",
    "ListVersionError",
    "activate_version",
    "diff_versions",
    "ensure_tables",
    "list_versions",
    "load_list",
    "resolve_version",
    "shipped_extract",
]
MIN_ACTIVE_SHARE = 0.9  # a new version with fewer entries than this share of the active one stays inactive
NAME_ORDER = {"primary": 0, "aka": 1, "fka": 2, "nka": 3, "weak": 4}
_PATH_DATE = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})(?:[-_]?(\d{2}))?(?!\d)")


@dataclass
class ListLoadResult:
    """What one ``lists load`` did; ``summary()`` is what the CLI prints."""

    version_id: str
    list_id: str
    format: str
    source: str
    as_of: date | None = None
    as_of_basis: str | None = None
    entries: int = 0
    relations: int = 0
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    active: bool = True
    superseded: str | None = None
    held_back: str | None = None  # why a newer version was not made active

    def summary(self) -> str:
        if self.skipped:
            if self.superseded:
                return (
                    f"{self.source}: already loaded as {self.list_id} version {self.version_id} "
                    f"(same content); active again, as of {self.as_of} ({self.as_of_basis}), "
                    f"in place of version {self.superseded}"
                )
            return (
                f"{self.source}: already loaded as {self.list_id} version {self.version_id} "
                "(same content); nothing changed (give --as-of to make it the active version again)"
            )
        if self.active:
            status = "active"
        elif self.held_back:
            status = f"loaded, NOT active: {self.held_back}"
        else:
            status = "loaded, not active (a newer version is)"
        lines = [
            f"{self.source}: {self.list_id} as of {self.as_of} ({self.as_of_basis}), "
            f"{self.entries:,} entries, {self.relations:,} relations, from {self.rows_read:,} "
            f"records [{self.format}]; version {self.version_id}, {status}"
        ]
        if self.superseded:
            lines.append(f"  supersedes version {self.superseded} for screening (kept)")
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)


# The shipped extract is a verbatim subset of the OFAC SDN files published on
# 2024-05-03 (see data/lists/ofac_sdn_extract/SOURCE.md); its date is that of
# the publication, not of the files on disk.
SHIPPED_AS_OF = date(2024, 5, 3)


def shipped_extract() -> Path:
    """The small public-domain SDN extract that ships with tradetrace (for the demo)."""
    return Path(str(resources.files("tradetrace").joinpath("data/lists/ofac_sdn_extract")))


def ensure_tables(engine: Engine) -> None:
    for spec in LIST_TABLES:
        engine.execute(spec.ddl())


@runs_as("lists load")
def load_list(
    ws: Workspace,
    path: Path | None,
    fmt: str | None = None,
    *,
    first_seen: Path | None = None,
    as_of: date | None = None,
    force: bool = False,
) -> ListLoadResult:
    """Load the list at ``path`` (file or folder; None: the shipped SDN extract).

    ``as_of`` dates the version (and re-activates content already loaded);
    ``force`` makes a newer version active even when it is much smaller than the
    active one (see ``MIN_ACTIVE_SHARE``)."""
    given_as_of = as_of
    engine = ws.engine
    ensure_tables(engine)
    if path is None and as_of is None:
        as_of = SHIPPED_AS_OF
    source = detect(path if path is not None else shipped_extract(), fmt, first_seen)
    files = [(p, sha256_file(p), p.stat().st_size) for p in source.files]
    content = hashlib.sha256(
        "\n".join(f"{p.name}:{sha}" for p, sha, _ in sorted(files, key=lambda f: f[0].name)).encode("utf-8")
    ).hexdigest()
    found = engine.fetchone(
        "SELECT version_id, list_id, as_of, entries, as_of_basis, active FROM list_versions "
        "WHERE sha256 = ? AND format = ?",
        [content, source.fmt],
    )
    if found is not None:
        result = ListLoadResult(
            found[0], found[1], source.fmt, str(source.path), found[2], found[4], entries=int(found[3]),
            skipped=True, active=bool(found[5]),
        )  # fmt: skip
        if given_as_of is not None and path is not None:
            previous = _active_version(engine, found[1])
            with engine.transaction():
                engine.execute(
                    "UPDATE list_versions SET as_of = ?, as_of_basis = 'given (--as-of)' WHERE version_id = ?",
                    [given_as_of, found[0]],
                )
                _make_active(engine, found[1], found[0])
            result.as_of, result.as_of_basis, result.active = given_as_of, "given (--as-of)", True
            result.superseded = previous if previous != found[0] else None
        return result
    data = read(source)
    _settle_as_of(data, source.files, as_of)
    version_id = hashlib.sha256(f"{data.list_id}\n{content}".encode()).hexdigest()[:16]
    _check_unique(data)
    tables = _arrow_tables(data, version_id)
    relations = tables["listing_relations"].num_rows
    previous = _active_version(engine, data.list_id)
    held_back = None if force else _held_back(engine, previous, data)
    source_files = json.dumps(
        [{"path": str(p), "sha256": sha, "bytes": size} for p, sha, size in files],
        ensure_ascii=False,
    )
    with engine.transaction():
        engine.execute(
            "INSERT INTO list_versions VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, false)",
            [
                version_id,
                data.list_id,
                data.publisher,
                data.format,
                data.as_of,
                data.as_of_basis,
                content,
                str(source.path),
                source_files,
                len(data.entries),
                relations,
                data.rows_read,
                json.dumps(data.notes, ensure_ascii=False),
            ],
        )
        for name, table in tables.items():
            relation = f"_tt_lists_{name}"
            engine.register(relation, table)
            columns = ", ".join(table.column_names)
            try:
                engine.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {relation}")
            finally:
                engine.unregister(relation)
        if held_back is None and _newer(engine, previous, data.as_of):
            _make_active(engine, data.list_id, version_id)
        _record_load(engine, version_id, str(source.path), content, files, data)
    active = engine.scalar("SELECT active FROM list_versions WHERE version_id = ?", [version_id])
    return ListLoadResult(
        version_id,
        data.list_id,
        data.format,
        str(source.path),
        data.as_of,
        data.as_of_basis,
        len(data.entries),
        relations,
        data.rows_read,
        data.notes,
        active=bool(active),
        superseded=previous if active and previous and previous != version_id else None,
        held_back=held_back,
    )


def _active_version(engine: Engine, list_id: str) -> str | None:
    found = engine.scalar("SELECT version_id FROM list_versions WHERE list_id = ? AND active", [list_id])
    return str(found) if found else None


def _held_back(engine: Engine, active: str | None, data: ListData) -> str | None:
    """Why a newer version must not replace the active one, or None."""
    if active is None:
        return None
    row = engine.fetchone("SELECT as_of, entries FROM list_versions WHERE version_id = ?", [active])
    assert row is not None
    active_as_of, active_entries = row
    if data.as_of is not None and active_as_of is not None and data.as_of < active_as_of:
        return None  # older: it does not become active anyway
    if len(data.entries) >= MIN_ACTIVE_SHARE * int(active_entries):
        return None
    return (
        f"it has {len(data.entries):,} entries, fewer than {MIN_ACTIVE_SHARE:.0%} of the "
        f"{int(active_entries):,} of active version {active} (as of {active_as_of}): a truncated or "
        f"partial file? Version {active} stays active; load with --force, or run "
        f"`tradetrace lists activate VERSION`, to switch"
    )


def activate_version(ws: Workspace, ref: str) -> dict[str, Any]:
    """Make a loaded version (id, id prefix or list_id@YYYY-MM-DD) the active one of its list."""
    engine = ws.engine
    ensure_tables(engine)
    version = resolve_version(engine, ref)
    previous = _active_version(engine, version.list_id)
    with engine.transaction():
        _make_active(engine, version.list_id, version.version_id)
    row = engine.fetchone(
        "SELECT version_id, list_id, as_of, as_of_basis, entries, source FROM list_versions WHERE version_id = ?",
        [version.version_id],
    )
    assert row is not None
    keys = ("version_id", "list_id", "as_of", "as_of_basis", "entries", "source")
    return {**dict(zip(keys, row, strict=True)), "previous": previous}


def _make_active(engine: Engine, list_id: str, version_id: str) -> None:
    engine.execute(
        "UPDATE list_versions SET active = (version_id = ?) WHERE list_id = ?", [version_id, list_id]
    )


def list_versions(engine: Engine) -> list[dict[str, Any]]:
    """Every loaded version, newest first within each list (active ones marked)."""
    if not engine.table_exists("list_versions"):
        return []
    rows = engine.fetchall(
        "SELECT version_id, list_id, publisher, format, as_of, as_of_basis, entries, relations, "
        "rows_read, source, sha256, loaded_at, active, notes FROM list_versions "
        "ORDER BY list_id, as_of DESC, loaded_at DESC, version_id"
    )
    keys = (
        "version_id",
        "list_id",
        "publisher",
        "format",
        "as_of",
        "as_of_basis",
        "entries",
        "relations",
        "rows_read",
        "source",
        "sha256",
        "loaded_at",
        "active",
        "notes",
    )
    out = []
    for row in rows:
        item = dict(zip(keys, row, strict=True))
        item["notes"] = json.loads(item["notes"] or "[]")
        out.append(item)
    return out


def _settle_as_of(data: ListData, files: tuple[Path, ...], given: date | None) -> None:
    """As-of date: given > stated in the file > a date in the path > file modification time."""
    if given is not None:
        data.as_of, data.as_of_basis = given, "given"
        return
    if data.as_of is not None:
        return
    for path in files:
        for part in reversed(path.parts):
            m = _PATH_DATE.search(part)
            if m and 1990 <= int(m[1]) <= 2100 and 1 <= int(m[2]) <= 12:
                try:
                    data.as_of = date(int(m[1]), int(m[2]), int(m[3] or 1))
                except ValueError:
                    continue
                data.as_of_basis = f"date in the path name '{part}'" + (
                    "" if m[3] else " (month only: first day used)"
                )
                return
    stamp = max(p.stat().st_mtime for p in files)
    data.as_of = datetime.fromtimestamp(stamp).date()
    data.as_of_basis = "file modification time"
    data.note(
        "the file states no date: as-of taken from its modification time, which decides "
        "which version is active; give the publication date (as_of) when you know it"
    )


def _check_unique(data: ListData) -> None:
    seen: dict[str, Entry] = {}
    for e in data.entries:
        if e.entry_id in seen:
            first = seen[e.entry_id]
            raise IngestError(
                f"{e.source_file}: row {e.source_row}: entry id {e.entry_id} already used at "
                f"row {first.source_row}"
            )
        seen[e.entry_id] = e


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _arrow_tables(data: ListData, version_id: str) -> dict[str, pa.Table]:
    """The rows of every list table for this version, in canonical order.

    JSON lists are sorted (primary name first) so that two versions of a list
    compare equal when the publisher only reordered rows.
    """
    cols: dict[str, list[Any]] = {
        k: [] for k in ("version_id", "list_id", "entry_id", *LISTING_FIELDS, "source_file", "source_row")
    }
    rel: dict[str, list[Any]] = {
        k: [] for k in ("version_id", "list_id", "entry_id", "relation", "target_name", "target_entry_id")
    }
    names: dict[str, list[Any]] = {k: [] for k in ("version_id", "entry_id", "name", "type", "script")}
    idents: dict[str, list[Any]] = {
        k: [] for k in ("version_id", "entry_id", "type", "value", "value_key", "country", "label")
    }
    for e in sorted(data.entries, key=lambda x: x.entry_id):
        name_rows = sorted(
            (n.as_dict() for n in e.names), key=lambda n: (NAME_ORDER.get(n["type"], 9), n["name"])
        )
        id_rows = sorted(
            (i.as_dict() for i in e.identifiers), key=lambda i: (i["type"], i["value"], i["country"] or "")
        )
        values = {
            "version_id": version_id,
            "list_id": data.list_id,
            "entry_id": e.entry_id,
            "kind": e.kind,
            "name": e.name,
            "programs": _dumps(sorted(e.programs)),
            "names": _dumps(name_rows),
            "addresses": _dumps(sorted((a.as_dict() for a in e.addresses), key=_dumps)),
            "countries": _dumps(sorted(e.countries)),
            "identifiers": _dumps(id_rows),
            "birth_dates": _dumps(sorted(e.birth_dates)),
            "listed_on": e.listed_on,
            "remarks": e.remarks,
            "sublist": e.sublist,
            "extra": _dumps(e.extra),
            "source_file": e.source_file,
            "source_row": e.source_row,
        }
        for k, v in values.items():
            cols[k].append(v)
        for r in sorted(set(e.relations), key=lambda r: (r.relation, r.target_name)):
            for k, v in zip(
                rel,
                (version_id, data.list_id, e.entry_id, r.relation, r.target_name, r.target_entry_id),
                strict=True,
            ):
                rel[k].append(v)
        for n in name_rows:
            for k, v in zip(names, (version_id, e.entry_id, n["name"], n["type"], n["script"]), strict=True):
                names[k].append(v)
        for i in id_rows:
            key = re.sub(r"[^0-9A-Za-z]", "", i["value"]).upper() or None
            for k, v in zip(
                idents,
                (version_id, e.entry_id, i["type"], i["value"], key, i["country"], i.get("label")),
                strict=True,
            ):
                idents[k].append(v)
    return {
        "listings": _table(cols, {"listed_on": pa.date32(), "source_row": pa.int64()}),
        "listing_relations": _table(rel, {}),
        "listing_names": _table(names, {}),
        "listing_identifiers": _table(idents, {}),
    }


def _table(columns: dict[str, list[Any]], types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({k: pa.array(v, type=types.get(k, pa.string())) for k, v in columns.items()})


def _newer(engine: Engine, active: str | None, as_of: date | None) -> bool:
    """Does a version of this as-of date take over from the active one? The newest as-of
    date is active; an equal date goes to the later load; a version without a date only
    to a list whose active version has none either."""
    if active is None:
        return True
    current = engine.scalar("SELECT as_of FROM list_versions WHERE version_id = ?", [active])
    if current is None:
        return True
    return as_of is not None and as_of >= current


def _record_load(
    engine: Engine,
    version_id: str,
    source: str,
    content: str,
    files: list[tuple[Path, str, int]],
    data: ListData,
) -> None:
    """A row in ``loads`` so that the run manifest lists list files as inputs."""
    if not engine.table_exists("loads"):
        return
    engine.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            f"list:{version_id}",
            "list",
            source,
            content,
            sum(f[2] for f in files),
            data.format,
            "utf-8",
            data.rows_read,
            len(data.entries),
            0,
            "[]",
        ],
    )
