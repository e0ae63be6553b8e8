"""FollowTheMoney JSON lines, for Aleph, OpenSanctions tooling and ``ftm`` itself.

What is written, all from the workspace tables (nothing re-derived):

* every graph node as ``Company``, ``Person`` or (kind unknown) ``LegalEntity``: main name,
  other spellings as ``alias``, country, tax ids (``taxNumber``; ``innCode`` for Russian INNs),
  registry facts (``registrationNumber``/``ogrnCode``, ``incorporationDate``, phone, e-mail,
  website) and its address, also as an ``Address`` entity shared by parties at the same address;
* a ``Sanction`` for each list entry a party matches by identifier;
* register relations as ``Ownership``, ``Directorship``, ``Employment``, ``Membership``,
  ``Representation`` or ``Associate`` (``UnknownLink`` when the two ends do not fit the schema);
* each payment row as a ``Payment`` (payer, beneficiary, amount, currency, amountUsd, date);
* each shipment line as an ``EconomicActivity`` (sender, receiver, countries, goods, values).
  Shipment lines can be many: at most ``max_shipments`` are written (earliest first), and the
  result says how many were left out; export a case (``--case``) to get all of its lines.

Ids are ``make_entity_id`` hashes of content (node ids, load ids and record ids), so the same
workspace gives the same ids. Values are cleaned with the FtM types; a value FtM rejects (a phone
number it cannot parse...) is counted in the result notes. :func:`validate_ftm` checks a file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.property import Property
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry as ftm_types
from followthemoney.util import make_entity_id

from tradetrace.export.base import ExportResult, rows
from tradetrace.export.ftm_check import FtmCheck, validate_ftm
from tradetrace.export.scope import Scope
from tradetrace.graph.identity import mention_join

__all__ = ["DEFAULT_MAX_SHIPMENTS", "FtmCheck", "party_id", "validate_ftm", "write_ftm"]

DEFAULT_MAX_SHIPMENTS = 250_000
CACHE_VALUE_LEN = 200  # values cleaned once per distinct text up to this length
CACHE_SIZE = 200_000
SCHEMA_OF_KIND = {"company": "Company", "person": "Person"}
# relation kind -> (schema, source property, target property)
RELATION_SCHEMAS: dict[str, tuple[str, str, str]] = {
    "owner": ("Ownership", "owner", "asset"),
    "director": ("Directorship", "director", "organization"),
    "officer": ("Directorship", "director", "organization"),
    "employee": ("Employment", "employee", "employer"),
    "founder": ("Membership", "member", "organization"),
    "representative": ("Representation", "agent", "client"),
    "associate": ("Associate", "person", "associate"),
}


def ftm_id(*parts: object) -> str:
    made = make_entity_id("tradetrace", *(str(p) for p in parts))
    assert made is not None
    return made


def party_id(node_id: str) -> str:
    """The FtM id of a graph node."""
    return ftm_id("party", node_id)


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


class _Writer:
    """Entities to a JSON lines file, counted per schema; rejected values counted per property."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("w", encoding="utf-8")
        self.counts: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.cut: Counter[str] = Counter()
        self.cache: dict[tuple[str, str], str | None] = {}

    def clean(self, prop: Property, raw: str, proxy: EntityProxy) -> str | None:
        """FtM's cleaning of ``raw`` for ``prop``; cached for short values of types that ignore the entity."""
        if prop.type == ftm_types.phone or len(raw) > CACHE_VALUE_LEN:
            return prop.type.clean(raw, proxy=proxy)
        key = (prop.type.name, raw)
        if key not in self.cache:
            if len(self.cache) > CACHE_SIZE:
                self.cache.clear()
            self.cache[key] = prop.type.clean(raw)
        return self.cache[key]

    def put(self, proxy: EntityProxy, prop: str, values: object) -> None:
        items = values if isinstance(values, list | tuple | set) else [values]
        p = proxy.schema.get(prop)
        assert p is not None and not p.stub, f"{proxy.schema.name} has no property {prop}"
        for value in items:
            if value is None or value == "":
                continue
            raw = value.isoformat() if hasattr(value, "isoformat") else str(value)
            cleaned = self.clean(p, raw, proxy)
            limit = p.type.max_length
            if cleaned is not None and limit and len(cleaned) > limit:
                cleaned = p.type.clean(cleaned[: limit - 1] + "…", proxy=proxy)
                self.cut[f"{proxy.schema.name}.{prop}"] += 1
            if cleaned is None or proxy.unsafe_add(p, cleaned, cleaned=True) is None:
                self.rejected[f"{proxy.schema.name}.{prop}"] += 1

    def emit(self, proxy: EntityProxy) -> None:
        self.fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        self.counts[proxy.schema.name] += 1

    def close(self) -> None:
        self.fh.close()


