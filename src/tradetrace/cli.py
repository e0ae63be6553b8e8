"""The command line: one verb per pipeline stage (see `tradetrace --help`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from tradetrace.settings import Settings


class Ctx:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @contextmanager
    def workspace(self) -> Iterator[Any]:
        from tradetrace.workspace import Workspace

        ws = Workspace(self.settings)
        try:
            yield ws
        finally:
            ws.close()

    @contextmanager
    def progress(self) -> Iterator[Any]:
        from tradetrace.progress import NullProgress, RichProgress

        if not self.settings.progress:
            yield NullProgress()
            return
        bar = RichProgress()
        try:
            yield bar
        finally:
            bar.stop()


pass_ctx = click.make_pass_decorator(Ctx)


def _fail(message: str) -> None:
    click.echo(click.style("error: ", fg="red", bold=True) + message, err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "-w",
    type=click.Path(path_type=Path),
    default=None,
    help="Workspace folder (default ./tradetrace-work or $TRADETRACE_WORKSPACE).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option(
    "--rates",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="FX rates CSV replacing the shipped table (currency,valid_from,valid_to,usd_per_unit,source).",
)
@click.option(
    "--rules",
    "rule_files",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Extra restriction-rule YAML files (override shipped rules by id).",
)
@click.version_option(package_name="tradetrace")
@click.pass_context
def cli(
    ctx: click.Context, workspace: Path | None, quiet: bool, rates: Path | None, rule_files: tuple[Path, ...]
) -> None:
    """tradetrace: find and document sanctions and export-control evasion in trade data."""
    ctx.obj = Ctx(
        Settings.from_env(workspace, progress=not quiet, rates_file=rates, rule_files=tuple(rule_files))
    )


# ---------------------------------------------------------------- ingest
@cli.group()
def ingest() -> None:
    """Load customs lines, parties, relations and payments into the workspace."""


@ingest.command("shipments")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--profile",
    "-p",
    default="canonical",
    show_default=True,
    help="Column profile: canonical, ru-dt, or a YAML file of your own.",
)
@click.option("--encoding", default=None, help="Force the text encoding (default: detect UTF-8 / CP1251).")
@pass_ctx
def ingest_shipments_cmd(ctx: Ctx, file: Path, profile: str, encoding: str | None) -> None:
    """Load customs declaration lines (CSV, Parquet or .xlsx)."""
    from tradetrace.ingest.base import IngestError
    from tradetrace.ingest.profiles import ProfileError
    from tradetrace.ingest.shipments import ingest_shipments

    with ctx.workspace() as ws, ctx.progress() as bar:
        try:
            result = ingest_shipments(ws, file, profile, encoding, bar)
        except (IngestError, ProfileError) as exc:
            _fail(str(exc))
        ws.record("ingest", {"last": result.summary()})
    click.echo(result.summary())


def _table_command(kind: str) -> None:
    @ingest.command(kind, help=f"Load {kind}.csv (columns as in data-contracts §2).")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--encoding", default=None, help="Force the text encoding.")
    @pass_ctx
    def command(ctx: Ctx, file: Path, encoding: str | None) -> None:
        from tradetrace.ingest.base import IngestError
        from tradetrace.ingest.parties import ingest_table

        with ctx.workspace() as ws, ctx.progress() as bar:
            try:
                result = ingest_table(ws, kind, file, encoding, bar)
            except IngestError as exc:
                _fail(str(exc))
            ws.record("ingest", {"last": result.summary()})
        click.echo(result.summary())


for _kind in ("parties", "relations", "payments"):
    _table_command(_kind)


@ingest.command("ftm")
@click.argument("file", type=click.Path(path_type=Path))
@pass_ctx
def ingest_ftm_cmd(ctx: Ctx, file: Path) -> None:
    """Load FollowTheMoney JSON lines (companies, people, ownership, payments...)."""
    from tradetrace.ingest.base import IngestError
    from tradetrace.ingest.ftm import ingest_ftm

    with ctx.workspace() as ws, ctx.progress() as bar:
        try:
            result = ingest_ftm(ws, file, bar)
        except IngestError as exc:
            _fail(str(exc))
        ws.record("ingest", {"last": result.summary()})
    click.echo(result.summary())


# ---------------------------------------------------------------- lists
@cli.group(invoke_without_command=True)
@click.pass_context
def lists(click_ctx: click.Context) -> None:
    """Sanctions and export-control lists: `lists load PATH`; alone, show what is loaded."""
    if click_ctx.invoked_subcommand is None:
        ctx: Ctx = click_ctx.obj
        from tradetrace.lists.store import list_versions

        with ctx.workspace() as ws:
            for v in list_versions(ws.engine):
                mark = "*" if v["active"] else " "
                click.echo(
                    f"{mark} {v['list_id']:<22} {v['version_id']:<17} {v['entries']:>7,} entries  "
                    f"as of {v['as_of']}  {v['source']}"
                )
            click.echo("(* active: used for screening)")


@lists.command("load")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", default=None,
              help="ofac-csv, ofac-xml, ofac-advanced-xml, csl, un-xml, eu-xml, eu-csv, uk-csv, dpl, ftm "
                   "(detected when not given).")  # fmt: skip
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Publication date, when the file does not state one.")  # fmt: skip
@click.option("--first-seen", type=click.Path(path_type=Path, exists=True), default=None,
              help="OFAC first-seen CSV giving approximate listing dates.")  # fmt: skip
@pass_ctx
def lists_load(ctx: Ctx, path: Path | None, fmt: str | None, as_of: Any, first_seen: Path | None) -> None:
    """Load a list file or folder (OFAC, CSL, UN, EU, UK, DPL, FtM). Without PATH: the shipped SDN extract."""
    from tradetrace.ingest.base import IngestError
    from tradetrace.lists.store import load_list

    with ctx.workspace() as ws:
        try:
            result = load_list(ws, path, fmt, first_seen=first_seen, as_of=as_of.date() if as_of else None)
        except (IngestError, ValueError) as exc:
            _fail(str(exc))
        ws.record("lists", {"last": result.summary()})
    click.echo(result.summary())


@lists.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="The whole difference as JSON.")
@click.option("--limit", type=int, default=50, show_default=True)
@pass_ctx
def lists_diff(ctx: Ctx, a: str, b: str, as_json: bool, limit: int) -> None:
    """Entries added, removed and changed from version A to B (ids, id prefixes, list ids, or LIST@DATE)."""
    from tradetrace.lists.diff import diff_versions

    with ctx.workspace() as ws:
        try:
            diff = diff_versions(ws.engine, a, b)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        click.echo(json.dumps(diff.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        click.echo(diff.summary(limit=limit))


@lists.command("fetch")
@click.argument("ids", nargs=-1)
@click.option("--dest", type=click.Path(path_type=Path), default=None,
              help="Folder for the files (default: WORKSPACE/lists/ID/UTC-DATE; with several lists, DEST/ID).")  # fmt: skip
@click.option("--base-url", default=None,
              help="Download from a mirror instead: every file from BASE_URL/<file name>.")  # fmt: skip
@click.option("--timeout", type=float, default=60, show_default=True, help="Seconds allowed per network operation.")  # fmt: skip
@click.option("--no-load", is_flag=True, help="Download only; do not load into the workspace.")
@click.option("--sources", "show_sources", is_flag=True,
              help="Show the lists that can be fetched, their addresses and notes, and stop.")  # fmt: skip
@pass_ctx
def lists_fetch(
    ctx: Ctx,
    ids: tuple[str, ...],
    dest: Path | None,
    base_url: str | None,
    timeout: float,
    no_load: bool,
    show_sources: bool,
) -> None:
    """Download official lists (IDS, e.g. us-ofac-sdn un-sc; all when none) and load them as new versions."""
    from tradetrace.lists.fetch import FetchError, fetch_lists, known_lists

    if show_sources:
        for spec in known_lists().values():
            click.echo(spec.describe())
        return
    with ctx.workspace() as ws, ctx.progress() as bar:
        try:
            results = fetch_lists(
                ws, ids, dest=dest, base_url=base_url, timeout=timeout, load=not no_load, progress=bar
            )
        except FetchError as exc:
            _fail(str(exc))
        ws.record("lists", {"last": "\n".join(r.summary() for r in results)})
    for r in results:
        click.echo(r.summary())
    failed = [r.source_id for r in results if not r.ok]
    if failed:
        _fail(f"{len(failed)} of {len(results)} lists not fetched: {', '.join(failed)}")


# ---------------------------------------------------------------- rules
@cli.group(invoke_without_command=True)
@click.pass_context
def rules(click_ctx: click.Context) -> None:
    """Restriction rules (who restricts which goods to where, from when): `rules load FILE`; alone, list them."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Ctx = click_ctx.obj
    from tradetrace.ingest.rules import workspace_rules
    from tradetrace.model.rules import RuleError

    with ctx.workspace() as ws:
        try:
            ruleset = workspace_rules(ws)
        except RuleError as exc:
            _fail(str(exc))
    for r in ruleset:
        goods = ", ".join(r.goods)
        click.echo(
            f"{r.effective_date}  {r.id:<32} {'/'.join(r.restricting)} -> {'/'.join(r.destinations)}  "
            f"{goods if len(goods) < 60 else goods[:57] + '...'}"
        )
    hubs = ruleset.hub_countries()
    click.echo(f"transshipment hubs ({len(hubs)}): {', '.join(sorted(hubs))}")


