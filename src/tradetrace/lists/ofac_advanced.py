"""OFAC's advanced XML (``sdn_advanced.xml``, ``cons_advanced.xml``).

A normalised document whose sections refer to each other by numeric id:
``ReferenceValueSets`` (alias types, feature types, countries, document
types...), ``Locations``, ``IDRegDocuments`` (identity documents, linked to an
``Identity``), ``DistinctParties`` (each a ``Profile`` with identities,
aliases and dated ``Feature``\\ s), ``ProfileRelationships`` ("Linked To",
"Associate Of"...) and ``SanctionsEntries`` (programs and the designation
date). Sections are streamed and reduced to small records, then joined, so
their order in the file does not matter.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
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
    country_code,
)
from tradetrace.lists.remarks import label_type, make_identifier
from tradetrace.lists.textio import children, first, iter_xml, local, text_of

PUBLISHER = "US Treasury, Office of Foreign Assets Control (OFAC)"
SECTIONS = {
    "DateOfIssue",
    "ReferenceValueSets",
    "Location",
    "IDRegDocument",
    "DistinctParty",
    "ProfileRelationship",
    "SanctionsEntry",
}
ALIAS_TYPES = {"a.k.a.": "aka", "f.k.a.": "fka", "n.k.a.": "nka", "name": "primary"}
CONTACT_FEATURES = {
    "website": "website",
    "email address": "email",
    "phone number": "phone",
    "vessel call sign": "call_sign",
    "vessel mmsi": "mmsi",
}
COUNTRY_FEATURES = (
    "nationality country",
    "citizenship country",
    "nationality of registration",
    "vessel flag",
)
Refs = dict[str, dict[str, tuple[str, dict[str, str]]]]


@dataclass
class _Party:
    fixed_ref: str
    position: int
    sub_type: str | None
    # (name parts as (NamePartGroupID, text), AliasTypeID, primary, low quality)
    names: list[tuple[list[tuple[str, str]], str, bool, bool]] = field(default_factory=list)
    features: list[tuple[str, str | None, str | None, str | None]] = field(default_factory=list)
    identities: set[str] = field(default_factory=set)
    profile_id: str = ""


@dataclass
class _Doc:
    identity: str
    type_id: str | None
    number: str | None
    country_id: str | None


def collect(path: Path) -> ListSource:
    return ListSource("ofac-advanced-xml", path, (path,))


def read(source: ListSource) -> ListData:
    path = source.path
    list_id = "us-ofac-cons" if "cons" in path.name.lower() else "us-ofac-sdn"
    data = ListData(list_id, PUBLISHER, "ofac-advanced-xml", [path])
    refs: Refs = {}
    locations: dict[str, ET.Element] = {}
    docs: list[_Doc] = []
    parties: list[_Party] = []
    links: list[tuple[str, str, str | None]] = []
    sanctions: dict[str, list[tuple[str | None, date | None]]] = {}
    for elem in iter_xml(path, SECTIONS):
        tag = local(elem.tag)
        if tag == "ReferenceValueSets":
            refs = _reference_values(elem)
        elif tag == "DateOfIssue":
            data.as_of = _date(elem)
            data.as_of_basis = "DateOfIssue in the file"
        elif tag == "Location":
            locations[elem.get("ID", "")] = _detached(elem)
        elif tag == "IDRegDocument":
            docs.append(
                _Doc(
                    elem.get("IdentityID", ""),
                    elem.get("IDRegDocTypeID"),
                    text_of(elem, "IDRegistrationNo"),
                    elem.get("IssuedBy-CountryID"),
                )
            )
        elif tag == "DistinctParty":
            parties.append(_party(path, elem, len(parties) + 1))
        elif tag == "ProfileRelationship":
            links.append(
                (elem.get("From-ProfileID", ""), elem.get("To-ProfileID", ""), elem.get("RelationTypeID"))
            )
        elif tag == "SanctionsEntry":
            sanctions.setdefault(elem.get("ProfileID", ""), []).extend(_measures(elem))
        elif tag != "Sanctions":
            raise IngestError(f"{path}: root element <{tag}> is not <Sanctions> (OFAC advanced)")
    if not parties:
        raise IngestError(f"{path}: no DistinctParty elements; not an OFAC advanced XML list")
    _build(path, data, refs, locations, docs, parties, links, sanctions)
    return data


def _detached(elem: ET.Element) -> ET.Element:
    """A copy that survives the streaming parser clearing the original."""
    copy = ET.Element(local(elem.tag), dict(elem.attrib))
    copy.text = elem.text
    copy.extend(_detached(c) for c in elem)
    return copy


def _reference_values(elem: ET.Element) -> Refs:
    refs: Refs = {}
    for box in elem:
        for item in box:
            ref_id = item.get("ID")
            if ref_id is not None:
                values = refs.setdefault(local(item.tag), {})
                values[ref_id] = ((item.text or "").strip(), dict(item.attrib))
    return refs


def _ref(refs: Refs, kind: str, ref_id: str | None) -> str | None:
    if ref_id is None:
        return None
    hit = refs.get(kind, {}).get(ref_id)
    return hit[0] if hit else None


def _date(elem: ET.Element | None) -> date | None:
    if elem is None:
        return None
    try:
        return date(
            int(text_of(elem, "Year") or 0), int(text_of(elem, "Month") or 1), int(text_of(elem, "Day") or 1)
        )
    except ValueError:
        return None


def _partial(elem: ET.Element | None) -> str | None:
    """An ISO partial date from Year/Month/Day children."""
    if elem is None or not (year := text_of(elem, "Year")):
        return None
    parts = [year.zfill(4)]
    for child in ("Month", "Day"):
        value = text_of(elem, child)
        if not value:
            break
        parts.append(value.zfill(2))
    return "-".join(parts)


def _party(path: Path, elem: ET.Element, position: int) -> _Party:
    fixed_ref = elem.get("FixedRef")
    profile = first(elem, "Profile")
    if fixed_ref is None or profile is None:
        raise IngestError(f"{path}: DistinctParty number {position} has no FixedRef or Profile")
    party = _Party(
        fixed_ref, position, profile.get("PartySubTypeID"), profile_id=profile.get("ID", fixed_ref)
    )
    for identity in children(profile, "Identity"):
        party.identities.add(identity.get("ID", ""))
        groups = {
            g.get("ID", ""): g.get("NamePartTypeID", "")
            for g in identity.iter()
            if local(g.tag) == "NamePartGroup"
        }
        for alias in children(identity, "Alias"):
            type_id = alias.get("AliasTypeID", "")
            low = alias.get("LowQuality") == "true"
            primary = alias.get("Primary") == "true"
            for doc_name in children(alias, "DocumentedName"):
                parts = [
                    (groups.get(v.get("NamePartGroupID", ""), ""), (v.text or "").strip())
                    for v in doc_name.iter()
                    if local(v.tag) == "NamePartValue"
                ]
                party.names.append((parts, type_id, primary, low))
    for feature in children(profile, "Feature"):
        type_id = feature.get("FeatureTypeID", "")
        for version in children(feature, "FeatureVersion"):
            detail = first(version, "VersionDetail")
            loc = first(version, "VersionLocation")
            period = first(version, "DatePeriod")
            value = text_of(detail) if detail is not None else None
            ref = detail.get("DetailReferenceID") if detail is not None else None
            when = _period(period)
            party.features.append(
                (type_id, value or when, ref, loc.get("LocationID") if loc is not None else None)
            )
    return party


def _period(elem: ET.Element | None) -> str | None:
    if elem is None:
        return None
    start = first(elem, "Start")
    end = first(elem, "End")
    low = _partial(first(start, "From")) if start is not None else None
    high = _partial(first(end, "To")) if end is not None else None
    if low and high and high != low:
        return f"{low}/{high}"
    return low or high


def _measures(elem: ET.Element) -> list[tuple[str | None, date | None]]:
    when = None
    for event in children(elem, "EntryEvent"):
        when = _date(first(event, "Date")) or when
    out: list[tuple[str | None, date | None]] = [
        (text_of(m, "Comment"), when) for m in children(elem, "SanctionsMeasure")
    ]
    return out or [(None, when)]


def _build(
    path: Path,
    data: ListData,
    refs: Refs,
    locations: dict[str, ET.Element],
    docs: list[_Doc],
    parties: list[_Party],
    links: list[tuple[str, str, str | None]],
    sanctions: dict[str, list[tuple[str | None, date | None]]],
) -> None:
    by_profile: dict[str, Entry] = {}
    by_identity: dict[str, Entry] = {}
    for party in parties:
        entry = _entry(path, party, refs, locations)
        data.entries.append(entry)
        by_profile[party.profile_id] = entry
        for identity in party.identities:
            by_identity[identity] = entry
        for program, when in sanctions.get(party.profile_id, []):
            if program and program != "Block":
                entry.add_program(program)
            if when and (entry.listed_on is None or when < entry.listed_on):
                entry.listed_on = when
    for doc in docs:
        owner = by_identity.get(doc.identity)
        if owner is None or doc.number is None:
            continue
        label = _ref(refs, "IDRegDocType", doc.type_id) or "Identification Number"
        country = country_code(_ref(refs, "Country", doc.country_id))
        ident = make_identifier(label_type(label) or "other", doc.number, label, country)
        if ident is not None:
            owner.add_identifier(ident)
    for source, target, type_id in links:
        src, dst = by_profile.get(source), by_profile.get(target)
        if src is None or dst is None:
            continue
        relation = re.sub(r"\W+", "_", (_ref(refs, "RelationType", type_id) or "related").lower()).strip("_")
        src.relations.append(Relation(relation, dst.name, dst.entry_id))
    data.rows_read = len(parties)


def _entry(path: Path, party: _Party, refs: Refs, locations: dict[str, ET.Element]) -> Entry:
    sub = refs.get("PartySubType", {}).get(party.sub_type or "", ("", {}))
    party_type = _ref(refs, "PartyType", sub[1].get("PartyTypeID")) or ""
    kind = {"vessel": "vessel", "aircraft": "aircraft"}.get(sub[0].lower()) or {
        "individual": "person",
        "entity": "company",
    }.get(party_type.lower(), "unknown")
    names: list[Name] = []
    ordered = sorted(party.names, key=lambda n: not n[2])  # the primary alias first
    for parts, type_id, primary, low in ordered:
        alias_type = ALIAS_TYPES.get((_ref(refs, "AliasType", type_id) or "").lower(), "aka")
        if primary and not names:
            alias_type = "primary"
        elif alias_type == "primary":
            alias_type = "aka"
        if low and alias_type == "aka":
            alias_type = "weak"
        name = _compose(parts, refs)
        if name and Name(name, alias_type) not in names:
            names.append(Name(name, alias_type))
    if not names:
        raise IngestError(f"{path}: DistinctParty {party.fixed_ref} has no name")
    if names[0].type != "primary":
        names[0] = Name(names[0].name, "primary")
    entry = Entry(party.fixed_ref, kind, names[0].name, path.name, party.position, names=names)
    for type_id, value, ref_id, location_id in party.features:
        feature = (_ref(refs, "FeatureType", type_id) or "").strip()
        value = value or _ref(refs, "DetailReference", ref_id)
        _apply_feature(entry, feature, value, locations.get(location_id or ""), refs)
    return entry


def _compose(parts: list[tuple[str, str]], refs: Refs) -> str | None:
    """Name parts in OFAC's order: last names, a comma, then the other parts."""
    last: list[str] = []
    rest: list[str] = []
    for group, text in parts:
        if not text:
            continue
        part_type = (_ref(refs, "NamePartType", group) or "").lower()
        (last if part_type == "last name" else rest).append(text)
    if last and rest:
        return clean(f"{' '.join(last)}, {' '.join(rest)}")
    return clean(" ".join(last or rest))


