"""The HTML report of one finding: numbers, chart, parties, citations, records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from tradetrace.detect.findings import read_findings
from tradetrace.report.charts import monthly_routes_svg
from tradetrace.workspace import Workspace

RECORD_COLUMNS = (
    "record_id",
    "date",
    "exporter_name",
    "exporter_country",
    "dispatch_country",
    "origin_country",
    "hs_code",
    "description",
    "manufacturer",
    "brand",
    "model",
    "quantity",
    "value_usd",
    "_source",
    "_source_row",
)


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("tradetrace.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["usd"] = lambda v: "" if v is None else f"${float(v):,.0f}"
    env.filters["musd"] = lambda v: "" if v is None else f"${float(v) / 1e6:,.2f}M"
    env.filters["md"] = md_text
    env.filters["bdi"] = bdi
    return env


def bdi(value: object) -> Markup:
    """A name from the data, escaped and isolated (``<bdi>``), so that a right-to-left
    name (Arabic, Hebrew, Persian) cannot reorder the text around it."""
    return Markup("<bdi>{}</bdi>").format("" if value is None else value)


def md_text(value: object) -> str:
    """Text safe inside a Markdown table cell: no HTML, no cell breaks, no line breaks."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def _records(ws: Workspace, record_ids: list[str]) -> list[dict[str, Any]]:
    if not record_ids:
        return []
    ws.engine.register("_rep_ids_arrow", pa.table({"record_id": record_ids}))
    cols = ", ".join(f"s.{c}" for c in RECORD_COLUMNS)
    rows: list[dict[str, Any]] = ws.engine.arrow(
        f"SELECT {cols} FROM shipments s SEMI JOIN _rep_ids_arrow i ON i.record_id = s.record_id "
        "ORDER BY s.date, s.record_id"
    ).to_pylist()
    ws.engine.drop_relation("_rep_ids_arrow")
    return rows