@rules.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@pass_ctx
def rules_load(ctx: Ctx, file: Path) -> None:
    """Check a rule file and keep it in the workspace (a rule with an existing id replaces it)."""
    from tradetrace.ingest.rules import load_rule_file
    from tradetrace.model.rules import RuleError

    with ctx.workspace() as ws:
        try:
            result = load_rule_file(ws, file)
        except RuleError as exc:
            _fail(str(exc))
        ws.record("rules", {"last": result.summary()})
    click.echo(result.summary())


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
@pass_ctx
def simulate(ctx: Ctx, out: Path, rows: int, seed: int, formats: tuple[str, ...]) -> None:
    """Write synthetic trade with planted evasion schemes and their truth.json."""
    from tradetrace.simulate import simulate as run

    click.echo(f"simulating {rows:,} rows with seed {seed}")
    with ctx.progress() as bar:
        task = bar.task("simulating", total=rows)
        summary = run(
            out, rows=rows, seed=seed, formats=formats, progress=lambda done, total: task.update(done)
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
    for name, found in results.items():
        click.echo(f"{name}: {len(found)} finding(s)")
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
        click.echo(f"#{c.rank} [{c.severity:<8}] {c.score:.2f} {c.case_id}  {', '.join(c.flags)}")
        click.echo(f"    {c.title}")
        click.echo(f"    {t['shipments']} shipments ${t['shipments_value_usd']:,.0f}; {t['payments']} payments "
                   f"${t['payments_value_usd']:,.0f}; {t['first_date']} to {t['last_date']}")  # fmt: skip
    if out:
        n = write_jsonl((c.as_dict() for c in built), out)
        click.echo(f"wrote {n} case(s) to {out}")


@cli.command()
def detectors() -> None:
    """List the installed detectors with their parameters and citations."""
    from tradetrace.detect.base import registered

    for cls in registered().values():
        d = cls.describe()
        click.echo(
            click.style(f"{d['name']}@{d['version']}", bold=True) + f"  flags: {', '.join(d['flags'])}"
        )
        click.echo("  " + d["doc"].splitlines()[0])
        for prm in d["params"]:
            click.echo(f"    -p {d['name']}.{prm['name']}={prm['default']}  {prm['doc']}")


@cli.command()
@click.argument("finding_id", required=False)
@click.option("--out", type=click.Path(path_type=Path), default=Path("out/report.html"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "json"]), default=None,
              help="Output format (default: from the --out suffix).")  # fmt: skip
