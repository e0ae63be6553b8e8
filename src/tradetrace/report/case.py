"""The report of one case: the numbers a reporter quotes, and every record behind them.

A case (``tradetrace cases``) is a group of findings that share parties or records. Its
report is built from three things only: the findings, the records they cite (shipments and
payments, by record id) and the workspace's graph. Every number in the summary is computed
here from the cited records, not copied from a finding's text, so that a test (or a reader
with the source files) can recompute it:

- the route of a shipment line: the first of exporter, dispatch and trading country that is
  neither the origin of the goods nor their destination is the *hub*; without one, the line is
  ``direct`` when the exporter or dispatch country is the origin, else ``unknown``;
- a route switch (when the case has a ROUTE_SWITCH finding) splits that finding's cited lines
  at its switch date: direct lines up to it, lines via a hub after it;
- payments are the cited payment records; a payer counts as listed when its tax id or name is
  that of a listed party named by the case's findings.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from tradetrace.detect.findings import read_findings
from tradetrace.resolve.normalize import name_key, tax_key
from tradetrace.workspace import Workspace

__all__ = ["CaseDoc", "load_case", "resolve_case_id", "shipment_route_sql"]

DEST_SQL = "COALESCE(s.destination_country, s.importer_country, s.reporter_country)"
MAX_NETWORK_NODES = 70


def shipment_route_sql(alias: str = "s") -> str:
    """SQL for a shipment line's route (see the module docstring)."""
    a = alias
    dest = DEST_SQL.replace("s.", f"{a}.")
    third = [f"{a}.{c}" for c in ("exporter_country", "dispatch_country", "trading_country")]
    whens = " ".join(
        f"WHEN {c} IS NOT NULL AND {c} <> coalesce({a}.origin_country, '') AND {c} <> coalesce({dest}, '') "
        f"THEN {c}"
        for c in third
    )
    return (
        f"CASE {whens} WHEN {a}.exporter_country = {a}.origin_country OR {a}.dispatch_country = "
        f"{a}.origin_country THEN 'direct' ELSE 'unknown' END"
    )


SHIPMENT_COLUMNS = (
    "record_id", "date", "importer_name", "importer_tax_id", "importer_country", "exporter_name",
    "exporter_country", "dispatch_country", "trading_country", "origin_country", "hs_code", "description",
    "manufacturer", "brand", "model", "quantity", "net_weight_kg", "value_usd", "_source", "_source_row",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "record_id", "date", "payer_name", "payer_tax_id", "payee_name", "payee_tax_id", "amount", "currency",
    "amount_usd", "purpose", "_source", "_source_row",
)  # fmt: skip


@dataclass
class CaseDoc:
    """Everything a case report shows; ``summary`` holds the numbers, ``paragraph`` the prose."""

    case: dict[str, Any]
    findings: list[dict[str, Any]]
    shipments: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)
    paragraph: list[str] = field(default_factory=list)
    list_matches: list[dict[str, Any]] = field(default_factory=list)
    ties: list[dict[str, Any]] = field(default_factory=list)
    network: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "summary": self.summary,
            "paragraph": " ".join(self.paragraph),
            "findings": self.findings,
            "list_matches": self.list_matches,
            "ties": self.ties,
            "network": self.network,
            "shipments": self.shipments,
            "payments": self.payments,
        }


# ---------------------------------------------------------------------------- loading
def resolve_case_id(ws: Workspace, ident: str | None) -> str | None:
    """The case id for ``ident``: a case id, or the case holding finding ``ident``; the top case
    when ``ident`` is None; None when the workspace has no case for it."""
    e = ws.engine
    if not e.table_exists("cases") or not e.scalar("SELECT count(*) FROM cases"):
        return None
    if ident is None:
        return str(e.scalar("SELECT case_id FROM cases ORDER BY rank LIMIT 1"))
    if e.scalar("SELECT count(*) FROM cases WHERE case_id = ?", [ident]):
        return ident
    # finding_ids is a JSON list of ids: look for the id as a JSON string in it
    row = e.fetchone(
        "SELECT case_id FROM cases WHERE strpos(finding_ids, ?) > 0 ORDER BY rank LIMIT 1",
        [json.dumps(ident)],
    )
    return str(row[0]) if row else None