def _party(w: _Writer, node: dict[str, Any], addresses: set[str]) -> str:
    schema = SCHEMA_OF_KIND.get(node["kind"], "LegalEntity")
    attrs = json.loads(node["attributes"] or "{}")
    registry = attrs.get("registry", {})
    proxy = model.make_entity(schema)
    proxy.id = party_id(node["node_id"])
    country = node["country"]
    w.put(proxy, "country", [country, *attrs.get("countries", [])])
    w.put(proxy, "name", node["name"])
    w.put(proxy, "alias", [n["name"] for n in attrs.get("names", []) if n["name"] != node["name"]])
    taxes = list(dict.fromkeys(x for x in [node["tax_id"], *attrs.get("tax_ids", [])] if x))
    w.put(proxy, "taxNumber", taxes)
    if country == "RU":
        w.put(proxy, "innCode", [t for t in taxes if t.isdigit() and len(t) in (10, 12)])
    reg_no = registry.get("registration_no")
    w.put(proxy, "registrationNumber", reg_no)
    if country == "RU" and reg_no and reg_no.isdigit() and len(reg_no) in (13, 15):
        w.put(proxy, "ogrnCode", reg_no)
    if schema != "Person":
        w.put(proxy, "incorporationDate", registry.get("incorporation_date"))
    for prop, key in (("phone", "phone"), ("email", "email"), ("website", "website")):
        w.put(proxy, prop, registry.get(key))
    if node["listed"]:
        w.put(proxy, "topics", "sanction")
    full = registry.get("address") or next(iter(attrs.get("addresses", [])), None)
    if full:
        address_id = ftm_id("address", " ".join(str(full).split()).lower(), country or "")
        if address_id not in addresses:
            addresses.add(address_id)
            addr = model.make_entity("Address")
            addr.id = address_id
            w.put(addr, "full", full)
            w.put(addr, "country", country)
            w.emit(addr)
        w.put(proxy, "address", full)
        w.put(proxy, "addressEntity", address_id)
    w.emit(proxy)
    return schema


def _sanctions(w: _Writer, node: dict[str, Any]) -> None:
    for entry in json.loads(node["list_entries"] or "[]"):
        proxy = model.make_entity("Sanction")
        proxy.id = ftm_id("sanction", node["node_id"], entry["version_id"], entry["entry_id"])
        w.put(proxy, "entity", party_id(node["node_id"]))
        w.put(proxy, "authority", entry.get("publisher"))
        w.put(proxy, "authorityId", entry["entry_id"])
        w.put(proxy, "program", entry.get("programs") or [])
        w.put(proxy, "listingDate", entry.get("listed_on"))
        w.put(proxy, "publisher", entry["list_id"])
        w.put(
            proxy,
            "summary",
            f"{entry['list_id']} entry {entry['entry_id']} ({entry.get('name')}), list version "
            f"{entry['version_id']}; matched on {entry.get('id_type')} {entry.get('id_value')}",
        )
        w.emit(proxy)


def _fits(schema_name: str, prop: str, end: str) -> bool:
    """Whether an entity of schema ``end`` may be the value of ``schema_name.prop``."""
    schema, end_schema = model.get(schema_name), model.get(end)
    p = schema.get(prop) if schema else None
    return bool(p and p.range and end_schema and end_schema.is_a(p.range))


def _relation(w: _Writer, edge: dict[str, Any], schemas: dict[str, str]) -> None:
    kind = edge["kind"]
    source, target = schemas.get(edge["source"], "LegalEntity"), schemas.get(edge["target"], "LegalEntity")
    name, src_prop, tgt_prop = RELATION_SCHEMAS.get(kind, ("UnknownLink", "subject", "object"))
    if kind == "founder" and edge["share_pct"] is not None:
        name, src_prop, tgt_prop = RELATION_SCHEMAS["owner"]
    if not (_fits(name, src_prop, source) and _fits(name, tgt_prop, target)):
        name, src_prop, tgt_prop = "UnknownLink", "subject", "object"
    attrs = json.loads(edge["attributes"] or "{}")
    proxy = model.make_entity(name)
    proxy.id = ftm_id("relation", edge["edge_id"])
    w.put(proxy, src_prop, party_id(edge["source"]))
    w.put(proxy, tgt_prop, party_id(edge["target"]))
    role = attrs.get("role") or (kind if kind not in ("owner", "associate") else None)
    w.put(proxy, "relationship" if name == "Associate" else "role", role)
    if name == "Ownership" and edge["share_pct"] is not None:
        w.put(proxy, "percentage", _num(edge["share_pct"]))
    w.put(proxy, "startDate", edge["start_date"])
    w.put(proxy, "endDate", edge["end_date"])
    w.put(proxy, "publisher", attrs.get("documented") or [])
    w.emit(proxy)


