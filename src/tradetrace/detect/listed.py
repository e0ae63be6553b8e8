"""Which trade and payment parties are on an active sanctions list, shared by the
SANCTIONED_PARTY, SANCTIONED_NETWORK and MILITARY_END_USE detectors.

A party is keyed by its tax id (letters and digits, upper case, as
:func:`tradetrace.resolve.normalize.tax_key`), else by ``name:`` and its
upper-cased trimmed name. It is listed when

* its tax id equals an identifier of an entry of an active list version
  (decisive; needs no screening run), or
* a ``party_matches`` row (from ``screen``) scores at or above the threshold
  and an analyst has not dismissed it.

A tax-id hit an analyst dismissed for that party and entry stays dismissed.
The hits are registered as the relation ``_tt_listed`` for the detectors' SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from tradetrace.detect.findings import Citation
from tradetrace.engine import Engine

LISTED = "_tt_listed"


def party_key_sql(tax: str, name: str) -> str:
    """SQL for the party key of a (tax id, name) pair of columns: the cleaned tax id, else the
    tax id of the name's resolution cluster, else ``name:`` and the name in upper case (see
    :mod:`tradetrace.detect.party_keys`; the runner builds its tables before any detector)."""
    name_key = f"'name:' || upper(trim({name}))"
    return (
        f"coalesce(nullif(regexp_replace(upper(coalesce({tax}, '')), '[^0-9A-Z]', '', 'g'), ''), "
        f"(SELECT min(c.canon) FROM _tt_pk_canon c WHERE c.key = {name_key}), {name_key})"  # one row per key
    )


@dataclass(frozen=True)
class ListedHit:
    pkey: str
    list_id: str
    entry_id: str
    entry_name: str
    version_id: str
    as_of: date | None
    listed_on: date | None
    basis: str  # "tax_id:<type>" or "screening"
    score: float

    def citation(self) -> Citation:
        when = f", version of {self.as_of.isoformat()}" if self.as_of else ""
        return Citation(
            f"{self.list_id}:{self.entry_id}",
            f"{self.list_id} entry {self.entry_id} ({self.entry_name}){when}, list version {self.version_id}",
        )


def listed_hits(engine: Engine, threshold: float, identifier_types: str) -> list[ListedHit]:
    """Every listed party key with its entry, best basis first (decisive before screening)."""
    if not all(engine.table_exists(t) for t in ("listings", "list_versions")):
        return []
    types = [t.strip() for t in identifier_types.split(",") if t.strip()]
    dismissed = ""
    screened: list[tuple[Any, ...]] = []
    if engine.table_exists("party_matches"):
        dismissed = (
            " AND NOT EXISTS (SELECT 1 FROM party_matches m WHERE m.status = 'dismissed' "
            "AND m.entry_id = l.entry_id AND m.list_id = l.list_id "
            "AND regexp_replace(upper(coalesce(m.party_tax_id, '')), '[^0-9A-Z]', '', 'g') = i.value_key)"
        )
        screened = engine.fetchall(
            f"SELECT DISTINCT {party_key_sql('m.party_tax_id', 'm.party_name')}, m.list_id, m.entry_id, "
            "l.name, v.version_id, v.as_of, l.listed_on, 'screening', m.score "
            "FROM party_matches m JOIN list_versions v ON v.version_id = m.version_id AND v.active "
            "JOIN listings l ON l.version_id = m.version_id AND l.entry_id = m.entry_id "
            "WHERE m.score >= ? AND coalesce(m.status, 'open') <> 'dismissed'",
            [threshold],
        )
    exact: list[tuple[Any, ...]] = []
    if types and engine.table_exists("listing_identifiers"):
        marks = ", ".join("?" for _ in types)
        exact = engine.fetchall(
            "SELECT DISTINCT i.value_key, l.list_id, l.entry_id, l.name, v.version_id, v.as_of, "
            "l.listed_on, 'tax_id:' || i.type, 1.0 "
            "FROM listing_identifiers i JOIN list_versions v ON v.version_id = i.version_id AND v.active "
            "JOIN listings l ON l.version_id = i.version_id AND l.entry_id = i.entry_id "
            f"WHERE i.type IN ({marks}) AND coalesce(i.value_key, '') <> ''{dismissed}",
            types,
        )
    best: dict[tuple[str, str, str], ListedHit] = {}
    for r in [*exact, *screened]:
        hit = ListedHit(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            r[5],
            r[6],
            str(r[7]),
            float(r[8]),
        )
        k = (hit.pkey, hit.list_id, hit.entry_id)
        if k not in best or (best[k].basis == "screening" and hit.basis != "screening"):
            best[k] = hit
    return sorted(best.values(), key=lambda h: (h.pkey, h.basis == "screening", h.list_id, h.entry_id))


@contextmanager
def registered_hits(engine: Engine, hits: list[ListedHit]) -> Iterator[None]:
    """``_tt_listed(pkey, list_id, entry_id, entry_name, basis, score)`` while the block runs."""
    table = pa.table(
        {
            "pkey": pa.array([h.pkey for h in hits], pa.string()),
            "list_id": pa.array([h.list_id for h in hits], pa.string()),
            "entry_id": pa.array([h.entry_id for h in hits], pa.string()),
            "entry_name": pa.array([h.entry_name for h in hits], pa.string()),
            "basis": pa.array([h.basis for h in hits], pa.string()),
            "score": pa.array([h.score for h in hits], pa.float64()),
        }
    )
    engine.register(LISTED, table)
    try:
        yield
    finally:
        engine.unregister(LISTED)


def by_key(hits: list[ListedHit]) -> dict[str, list[ListedHit]]:
    out: dict[str, list[ListedHit]] = {}
    for h in hits:
        out.setdefault(h.pkey, []).append(h)
    return out


def has_rows(engine: Engine, table: str) -> bool:
    return engine.table_exists(table) and bool(engine.scalar(f"SELECT count(*) > 0 FROM {table}"))
