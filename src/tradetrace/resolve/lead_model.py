"""Leads between party clusters: the record, its table, and how its id is made."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tradetrace.model.records import CODE, NAME, TEXT, Column, TableSpec

__all__ = ["PARTY_LEADS", "Cluster", "Lead", "make_lead"]

PARTY_LEADS = TableSpec(
    "party_leads",
    "Leads between distinct party clusters: similar names across countries, shared "
    "(current or former) owners and officers, shared contact details. Not merges; they feed "
    "the RELATED_PARTIES flag. Rewritten by `resolve`.",
    (
        Column("lead_id", "VARCHAR", "stable id: hash of kind and the two cluster ids", True, CODE),
        Column(
            "kind",
            "VARCHAR",
            "similar_name, shared_person, associated_people, direct_relation, shared_<contact>",
            True,
        ),
        Column("cluster_a", "VARCHAR", "one cluster (the smaller id)", True, CODE),
        Column("name_a", "VARCHAR", "its canonical name", True, NAME),
        Column("country_a", "VARCHAR", "its country"),
        Column("cluster_b", "VARCHAR", "the other cluster", True, CODE),
        Column("name_b", "VARCHAR", "its canonical name", True, NAME),
        Column("country_b", "VARCHAR", "its country"),
        Column("strength", "DOUBLE", "0-1: how strongly the evidence ties the two", True),
        Column("summary", "VARCHAR", "the tie in one sentence, with dates", True, TEXT),
        Column("evidence", "VARCHAR", "JSON: values, relations with dates, source rows", True, TEXT),
    ),
    primary_key=("lead_id",),
)


@dataclass(frozen=True)
class Lead:
    """One tie between two distinct clusters (a before b by id), with evidence and strength."""

    lead_id: str
    kind: str
    cluster_a: str
    name_a: str
    country_a: str | None
    cluster_b: str
    name_b: str
    country_b: str | None
    strength: float
    summary: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Cluster:
    """A party cluster as leads name it (persons and firms outside the register get ``entity:<id>``)."""

    cluster_id: str
    name: str
    country: str | None
    kind: str | None


def make_lead(
    kind: str, a: Cluster, b: Cluster, strength: float, summary: str, evidence: dict[str, Any]
) -> Lead:
    """A lead with its stable id (hash of kind and both cluster ids), strength clipped to 0-1."""
    if b.cluster_id < a.cluster_id:
        a, b = b, a
    lead_id = "pl_" + hashlib.sha1(f"{kind}\x1f{a.cluster_id}\x1f{b.cluster_id}".encode()).hexdigest()[:16]
    s = round(min(1.0, max(0.0, strength)), 4)
    return Lead(
        lead_id, kind, a.cluster_id, a.name, a.country, b.cluster_id, b.name, b.country, s, summary, evidence
    )
