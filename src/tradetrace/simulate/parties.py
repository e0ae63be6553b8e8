"""parties.csv, relations.csv and the same parties and relations as FollowTheMoney JSON lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from tradetrace.simulate.ids import stable_id
from tradetrace.simulate.registry import Firm, Person, Registry, Relation

PARTY_COLUMNS = (
    "entity_id",
    "kind",
    "name",
    "aliases",
    "country",
    "tax_id",
    "registration_no",
    "incorporation_date",
    "address",
    "phone",
    "email",
    "website",
)
RELATION_COLUMNS = (
    "source_id",
    "target_id",
    "relation",
    "role",
    "share_pct",
    "start_date",
    "end_date",
    "source",
)
# relation -> (FtM schema, property of the source, property of the target)
FTM_RELATIONS = {
    "owner": ("Ownership", "owner", "asset"),
    "director": ("Directorship", "director", "organization"),
    "officer": ("Directorship", "director", "organization"),
    "employee": ("Employment", "employee", "employer"),
    "associate": ("Associate", "person", "associate"),
}


def _aliases(f: Firm) -> list[str]:
    return [a for a in dict.fromkeys(f.name.aliases) if a and a != f.name.primary]


def write_parties(path: Path, reg: Registry) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PARTY_COLUMNS)
        for f in reg.firms:
            w.writerow(
                [
                    f.entity_id,
                    "company",
                    f.name.primary,
                    ";".join(_aliases(f)),
                    f.country,
                    f.tax_id or "",
                    f.registration_no or "",
                    f.incorporated or "",
                    f.address.text,
                    f.phone or "",
                    f.email or "",
                    f.website or "",
                ]
            )
        for p in reg.persons:
            w.writerow(
                [
                    p.entity_id,
                    "person",
                    p.name,
                    ";".join(p.aliases),
                    p.country,
                    p.tax_id or "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )


def write_relations(path: Path, reg: Registry) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(RELATION_COLUMNS)
        for r in reg.relations:
            share = "" if r.share_pct is None else f"{r.share_pct:g}"
            w.writerow(
                [
                    r.source_id,
                    r.target_id,
                    r.relation,
                    r.role,
                    share,
                    r.start_date or "",
                    r.end_date or "",
                    r.source,
                ]
            )


def _put(e: EntityProxy, prop: str, values: str | list[str] | None) -> None:
    """Add values the simulator already wrote in FtM's normal form (no re-cleaning)."""
    if values:
        e.add(prop, values, cleaned=True)


def firm_entity(f: Firm) -> dict[str, Any]:
    e = model.make_entity("Company")
    e.id = f.entity_id
    _put(e, "name", f.name.primary)
    _put(e, "alias", _aliases(f))
    _put(e, "country", f.country.lower())
    _put(e, "jurisdiction", f.country.lower())
    if f.tax_id:
        _put(e, "innCode" if f.country == "RU" else "taxNumber", f.tax_id)
    if f.registration_no:
        russian = f.country == "RU" and len(f.registration_no) == 13
        _put(e, "ogrnCode" if russian else "registrationNumber", f.registration_no)
    _put(e, "incorporationDate", f.incorporated)
    _put(e, "address", f.address.text)
    # contact details in FtM's normal forms: E.164 phones (valid by construction), full URLs
    if f.phone:
        _put(e, "phone", "".join(ch for ch in f.phone if ch == "+" or ch.isdigit()))
    _put(e, "email", f.email)
    if f.website:
        _put(e, "website", f"http://{f.website}/")
    out: dict[str, Any] = e.to_dict()
    return out


def person_entity(p: Person) -> dict[str, Any]:
    e = model.make_entity("Person")
    e.id = p.entity_id
    _put(e, "name", p.name)
    _put(e, "alias", p.aliases)
    _put(e, "nationality", p.country.lower())
    _put(e, "innCode", p.tax_id)
    out: dict[str, Any] = e.to_dict()
    return out


def relation_entity(r: Relation) -> dict[str, Any]:
    schema, src, dst = FTM_RELATIONS[r.relation]
    e = model.make_entity(schema)
    e.id = stable_id("relation", r.source_id, r.target_id, r.relation, r.role, r.start_date or "")
    _put(e, src, r.source_id)
    _put(e, dst, r.target_id)
    if schema == "Associate":
        _put(e, "relationship", r.role)
    else:
        _put(e, "role", r.role or r.relation)
        _put(e, "startDate", r.start_date)
        _put(e, "endDate", r.end_date)
    if schema == "Ownership" and r.share_pct is not None:
        _put(e, "percentage", f"{r.share_pct:g}")
    _put(e, "publisher", r.source)
    out: dict[str, Any] = e.to_dict()
    return out


def write_ftm(path: Path, reg: Registry) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for f in reg.firms:
            fh.write(json.dumps(firm_entity(f), ensure_ascii=False, sort_keys=True) + "\n")
        for p in reg.persons:
            fh.write(json.dumps(person_entity(p), ensure_ascii=False, sort_keys=True) + "\n")
        for r in reg.relations:
            fh.write(json.dumps(relation_entity(r), ensure_ascii=False, sort_keys=True) + "\n")
