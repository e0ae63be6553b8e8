"""Rendering time of a report whose finding cites 5,000 shipments.

    python bench/report.py [--records 5000] [--pdf]

Simulates a small dataset, ingests it, and stores one finding that cites
RECORDS shipment lines (with a monthly series by route, as route_switch
writes). Times the finding's HTML report, then the same records as a case report (summary,
timeline, flow diagram, network drawing, appendices; and, with --pdf, both PDFs through Chromium)
next to the floor it cannot beat in the same run: fetching the cited records
and writing them out as JSON. Prints both and the ratio; the target from the
issue is under 10 s for 5,000 shipments.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from tradetrace.detect.findings import Finding, store_findings
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.report.html import _records, write_report
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=5000)
    ap.add_argument("--pdf", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp) / "data", rows=max(20_000, args.records * 2), seed=3)
        with Workspace(Settings(workspace=Path(tmp) / "ws", progress=False)) as ws:
            ingest_shipments(ws, sim.files["shipments_csv"])
            rows = ws.engine.fetchall(
                "SELECT record_id, date, value_usd, exporter_country FROM shipments ORDER BY date, record_id LIMIT ?",
                [args.records],
            )
            monthly: dict[str, dict[str, float]] = {}
            for _, d, v, cc in rows:
                month = monthly.setdefault(d.strftime("%Y-%m"), {})
                month[cc or "direct"] = month.get(cc or "direct", 0.0) + float(v or 0.0)
            finding = Finding(
                detector="bench@1", flags=["ROUTE_SWITCH"], severity="high", score=0.9,
                title=f"benchmark finding citing {len(rows):,} shipments", explanation="for timing only",
                entities=[], record_ids=[r[0] for r in rows], period_start=rows[0][1], period_end=rows[-1][1],
                value_usd=sum(float(r[2] or 0.0) for r in rows),
                metrics={"monthly_usd": monthly, "restriction_date": date(2023, 1, 1).isoformat()},
            )  # fmt: skip
            store_findings(ws.engine, "bench@1", [finding])
            t = time.perf_counter()
            floor_doc = _records(ws, finding.record_ids)
            (Path(tmp) / "floor.json").write_text(json.dumps(floor_doc, default=str), "utf-8")
            floor = time.perf_counter() - t
            t = time.perf_counter()
            html = write_report(ws, finding.finding_id, Path(tmp) / "report.html")
            html_s = time.perf_counter() - t
            print(f"records cited: {len(rows):,}; HTML {html.stat().st_size / 1e6:.1f} MB")
            print(
                f"fetch + JSON (floor): {floor:.2f} s   HTML report: {html_s:.2f} s   ratio {html_s / floor:.1f}"
            )
            if args.pdf:
                t = time.perf_counter()
                write_report(ws, finding.finding_id, Path(tmp) / "report.pdf", "pdf")
                print(f"PDF report: {time.perf_counter() - t:.2f} s")
            # the same records as a case: summary, timeline, flow, network (graph built first), appendices
            from tradetrace.cases.build import build_cases
            from tradetrace.graph.build import ensure_graph

            (case,) = build_cases(ws.engine)
            t = time.perf_counter()
            ensure_graph(ws)
            graph_s = time.perf_counter() - t
            t = time.perf_counter()
            case_html = write_report(ws, case.case_id, Path(tmp) / "case.html")
            case_s = time.perf_counter() - t
            print(
                f"graph build ({ws.engine.scalar('SELECT count(*) FROM shipments'):,} shipments): {graph_s:.2f} s   "
                f"case report HTML: {case_s:.2f} s ({case_html.stat().st_size / 1e6:.1f} MB)   ratio {case_s / floor:.1f}"
            )
            if args.pdf:
                t = time.perf_counter()
                write_report(ws, case.case_id, Path(tmp) / "case.pdf", "pdf")
                print(f"case report PDF: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
