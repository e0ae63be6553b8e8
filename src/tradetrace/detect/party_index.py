"""Exporters and importers of shipment lines tied to the ``parties`` register.

A firm named on a shipment line is the register party with the same tax id,
else the party one of whose names or aliases has the same name key
(preferring the same country). Spellings that match no party are folded onto
their most frequent close spelling within a country (``canonical_keys``), so
that "MUNZUR OeLCUeM SISTEMLERI" and "Munzur Ölçüm Sistemleri" count as one
intermediary. When ``resolve`` has clustered the parties, spellings in one
cluster (another script, a translation, a registered alias) are one
intermediary too.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from tradetrace.detect.keys.shipments import canonical_keys
from tradetrace.engine import Engine
from tradetrace.resolve.normalize import name_key, tax_key


@dataclass(frozen=True)
class Party:
    entity_id: str
    name: str
    country: str | None
    tax_id: str | None
    incorporated: date | None
    address: str | None
    phone: str | None


_CACHE: weakref.WeakKeyDictionary[Engine, tuple[str, PartyIndex]] = weakref.WeakKeyDictionary()


def party_index(engine: Engine) -> PartyIndex:
    """The index of this engine's ``parties``, rebuilt only when the loaded files change."""
    fp = ""
    if engine.table_exists("parties"):
        fp = str(engine.scalar("SELECT count(*) FROM parties"))
        if engine.table_exists("loads"):
            fp += ",".join(
                str(r[0])
                for r in engine.fetchall("SELECT load_id FROM loads WHERE kind = 'parties' ORDER BY load_id")
            )
    cached = _CACHE.get(engine)
    if cached is None or cached[0] != fp:
        cached = (fp, PartyIndex(engine))
        _CACHE[engine] = cached
    return cached[1]


