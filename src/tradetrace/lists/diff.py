"""What changed between two versions of a list: entries added, removed and changed.

Entries are matched on the publisher's id (``entry_id``). An entry is changed
when any of its content columns differ; the JSON columns are stored in a
canonical order, so reordered rows in the publisher's file are not changes.
For list-valued columns the diff says which items were added and removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradetrace.engine import Engine

FIELDS = (
    "kind",
    "name",
    "programs",
    "names",
    "addresses",
    "countries",
    "identifiers",
    "birth_dates",
    "listed_on",
    "remarks",
    "sublist",
    "extra",
)
JSON_FIELDS = frozenset(
    {"programs", "names", "addresses", "countries", "identifiers", "birth_dates", "extra"}
)
_COLUMNS = ", ".join(f"a.{f}, b.{f}" for f in FIELDS)
_DIFFERS = " OR ".join(f"a.{f} IS DISTINCT FROM b.{f}" for f in FIELDS)
_DIFF_SQL = (
    f"SELECT coalesce(a.entry_id, b.entry_id) AS entry_id, a.entry_id IS NOT NULL AS in_a, "
    f"b.entry_id IS NOT NULL AS in_b, {_COLUMNS} "
    "FROM (SELECT * FROM listings WHERE version_id = ?) AS a "
    "FULL OUTER JOIN (SELECT * FROM listings WHERE version_id = ?) AS b "
    f"ON a.entry_id = b.entry_id WHERE a.entry_id IS NULL OR b.entry_id IS NULL OR {_DIFFERS} "
    "ORDER BY entry_id"
)


class ListVersionError(ValueError):
    """A version reference that names no loaded version, or more than one."""


@dataclass(frozen=True)
class VersionRef:
    version_id: str
    list_id: str
    as_of: Any
    source: str


@dataclass(frozen=True)
class FieldChange:
    before: Any
    after: Any
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()


@dataclass(frozen=True)
class EntryChange:
    entry_id: str
    name: str
    changes: dict[str, FieldChange]


@dataclass
class ListDiff:
    a: VersionRef
    b: VersionRef
    added: list[tuple[str, str]] = field(default_factory=list)  # (entry_id, name)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self, limit: int = 50) -> str:
        lines = [
            f"{self.a.list_id} {self.a.version_id} (as of {self.a.as_of}) -> "
            f"{self.b.list_id} {self.b.version_id} (as of {self.b.as_of}): "
            f"{len(self.added):,} added, {len(self.removed):,} removed, "
            f"{len(self.changed):,} changed"
        ]
        lines += [f"+ {i}  {n}" for i, n in self.added[:limit]]
        lines += [f"- {i}  {n}" for i, n in self.removed[:limit]]
        for change in self.changed[:limit]:
            parts = []
            for name, fc in change.changes.items():
                if fc.added or fc.removed:
                    bits = [f"+{_short(x)}" for x in fc.added] + [f"-{_short(x)}" for x in fc.removed]
                    parts.append(f"{name} {' '.join(bits)}")
                else:
                    parts.append(f"{name}: {_short(fc.before)} -> {_short(fc.after)}")
            lines.append(f"~ {change.entry_id}  {change.name}: " + "; ".join(parts))
        hidden = sum(max(0, len(x) - limit) for x in (self.added, self.removed, self.changed))
        if hidden:
            lines.append(f"... and {hidden:,} more (limit {limit})")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.__dict__,
            "b": self.b.__dict__,
            "added": [{"entry_id": i, "name": n} for i, n in self.added],
            "removed": [{"entry_id": i, "name": n} for i, n in self.removed],
            "changed": [
                {
                    "entry_id": c.entry_id,
                    "name": c.name,
                    "changes": {k: v.__dict__ for k, v in c.changes.items()},
                }
                for c in self.changed
            ],
        }


def _short(value: Any, width: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def resolve_version(engine: Engine, ref: str) -> VersionRef:
    """A version from a version id (or a unique prefix of one), a list id (its active
    version) or ``list_id@YYYY-MM-DD`` (the version of that as-of date)."""
    base = "SELECT version_id, list_id, as_of, source FROM list_versions WHERE "
    order = " ORDER BY loaded_at DESC, version_id"
    if "@" in ref:
        list_id, _, day = ref.partition("@")
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise ListVersionError(f"{ref!r}: {day!r} is not a date (YYYY-MM-DD)") from None
        rows = engine.fetchall(base + "list_id = ? AND as_of = ?" + order, [list_id, when])[:1]
    else:
        rows = engine.fetchall(base + "version_id = ?", [ref])
        if not rows:
            rows = engine.fetchall(base + "list_id = ? AND active", [ref])
        if not rows and len(ref) >= 4:
            rows = engine.fetchall(base + "version_id LIKE ?" + order, [ref + "%"])
    if len(rows) != 1:
        what = "no loaded version" if not rows else f"{len(rows)} versions"
        raise ListVersionError(
            f"{ref!r} matches {what}; use a version id (see `tradetrace lists`), a list id "
            "for its active version, or list_id@YYYY-MM-DD"
        )
    return VersionRef(*rows[0])


def diff_versions(engine: Engine, a: str, b: str) -> ListDiff:
    """Entries added, removed and changed from version ``a`` to version ``b``."""
    va, vb = resolve_version(engine, a), resolve_version(engine, b)
    result = ListDiff(va, vb)
    for row in engine.fetchall(_DIFF_SQL, [va.version_id, vb.version_id]):
        entry_id, in_a, in_b = row[0], row[1], row[2]
        pairs = {f: (row[3 + 2 * i], row[4 + 2 * i]) for i, f in enumerate(FIELDS)}
        if not in_a:
            result.added.append((entry_id, pairs["name"][1]))
        elif not in_b:
            result.removed.append((entry_id, pairs["name"][0]))
        else:
            changes = {f: _field_change(f, old, new) for f, (old, new) in pairs.items() if old != new}
            result.changed.append(EntryChange(entry_id, pairs["name"][1], changes))
    return result


def _field_change(name: str, old: Any, new: Any) -> FieldChange:
    if name not in JSON_FIELDS:
        return FieldChange(old, new)
    before = json.loads(old) if old else None
    after = json.loads(new) if new else None
    if isinstance(before, list) and isinstance(after, list):
        added = tuple(x for x in after if x not in before)
        removed = tuple(x for x in before if x not in after)
        return FieldChange(before, after, added, removed)
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after))
        added = tuple({k: after.get(k)} for k in keys if before.get(k) != after.get(k))
        removed = tuple({k: before[k]} for k in keys if k in before and before[k] != after.get(k))
        return FieldChange(before, after, added, removed)
    return FieldChange(before, after)
