"""Looking inside the workspace: status, quarantine, SQL, table docs."""

from __future__ import annotations

import json

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx, terminal_text


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
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table (all rows, streamed).")
@click.option("--limit", type=int, default=None,
              help="Rows shown at most (default: 200 in a table, all as JSON lines).")  # fmt: skip
@pass_ctx
def sql(ctx: Ctx, query: str, as_json: bool, limit: int | None) -> None:
    """Run one read-only query on the workspace tables (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN).

    The connection is read-only with file access, ATTACH and extensions off: data changes
    only through the verbs. Rows are read in batches as they are printed."""
    from rich.console import Console
    from rich.table import Table

    from tradetrace.engine.readonly import QueryRefusedError, stream_query

    cap = limit if limit is not None else (None if as_json else 200)
    try:
        stream = stream_query(ctx.settings.database_path, query)
    except QueryRefusedError as exc:
        _fail(str(exc))
    shown, more = 0, False
    view = Table(*[terminal_text(c) for c in stream.columns])
    try:
        for batch in stream.batches:
            for row in batch.to_pylist():
                if cap is not None and shown >= cap:
                    more = True
                    break
                shown += 1
                if as_json:
                    click.echo(json.dumps(row, ensure_ascii=False, default=str))
                else:
                    view.add_row(*[terminal_text(str(v)) if v is not None else "" for v in row.values()])
            if more:
                break
    finally:
        stream.close()
    if not as_json:
        Console(soft_wrap=True).print(view)
    if more:
        click.echo(f"(first {shown:,} rows; --limit N for more, --json for all)", err=True)


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