def _payments(w: _Writer, scope: Scope, relation: str) -> None:
    sql = (
        f"SELECT p.*, a.node_id AS payer_node, b.node_id AS payee_node FROM {relation} p "
        f"{mention_join('a', 'p', 'payer', 'payer_', False)} {mention_join('b', 'p', 'payee', 'payee_', False)}"
    )
    for r in rows(scope.engine, sql, "date, record_id, _load_id, _source_row"):
        proxy = model.make_entity("Payment")
        proxy.id = ftm_id("payment", r["_load_id"], r["record_id"])
        w.put(proxy, "payer", party_id(r["payer_node"]) if r["payer_node"] else None)
        w.put(proxy, "beneficiary", party_id(r["payee_node"]) if r["payee_node"] else None)
        w.put(proxy, "amount", _num(r["amount"]) if r["amount"] is not None else None)
        w.put(proxy, "currency", r["currency"])
        w.put(proxy, "amountUsd", _num(r["amount_usd"]) if r["amount_usd"] is not None else None)
        w.put(proxy, "date", r["date"])
        w.put(proxy, "purpose", r["purpose"])
        w.put(proxy, "recordId", r["record_id"])
        w.emit(proxy)


def _goods(r: dict[str, Any]) -> str:
    facts = [("manufacturer", r["manufacturer"]), ("brand", r["brand"]), ("model", r["model"])]
    if r["quantity"] is not None:
        facts.append(("quantity", f"{_num(r['quantity'])} {r['unit'] or ''}".strip()))
    if r["net_weight_kg"] is not None:
        facts.append(("net weight", f"{_num(r['net_weight_kg'])} kg"))
    return "; ".join(f"{k}: {v}" for k, v in facts if v)


def _shipments(w: _Writer, scope: Scope, relation: str, limit: int | None) -> None:
    sql = (
        f"SELECT s.*, i.node_id AS importer_node, x.node_id AS exporter_node FROM {relation} s "
        f"{mention_join('i', 's', 'importer', 'importer_')} {mention_join('x', 's', 'exporter', 'exporter_')}"
    )
    for r in rows(scope.engine, sql, "date, record_id, _load_id, _source_row", limit):
        proxy = model.make_entity("EconomicActivity")
        proxy.id = ftm_id("shipment", r["_load_id"], r["record_id"])
        w.put(proxy, "sender", party_id(r["exporter_node"]) if r["exporter_node"] else None)
        w.put(proxy, "receiver", party_id(r["importer_node"]) if r["importer_node"] else None)
        w.put(proxy, "date", r["date"])
        w.put(proxy, "ccdNumber", r["declaration_no"])
        w.put(proxy, "vedCode", r["hs_code"])
        w.put(proxy, "goodsDescription", r["description"])
        w.put(proxy, "directionOfTransportation", r["direction"])
        for prop, col in (
            ("originCountry", "origin_country"),
            ("departureCountry", "dispatch_country"),
            ("tradingCountry", "trading_country"),
            ("destinationCountry", "destination_country"),
        ):
            w.put(proxy, prop, r[col])
        if r["value"] is not None:
            w.put(proxy, "invoiceAmount", f"{_num(r['value'])} {r['currency'] or 'USD'}")
        if r["value_usd"] is not None:
            w.put(proxy, "customsAmount", f"{_num(r['value_usd'])} USD")
        w.put(proxy, "description", _goods(r))
        w.put(proxy, "recordId", r["record_id"])
        w.emit(proxy)


def _nodes(scope: Scope) -> Iterator[dict[str, Any]]:
    relation = scope.relation("graph_nodes")
    if relation:
        yield from rows(scope.engine, f"SELECT * FROM {relation}", "node_id")


def _relation_edges(scope: Scope) -> Iterable[dict[str, Any]]:
    relation = scope.relation("graph_edges")
    if not relation:
        return []
    return rows(scope.engine, f"SELECT * FROM {relation} WHERE kind NOT IN ('payment', 'trade')", "edge_id")


def write_ftm(scope: Scope, out: Path, max_shipments: int | None = DEFAULT_MAX_SHIPMENTS) -> ExportResult:
    """Write the scope's parties, sanctions, relations, payments and shipment lines as FtM JSON lines."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = ExportResult("ftm", out, scope.describe(), notes=list(scope.notes), unit="entities")
    w = _Writer(out)
    try:
        schemas: dict[str, str] = {}
        addresses: set[str] = set()
        for node in _nodes(scope):
            schemas[node["node_id"]] = _party(w, node, addresses)
            _sanctions(w, node)
        for edge in _relation_edges(scope):
            _relation(w, edge, schemas)
        if payments := scope.relation("payments"):
            _payments(w, scope, payments)
        if shipments := scope.relation("shipments"):
            total = scope.count("shipments")
            limit = max_shipments if max_shipments is not None and total > max_shipments else None
            _shipments(w, scope, shipments, limit)
            if limit is not None:
                result.notes.append(
                    f"{total - limit:,} of {total:,} shipment lines not written (limit {limit:,}, earliest first): "
                    "export a case (--case ID) or raise --max-shipments (0: no limit)"
                )
    finally:
        w.close()
    result.counts = dict(sorted(w.counts.items()))
    result.notes += [
        f"{n:,} value(s) of {prop} rejected by FtM's type check" for prop, n in sorted(w.rejected.items())
    ]
    result.notes += [
        f"{n:,} value(s) of {prop} cut to FtM's maximum length" for prop, n in sorted(w.cut.items())
    ]
    return result
