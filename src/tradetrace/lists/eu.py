"""The EU Financial Sanctions File (FSF), XML and CSV (format 1.1).

XML: ``<export generationDate=...>`` (namespace
``http://eu.europa.ec/fpi/fsd/export``) holds ``sanctionEntity`` elements
(attributes logicalId, euReferenceNumber, unitedNationId, designationDate,
designationDetails) with children ``remark``, ``regulation`` (programme,
publicationDate, numberTitle), ``subjectType`` (code person/enterprise,
classificationCode P/E), ``nameAlias`` (wholeName, firstName, middleName,
lastName, function, gender, title, nameLanguage, strong), ``citizenship``,
``birthdate``, ``identification`` (number, identificationTypeCode,
identificationTypeDescription, countryIso2Code...) and ``address``.

CSV: ``;``-separated, the same facts flattened: ``fileGenerationDate``, then
``Entity_*`` columns repeated on every row and one sub-record per row in
``NameAlias_*``, ``Address_*``, ``BirthDate_*``, ``Identification_*`` and
``Citizenship_*`` columns; rows of one entity share ``Entity_LogicalId``.
Both are reduced to the same attribute dictionaries (keys lower-cased, as
the XML attribute names) and built by one function.
"""

from __future__ import annotations

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
from tradetrace.lists.textio import csv_dicts, iter_xml, local, read_text

PUBLISHER = "European Commission, Financial Sanctions Files (FSF)"
GROUPS = ("nameAlias", "address", "birthdate", "identification", "citizenship", "regulation")
CSV_PREFIXES = {
    "NameAlias": "nameAlias",
    "Address": "address",
    "BirthDate": "birthdate",
    "Identification": "identification",
    "Citizenship": "citizenship",
}
CSV_RENAMES = {
    "identification": {
        "typecode": "identificationtypecode",
        "typedescription": "identificationtypedescription",
    },
    "birthdate": {"day": "dayofmonth", "month": "monthofyear"},
}
ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "nationalid": "national_id",
    "regnumber": "registration_no",
    "fiscalcode": "tax_id",
    "tin": "tax_id",
    "taxid": "tax_id",
    "swiftbic": "swift_bic",
    "imo": "imo",
    "ssn": "national_id",
    "birthcert": "birth_certificate",
    "drivinglicence": "drivers_license",
}
Record = dict[str, str]


def collect(path: Path, fmt: str) -> ListSource:
    return ListSource(fmt, path, (path,))


def is_eu_csv_header(first_line: str) -> bool:
    head = first_line.lstrip("\ufeff")
    return "Entity_LogicalId" in head and ";" in head


def read_xml(source: ListSource) -> ListData:
    path = source.path
    data = ListData("eu-fsf", PUBLISHER, "eu-xml", [path])
    for elem in iter_xml(path, {"sanctionEntity"}):
        tag = local(elem.tag)
        if tag == "export":
            data.as_of = to_date(elem.get("generationDate"))
            data.as_of_basis = "generationDate in the file"
            continue
        if tag != "sanctionEntity":
            raise IngestError(f"{path}: root element <{tag}> is not <export> (EU FSF XML)")
        attrs: Record = {k.lower(): v for k, v in elem.attrib.items()}
        groups: dict[str, list[Record]] = {g: [] for g in GROUPS}
        for child in elem:
            name = local(child.tag)
            if name == "remark" and child.text:
                attrs["remark"] = (attrs.get("remark", "") + "\n" + child.text).strip()
            elif name == "subjectType":
                attrs["subjecttype"] = child.get("code", "")
                attrs["classificationcode"] = child.get("classificationCode", "")
            elif name in groups:
                record = {k.lower(): v for k, v in child.attrib.items()}
                url = next((c.text for c in child if local(c.tag) == "publicationUrl"), None)
                if url:
                    record["publicationurl"] = url.strip()
                groups[name].append(record)
        data.entries.append(_entry(path, len(data.entries) + 1, attrs, groups))
    data.rows_read = len(data.entries)
    return _finish(path, data)


def read_csv(source: ListSource) -> ListData:
    path = source.path
    data = ListData("eu-fsf", PUBLISHER, "eu-csv", [path])
    entities: dict[str, tuple[int, Record, dict[str, list[Record]]]] = {}
    for line, row in csv_dicts(path, read_text(path), delimiter=";"):
        data.rows_read += 1
        logical_id = clean(row.get("Entity_LogicalId"))
        if logical_id is None:
            raise IngestError(f"{path}: line {line}: no Entity_LogicalId; not an EU FSF CSV row")
        if data.as_of is None and (generated := to_date(row.get("fileGenerationDate"))):
            data.as_of, data.as_of_basis = generated, "fileGenerationDate in the file"
        if logical_id not in entities:
            entities[logical_id] = (line, _csv_entity(row), {g: [] for g in GROUPS})
        _, _, groups = entities[logical_id]
        for group, record in _csv_records(row):
            if record not in groups[group]:
                groups[group].append(record)
    for line, attrs, groups in entities.values():
        data.entries.append(_entry(path, line, attrs, groups))
    return _finish(path, data)


def _csv_entity(row: Record) -> Record:
    out: Record = {}
    for col, value in row.items():
        if col.startswith("Entity_") and not col.startswith("Entity_Regulation_"):
            key = col[len("Entity_") :].replace("EU_", "Eu").replace("_", "").lower()
            out[key] = value
    out["classificationcode"] = row.get("Entity_SubjectType_ClassificationCode", "")
    return out