@pass_ctx
def report(ctx: Ctx, finding_id: str | None, out: Path, fmt: str | None) -> None:
    """Write the report of one finding (default: the top-ranked one) as HTML, PDF or JSON."""
    from tradetrace.report.html import write_report

    fmt = fmt or (out.suffix.lstrip(".").lower() if out.suffix.lower() in (".pdf", ".json") else "html")
    with ctx.workspace() as ws:
        try:
            path = write_report(ws, finding_id, out, fmt)
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
    """Simulate, ingest, detect and report, end to end, in OUT."""
    from tradetrace.demo import run_demo

    with ctx.progress() as bar:
        summary = run_demo(out, rows=rows, seed=seed, settings=ctx.settings, progress=bar, echo=click.echo)
    click.echo(summary)


# ---------------------------------------------------------------- graph / export
@cli.command()
@click.option("--top", type=int, default=5, show_default=True, help="Components to list.")
@pass_ctx
def graph(ctx: Ctx, top: int) -> None:
    """Build the party graph (parties, relations, payments, trade flows) and show its components."""
    from tradetrace.graph.build import build_graph
    from tradetrace.graph.paths import components

    with ctx.workspace() as ws, ctx.progress() as bar:
        summary = build_graph(ws, bar)
        largest = components(ws.engine, top)
    click.echo(summary.summary())
    for c in largest:
        click.echo(f"  {c.component}  {c.size:>8,} parties {c.listed:>5,} listed  {', '.join(c.names)}")


@cli.command()
@click.argument("a")
@click.argument("b")
@click.option("--kind", "kinds", multiple=True,
              help="Follow only ties of this kind (owner, director, officer, employee, founder, "
                   "representative, associate, payment, trade); repeatable.")  # fmt: skip
