"""Related but distinct: leads between party clusters, never merges.

``related_leads(ws)`` reads the clusters of :func:`~tradetrace.resolve.cluster.cluster_parties`
and writes ``party_leads``, one row per pair of clusters and kind of tie:

* ``similar_name``: near-identical names in different countries, compared on Latin keys
  across scripts (a Taiwanese maker "Norvida Machine Tools Co., Ltd." and a Russian
  importer "ООО «Норвида Машин Текнолоджи»" share the rare word ``norvida``), and identical
  names that clustering kept apart (different tax ids);
* ``shared_person``: one person or firm holds (or held) a role in both, from ``relations``
  with dates: a co-owner until 2015 still counts, and the lead says so;
  ``associated_people``: the two are tied through two people recorded as associates;
  ``direct_relation``: one is recorded as owner, director... of the other;
* ``shared_address``, ``shared_phone``, ``shared_email``, ``shared_website``: the same
  contact value (an e-mail domain counts as a website unless it is a free mail provider).

Each lead carries both clusters (ids and names), the evidence (values, dates, source rows)
as JSON, a one-line summary and a strength in 0-1. These feed the RELATED_PARTIES flag.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from functools import cache
from importlib import resources

import pyarrow as pa
import yaml

from tradetrace.engine.base import runs_as
from tradetrace.resolve.cluster_keys import address_key
from tradetrace.resolve.lead_model import PARTY_LEADS, Cluster, Lead, make_lead
from tradetrace.resolve.related_names import similar_name_leads
from tradetrace.resolve.related_people import people_leads, read_relations
from tradetrace.workspace import Workspace

__all__ = ["PARTY_LEADS", "Lead", "lead_kinds", "related_leads"]

MAX_SHARED = 25  # a contact value shared by more clusters is a registration agent, not a tie
CONTACT_STRENGTH = {"email": 0.85, "website": 0.8, "phone": 0.75, "address": 0.6}


@cache
def _free_mail() -> frozenset[str]:
    path = resources.files("tradetrace").joinpath("data/resolve/cluster/terms.yaml")
    return frozenset(str(d) for d in yaml.safe_load(path.read_text("utf-8")).get("free_mail") or ())


def _clusters(ws: Workspace) -> tuple[dict[str, Cluster], dict[str, str], list[tuple[str, str, str]]]:
    """Clusters; registry entity id -> cluster id; (cluster, source table, address) rows."""
    rows = ws.engine.fetchall(
        "SELECT c.cluster_id, c.canonical_name, c.cluster_country, m.kind, m.entity_id, m.source_table, m.address "
        "FROM party_clusters c JOIN party_mentions m USING (mention_id) ORDER BY c.cluster_id, m.mention_id"
    )
    clusters: dict[str, Cluster] = {}
    entity: dict[str, str] = {}
    addresses: list[tuple[str, str, str]] = []
    for cid, name, country, kind, entity_id, table, address in rows:
        old = clusters.get(cid)
        if old is None or (kind and not old.kind):
            clusters[cid] = Cluster(cid, name, country, kind or (old.kind if old else None))
        if entity_id:
            entity[entity_id] = cid
        if address:
            addresses.append((cid, table, address))
    return clusters, entity, addresses


# ---- contact details --------------------------------------------------------------------

_DIGITS = re.compile(r"\D+")


def _contact_values(kind: str, raw: str) -> list[tuple[str, str]]:
    """Comparable (kind, value) pairs of one contact field; an e-mail also gives its domain."""
    raw = raw.strip().lower()
    if kind == "phone":
        digits = _DIGITS.sub("", raw)
        return [("phone", digits[-10:])] if len(digits) >= 7 else []
    if kind == "email":
        if "@" not in raw:
            return []
        domain = raw.rsplit("@", 1)[1]
        return [("email", raw)] + ([("website", domain)] if domain not in _free_mail() else [])
    if kind == "website":
        host = re.sub(r"^[a-z]+://", "", raw).split("/", 1)[0].removeprefix("www.")
        return [("website", host)] if "." in host else []
    key = address_key(raw)  # address: several words and a number, else too vague ("Russia")
    return [("address", key)] if key and len(key.split()) >= 3 and any(ch.isdigit() for ch in key) else []


Shared = tuple[str, list[str], list[str], int]  # value, sources in a, sources in b, clusters sharing it


def _contact_leads(
    ws: Workspace, clusters: dict[str, Cluster], entity: dict[str, str], addresses: list[tuple[str, str, str]]
) -> list[Lead]:
    seen: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for cid, table, address in addresses:
        for key in _contact_values("address", address):
            seen[key][cid].add(f"{table}: {address}")
    rows = ws.engine.fetchall(
        "SELECT entity_id, phone, email, website, _source, _source_row FROM parties "
        "ORDER BY entity_id, _source, _source_row"
    )
    for eid, phone, email, website, source, row in rows:
        holder = entity.get(eid)
        if holder is None:
            continue
        for field, raw in (("phone", phone), ("email", email), ("website", website)):
            for key in _contact_values(field, raw) if raw else ():
                seen[key][holder].add(f"parties {field} ({source}#{row}): {raw}")
    pairs: dict[tuple[str, str, str], list[Shared]] = defaultdict(list)
    for (kind, value), by in seen.items():
        if not 2 <= len(by) <= MAX_SHARED:
            continue
        ids = sorted(by)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if clusters[a].kind != "person" or clusters[b].kind != "person":
                    pairs[(kind, a, b)].append((value, sorted(by[a]), sorted(by[b]), len(by)))
    out = []
    for (kind, a, b), items in sorted(pairs.items()):
        if (
            kind == "website" and ("email", a, b) in pairs
        ):  # a domain seen only in a shared e-mail adds nothing
            items = [it for it in items if not all(" email " in src for src in (*it[1], *it[2]))]
            if not items:
                continue
        miss = 1.0
        for *_, n in items:
            miss *= 1 - CONTACT_STRENGTH[kind] / (
                1 + math.log10(n - 1)
            )  # a few firms at one address: the front-company pattern
        values = [{"value": v, "a": sa, "b": sb, "clusters_sharing": n} for v, sa, sb, n in items]
        text = f"Same {kind}: " + "; ".join(
            f"{v} (shared by {n} clusters)" if n > 2 else v for v, _, _, n in items
        )
        out.append(
            make_lead(f"shared_{kind}", clusters[a], clusters[b], 1 - miss, text + ".", {"values": values})
        )
    return out


def _write(ws: Workspace, leads: list[Lead]) -> None:
    table = pa.table(
        {
            "lead_id": [x.lead_id for x in leads],
            "kind": [x.kind for x in leads],
            "cluster_a": [x.cluster_a for x in leads],
            "name_a": [x.name_a for x in leads],
            "country_a": pa.array([x.country_a for x in leads], pa.string()),
            "cluster_b": [x.cluster_b for x in leads],
            "name_b": [x.name_b for x in leads],
            "country_b": pa.array([x.country_b for x in leads], pa.string()),
            "strength": pa.array([x.strength for x in leads], pa.float64()),
            "summary": [x.summary for x in leads],
            "evidence": [
                json.dumps(x.evidence, ensure_ascii=False, sort_keys=True, default=str) for x in leads
            ],
        },
        schema=pa.schema(
            [(c.name, pa.float64() if c.type == "DOUBLE" else pa.string()) for c in PARTY_LEADS.columns]
        ),
    )
    with ws.engine.transaction():
        ws.engine.execute("DROP TABLE IF EXISTS party_leads")
        ws.engine.execute(PARTY_LEADS.ddl())
        ws.engine.register("_tt_party_leads", table)
        try:
            cols = ", ".join(PARTY_LEADS.names)
            ws.engine.execute(f"INSERT INTO party_leads ({cols}) SELECT {cols} FROM _tt_party_leads")
        finally:
            ws.engine.unregister("_tt_party_leads")


@runs_as("related-party leads")
def related_leads(ws: Workspace) -> list[Lead]:
    """Find leads between the workspace's party clusters; rewrite party_leads; strongest first."""
    clusters, entity, addresses = _clusters(ws)
    names = ws.engine.fetchall(
        "SELECT DISTINCT c.cluster_id, m.name, m.name_fold FROM party_clusters c JOIN party_mentions m "
        "USING (mention_id) ORDER BY c.cluster_id, m.name, m.name_fold"
    )
    by_cluster: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for cid, name, fold in names:
        by_cluster[cid].append((name, tuple((fold or "").split())))
    leads = similar_name_leads(clusters, by_cluster)
    leads += people_leads(read_relations(ws), clusters, entity)
    leads += _contact_leads(ws, clusters, entity, addresses)
    unique = {lead.lead_id: lead for lead in leads}
    ordered = sorted(unique.values(), key=lambda x: (-x.strength, x.kind, x.lead_id))
    _write(ws, ordered)
    return ordered


def lead_kinds(leads: list[Lead]) -> Counter[str]:
    return Counter(lead.kind for lead in leads)
