"""Looking inside the workspace: status, quarantine, SQL, table docs."""

from __future__ import annotations

import json

import click

from tradetrace.cli import Ctx, cli, pass_ctx


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