@pass_ctx
def path(ctx: Ctx, a: str, b: str, kinds: tuple[str, ...]) -> None:
    """The shortest chain of ties between parties A and B (node id, tax id, name or name key)."""
    from tradetrace.graph.build import ensure_graph
    from tradetrace.graph.paths import find_path

    with ctx.workspace() as ws, ctx.progress() as bar:
        ensure_graph(ws, bar)
        try:
            found = find_path(ws.engine, a, b, kinds or None)
        except LookupError as exc:
            _fail(str(exc))
    click.echo(found.describe())


@cli.command("export")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["ftm", "gexf", "graphml", "xlsx", "cypher", "parquet"]))  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="A file (ftm, gexf, graphml, xlsx) or a folder (cypher, parquet).")  # fmt: skip
@click.option("--case", "case_id", default=None,
              help="Only this case (or finding) and its parties' graph neighbourhood.")  # fmt: skip
@click.option(
    "--hops", type=int, default=1, show_default=True, help="With --case: ties to follow out of the case."
)
@click.option("--max-shipments", type=int, default=None,
              help="FtM: shipment lines written as EconomicActivity (default 250,000; 0: all).")  # fmt: skip
@click.option("--validate", is_flag=True, help="FtM: read the file back with followthemoney and check it.")
@pass_ctx
def export_cmd(
    ctx: Ctx, fmt: str, out: Path, case_id: str | None, hops: int, max_shipments: int | None, validate: bool
) -> None:
    """Export the workspace (or one case) for Aleph (FtM), Gephi (GEXF/GraphML), Excel, Neo4j or Parquet."""
    from tradetrace.export import export
    from tradetrace.export.ftm import validate_ftm

    with ctx.workspace() as ws, ctx.progress() as bar:
        try:
            result = export(
                ws, fmt, out, case_id=case_id, hops=hops, max_shipments=max_shipments, progress=bar
            )
        except LookupError as exc:
            _fail(str(exc))
        ws.record("export", {"last": result.summary()})
    click.echo(result.summary())
    if validate and fmt == "ftm":
        check = validate_ftm(out)
        for error in check.errors:
            click.echo(f"  {error}", err=True)
        if not check.ok:
            _fail(f"{check.error_count:,} problem(s) in {out}")
        click.echo(f"valid: {sum(check.counts.values()):,} entities load back with followthemoney")


# ---------------------------------------------------------------- inspect
@cli.command()
@pass_ctx
def status(ctx: Ctx) -> None:
    """Row counts of every table and the files loaded."""
    with ctx.workspace() as ws:
        for table, n in ws.counts().items():
            click.echo(f"{table:<12} {n:>12,}")
        for row in ws.engine.fetchall(
            "SELECT kind, source, rows_loaded, rows_quarantined FROM loads ORDER BY loaded_at"
        ):
            click.echo(f"  {row[0]:<10} {row[2]:>10,} loaded {row[3]:>8,} quarantined  {row[1]}")


@cli.command()
@click.option("--limit", type=int, default=20, show_default=True)
@pass_ctx
def quarantine(ctx: Ctx, limit: int) -> None:
    """Show quarantined rows: file, row, column and reason."""
    with ctx.workspace() as ws:
        for src, row, line, _col, reason in ws.engine.fetchall(
            "SELECT source, source_row, source_line, column_name, reason FROM quarantine "
            "ORDER BY source, source_row NULLS LAST, source_line LIMIT ?",
            [limit],
        ):
            where = f"row {row}" if row is not None else f"line {line}"
            click.echo(f"{src}: {where}: {reason}")


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@pass_ctx
def sql(ctx: Ctx, query: str, as_json: bool) -> None:
    """Run a SQL query against the workspace tables."""
    from rich.console import Console
    from rich.table import Table

    with ctx.workspace() as ws:
        table = ws.engine.arrow(query)
    rows = table.to_pylist()
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    view = Table(*table.column_names)
    for r in rows[:200]:
        view.add_row(*[str(v) if v is not None else "" for v in r.values()])
    Console().print(view)


@cli.command()
@click.option("--markdown", is_flag=True, help="Print docs/tables.md.")
def tables(markdown: bool) -> None:
    """Document the workspace tables and their columns."""
    from tradetrace.workspace import all_specs

    if markdown:
        from tradetrace.docs import tables_markdown

        click.echo(tables_markdown())
        return

    for spec in all_specs():
        click.echo(click.style(spec.name, bold=True) + f": {spec.doc}")
        for c in spec.columns:
            click.echo(f"  {c.name:<22} {c.type:<9} {c.doc}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
