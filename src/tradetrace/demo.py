"""`tradetrace demo`: simulate, ingest, screen-ready lists, detect, report: end to end."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tradetrace.progress import NullProgress, Progress
from tradetrace.settings import Settings

TOP_CASE_REPORTS = 3


DEMO_MARK = "DEMO_WORKSPACE"


def run_demo(
    out: Path,
    rows: int = 200_000,
    seed: int = 7,
    settings: Settings | None = None,
    progress: Progress | None = None,
    echo: Callable[[str], None] = print,
    workspace: Path | None = None,
) -> str:
    """Run the whole pipeline on synthetic data in ``out``; return a short summary.

    The workspace is ``workspace`` (default ``out/workspace``). It is made anew on each
    run, so a folder that holds a workspace which a demo did not make is refused rather
    than wiped."""
    from tradetrace.detect.findings import read_findings, write_jsonl
    from tradetrace.detect.runner import run_detectors
    from tradetrace.ingest.parties import ingest_table
    from tradetrace.ingest.shipments import ingest_shipments
    from tradetrace.lists.store import load_list
    from tradetrace.report.html import write_report
    from tradetrace.simulate import simulate
    from tradetrace.workspace import Workspace

    progress = progress or NullProgress()
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"
    own = out / "workspace"  # the demo's own place: always its to replace
    workspace = workspace or own
    if workspace.exists():
        made_here = workspace.resolve() == own.resolve() or (workspace / DEMO_MARK).exists()
        if (workspace / "tradetrace.duckdb").exists() and not made_here:
            raise ValueError(
                f"{workspace}: holds a workspace that the demo did not make; the demo starts from an empty "
                "one, so give another --workspace (or remove this one yourself)"
            )
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    (workspace / DEMO_MARK).write_text(
        "made by `tradetrace demo`; the next demo run replaces this workspace\n"
    )
    settings = replace(settings or Settings(), workspace=workspace)
    echo(f"1/5 simulating {rows:,} shipment rows (seed {seed}) into {data}")
    task = progress.task("simulating", total=rows)
    sim = simulate(data, rows=rows, seed=seed, formats=("csv",), progress=lambda d, t: task.update(d))
    task.done()
    with Workspace(settings) as ws:
        echo(f"2/5 ingesting into {workspace}")
        echo(ingest_shipments(ws, sim.files["shipments_csv"], "canonical", progress=progress).summary())
        for kind in ("parties", "relations", "payments"):
            echo(ingest_table(ws, kind, sim.files[kind], progress=progress).summary())
        echo("3/5 loading the shipped sanctions-list extract; screening and resolving parties")
        echo(load_list(ws, None, None).summary())
        from tradetrace.resolve.cluster import cluster_parties
        from tradetrace.resolve.related import related_leads
        from tradetrace.resolve.screen import screen_workspace

        echo(screen_workspace(ws).summary())
        cluster_parties(ws, progress)
        echo(f"{len(related_leads(ws)):,} related-party leads")
        echo("4/5 detecting")
        for line in run_detectors(ws, progress=progress).lines():
            echo(f"   {line}")
        findings = read_findings(ws.engine)
        n = write_jsonl(findings, out / "findings.jsonl")
        from tradetrace.cases.build import build_cases

        cases = build_cases(ws.engine)
        write_jsonl((c.as_dict() for c in cases), out / "cases.jsonl")
        echo(f"5/5 reporting ({n} findings in {out / 'findings.jsonl'})")
        if not findings:
            return "no findings"
        report = write_report(ws, None, out / "report.html")
        per_case = out / "cases"
        for c in cases[:TOP_CASE_REPORTS]:
            for fmt in ("html", "md"):
                write_report(ws, c.case_id, per_case / f"{c.rank:02d}-{c.case_id}.{fmt}", fmt)
        echo(f"   case reports for the top {min(len(cases), TOP_CASE_REPORTS)} cases in {per_case}")
        pdf: Path | None = None
        try:
            from tradetrace.report.pdf import html_to_pdf

            pdf = html_to_pdf(report, out / "report.pdf")
        except (ImportError, RuntimeError) as exc:
            echo(f"(no PDF: {exc})")
    top = cases[0].findings[0] if cases else findings[0]
    m = top["metrics"]
    lines = [""]
    if cases:
        c = cases[0]
        lines += [
            f"Top case ({len(cases)} cases in {out / 'cases.jsonl'}): {c.case_id}, score {c.score:.3f}, {c.severity}",
            f"  flags: {', '.join(c.flags)}",
        ]
    lines += [
        f"Headline finding: {top['title']}",
        f"  flags: {', '.join(top['flags'])}; severity {top['severity']}; score {top['score']:.2f}",
    ]
    if "direct_before_usd" in m:
        lines.append(
            f"  direct ${m['direct_before_usd']:,.0f} until {m['switch_date']}, then "
            f"${m['rerouted_after_usd']:,.0f} via {', '.join(m['hubs'])}; {m['shipments']} shipments "
            f"since the restriction of {m['restriction_date']}"
        )
    lines.append(f"Report: {report.resolve()}")
    if pdf is not None:
        lines.append(f"PDF:    {pdf.resolve()}")
    lines.append(f"Findings: {(out / 'findings.jsonl').resolve()}")
    lines.append(f"Workspace: {workspace.resolve()}")
    lines.append(
        f"Next: tradetrace --workspace {shlex.quote(str(workspace))} cases   (then `report CASE_ID`)"
    )
    return "\n".join(lines)
