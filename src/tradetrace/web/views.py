"""What each page and API answer shows, read from a workspace (read-only).

Every function takes an open ``Workspace`` and returns plain data (dicts,
lists, strings, numbers, dates) that the templates render and the JSON API
returns as is. Nothing here writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from tradetrace.workspace import Workspace

MAX_CASES = 100
NEIGHBOUR_CAP = 25
MAX_CAP = 200


def _json(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def _has(ws: Workspace, table: str) -> bool:
    return ws.engine.table_exists(table)


# ---------------------------------------------------------------------------- dashboard
def dashboard(ws: Workspace) -> dict[str, Any]:
    from tradetrace.cases.triage import case_statuses

    e = ws.engine
    cases: list[dict[str, Any]] = []
    if _has(ws, "cases"):
        cases = e.arrow(
            "SELECT case_id, rank, title, score, severity, flags, totals, period_start, period_end, evidence "
            f"FROM cases ORDER BY rank LIMIT {MAX_CASES}"
        ).to_pylist()
    statuses = case_statuses(e)
    for c in cases:
        c["flags"] = _json(c["flags"], [])
        c["totals"] = _json(c["totals"], {})
        c["evidence"] = _json(c["evidence"], [])
        c["status"] = statuses.get(c["case_id"], "new")
    flags: dict[str, int] = defaultdict(int)
    if _has(ws, "findings"):
        for text, n in e.fetchall("SELECT flags, count(*) FROM findings GROUP BY flags"):
            for flag in _json(text, []):
                flags[flag] += int(n)
    lists = []
    if _has(ws, "list_versions"):
        lists = e.arrow(
            "SELECT list_id, version_id, as_of, as_of_basis, entries, loaded_at FROM list_versions "
            "WHERE active ORDER BY list_id"
        ).to_pylist()
    stages = ws.manifest().get("stages", {})
    runs = sorted(
        ({"stage": k, "at": v.get("at")} for k, v in stages.items() if isinstance(v, dict)),
        key=lambda r: str(r["at"] or ""),
        reverse=True,
    )
    counts = {t: int(e.scalar(f"SELECT count(*) FROM {t}")) for t in ("shipments", "payments") if _has(ws, t)}
    return {
        "cases": cases,
        "flags": dict(sorted(flags.items(), key=lambda kv: (-kv[1], kv[0]))),
        "lists": lists,
        "runs": runs,
        "counts": counts,
    }


# ---------------------------------------------------------------------------- cases
def case_page(ws: Workspace, case_id: str) -> dict[str, Any]:
    """The case report's numbers and charts, the findings with their decisions, a timeline, status."""
    from tradetrace.cases.triage import case_statuses, status_history
    from tradetrace.report.case import charts, flows, load_case

    doc = load_case(ws, case_id)  # LookupError for an unknown case
    decisions = finding_decisions(ws, [f["finding_id"] for f in doc.findings])
    for f in doc.findings:
        f["decision"] = decisions.get(f["finding_id"], {}).get("current")
        f["decisions"] = decisions.get(f["finding_id"], {}).get("history", [])
    svgs, _listing = charts(doc, network=False)  # the page has the interactive explorer and a table of ties
    events = timeline(ws, doc)
    svgs["events"] = _timeline_svg(events)
    matches = match_rows(ws, [m["finding_id"] for m in doc.list_matches], doc.list_matches)
    return {
        "case": doc.case,
        "status": case_statuses(ws.engine).get(case_id, "new"),
        "status_history": status_history(ws.engine, case_id),
        "summary": doc.summary,
        "paragraph": doc.paragraph,
        "findings": doc.findings,
        "list_matches": matches,
        "ties": doc.ties,
        "network": doc.network,
        "flows": flows(doc),
        "timeline": events,
        "charts": svgs,
        "shipments": doc.shipments,
        "payments": doc.payments,
        "entities": entity_links(ws, doc.case.get("entities") or []),
    }


