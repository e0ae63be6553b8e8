"""OFAC's classic XML: ``sdn.xml`` and ``consolidated.xml`` (root ``sdnList``).

Each ``sdnEntry`` holds uid, firstName/lastName, sdnType, programList,
idList (idType/idNumber/idCountry, which also carries e-mails, websites,
gender and sanctions notes), akaList (type a.k.a./f.k.a./n.k.a., category
strong/weak), addressList, nationalityList, citizenshipList,
dateOfBirthList, placeOfBirthList, vesselInfo and remarks.
``publshInformation/Publish_Date`` (MM/DD/YYYY, OFAC's spelling of the
element) dates the version.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
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
    country_code,
    resolve_relations,
    us_date,
)
from tradetrace.lists.remarks import apply_remarks, label_type, make_identifier, parse_dob
from tradetrace.lists.textio import children, first, iter_xml, text_of

PUBLISHER = "US Treasury, Office of Foreign Assets Control (OFAC)"
KINDS = {"individual": "person", "entity": "company", "vessel": "vessel", "aircraft": "aircraft"}
ALIAS_TYPES = {"a.k.a.": "aka", "f.k.a.": "fka", "n.k.a.": "nka"}
FACT_IDS = {
    "gender": "gender",
    "organization established date": "established",
    "organization type:": "organization_type",
    "target type": "target_type",
    "vessel year of build": "vessel_year_built",
    "title": "title",
}


def collect(path: Path) -> ListSource:
    return ListSource("ofac-xml", path, (path,))


def read(source: ListSource) -> ListData:
    path = source.path
    list_id = "us-ofac-cons" if "cons" in path.name.lower() else "us-ofac-sdn"
    data = ListData(list_id, PUBLISHER, "ofac-xml", [path])
    declared: int | None = None
    for elem in iter_xml(path, {"sdnEntry", "publshInformation", "publishInformation"}):
        tag = elem.tag.rsplit("}", 1)[-1]
        if tag == "sdnEntry":
            data.entries.append(_entry(path, elem, len(data.entries) + 1))
        elif tag in ("publshInformation", "publishInformation"):
            data.as_of = us_date(text_of(elem, "Publish_Date"))
            data.as_of_basis = "Publish_Date in the file"
            count = text_of(elem, "Record_Count")
            declared = int(count) if count and count.isdigit() else None
        elif tag != "sdnList":
            raise IngestError(f"{path}: root element <{tag}> is not <sdnList> (OFAC XML)")
    data.rows_read = len(data.entries)
    if declared is not None and declared != len(data.entries):
        raise IngestError(
            f"{path}: the file declares {declared:,} records but holds {len(data.entries):,}; "
            "it is incomplete"
        )
    resolve_relations(data.entries)
    return data


def _entry(path: Path, elem: ET.Element, position: int) -> Entry:
    uid = text_of(elem, "uid")
    if uid is None:
        raise IngestError(f"{path}: sdnEntry number {position} has no uid")
    name = _full_name(elem)
    if name is None:
        raise IngestError(f"{path}: sdnEntry uid {uid} has no name")
    kind = KINDS.get((text_of(elem, "sdnType") or "").lower(), "unknown")
    entry = Entry(uid, kind, name, path.name, position, remarks=text_of(elem, "remarks"))
    for program in _list(elem, "programList", "program"):
        entry.add_program(text_of(program))
    entry.add_extra("title", text_of(elem, "title"))
    for aka in _list(elem, "akaList", "aka"):
        alias = _full_name(aka)
        type_ = ALIAS_TYPES.get((text_of(aka, "type") or "").lower(), "aka")
        if (text_of(aka, "category") or "").lower() == "weak":
            type_ = "weak"
        if alias:
            entry.names.append(Name(alias, type_))
    for addr in _list(elem, "addressList", "address"):
        street = ", ".join(v for k in ("address1", "address2", "address3") if (v := text_of(addr, k)))
        entry.add_address(
            Address.of(
                country_name=text_of(addr, "country"),
                street=street,
                city=text_of(addr, "city"),
                region=text_of(addr, "stateOrProvince"),
                postal_code=text_of(addr, "postalCode"),
            )
        )
    for nat in (
        *_list(elem, "nationalityList", "nationality"),
        *_list(elem, "citizenshipList", "citizenship"),
    ):
        entry.add_country(text_of(nat, "country"))
    for dob in _list(elem, "dateOfBirthList", "dateOfBirthItem"):
        for iso in parse_dob(text_of(dob, "dateOfBirth") or ""):
            entry.add_birth_date(iso)
    for pob in _list(elem, "placeOfBirthList", "placeOfBirthItem"):
        entry.add_extra("places_of_birth", text_of(pob, "placeOfBirth"))
    for ident in _list(elem, "idList", "id"):
        _add_id(entry, ident)
    vessel = first(elem, "vesselInfo")
    if vessel is not None:
        if call_sign := text_of(vessel, "callSign"):
            entry.add_identifier(Identifier("call_sign", call_sign))
        for key, tag in (
            ("vessel_type", "vesselType"),
            ("vessel_flag", "vesselFlag"),
            ("vessel_owner", "vesselOwner"),
            ("tonnage", "tonnage"),
            ("gross_registered_tonnage", "grossRegisteredTonnage"),
        ):
            entry.add_extra(key, text_of(vessel, tag))
        entry.add_country(text_of(vessel, "vesselFlag"))
    apply_remarks(entry, entry.remarks)
    return entry


def _add_id(entry: Entry, elem: ET.Element) -> None:
    label = text_of(elem, "idType")
    number = text_of(elem, "idNumber")
    if label is None or number is None:
        return
    key = label.lower()
    if key in FACT_IDS:
        entry.add_extra(FACT_IDS[key], number)
        return
    if key.startswith(
        (
            "secondary sanctions",
            "additional sanctions",
            "transactions prohibited",
            "executive order",
            "caatsa",
        )
    ):
        entry.add_extra("sanctions_info", f"{label} {number}")
        return
    type_ = label_type(label) or ("crypto_wallet" if key.startswith("digital currency") else None)
    ident = make_identifier(type_ or "other", number, label, country_code(text_of(elem, "idCountry")))
    if ident is not None:
        entry.add_identifier(ident)


def _full_name(elem: ET.Element) -> str | None:
    last = text_of(elem, "lastName")
    given = text_of(elem, "firstName")
    if last and given:
        return clean(f"{last}, {given}")
    return clean(last or given)


def _list(elem: ET.Element, container: str, item: str) -> list[ET.Element]:
    box = first(elem, container)
    return children(box, item) if box is not None else []