def _csv_records(row: Record) -> list[tuple[str, Record]]:
    """The sub-records of one CSV row: at most one per group, empty ones skipped."""
    found: dict[str, Record] = {}
    for col, value in row.items():
        prefix, _, rest = col.partition("_")
        if prefix == "Entity" and rest.startswith("Regulation_"):
            group, attr = "regulation", rest[len("Regulation_") :].lower()
        elif prefix in CSV_PREFIXES and "Regulation_" not in rest:
            group = CSV_PREFIXES[prefix]
            attr = CSV_RENAMES.get(group, {}).get(rest.lower(), rest.lower())
        else:
            continue
        found.setdefault(group, {})[attr] = value
    return [
        (g, r)
        for g, r in found.items()
        if any(clean(v) for k, v in r.items() if k not in ("logicalid", "regulationlanguage"))
    ]


def _finish(path: Path, data: ListData) -> ListData:
    if not data.entries:
        raise IngestError(f"{path}: no sanctioned entities; not an EU Financial Sanctions File")
    resolve_relations(data.entries)
    return data


def _entry(path: Path, position: int, attrs: Record, groups: dict[str, list[Record]]) -> Entry:
    logical_id = clean(attrs.get("logicalid"))
    names = [n for a in groups["nameAlias"] if (n := _whole_name(a))]
    if logical_id is None or not names:
        raise IngestError(f"{path}: entity at position {position} has no logicalId or no name")
    subject = {clean(attrs.get("subjecttype")), clean(attrs.get("classificationcode"))}
    kind = (
        "person" if subject & {"person", "P"} else "company" if subject & {"enterprise", "E"} else "unknown"
    )
    entry = Entry(
        logical_id,
        kind,
        names[0],
        path.name,
        position,
        remarks=clean(attrs.get("remark")),
        listed_on=to_date(attrs.get("designationdate")),
    )
    entry.add_extra("eu_reference", clean(attrs.get("eureferencenumber")))
    entry.add_extra("un_reference", clean(attrs.get("unitednationid")))
    entry.add_extra("designation_details", clean(attrs.get("designationdetails")))
    for alias in groups["nameAlias"]:
        strong = (alias.get("strong") or "true").lower() != "false"
        entry.add_name(_whole_name(alias), "aka" if strong else "weak")
        for key in ("function", "title", "gender"):
            entry.add_extra(key if key != "function" else "functions", clean(alias.get(key)))
    for reg in groups["regulation"]:
        entry.add_program(reg.get("programme"))
        entry.add_extra("regulations", clean(reg.get("numbertitle")))
        published = to_date(reg.get("publicationdate"))
        if (
            published
            and to_date(attrs.get("designationdate")) is None
            and (entry.listed_on is None or published < entry.listed_on)
        ):
            entry.listed_on = published
    for cit in groups["citizenship"]:
        _country(entry, cit)
    for birth in groups["birthdate"]:
        _birth(entry, birth)
    for ident in groups["identification"]:
        _identification(entry, ident)
    for addr in groups["address"]:
        code = _code(addr)
        entry.add_address(
            Address(
                street=clean(", ".join(v for k in ("street", "pobox") if (v := clean(addr.get(k))))),
                city=clean(addr.get("city")),
                region=clean(addr.get("region")),
                postal_code=clean(addr.get("zipcode")),
                country=code,
                country_name=clean(addr.get("countrydescription")),
            )
        )
    return entry


def _whole_name(alias: Record) -> str | None:
    whole = clean(alias.get("wholename"))
    if whole:
        return whole
    parts = (clean(alias.get(k)) for k in ("firstname", "middlename", "lastname"))
    return clean(" ".join(p for p in parts if p))


def _code(record: Record) -> str | None:
    code = clean(record.get("countryiso2code"))
    if code and len(code) == 2 and code != "00":
        return code.upper()
    return country_code(record.get("countrydescription"))


def _country(entry: Entry, record: Record) -> None:
    code = _code(record)
    if code and code not in entry.countries:
        entry.countries.append(code)


def _birth(entry: Entry, record: Record) -> None:
    iso = parse_date(record.get("birthdate"))
    if iso is None and (year := clean(record.get("year"))):
        month, day = clean(record.get("monthofyear")), clean(record.get("dayofmonth"))
        iso = parse_date(
            f"{year}-{int(month):02d}-{int(day):02d}"
            if month and day and month.isdigit() and day.isdigit()
            else year
        )
    entry.add_birth_date(iso)
    for key in ("yearrangefrom", "yearrangeto"):
        entry.add_birth_date(parse_date(record.get(key)))
    place = ", ".join(
        v for k in ("place", "city", "region", "countrydescription") if (v := clean(record.get(k)))
    )
    entry.add_extra("places_of_birth", place or None)


def _identification(entry: Entry, record: Record) -> None:
    number = clean(record.get("number")) or clean(record.get("latinnumber"))
    if number is None:
        return
    code = (clean(record.get("identificationtypecode")) or "").lower()
    label = clean(record.get("identificationtypedescription")) or code or "Identification"
    type_ = ID_TYPES.get(code) or label_type(label) or "other"
    ident = make_identifier(type_, number, label, _code(record))
    if ident is not None:
        entry.add_identifier(ident)
