"""FollowTheMoney entity streams (OpenSanctions exports, Aleph, ``ftm`` output).

One JSON entity per line. Entries are the matchable things (people,
companies, organisations, vessels, aircraft); when the file marks
``target`` (as OpenSanctions does), only targets are entries and the rest
(relatives, owners) appear as relation ends. ``Address`` entities are folded
into their owners' addresses, ``Sanction`` entities give programs and listing
dates, and edge schemata (Ownership, Directorship, Payment...) become
relations between entries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import (
    Address,
    Entry,
    Identifier,
    ListData,
    ListSource,
    Relation,
    clean,
    parse_date,
    to_date,
)
from tradetrace.lists.textio import read_text

KINDS = {"Person": "person", "Vessel": "vessel", "Airplane": "aircraft"}
ID_PROPS = {
    "taxNumber": "tax_id",
    "innCode": "tax_id",
    "vatCode": "vat",
    "registrationNumber": "registration_no",
    "ogrnCode": "registration_no",
    "okpoCode": "okpo",
    "uscCode": "uscc",
    "leiCode": "lei",
    "swiftBic": "swift_bic",
    "dunsCode": "duns",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "passportNumber": "passport",
    "idNumber": "national_id",
    "socialSecurityNumber": "national_id",
    "callSign": "call_sign",
    "email": "email",
    "website": "website",
    "phone": "phone",
}
OS_FIELDS = ("datasets", "referents", "first_seen", "last_seen", "last_change")
REVERSE = {
    "owns": "owned_by",
    "paid": "paid_by",
    "directs": "directed_by",
    "employs": "employed_by",
    "member_of": "has_member",
    "represents": "represented_by",
}


def collect(path: Path) -> ListSource:
    return ListSource("ftm", path, (path,))


def read(source: ListSource) -> ListData:
    from followthemoney import model

    path = source.path
    proxies: dict[str, Any] = {}
    lines: dict[str, int] = {}
    targets: dict[str, bool] = {}
    meta: dict[str, dict[str, Any]] = {}  # OpenSanctions fields outside "properties"
    for number, raw in enumerate(read_text(path).splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            proxy = model.get_proxy(obj)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"{path}: line {number}, column {exc.colno}: not a JSON object ({exc.msg}); "
                "the file may be truncated"
            ) from None
        except Exception as exc:
            raise IngestError(f"{path}: line {number}: not a FollowTheMoney entity ({exc})") from None
        if proxy.id is None:
            raise IngestError(f"{path}: line {number}: entity without an id")
        proxies[proxy.id] = proxy
        lines[proxy.id] = number
        if "target" in obj:
            targets[proxy.id] = bool(obj["target"])
        meta[proxy.id] = {k: obj[k] for k in OS_FIELDS if obj.get(k)}
    datasets = sorted({d for m in meta.values() for d in m.get("datasets", ())})
    list_id = f"ftm-{datasets[0]}" if len(datasets) == 1 else f"ftm-{_slug(path.name)}"
    data = ListData(list_id, "FollowTheMoney / OpenSanctions export", "ftm", [path])
    data.rows_read = len(proxies)
    matchable = [
        p
        for p in proxies.values()
        if p.schema.is_a("LegalEntity") or p.schema.is_a("Vessel") or p.schema.is_a("Airplane")
    ]
    chosen = [p for p in matchable if targets.get(p.id, True)] if targets else matchable
    entries = {p.id: _entry(path, p, lines[p.id], proxies) for p in chosen}
    for entry_id, entry in entries.items():
        for key, value in sorted(meta[entry_id].items()):
            if key != "last_seen":  # changes with every export: not a fact about the entry
                entry.add_extra(key, value)
    seen = [str(m["last_seen"])[:10] for m in meta.values() if m.get("last_seen")]
    if seen:
        data.as_of = to_date(max(seen))
        data.as_of_basis = "latest last_seen in the file"
    _sanctions_and_links(proxies, entries)
    data.entries = list(entries.values())
    if not data.entries:
        raise IngestError(f"{path}: no people, companies, vessels or aircraft in the file")
    if targets:
        data.note(f"{path.name}: {len(entries):,} targets of {len(matchable):,} matchable entities")
    return data


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower().split(".")[0]).strip("-") or "file"


def _entry(path: Path, proxy: Any, line: int, proxies: dict[str, Any]) -> Entry:
    names = sorted(proxy.get("name"))
    caption = proxy.caption if proxy.caption and proxy.caption in names else None
    primary = caption or (names[0] if names else None)
    if primary is None:
        raise IngestError(f"{path}: line {line}: {proxy.schema.name} {proxy.id} has no name")
    kind = KINDS.get(proxy.schema.name) or ("company" if proxy.schema.is_a("LegalEntity") else "unknown")
    entry = Entry(proxy.id, kind, primary, path.name, line)
    for name in names:
        entry.add_name(name, "aka")
    for prop, type_ in (("alias", "aka"), ("previousName", "fka"), ("weakAlias", "weak")):
        for name in proxy.get(prop, quiet=True):
            entry.add_name(name, type_)
    from followthemoney import registry

    for code in proxy.get_type_values(registry.country):
        entry.add_country(code, is_code=True)
    for prop in ("birthDate",):
        for value in proxy.get(prop, quiet=True):
            entry.add_birth_date(parse_date(value) or value)
    for prop, type_ in ID_PROPS.items():
        for value in proxy.get(prop, quiet=True):
            if value := clean(value):
                entry.add_identifier(Identifier(type_, value, None, prop))
    for text in proxy.get("address", quiet=True):
        entry.add_address(Address.of(full=text))
    for ref in proxy.get("addressEntity", quiet=True):
        addr = proxies.get(ref)
        if addr is not None:
            entry.add_address(
                Address.of(
                    country_name=None,
                    full=_first(addr, "full"),
                    street=_first(addr, "street"),
                    city=_first(addr, "city"),
                    region=_first(addr, "region"),
                    postal_code=_first(addr, "postalCode"),
                )
            )
            for code in addr.get("country"):
                entry.add_country(code, is_code=True)
    for prop in ("topics", "position", "gender"):
        for value in proxy.get(prop, quiet=True):
            entry.add_extra(prop, value)
    for prop in ("program", "programId"):
        for value in proxy.get(prop, quiet=True):
            entry.add_program(value)
    entry.remarks = clean("; ".join(proxy.get("notes", quiet=True))) or None
    return entry


def _first(proxy: Any, prop: str) -> str | None:
    values = proxy.get(prop, quiet=True)
    return clean(values[0]) if values else None


def _sanctions_and_links(proxies: dict[str, Any], entries: dict[str, Entry]) -> None:
    for proxy in proxies.values():
        if proxy.schema.name == "Sanction":
            for ref in proxy.get("entity"):
                entry = entries.get(ref)
                if entry is None:
                    continue
                for prop in ("program", "programId", "authority"):
                    for value in proxy.get(prop, quiet=True):
                        entry.add_program(value)
                for prop in ("listingDate", "startDate"):
                    for value in proxy.get(prop, quiet=True):
                        when = to_date(value)
                        if when and (entry.listed_on is None or when < entry.listed_on):
                            entry.listed_on = when
            continue
        if not proxy.schema.edge:
            continue
        label = re.sub(r"\W+", "_", (proxy.schema.edge_label or proxy.schema.name).lower())
        for src in proxy.get(proxy.schema.edge_source):
            for dst in proxy.get(proxy.schema.edge_target):
                _link(entries, proxies, src, dst, label.strip("_"))
                _link(entries, proxies, dst, src, REVERSE.get(label, f"{label}_by"))


def _link(entries: dict[str, Entry], proxies: dict[str, Any], src: str, dst: str, label: str) -> None:
    entry = entries.get(src)
    if entry is None:
        return
    other = proxies.get(dst)
    name = (other.caption if other is not None else None) or dst
    target = dst if dst in entries else None
    relation = Relation(label, name, target)
    if relation not in entry.relations:
        entry.relations.append(relation)
