"""The UN Security Council consolidated list, ``consolidated.xml``.

``CONSOLIDATED_LIST`` (attribute ``dateGenerated``) holds ``INDIVIDUALS`` and
``ENTITIES``. Each entry has DATAID, FIRST_NAME ... FOURTH_NAME, UN_LIST_TYPE
(the sanctions committee), REFERENCE_NUMBER (the permanent reference, e.g.
``QDi.001``, used as entry id), LISTED_ON, COMMENTS1, NAME_ORIGINAL_SCRIPT,
and repeated ``*_ALIAS`` (QUALITY Good/Low/a.k.a./f.k.a.), ``*_ADDRESS``,
``INDIVIDUAL_DATE_OF_BIRTH``, ``INDIVIDUAL_PLACE_OF_BIRTH``,
``INDIVIDUAL_DOCUMENT``, NATIONALITY, DESIGNATION and TITLE.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import (
    Address,
    Entry,
    ListData,
    ListSource,
    clean,
    country_code,
    parse_date,
    resolve_relations,
    to_date,
)
from tradetrace.lists.remarks import label_type, make_identifier
from tradetrace.lists.textio import children, iter_xml, local, text_of

PUBLISHER = "United Nations Security Council"
QUALITY = {"good": "aka", "a.k.a.": "aka", "low": "weak", "f.k.a.": "fka", "n.k.a.": "nka"}
DOCUMENTS = {
    "passport": "passport",
    "national identification number": "national_id",
    "national identification card": "national_id",
    "tax identification number": "tax_id",
}


def collect(path: Path) -> ListSource:
    return ListSource("un-xml", path, (path,))


def read(source: ListSource) -> ListData:
    path = source.path
    data = ListData("un-sc-consolidated", PUBLISHER, "un-xml", [path])
    seen: set[str] = set()
    for elem in iter_xml(path, {"INDIVIDUAL", "ENTITY"}):
        tag = local(elem.tag)
        if tag == "CONSOLIDATED_LIST":
            data.as_of = to_date(elem.get("dateGenerated"))
            data.as_of_basis = "dateGenerated in the file"
            continue
        if tag not in ("INDIVIDUAL", "ENTITY"):
            raise IngestError(f"{path}: root element <{tag}> is not <CONSOLIDATED_LIST> (UN)")
        entry = _entry(path, elem, len(data.entries) + 1, tag == "INDIVIDUAL")
        if entry.entry_id in seen:
            raise IngestError(f"{path}: reference {entry.entry_id} appears twice")
        seen.add(entry.entry_id)
        data.entries.append(entry)
    data.rows_read = len(data.entries)
    if not data.entries:
        raise IngestError(f"{path}: no INDIVIDUAL or ENTITY elements; not a UN consolidated list")
    resolve_relations(data.entries)
    return data


def _entry(path: Path, elem: ET.Element, position: int, person: bool) -> Entry:
    parts = [text_of(elem, f"{n}_NAME") for n in ("FIRST", "SECOND", "THIRD", "FOURTH")]
    name = clean(" ".join(p for p in parts if p))
    ref = text_of(elem, "REFERENCE_NUMBER") or text_of(elem, "DATAID")
    if ref is None or name is None:
        raise IngestError(f"{path}: entry number {position} has no reference number or no name")
    prefix = "INDIVIDUAL" if person else "ENTITY"
    entry = Entry(
        ref,
        "person" if person else "company",
        name,
        path.name,
        position,
        listed_on=to_date(text_of(elem, "LISTED_ON")),
        remarks=text_of(elem, "COMMENTS1"),
    )
    entry.add_program(text_of(elem, "UN_LIST_TYPE"))
    entry.add_extra("dataid", text_of(elem, "DATAID"))
    entry.add_name(text_of(elem, "NAME_ORIGINAL_SCRIPT"), "aka")
    for alias in children(elem, f"{prefix}_ALIAS"):
        quality = (text_of(alias, "QUALITY") or "good").lower()
        entry.add_name(text_of(alias, "ALIAS_NAME"), QUALITY.get(quality, "aka"))
    for box in ("NATIONALITY", "DESIGNATION", "TITLE", "LAST_DAY_UPDATED"):
        for item in children(elem, box):
            for value in children(item, "VALUE"):
                if box == "NATIONALITY":
                    entry.add_country(text_of(value))
                    entry.add_extra("nationality", text_of(value))
                else:
                    entry.add_extra(box.lower(), text_of(value))
    entry.add_extra("gender", text_of(elem, "GENDER"))
    for addr in children(elem, f"{prefix}_ADDRESS"):
        entry.add_address(
            Address.of(
                country_name=text_of(addr, "COUNTRY"),
                street=text_of(addr, "STREET"),
                city=text_of(addr, "CITY"),
                region=text_of(addr, "STATE_PROVINCE"),
                postal_code=text_of(addr, "ZIP_CODE"),
            )
        )
        entry.add_extra("address_notes", text_of(addr, "NOTE"))
    for dob in children(elem, "INDIVIDUAL_DATE_OF_BIRTH"):
        for key in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
            entry.add_birth_date(parse_date(text_of(dob, key)))
    for pob in children(elem, "INDIVIDUAL_PLACE_OF_BIRTH"):
        place = ", ".join(v for k in ("CITY", "STATE_PROVINCE", "COUNTRY") if (v := text_of(pob, k)))
        entry.add_extra("places_of_birth", place or None)
    for doc in children(elem, "INDIVIDUAL_DOCUMENT"):
        _document(entry, doc)
    return entry


def _document(entry: Entry, doc: ET.Element) -> None:
    number = text_of(doc, "NUMBER")
    if number is None:
        return
    label = text_of(doc, "TYPE_OF_DOCUMENT") or "Identification Number"
    detail = text_of(doc, "TYPE_OF_DOCUMENT2")
    type_ = DOCUMENTS.get(label.lower()) or label_type(label) or "other"
    country = country_code(text_of(doc, "ISSUING_COUNTRY") or text_of(doc, "COUNTRY_OF_ISSUE"))
    ident = make_identifier(type_, number, f"{label} ({detail})" if detail else label, country)
    if ident is not None:
        entry.add_identifier(ident)
    entry.add_extra("document_notes", text_of(doc, "NOTE"))
