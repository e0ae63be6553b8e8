"""The party graph, paths between parties, and exports."""

from __future__ import annotations

from pathlib import Path

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


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