def _apply_feature(entry: Entry, feature: str, value: str | None, loc: ET.Element | None, refs: Refs) -> None:
    key = feature.lower()
    address = _address(loc, refs) if loc is not None else None
    if key == "birthdate" and value:
        for iso in value.split("/"):
            entry.add_birth_date(iso)
    elif key == "place of birth":
        entry.add_extra("places_of_birth", value or (address.as_dict()["full"] if address else None))
    elif key.startswith(COUNTRY_FEATURES):
        entry.add_country(address.country_name if address else value)
        if key == "vessel flag":
            entry.add_extra("vessel_flag", address.country_name if address else value)
    elif key == "location":
        entry.add_address(address)
    elif value and (key in CONTACT_FEATURES or key.startswith("digital currency address")):
        ident_type = CONTACT_FEATURES.get(key, "crypto_wallet")
        ident = make_identifier(ident_type, value, feature)
        if ident is not None:
            entry.add_identifier(ident)
    elif value and key.startswith(
        (
            "secondary sanctions",
            "transactions prohibited",
            "additional sanctions",
            "executive order",
            "caatsa",
        )
    ):
        entry.add_extra("sanctions_info", f"{feature} {value}")
    elif value:
        entry.add_extra(re.sub(r"\W+", "_", key).strip("_") or "feature", value)


def _address(loc: ET.Element, refs: Refs) -> Address | None:
    parts: dict[str, list[str]] = {}
    for part in children(loc, "LocationPart"):
        part_type = (_ref(refs, "LocPartType", part.get("LocPartTypeID")) or "").upper()
        for value in part.iter():
            if local(value.tag) == "Value" and (text := clean(value.text)):
                parts.setdefault(part_type, []).append(text)
    country = first(loc, "LocationCountry")
    country_name = _ref(refs, "Country", country.get("CountryID")) if country is not None else None
    street = ", ".join(parts.get("ADDRESS1", []) + parts.get("ADDRESS2", []) + parts.get("ADDRESS3", []))
    return Address.of(
        country_name=country_name,
        street=street,
        city=", ".join(parts.get("CITY", [])),
        region=", ".join(parts.get("STATE/PROVINCE", []) + parts.get("REGION", [])),
        postal_code=", ".join(parts.get("POSTAL CODE", [])),
    )