class PartyIndex:
    """Register parties by tax key and by the name key of every name and alias.

    Parties are read on demand (``ensure``): those of the countries and with the
    tax ids asked for, so that a register of millions costs only the part the
    shipments touch. Name keys are computed in Python, one party at a time.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.by_tax: dict[str, list[Party]] = defaultdict(list)
        self.by_name: dict[str, list[Party]] = defaultdict(list)
        self._by_country: dict[tuple[str, str], list[str]] | None = None
        self._countries: set[str] = set()
        self._taxes: set[str] = set()
        self._loaded: set[str] = set()
        self._exists = engine.table_exists("parties")

    def ensure(self, countries: Iterable[str | None] = (), taxes: Iterable[str | None] = ()) -> PartyIndex:
        """Read the parties of these countries and with these tax ids, if not read yet."""
        new_c = sorted({c for c in countries if c} - self._countries)
        new_t = sorted({k for k in (tax_key(t) for t in taxes) if k} - self._taxes)
        if not self._exists or not (new_c or new_t):
            return self
        self._countries |= set(new_c)
        self._taxes |= set(new_t)
        self.engine.register("_tt_pi_c", pa.table({"v": pa.array(new_c, pa.string())}))
        self.engine.register("_tt_pi_t", pa.table({"v": pa.array(new_t, pa.string())}))
        rows = self.engine.fetchall(
            """SELECT entity_id, name, aliases, country, tax_id, incorporation_date, address, phone
            FROM parties WHERE entity_id IS NOT NULL AND COALESCE(kind, 'company') <> 'person'
              AND (country IN (SELECT v FROM _tt_pi_c)
                   OR upper(regexp_replace(tax_id, '[^0-9A-Za-z]', '', 'g')) IN (SELECT v FROM _tt_pi_t))
            ORDER BY entity_id"""
        )
        self.engine.drop_relation("_tt_pi_c")
        self.engine.drop_relation("_tt_pi_t")
        for eid, name, aliases, country, tax, inc, addr, phone in rows:
            if eid in self._loaded:
                continue
            self._loaded.add(eid)
            party = Party(eid, name or eid, country, tax, inc, addr, phone)
            if (t := tax_key(tax)) is not None:
                self.by_tax[t].append(party)
            names = [name, *(aliases or "").split(";")]
            for k in {name_key(n.strip()) for n in names if n and n.strip()}:
                if k:
                    self.by_name[k].append(party)
        self._by_country = None
        return self

    def match(
        self, names: Iterable[str | None], taxes: Iterable[str | None], country: str | None
    ) -> Party | None:
        """The party with one of these tax ids, else with one of these names (same country first)."""
        for t in taxes:
            found = self.by_tax.get(tax_key(t) or "")
            if found:
                return _pick(found, country)
        cands: dict[str, Party] = {}
        keys = [k for k in (name_key(n) for n in names) if k]
        for k in keys:
            for p in self.by_name.get(k, []):
                cands[p.entity_id] = p
        if not cands and country is not None:
            for k in keys:
                for p in self._close(k, country):
                    cands[p.entity_id] = p
        return _pick(list(cands.values()), country) if cands else None

    def _close(self, key: str, country: str) -> list[Party]:
        """Parties of the country whose name key is a spelling variant of ``key`` (the same
        test as ``canonical_keys``: close first words, and the whole keys 90% alike or one's
        words all in the other's)."""
        from rapidfuzz import fuzz

        if self._by_country is None:
            self._by_country = defaultdict(list)
            for k, parties in self.by_name.items():
                for c in {p.country for p in parties if p.country}:
                    self._by_country[(c, k[:1])].append(k)
        words = key.split()
        out: list[Party] = []
        for other in self._by_country.get((country, key[:1]), []):
            o_words = other.split()
            if fuzz.ratio(words[0], o_words[0]) < 75:
                continue
            subset = (
                len(words) >= 2
                and len(o_words) >= 2
                and (set(words) <= set(o_words) or set(o_words) <= set(words))
            )
            if subset or fuzz.ratio(key, other) >= 90:
                out += [p for p in self.by_name[other] if p.country == country]
        return out


def _pick(parties: list[Party], country: str | None) -> Party:
    same = [p for p in parties if country is not None and p.country == country]
    return min(same or parties, key=lambda p: p.entity_id)


def exporter_identities(
    engine: Engine, table: str, where: str, index: PartyIndex
) -> tuple[dict[str, str], dict[str, Party]]:
    """For the exporters of ``table`` rows matching ``where``: ekey -> identity (a party's
    entity id, else the canonical spelling of the key within its country) and
    identity -> Party for those matched to the register."""
    rows = engine.fetchall(
        f"""SELECT ekey, exporter_name, etax, third, count(*) FROM {table}
        WHERE ekey IS NOT NULL AND ({where}) GROUP BY ALL ORDER BY ALL"""
    )
    names: dict[str, set[str]] = defaultdict(set)
    taxes: dict[str, set[str]] = defaultdict(set)
    country: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    count: dict[str, int] = defaultdict(int)
    clusters = exporter_clusters(engine, table, where)
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ekey, name, etax, third, n in rows:
        if clusters and name and (cluster := clusters.get((str(name), tax_key(etax)))):
            votes[ekey][cluster] += n
        if name:
            names[ekey].add(name)
        if etax:
            taxes[ekey].add(etax)
        if third:
            country[ekey][third] += n
        count[ekey] += n
    index.ensure({c for cs in country.values() for c in cs}, {t for ts in taxes.values() for t in ts})
    matched: dict[str, Party] = {}
    by_country: dict[str | None, list[tuple[str, int]]] = defaultdict(list)
    for ekey in sorted(count):
        where_ = min(country[ekey], key=lambda c: (-country[ekey][c], c)) if country[ekey] else None
        party = index.match([*sorted(names[ekey]), ekey], sorted(taxes[ekey]), where_)
        if party is not None:
            matched[ekey] = party
        by_country[where_].append((ekey, count[ekey]))
    out: dict[str, str] = {}
    parties: dict[str, Party] = {}
    for keys in by_country.values():
        groups: dict[str, list[str]] = defaultdict(list)
        for ekey, canon in canonical_keys(keys).items():
            groups[canon].append(ekey)
        for canon, members in groups.items():
            # a spelling that matches no party joins the party of a close spelling
            found = [matched[k] for k in sorted(members, key=lambda k: (-count[k], k)) if k in matched]
            for k in members:
                party = matched.get(k) or (found[0] if found else None)
                out[k] = party.entity_id if party else "name:" + canon
                if party:
                    parties[party.entity_id] = party
    if votes:
        _merge_clusters(out, {k: max(v, key=lambda c: (v[c], c)) for k, v in votes.items()}, count)
    return out, parties


def exporter_clusters(engine: Engine, table: str, where: str) -> dict[tuple[str, str | None], str]:
    """(exporter name as written, tax key) -> entity-resolution cluster, for the exporters of
    ``table`` rows matching ``where``, when ``resolve`` has run."""
    from tradetrace.graph.identity import clusters_available, tax_key_sql

    if not clusters_available(engine):
        return {}
    rows = engine.fetchall(
        f"""SELECT m.name, {tax_key_sql("m.tax_id")}, arg_max(c.cluster_id, m.rows)
        FROM party_mentions m JOIN party_clusters c ON c.mention_id = m.mention_id
        WHERE m.source_table = 'shipments' AND m.role = 'exporter'
          AND m.name IN (SELECT exporter_name FROM {table} WHERE ekey IS NOT NULL AND ({where}))
        GROUP BY ALL"""
    )
    return {(str(name), tax): str(cluster) for name, tax, cluster in rows}


def _merge_clusters(out: dict[str, str], ekey_cluster: dict[str, str], count: dict[str, int]) -> None:
    """Give every exporter key of one cluster the same identity: a register party's if one of
    them has it, else that of the most written key."""
    members: dict[str, list[str]] = defaultdict(list)
    for ekey, cluster in ekey_cluster.items():
        if ekey in out:
            members[cluster].append(ekey)
    for keys in members.values():
        if len({out[k] for k in keys}) < 2:
            continue
        best = min(keys, key=lambda k: (out[k].startswith("name:"), -count[k], k))
        for k in keys:
            out[k] = out[best]


def register_map(engine: Engine, name: str, mapping: dict[str, str]) -> None:
    keys = sorted(mapping)
    engine.register(
        name,
        pa.table(
            {"raw": pa.array(keys, pa.string()), "ident": pa.array([mapping[k] for k in keys], pa.string())}
        ),
    )


def party_facts(party: Party | None) -> dict[str, Any]:
    if party is None:
        return {}
    return {
        "entity_id": party.entity_id,
        "name": party.name,
        "country": party.country,
        "incorporated": party.incorporated.isoformat() if party.incorporated else None,
    }