def finding_decisions(ws: Workspace, finding_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per finding: the decision history (oldest first) and the current decision."""
    if not finding_ids or not _has(ws, "finding_decisions"):
        return {}
    import pyarrow as pa

    ws.engine.register("_web_fids", pa.table({"finding_id": pa.array(finding_ids, pa.string())}))
    try:
        rows = ws.engine.arrow(
            "SELECT d.finding_id, decision, note, decided_by, decided_at FROM finding_decisions d "
            "SEMI JOIN _web_fids f ON f.finding_id = d.finding_id ORDER BY decided_at"
        ).to_pylist()
    finally:
        ws.engine.drop_relation("_web_fids")
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = out.setdefault(r["finding_id"], {"history": [], "current": None})
        item["history"].append(r)
        item["current"] = None if r["decision"] == "reopen" else r["decision"]
    return out


def match_rows(ws: Workspace, _finding_ids: list[str], matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """List matches of a case with their match_id and status, where screening stored them."""
    if not matches or not _has(ws, "party_matches"):
        return matches
    rows = ws.engine.fetchall(
        "SELECT match_id, party_name, list_id, entry_id, status, score FROM party_matches ORDER BY match_id"
    )
    by_pair: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        by_pair[(str(r[2]), str(r[3]))].append(r)
    for m in matches:
        hits = by_pair.get((str(m["list_id"]), str(m["entry_id"])), [])
        best = next((h for h in hits if h[1] == m["party"]), hits[0] if hits else None)
        m["match_id"] = best[0] if best else None
        m["status"] = best[4] if best else None
    return matches


def timeline(ws: Workspace, doc: Any) -> list[dict[str, Any]]:
    """Dated events of a case on one axis: shipments (by route), payments, register events, listings."""
    events: list[dict[str, Any]] = []
    for r in doc.shipments:
        events.append(
            {
                "date": r["date"],
                "lane": "shipments " + ("direct" if r["route"] == "direct" else f"via {r['route']}"),
                "kind": "shipment",
                "label": f"{r['exporter_name']} → {r['importer_name']}",
                "value_usd": r["value_usd"],
                "record_id": r["record_id"],
            }
        )
    for p in doc.payments:
        events.append(
            {
                "date": p["date"],
                "lane": "payments from listed payers" if p.get("listed") else "payments",
                "kind": "payment",
                "label": f"{p['payer_name']} → {p['payee_name']}",
                "value_usd": p["amount_usd"],
                "record_id": p["record_id"],
            }
        )
    nodes = {n["node_id"]: n for n in doc.network.get("nodes", [])}
    for ed in doc.network.get("edges", []):
        if ed["kind"] in ("trade", "payment"):
            continue
        who = f"{nodes.get(ed['source'], {}).get('name', '?')} {ed['kind']} of {nodes.get(ed['target'], {}).get('name', '?')}"
        if ed.get("start_date"):
            events.append(
                {"date": ed["start_date"], "lane": "register", "kind": "register", "label": f"{who} from"}
            )
        if ed.get("end_date"):
            events.append(
                {"date": ed["end_date"], "lane": "register", "kind": "register", "label": f"{who} until"}
            )
    for n in nodes.values():
        inc = n.get("incorporated")
        if inc:
            events.append(
                {"date": inc, "lane": "register", "kind": "register", "label": f"{n['name']} incorporated"}
            )
    for m in doc.list_matches:
        if m.get("listed_on"):
            events.append(
                {
                    "date": date.fromisoformat(str(m["listed_on"])[:10]),
                    "lane": "listings",
                    "kind": "listing",
                    "label": f"{m['party']} listed ({m['list_id']} {m['entry_id']})",
                }
            )
    rs = doc.summary.get("route_switch") or {}
    if rs.get("restriction_date"):
        events.append(
            {
                "date": date.fromisoformat(rs["restriction_date"]),
                "lane": "rules",
                "kind": "restriction",
                "label": f"restriction in force ({rs.get('restriction_rule') or ''})",
            }
        )
    if rs.get("switch_date"):
        events.append(
            {
                "date": date.fromisoformat(rs["switch_date"]),
                "lane": "rules",
                "kind": "switch",
                "label": "last direct shipment (route switch)",
            }
        )
    return sorted(events, key=lambda ev: (ev["date"], ev["lane"], ev["label"]))


def _timeline_svg(events: list[dict[str, Any]]) -> str:
    from tradetrace.report.charts import timeline_svg

    return timeline_svg(events) if events else ""


def entity_links(ws: Workspace, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A case's entities with the graph node each one is (by tax id, name key or node id)."""
    if not entities:
        return []
    ids = [str(e.get("id")) for e in entities]
    nodes: dict[str, str] = {}
    if _has(ws, "graph_mentions"):
        import pyarrow as pa

        ws.engine.register("_web_eids", pa.table({"k": pa.array(ids, pa.string())}))
        try:
            for key, node in ws.engine.fetchall(
                "SELECT k, min(node_id) FROM ("
                "SELECT i.k, m.node_id FROM _web_eids i JOIN graph_mentions m ON m.tax_key = i.k "
                "UNION ALL SELECT i.k, m.node_id FROM _web_eids i JOIN graph_mentions m ON m.name_key = i.k "
                "UNION ALL SELECT i.k, m.node_id FROM _web_eids i JOIN graph_mentions m ON m.node_id = i.k"
                ") GROUP BY k ORDER BY k"
            ):
                nodes[str(key)] = str(node)
        finally:
            ws.engine.drop_relation("_web_eids")
    return [{**e, "node_id": nodes.get(str(e.get("id")))} for e in entities]


def cases_with(ws: Workspace, node_id: str) -> list[dict[str, Any]]:
    """Cases that name the node (through any of its tax ids, name keys or its id)."""
    if not _has(ws, "cases") or not _has(ws, "graph_mentions"):
        return []
    keys = {node_id}
    for tax, name in ws.engine.fetchall(
        "SELECT DISTINCT tax_key, name_key FROM graph_mentions WHERE node_id = ? ORDER BY 1, 2", [node_id]
    ):
        keys.update(k for k in (tax, name) if k)
    rows = ws.engine.arrow("SELECT case_id, rank, title, score, severity, entities FROM cases ORDER BY rank")
    out = []
    for c in rows.to_pylist():
        roles = [
            r for e in _json(c.pop("entities"), []) if str(e.get("id")) in keys for r in e.get("roles", [])
        ]
        if roles:
            out.append({**c, "roles": sorted(set(roles))})
    return out


# ---------------------------------------------------------------------------- entities
def entity_page(ws: Workspace, node_id: str) -> dict[str, Any]:
    e = ws.engine
    if not _has(ws, "graph_nodes"):
        raise LookupError("no graph yet: run `tradetrace graph`")
    rows = e.arrow("SELECT * FROM graph_nodes WHERE node_id = ?", [node_id]).to_pylist()
    if not rows:
        raise LookupError(f"no entity {node_id!r}")
    node = rows[0]
    attrs = _json(node.pop("attributes", None), {})
    node["list_entries"] = _json(node.get("list_entries"), [])
    spellings = e.arrow(
        "SELECT name, role, tax_id, country, address, sum(rows) AS rows FROM graph_mentions WHERE node_id = ? "
        "GROUP BY ALL ORDER BY rows DESC, name, role LIMIT 200",
        [node_id],
    ).to_pylist()
    ties = e.arrow(
        "SELECT g.edge_id, g.kind, g.source, g.target, s.name AS source_name, t.name AS target_name, "
        "g.value_usd, g.count, g.first_date, g.last_date, g.share_pct, g.start_date, g.end_date "
        "FROM graph_edges g JOIN graph_nodes s ON s.node_id = g.source JOIN graph_nodes t ON t.node_id = g.target "
        "WHERE ? IN (g.source, g.target) ORDER BY g.kind, COALESCE(g.start_date, g.first_date), g.edge_id LIMIT 500",
        [node_id],
    ).to_pylist()
    keys = [str(k) for (k,) in e.fetchall(
        "SELECT DISTINCT tax_key FROM graph_mentions WHERE node_id = ? AND tax_key IS NOT NULL ORDER BY 1", [node_id]
    )]  # fmt: skip
    names = [str(k) for (k,) in e.fetchall(
        "SELECT DISTINCT name FROM graph_mentions WHERE node_id = ? ORDER BY 1", [node_id]
    )]  # fmt: skip
    return {
        "node": node,
        "attributes": attrs,
        "spellings": spellings,
        "ties": ties,
        "matches": entity_matches(ws, names, keys),
        "monthly": (monthly := entity_monthly(ws, node_id)),
        "chart": entity_chart(monthly),
        "cases": cases_with(ws, node_id),
        "decisions": entity_decisions(ws, names),
    }


def entity_matches(ws: Workspace, names: list[str], tax_keys: list[str]) -> list[dict[str, Any]]:
    if not _has(ws, "party_matches") or not names:
        return []
    import pyarrow as pa

    ws.engine.register("_web_names", pa.table({"n": pa.array(names, pa.string())}))
    try:
        rows: list[dict[str, Any]] = ws.engine.arrow(
            "SELECT match_id, party_name, list_id, entry_id, entry_name, matched_name, name_type, score, "
            "status, explanation, version_id FROM party_matches m SEMI JOIN _web_names n ON n.n = m.party_name "
            "ORDER BY score DESC, match_id LIMIT 100"
        ).to_pylist()
    finally:
        ws.engine.drop_relation("_web_names")
    for r in rows:
        r["explanation"] = _json(r.get("explanation"), {})
    return rows


def entity_decisions(ws: Workspace, names: list[str]) -> list[dict[str, Any]]:
    if not _has(ws, "match_decisions") or not names:
        return []
    import pyarrow as pa

    ws.engine.register("_web_dnames", pa.table({"n": pa.array(names, pa.string())}))
    try:
        rows: list[dict[str, Any]] = ws.engine.arrow(
            "SELECT match_id, party_name, list_id, entry_id, decision, note, decided_by, decided_at "
            "FROM match_decisions d SEMI JOIN _web_dnames n ON n.n = d.party_name ORDER BY decided_at"
        ).to_pylist()
    finally:
        ws.engine.drop_relation("_web_dnames")
    return rows


_FLOWS = (  # (table, name column, tax id column, value column, role in graph_mentions, flow label)
    ("shipments", "importer_name", "importer_tax_id", "value_usd", "importer", "bought"),
    ("shipments", "exporter_name", "exporter_tax_id", "value_usd", "exporter", "sold"),
    ("payments", "payer_name", "payer_tax_id", "amount_usd", "payer", "paid"),
    ("payments", "payee_name", "payee_tax_id", "amount_usd", "payee", "was paid"),
)


def entity_monthly(ws: Workspace, node_id: str) -> list[dict[str, Any]]:
    """The node's shipments and payments by month: bought, sold, paid and was paid (USD, records),
    from the records whose party is written as one of the node's mentions."""
    if not _has(ws, "graph_mentions"):
        return []
    parts, params = [], []
    for table, name, tax, value, role, flow in _FLOWS:
        if not _has(ws, table):
            continue
        parts.append(
            f"SELECT strftime(t.date, '%Y-%m') AS month, '{flow}' AS flow, sum(t.{value}) AS value_usd, "
            f"count(*) AS records FROM {table} t SEMI JOIN (SELECT name, tax_id FROM graph_mentions "
            f"WHERE node_id = ? AND source_table = '{table}' AND role = '{role}') m "
            f"ON t.{name} = m.name AND t.{tax} IS NOT DISTINCT FROM m.tax_id GROUP BY 1"
        )
        params.append(node_id)
    if not parts:
        return []
    rows: list[dict[str, Any]] = ws.engine.arrow(
        f"SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY month, flow", params
    ).to_pylist()
    return rows


def entity_chart(monthly: list[dict[str, Any]]) -> str:
    from tradetrace.report.charts import monthly_routes_svg

    series: dict[str, dict[str, float]] = defaultdict(dict)
    for r in monthly:
        series[r["month"]][r["flow"]] = float(r["value_usd"] or 0.0)
    if not series:
        return ""
    labels = {flow: flow for *_rest, flow in _FLOWS}
    return monthly_routes_svg(series, title="Shipments and payments by month (USD)", labels=labels)


# ---------------------------------------------------------------------------- records
def record_page(ws: Workspace, record_id: str) -> dict[str, Any]:
    """Shipment and payment rows with this id, each with its file, row and the file's hash."""
    found: list[dict[str, Any]] = []
    for table in ("shipments", "payments"):
        if not _has(ws, table):
            continue
        rows = ws.engine.arrow(
            f"SELECT t.*, l.source AS load_source, l.sha256 AS load_sha256, l.loaded_at AS load_at "
            f"FROM {table} t LEFT JOIN loads l ON l.load_id = t._load_id WHERE t.record_id = ? "
            "ORDER BY t._source, t._source_row",
            [record_id],
        ).to_pylist()
        found.extend({"table": table, "row": r} for r in rows)
    if not found:
        raise LookupError(f"no shipment or payment with record id {record_id!r}")
    return {"record_id": record_id, "records": found}


# ---------------------------------------------------------------------------- search
def search(ws: Workspace, query: str, exact_script: bool = False, limit: int = 50) -> dict[str, Any]:
    """Entities whose written names match ``query``: across scripts by default (the query and the
    names are compared as transliterated name keys), or as written with ``exact_script``."""
    from tradetrace.resolve.normalize import name_key

    q = query.strip()
    if not q or not _has(ws, "graph_mentions"):
        return {"query": q, "exact_script": exact_script, "results": []}
    if exact_script:
        where, params = "m.name ILIKE ?", ["%" + _like(q) + "%"]
    else:
        key = name_key(q) or ""
        if not key:
            return {"query": q, "exact_script": exact_script, "results": []}
        where, params = "m.name_key LIKE ?", ["%" + _like(key) + "%"]
    rows = ws.engine.arrow(
        "SELECT n.node_id, n.name, n.kind, n.country, n.tax_id, n.listed, n.degree, "
        "list(DISTINCT m.name ORDER BY m.name)[1:5] AS matched FROM graph_mentions m "
        f"JOIN graph_nodes n ON n.node_id = m.node_id WHERE {where} "
        f"GROUP BY ALL ORDER BY n.listed DESC, n.degree DESC, n.node_id LIMIT {int(limit)}",
        params,
    ).to_pylist()
    return {"query": q, "exact_script": exact_script, "results": rows}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---------------------------------------------------------------------------- network
def _node_out(n: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": n["node_id"],
        "label": n["name"],
        "kind": n["kind"],
        "country": n["country"],
        "listed": bool(n["listed"]),
        "url": f"/entities/{n['node_id']}",
    }


def _edge_label(ed: dict[str, Any]) -> str:
    if ed["kind"] in ("trade", "payment"):
        usd = f"${float(ed['value_usd']):,.0f}" if ed.get("value_usd") is not None else "no USD value"
        return f"{ed['kind']} {usd} ({ed['count']} records)"
    share = f" {ed['share_pct']:g}%" if ed.get("share_pct") is not None else ""
    span = ""
    if ed.get("start_date") or ed.get("end_date"):
        span = f" {ed.get('start_date') or '…'} – {ed.get('end_date') or 'now'}"
    return f"{ed['kind']}{share}{span}"


def _edge_out(ed: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ed["edge_id"],
        "source": ed["source"],
        "target": ed["target"],
        "kind": ed["kind"],
        "label": _edge_label(ed),
        "first_date": ed.get("first_date") or ed.get("start_date"),
        "last_date": ed.get("last_date") or ed.get("end_date"),
        "value_usd": ed.get("value_usd"),
    }


def _tie_filter(kinds: list[str] | None, since: date | None, until: date | None) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if kinds:
        where.append(f"g.kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    if since:
        where.append("COALESCE(g.last_date, g.end_date, DATE '9999-12-31') >= ?")
        params.append(since)
    if until:
        where.append("COALESCE(g.first_date, g.start_date, DATE '0001-01-01') <= ?")
        params.append(until)
    return (" AND " + " AND ".join(where)) if where else "", params


def expand(
    ws: Workspace,
    node_id: str,
    kinds: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    cap: int = NEIGHBOUR_CAP,
) -> dict[str, Any]:
    """The node's neighbours (strongest ties first: register ties, then by value), ``cap`` at a time."""
    e = ws.engine
    if not _has(ws, "graph_nodes"):
        raise LookupError("no graph yet: run `tradetrace graph`")
    me = e.arrow("SELECT * FROM graph_nodes WHERE node_id = ?", [node_id]).to_pylist()
    if not me:
        raise LookupError(f"no entity {node_id!r}")
    cap = max(1, min(int(cap), MAX_CAP))
    extra, params = _tie_filter(kinds, since, until)
    ranked = (
        "SELECT CASE WHEN g.source = ? THEN g.target ELSE g.source END AS other, "
        "max(CASE WHEN g.kind IN ('trade', 'payment') THEN 0 ELSE 1 END) AS register, "
        "sum(COALESCE(g.value_usd, 0)) AS usd FROM graph_edges g "
        f"WHERE ? IN (g.source, g.target) AND g.source <> g.target{extra} GROUP BY other"
    )
    total = int(e.scalar(f"SELECT count(*) FROM ({ranked})", [node_id, node_id, *params]))
    page = [
        str(r[0])
        for r in e.fetchall(
            f"SELECT other FROM ({ranked}) ORDER BY register DESC, usd DESC, other LIMIT {cap} OFFSET {int(offset)}",
            [node_id, node_id, *params],
        )
    ]
    nodes, edges = [], []
    if page:
        import pyarrow as pa

        e.register("_web_page", pa.table({"n": pa.array(page, pa.string())}))
        try:
            nodes = e.arrow(
                "SELECT * FROM graph_nodes WHERE node_id IN (SELECT n FROM _web_page) ORDER BY node_id"
            ).to_pylist()
            edges = e.arrow(
                "SELECT * FROM graph_edges g WHERE ((g.source = ? AND g.target IN (SELECT n FROM _web_page)) "
                f"OR (g.target = ? AND g.source IN (SELECT n FROM _web_page))){extra} ORDER BY g.edge_id",
                [node_id, node_id, *params],
            ).to_pylist()
        finally:
            e.drop_relation("_web_page")
    shown = int(offset) + len(page)
    return {
        "node": _node_out(me[0]),
        "nodes": [_node_out(n) for n in nodes],
        "edges": [_edge_out(ed) for ed in edges],
        "total": total,
        "more": max(total - shown, 0),
        "next_offset": shown,
    }


def shortest_path(ws: Workspace, a: str, b: str, kinds: list[str] | None = None) -> dict[str, Any]:
    """The shortest chain of ties between two parties, each given by node id, tax id or name."""
    from tradetrace.graph.paths import find_path

    e = ws.engine
    if not _has(ws, "graph_nodes"):
        raise LookupError("no graph yet: run `tradetrace graph`")
    try:
        result = find_path(e, a, b, kinds or None)
    except LookupError as exc:
        return {"found": False, "nodes": [], "edges": [], "message": str(exc)}
    by_id = {p.node_id: p for p in result.parties}
    nodes = e.arrow(
        "SELECT * FROM graph_nodes WHERE list_contains(?, node_id) ORDER BY node_id", [list(by_id)]
    ).to_pylist()
    edges = [_edge_out(t.edge) for hop in result.hops for t in hop[:3]]
    return {
        "found": True,
        "nodes": [_node_out(n) for n in nodes],
        "edges": edges,
        "message": result.describe(),
    }