def _case_of(ws: Workspace, finding_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The case holding this finding (from `tradetrace cases`) and its other findings, best first."""
    if not ws.engine.table_exists("cases"):
        return None, []
    for case_id, rank, flags, finding_ids, totals in ws.engine.fetchall(
        "SELECT case_id, rank, flags, finding_ids, totals FROM cases ORDER BY rank"
    ):
        ids = json.loads(finding_ids)
        if finding_id in ids:
            others = {f["finding_id"]: f for f in read_findings(ws.engine) if f["finding_id"] in ids}
            siblings = [others[i] for i in ids if i != finding_id and i in others]
            case = {
                "case_id": case_id,
                "rank": rank,
                "flags": json.loads(flags),
                "totals": json.loads(totals),
            }
            return case, siblings
    return None, []


PDF_RECORDS = 1000  # Chromium's print engine fails on much longer tables; the rest stay in HTML/JSON


def render_report(
    ws: Workspace, finding: dict[str, Any], template: str = "report.html.j2", max_records: int | None = None
) -> str:
    from tradetrace.cases.workspace_calibration import calibration_note

    m = finding.get("metrics", {})
    markers = []
    if m.get("restriction_date"):
        markers.append(
            (date.fromisoformat(m["restriction_date"]), f"restriction ({m.get('restriction_rule', '')})")
        )
    if m.get("switch_date"):
        markers.append((date.fromisoformat(m["switch_date"]), "last direct shipment"))
    chart = monthly_routes_svg(m["monthly_usd"], markers) if m.get("monthly_usd") else ""
    records = _records(ws, finding["record_ids"])
    total_records = len(records)
    if max_records is not None:
        records = records[:max_records]
    routes = m.get("routes", {})
    case, siblings = _case_of(ws, finding["finding_id"])
    manifest = ws.manifest()
    return (
        _env()
        .get_template(template)
        .render(
            finding=finding,
            metrics=m,
            chart=chart,
            records=records,
            routes=routes,
            case=case,
            siblings=siblings,
            total_records=total_records,
            manifest=manifest,
            manifest_json=json.dumps(manifest.get("inputs", []), indent=1, ensure_ascii=False),
            calibration=calibration_note([finding]),
        )
    )


def _network_ties(net: dict[str, Any]) -> list[dict[str, Any]]:
    from tradetrace.report.network import edge_label

    names = {n["node_id"]: n["name"] for n in net.get("nodes") or []}
    order = {"trade": 2, "payment": 1}
    edges = sorted(
        net.get("edges") or [],
        key=lambda e: (order.get(str(e["kind"]), 0), -float(e["value_usd"] or 0.0), str(e["source"])),
    )
    return [
        {"source_name": names.get(e["source"], e["source"]), "target_name": names.get(e["target"], e["target"]),
         "label": edge_label(e), "kind": e["kind"]}
        for e in edges
    ]  # fmt: skip


def _detectors_manifest(manifest: dict[str, Any]) -> str:
    detect = manifest.get("stages", {}).get("detect", {})
    lines = [f"detect run at {detect.get('at', '?')}"]
    for d in detect.get("detectors", []):
        params = ", ".join(f"{k}={v}" for k, v in (d.get("params") or {}).items())
        if d.get("status") == "not_run":
            lines.append(f"{d.get('name')}@{d.get('version')}: not run, {d.get('reason')}")
            continue
        note = f" (ran {d.get('reason')})" if d.get("status") == "ran_partial" else ""
        lines.append(f"{d.get('name')}@{d.get('version')}: {d.get('findings')} finding(s){note}; {params}")
    return "\n".join(lines)


def render_case(
    ws: Workspace, doc: Any, template: str = "case.html.j2", max_records: int | None = None
) -> str:
    """Render a :class:`tradetrace.report.case.CaseDoc` with its charts."""
    from datetime import UTC, datetime

    from tradetrace.report.case import charts, flows

    pictures, listing = charts(doc) if template.endswith(".html.j2") else ({}, False)
    manifest = ws.manifest()
    cut = slice(None) if max_records is None else slice(0, max_records)
    return (
        _env()
        .get_template(template)
        .render(
            case=doc.case,
            findings=doc.findings,
            summary=doc.summary,
            rs=doc.summary.get("route_switch"),
            pay=doc.summary.get("payments"),
            paragraph=doc.paragraph,
            charts=pictures,
            has_listing_marker=listing,
            flows=flows(doc),
            ties=doc.ties,
            network=doc.network,
            network_ties=_network_ties(doc.network),
            list_matches=doc.list_matches,
            shipments=doc.shipments[cut],
            payments=doc.payments[cut],
            total_shipments=len(doc.shipments),
            total_payments=len(doc.payments),
            manifest=manifest,
            detectors_json=_detectors_manifest(manifest),
            written=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )


def write_case_report(ws: Workspace, case_id: str, out: Path, fmt: str = "html") -> Path:
    """Write the report of case ``case_id`` to ``out`` as html, pdf, md or json."""
    from tradetrace.report.case import load_case

    doc = load_case(ws, case_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        body = {**doc.as_json(), "manifest": ws.manifest()}
        out.write_text(json.dumps(body, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        return out
    if fmt == "md":
        out.write_text(render_case(ws, doc, "case.md.j2"), encoding="utf-8")
        return out
    html_path = out if fmt == "html" else out.with_suffix(".print.html")
    html_path.write_text(
        render_case(ws, doc, max_records=PDF_RECORDS if fmt == "pdf" else None), encoding="utf-8"
    )
    if fmt == "pdf":
        from tradetrace.report.pdf import html_to_pdf

        return html_to_pdf(html_path, out)
    return out


def write_report(ws: Workspace, ident: str | None, out: Path, fmt: str = "html") -> Path:
    """Render a case or a finding to ``out`` as html, pdf, md or json.

    ``ident`` is a case id (``c-...``: the case report), a finding id (``f-...``: the report of that
    finding alone), or None: the top-ranked case when `tradetrace cases` has run, else the
    top-ranked finding.
    """
    from tradetrace.report.case import resolve_case_id

    if ident is None or not ident.startswith("f-"):
        case_id = resolve_case_id(ws, ident)
        if case_id is not None:
            return write_case_report(ws, case_id, out, fmt)
        if ident is not None:
            raise LookupError(f"no case {ident!r}; `tradetrace cases` lists them")
    return write_finding_report(ws, ident, out, fmt)


def write_finding_report(ws: Workspace, finding_id: str | None, out: Path, fmt: str = "html") -> Path:
    """Render the finding (default: the top-ranked) to ``out`` as html, pdf, md or json."""
    findings = read_findings(ws.engine)
    if not findings:
        raise LookupError("no findings in the workspace; run `tradetrace detect` first")
    if finding_id:
        chosen = [f for f in findings if f["finding_id"] == finding_id]
        if not chosen:
            raise LookupError(f"no finding {finding_id!r}; `tradetrace detect` lists them")
        finding = chosen[0]
    else:
        finding = findings[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "md":
        out.write_text(render_report(ws, finding, "report.md.j2"), encoding="utf-8")
        return out
    if fmt == "json":
        doc = {"finding": finding, "records": _records(ws, finding["record_ids"]), "manifest": ws.manifest()}
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        return out
    html_path = out if fmt == "html" else out.with_suffix(".print.html")
    limit = PDF_RECORDS if fmt == "pdf" else None
    html_path.write_text(render_report(ws, finding, max_records=limit), encoding="utf-8")
    if fmt == "pdf":
        from tradetrace.report.pdf import html_to_pdf

        return html_to_pdf(html_path, out)
    return out
