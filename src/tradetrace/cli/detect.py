"""Simulation, detection, cases, reports and the demo."""

from __future__ import annotations

import os
from pathlib import Path

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


# ---------------------------------------------------------------- simulate / detect
@cli.command()
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--rows", type=int, default=200_000, show_default=True, help="Shipment rows to write.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (printed, reproducible).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["csv", "parquet", "ru-dt"]),
    default=("csv",),
    show_default=True,
    help="Shipment file format(s).",
)
@click.option("--family", type=click.Choice(["a", "b"]), default="a", show_default=True,
              help="Scenario family: other proportions, names, countries, goods and planted schemes.")  # fmt: skip
@pass_ctx
def simulate(ctx: Ctx, out: Path, rows: int, seed: int, formats: tuple[str, ...], family: str) -> None:
    """Write synthetic trade with planted evasion schemes and their truth.json."""
    from tradetrace.simulate import simulate as run

    click.echo(f"simulating {rows:,} rows with seed {seed} (family {family})")
    with ctx.progress() as bar:
        task = bar.task("simulating", total=rows)
        summary = run(
            out,
            rows=rows,
            seed=seed,
            formats=formats,
            progress=lambda done, total: task.update(done),
            family=family,
        )
        task.done()
    for name, path in summary.files.items():
        click.echo(f"  {name:<14} {path}")


@cli.command()
@click.option("--detector", "-d", "names", multiple=True, help="Run only these detectors.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write findings as JSON lines.")
@click.option("--min-score", type=float, default=0.0, show_default=True)
@click.option("--param", "-p", "raw_params", multiple=True, metavar="DETECTOR.NAME=VALUE",
              help="Set a detector parameter, e.g. route_switch.min_rerouted_usd=250000 (see `tradetrace detectors`).")  # fmt: skip
@pass_ctx
def detect(
    ctx: Ctx, names: tuple[str, ...], out: Path | None, min_score: float, raw_params: tuple[str, ...]
) -> None:
    """Run the red-flag detectors; findings go to the workspace (and --out)."""
    from tradetrace.detect.base import parse_params
    from tradetrace.detect.findings import read_findings, write_jsonl
    from tradetrace.detect.runner import run_detectors

    with ctx.workspace() as ws, ctx.progress() as bar:
        try:
            results = run_detectors(ws, names, parse_params(raw_params), progress=bar)
        except ValueError as exc:
            _fail(str(exc))
        findings = read_findings(ws.engine, min_score)
    for line in results.lines():
        click.echo(line)
    for f in findings[:10]:
        click.echo(f"  [{f['severity']:<8}] {f['score']:.2f}  {f['title']}")
    if out:
        n = write_jsonl(findings, out)
        click.echo(f"wrote {n} finding(s) to {out}")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write cases as JSON lines.")
@click.option(
    "--min-score", type=float, default=0.0, show_default=True, help="Ignore findings below this score."
)
@click.option("--top", type=int, default=10, show_default=True, help="How many cases to print.")
@pass_ctx
def cases(ctx: Ctx, out: Path | None, min_score: float, top: int) -> None:
    """Group findings that share parties or records into ranked cases with their totals."""
    from tradetrace.cases.build import build_cases
    from tradetrace.detect.findings import write_jsonl

    with ctx.workspace() as ws:
        built = build_cases(ws.engine, min_score)
        ws.record("cases", {"cases": len(built), "min_score": min_score})
    for c in built[:top]:
        t = c.totals
        click.echo(
            f"#{c.rank} [{c.severity:<8}] P {c.score:.3f} (raw {c.raw_score:.3f}) {c.case_id}  {', '.join(c.flags)}"
        )
        uncalibrated = sorted(str(e["detector"]) for e in c.evidence if not e.get("calibrated"))
        if uncalibrated:
            click.echo(f"    not calibrated (raw score used): {', '.join(uncalibrated)}")
        click.echo(f"    {c.title}")
        click.echo(f"    {t['shipments']} shipments ${t['shipments_value_usd']:,.0f}; {t['payments']} payments "
                   f"${t['payments_value_usd']:,.0f}; {t['first_date']} to {t['last_date']}")  # fmt: skip
    if out:
        n = write_jsonl((c.as_dict() for c in built), out)
        click.echo(f"wrote {n} case(s) to {out}")


@cli.command()
@click.option("--markdown", is_flag=True, help="Print docs/detectors.md.")
def detectors(markdown: bool) -> None:
    """List the installed detectors with their parameters and citations."""
    from tradetrace.detect.base import registered

    if markdown:
        from tradetrace.docs import detectors_markdown

        click.echo(detectors_markdown())
        return
    for cls in registered().values():
        d = cls.describe()
        click.echo(
            click.style(f"{d['name']}@{d['version']}", bold=True) + f"  flags: {', '.join(d['flags'])}"
        )
        click.echo("  " + d["doc"].splitlines()[0])
        for prm in d["params"]:
            click.echo(f"    -p {d['name']}.{prm['name']}={prm['default']}  {prm['doc']}")


@cli.command()
@click.argument("ident", metavar="[CASE_ID|FINDING_ID]", required=False)
@click.option("--out", type=click.Path(path_type=Path), default=Path("out/report.html"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "md", "json"]), default=None,
              help="Output format (default: from the --out suffix).")  # fmt: skip
@pass_ctx
def report(ctx: Ctx, ident: str | None, out: Path, fmt: str | None) -> None:
    """Write the report of a case (default: the top-ranked one) or of one finding, as HTML, PDF,
    Markdown or JSON.

    A case report holds the summary with the numbers a reporter quotes (each computed from the
    cited records), the shipments over time by route, the flow origin -> dispatch -> destination,
    the network of the case, the list matches, every finding with its citations, and appendices of
    the cited records (file and row) and the run manifest. Run `tradetrace cases` first; without
    cases, the top finding is reported."""
    from tradetrace.report.html import write_report

    fmt = fmt or (
        out.suffix.lstrip(".").lower() if out.suffix.lower() in (".pdf", ".json", ".md") else "html"
    )
    with ctx.workspace() as ws:
        try:
            path = write_report(ws, ident, out, fmt)
        except LookupError as exc:
            _fail(str(exc))
        except RuntimeError as exc:
            _fail(str(exc))
    click.echo(f"report: {path}")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("out"), show_default=True)
@click.option("--rows", type=int, default=200_000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@pass_ctx
def demo(ctx: Ctx, out: Path, rows: int, seed: int) -> None:
    """Simulate, ingest, detect and report, end to end, in OUT.

    The workspace is --workspace or $TRADETRACE_WORKSPACE when given, else OUT/workspace;
    it is made anew (a workspace the demo did not make is refused, never wiped)."""
    from tradetrace.demo import run_demo
    from tradetrace.settings import ENV_WORKSPACE

    root = click.get_current_context().find_root()
    chosen = root.params.get("workspace") is not None or bool(os.environ.get(ENV_WORKSPACE))
    with ctx.progress() as bar:
        summary = run_demo(
            out, rows=rows, seed=seed, settings=ctx.settings, progress=bar, echo=click.echo,
            workspace=ctx.settings.workspace if chosen else None,
        )  # fmt: skip
    click.echo(summary)