def _case_row(ws: Workspace, case_id: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = ws.engine.arrow(
        "SELECT * FROM cases WHERE case_id = ?", [case_id]
    ).to_pylist()
    if not rows:
        raise LookupError(f"no case {case_id!r}; `tradetrace cases` lists them")
    row = rows[0]
    for key in ("flags", "finding_ids", "entities", "totals"):
        row[key] = json.loads(row[key] or "null")
    return row


def _fetch(
    ws: Workspace, table: str, columns: Sequence[str], ids: Sequence[str], extra: str = ""
) -> list[dict[str, Any]]:
    e = ws.engine
    if not ids or not e.table_exists(table):
        return []
    name = f"_case_ids_{table}"
    e.register(name, pa.table({"record_id": pa.array(sorted(set(ids)), pa.string())}))
    try:
        cols = ", ".join(f"s.{c}" for c in columns)
        rows: list[dict[str, Any]] = e.arrow(
            f"SELECT {cols}{extra} FROM {table} s SEMI JOIN {name} i ON i.record_id = s.record_id "
            "ORDER BY s.date, s.record_id"
        ).to_pylist()
    finally:
        e.drop_relation(name)
    return rows


def load_case(ws: Workspace, case_id: str) -> CaseDoc:
    """Gather the case, its findings, cited records, summary, list matches, ties and network."""
    case = _case_row(ws, case_id)
    by_id = {f["finding_id"]: f for f in read_findings(ws.engine)}
    findings = [by_id[i] for i in case["finding_ids"] if i in by_id]
    record_ids = sorted({r for f in findings for r in f["record_ids"]})
    dest = DEST_SQL
    shipments = _fetch(
        ws,
        "shipments",
        SHIPMENT_COLUMNS,
        record_ids,
        f", {dest} AS destination, {shipment_route_sql()} AS route",
    )
    payments = _fetch(ws, "payments", PAYMENT_COLUMNS, record_ids)
    mark_listed_payments(findings, payments)
    doc = CaseDoc(case, findings, shipments, payments)
    doc.summary = summarise(findings, shipments, payments)
    from tradetrace.cases.workspace_calibration import calibration_note

    doc.summary["calibration"] = calibration_note(findings)
    doc.list_matches = list_matches(findings)
    doc.ties = ties(findings)
    doc.paragraph = paragraph(doc.summary, doc.ties)
    from tradetrace.report.network import case_network

    doc.network = case_network(ws, case_id, findings)
    return doc


# ---------------------------------------------------------------------------- numbers
def _money(rows: Iterable[dict[str, Any]], key: str) -> float:
    return round(sum(float(r.get(key) or 0.0) for r in rows), 2)


def _span(rows: Sequence[dict[str, Any]]) -> tuple[str | None, str | None]:
    dates = [r["date"] for r in rows if r.get("date") is not None]
    return (min(dates).isoformat(), max(dates).isoformat()) if dates else (None, None)


def _nk(text: str) -> str:
    return name_key(text) or ""


def _party_key(tax: object, name: object) -> str:
    return ("tax:" + tk) if (tk := tax_key(str(tax or ""))) else ("name:" + _nk(str(name or "")))


def _top(counter: Counter[str] | dict[str, float]) -> str | None:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return items[0][0] if items else None


def _route_switch(
    findings: Sequence[dict[str, Any]], shipments: Sequence[dict[str, Any]]
) -> dict[str, Any] | None:
    rs = next((f for f in findings if "ROUTE_SWITCH" in f["flags"] and f["metrics"].get("switch_date")), None)
    if rs is None:
        return None
    m = rs["metrics"]
    switch = date.fromisoformat(m["switch_date"])
    ids = set(rs["record_ids"])
    lines = [r for r in shipments if r["record_id"] in ids]
    direct = [r for r in lines if r["route"] == "direct" and r["date"] <= switch]
    via = [r for r in lines if r["route"] not in ("direct", "unknown") and r["date"] > switch]
    hubs: dict[str, float] = defaultdict(float)
    hub_lines: Counter[str] = Counter()
    for r in via:
        hubs[r["route"]] += float(r["value_usd"] or 0.0)
        hub_lines[r["route"]] += 1
    supplier = next((e["name"] for e in rs["entities"] if e["role"] == "supplier"), None)
    buyer = next((e["name"] for e in rs["entities"] if e["role"] == "importer"), None)
    return {
        "finding_id": rs["finding_id"],
        "buyer": buyer,
        "supplier": supplier,
        "origin": m.get("origin"),
        "destination": m.get("destination"),
        "restriction_date": m.get("restriction_date"),
        "restriction_rule": m.get("restriction_rule"),
        "switch_date": m["switch_date"],
        "lines": len(lines),
        "lines_usd": _money(lines, "value_usd"),
        "direct_shipments": len(direct),
        "direct_usd": _money(direct, "value_usd"),
        "first_direct_date": _span(direct)[0],
        "rerouted_shipments": len(via),
        "rerouted_usd": _money(via, "value_usd"),
        "first_rerouted_date": _span(via)[0],
        "last_rerouted_date": _span(via)[1],
        "hubs": [
            {"hub": h, "usd": round(v, 2), "shipments": hub_lines[h]}
            for h, v in sorted(hubs.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "other_lines": len(lines) - len(direct) - len(via),
    }


def _listed_keys(findings: Sequence[dict[str, Any]]) -> set[str]:
    """Party keys (tax id, and name) of the listed parties the findings name."""
    keys: set[str] = set()
    for f in findings:
        for e in f["entities"]:
            if e["role"] == "listed_party":
                keys |= {_party_key(e["id"], None), "name:" + _nk(str(e["name"]))} - {"tax:", "name:"}
    return keys


def mark_listed_payments(findings: Sequence[dict[str, Any]], payments: Sequence[dict[str, Any]]) -> None:
    """Flag each cited payment whose payer is a listed party named by the findings (``listed``)."""
    listed = _listed_keys(findings)
    for p in payments:
        p["listed"] = (
            _party_key(p["payer_tax_id"], p["payer_name"]) in listed
            or "name:" + _nk(str(p["payer_name"] or "")) in listed
        )


def _payments(payments: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Payment numbers; payers flagged by :func:`mark_listed_payments` count as listed."""
    if not payments:
        return None
    payee_usd: dict[str, float] = defaultdict(float)
    payee_name: dict[str, str] = {}
    payers: dict[str, dict[str, Any]] = {}
    for p in payments:
        pk = _party_key(p["payee_tax_id"], p["payee_name"])
        payee_usd[pk] += float(p["amount_usd"] or 0.0)
        payee_name.setdefault(pk, str(p["payee_name"]))
        key = _party_key(p["payer_tax_id"], p["payer_name"])
        item = payers.setdefault(key, {"name": p["payer_name"], "usd": 0.0, "payments": 0, "listed": False})
        item["usd"] += float(p["amount_usd"] or 0.0)
        item["payments"] += 1
        item["listed"] = item["listed"] or bool(p.get("listed"))
    listed_payers = [v for v in payers.values() if v["listed"]]
    first, last = _span(payments)
    return {
        "payments": len(payments),
        "payments_usd": _money(payments, "amount_usd"),
        "payers": len(payers),
        "listed_payers": len(listed_payers),
        "listed_payers_usd": round(sum(v["usd"] for v in listed_payers), 2),
        "listed_payer_names": sorted(str(v["name"]) for v in listed_payers),
        "main_payee": payee_name.get(_top(payee_usd) or ""),
        "first_date": first,
        "last_date": last,
    }


def summarise(
    findings: Sequence[dict[str, Any]],
    shipments: Sequence[dict[str, Any]],
    payments: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The case's numbers, from the cited records (see the module docstring)."""
    first, last = _span(shipments)
    buyers: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    by_route: dict[str, float] = defaultdict(float)
    for r in shipments:
        key = _party_key(r["importer_tax_id"], r["importer_name"])
        buyers[key] += float(r["value_usd"] or 0.0)
        names.setdefault(
            key, f"{r['importer_name']}" + (f" ({r['destination']})" if r["destination"] else "")
        )
        by_route[r["route"]] += float(r["value_usd"] or 0.0)
    out: dict[str, Any] = {
        "shipments": len(shipments),
        "shipments_usd": _money(shipments, "value_usd"),
        "first_date": first,
        "last_date": last,
        "buyers": len(buyers),
        "main_buyer": names.get(_top(buyers) or ""),
        "by_route_usd": {k: round(v, 2) for k, v in sorted(by_route.items(), key=lambda kv: (-kv[1], kv[0]))},
        "flags": sorted({fl for f in findings for fl in f["flags"]}),
        "detectors": sorted({str(f["detector"]) for f in findings}),
    }
    if (rs := _route_switch(findings, shipments)) is not None:
        out["route_switch"] = rs
    if (pay := _payments(payments)) is not None:
        out["payments"] = pay
    mis_ids = {r for f in findings if "MISDECLARATION" in f["flags"] for r in f["record_ids"]}
    if mis_ids:
        mis = [r for r in shipments if r["record_id"] in mis_ids]
        out["misdeclared"] = {"shipments": len(mis), "usd": _money(mis, "value_usd")}
    inter = [f for f in findings if "NEW_INTERMEDIARY" in f["flags"]]
    if inter:  # one finding per intermediary: its name, and the value of its cited lines
        value = {r["record_id"]: float(r["value_usd"] or 0.0) for r in shipments}
        rows = []
        for f in inter:
            role = str(f["metrics"].get("role") or "intermediary")  # a new buyer is flagged too
            who = next((e for e in f["entities"] if e["role"] == role), None)
            cited = [value[r] for r in f["record_ids"] if r in value]
            rows.append(
                {"name": who["name"] if who else f["title"], "role": role, "countries": list(f["metrics"].get("countries") or []),
                 "usd": round(sum(cited), 2), "shipments": len(cited), "finding_id": f["finding_id"]}
            )  # fmt: skip
        out["new_intermediaries"] = sorted(rows, key=lambda v: (-v["usd"], str(v["name"])))
    return out


# ---------------------------------------------------------------------------- words
def usd(value: float | None) -> str:
    return "" if value is None else f"${float(value):,.0f}"


def _n(count: int, noun: str) -> str:
    """``1 payer``, ``45 payers``."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def paragraph(s: dict[str, Any], related: Sequence[dict[str, Any]] = ()) -> list[str]:
    """The summary in sentences; each number is one of ``s``; ``related`` are the case's
    related-party ties, strongest finding first (the first two are told)."""
    out: list[str] = []
    rs = s.get("route_switch")
    if s["shipments"]:
        who = s["main_buyer"] or "the buyer"
        extra = f" (to {s['buyers']} buyers)" if s["buyers"] > 1 else ""
        out.append(
            f"The findings of this case cite {s['shipments']:,} shipment lines worth {usd(s['shipments_usd'])} "
            f"from {s['first_date']} to {s['last_date']}{extra}; the main buyer is {who}."
        )
    if rs:
        hubs = _join([f"{h['hub']} ({usd(h['usd'])})" for h in rs["hubs"]])
        restriction = (
            f" after {rs['restriction_rule']} took effect on {rs['restriction_date']}"
            if rs.get("restriction_date")
            else ""
        )
        out.append(
            f"{rs['buyer']} kept receiving {rs['supplier']}'s goods (origin {rs['origin']}){restriction}: "
            f"{usd(rs['direct_usd'])} in {rs['direct_shipments']} shipments came directly from {rs['origin']} "
            f"until {rs['switch_date']}, then {usd(rs['rerouted_usd'])} in {rs['rerouted_shipments']} shipments "
            f"came through {hubs}, from {rs['first_rerouted_date']} to {rs['last_rerouted_date']}."
        )
    if inter := s.get("new_intermediaries"):
        names = _join(
            [
                f"{i['name']} ({', '.join([*i['countries'], *(['buyer'] if i['role'] == 'importer' else []), usd(i['usd'])])})"
                for i in inter[:4]
            ]
        )
        more = f" and {len(inter) - 4} more" if len(inter) > 4 else ""
        out.append(f"New since the restrictions (first seen or incorporated after them): {names}{more}.")
    if mis := s.get("misdeclared"):
        out.append(
            f"{mis['shipments']} lines worth {usd(mis['usd'])} were declared under codes their value, "
            "weight or description does not fit."
        )
    if pay := s.get("payments"):
        listed = (
            f", {pay['listed_payers']} of them on a sanctions list ({usd(pay['listed_payers_usd'])})"
            if pay["listed_payers"]
            else ""
        )
        out.append(
            f"{pay['payments']:,} cited payments worth {usd(pay['payments_usd'])} from {pay['first_date']} to "
            f"{pay['last_date']} came from {_n(pay['payers'], 'payer')}{listed}"
            + (f" to {pay['main_payee']}." if pay.get("main_payee") else ".")
        )
    if related:
        first = [t for t in related if t["finding_id"] == related[0]["finding_id"]][:2]
        parties = " and ".join(first[0]["parties"])
        out.append(f"{parties} are distinct but related: " + " ".join(t["summary"] for t in first))
    return out


# ---------------------------------------------------------------------------- lists, ties
def list_matches(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (party, list entry) named by the case's findings, with the list version."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in findings:
        party = next((e["name"] for e in f["entities"] if e["role"] == "listed_party"), None)
        for entry in f["metrics"].get("list_entries") or []:
            if not isinstance(entry, dict) or "entry_id" not in entry:
                continue
            key = (str(party), str(entry.get("list_id")), str(entry.get("entry_id")))
            row = {
                "party": party,
                "list_id": entry.get("list_id"),
                "entry_id": entry.get("entry_id"),
                "entry_name": entry.get("entry_name") or entry.get("name"),
                "basis": entry.get("basis"),
                "score": entry.get("score"),
                "version_id": entry.get("version_id"),
                "as_of": entry.get("as_of"),
                "listed_on": entry.get("listed_on"),
                "finding_id": f["finding_id"],
            }
            seen.setdefault(key, row)
    return sorted(seen.values(), key=lambda r: (str(r["party"]), str(r["list_id"]), str(r["entry_id"])))


def ties(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The related-party ties (shared people, similar names, shared contacts) in words."""
    out: list[dict[str, Any]] = []
    for f in findings:
        if "RELATED_PARTIES" not in f["flags"]:
            continue
        parties = [e["name"] for e in f["entities"] if e["role"] == "related_party"]
        for t in f["metrics"].get("ties") or []:
            if isinstance(t, dict) and t.get("summary"):
                out.append(
                    {
                        "parties": parties,
                        "kind": t.get("kind"),
                        "summary": t["summary"],
                        "finding_id": f["finding_id"],
                    }
                )
    return out


# ---------------------------------------------------------------------------- pictures
def flows(doc: CaseDoc) -> list[dict[str, Any]]:
    """Cited shipment lines by (origin, dispatched from, destination): lines and value."""
    agg: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for r in doc.shipments:
        origin = r["origin_country"] or "unknown"
        middle = (
            f"{origin} (direct)"
            if r["route"] == "direct"
            else "unknown"
            if r["route"] == "unknown"
            else r["route"]
        )
        item = agg[(origin, middle, r["destination"] or "unknown")]
        item[0] += 1
        item[1] += float(r["value_usd"] or 0.0)
    rows = [
        {"origin": o, "middle": m, "destination": d, "lines": int(v[0]), "usd": round(v[1], 2)}
        for (o, m, d), v in agg.items()
    ]
    return sorted(rows, key=lambda f: (-f["usd"], f["origin"], f["middle"]))


def _markers(doc: CaseDoc) -> tuple[list[tuple[date, str]], bool]:
    marks: dict[date, str] = {}
    rs = doc.summary.get("route_switch")
    if rs and rs.get("restriction_date"):
        marks[date.fromisoformat(rs["restriction_date"])] = (
            f"restriction ({rs.get('restriction_rule') or ''})"
        )
    if rs:
        marks[date.fromisoformat(rs["switch_date"])] = "last direct shipment"
    listing = False
    for m in doc.list_matches:
        if m.get("listed_on") and len(marks) < 5:
            when = date.fromisoformat(str(m["listed_on"])[:10])
            marks.setdefault(when, f"listed: {str(m['party'])[:24]}")
            listing = True
    return sorted(marks.items()), listing


def charts(doc: CaseDoc, network: bool = True) -> tuple[dict[str, str], bool]:
    """Inline SVGs: timeline by route, flow diagram, payments over time, network (unless not asked)."""
    from tradetrace.report.charts import flow_svg, monthly_routes_svg
    from tradetrace.report.network import network_svg

    out: dict[str, str] = {}
    markers, listing = _markers(doc)
    monthly: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in doc.shipments:
        monthly[r["date"].strftime("%Y-%m")][r["route"]] += float(r["value_usd"] or 0.0)
    if monthly:
        out["timeline"] = monthly_routes_svg(
            monthly, markers, title="Monthly value of the cited shipments by route (USD)"
        )
        out["flow"] = flow_svg([(f["origin"], f["middle"], f["destination"], f["usd"]) for f in flows(doc)])
    paid: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p in doc.payments:
        paid[p["date"].strftime("%Y-%m")]["listed" if p.get("listed") else "other"] += float(
            p["amount_usd"] or 0.0
        )
    if paid:
        out["payments"] = monthly_routes_svg(
            paid, markers, title="Monthly value of the cited payments (USD)",
            labels={"listed": "from listed payers", "other": "from other payers"},
        )  # fmt: skip
    if network and doc.network.get("nodes"):
        out["network"] = network_svg(doc.network)
    return out, listing
