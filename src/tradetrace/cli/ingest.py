"""Loading customs lines, parties, relations and payments."""

from __future__ import annotations

from pathlib import Path

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


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
@click.option("--sheet", default=None, help="Workbook sheet to read (.xlsx; default: the first).")
@pass_ctx
def ingest_shipments_cmd(ctx: Ctx, file: Path, profile: str, encoding: str | None, sheet: str | None) -> None:
    """Load customs declaration lines (CSV, Parquet or .xlsx)."""
    from tradetrace.ingest.base import IngestError
    from tradetrace.ingest.profiles import ProfileError
    from tradetrace.ingest.shipments import ingest_shipments

    with ctx.workspace() as ws, ctx.progress() as bar:
        try:
            result = ingest_shipments(ws, file, profile, encoding, bar, sheet)
        except (IngestError, ProfileError) as exc:
            _fail(str(exc))
        ws.record("ingest", {"last": result.summary()})
    click.echo(result.summary())


def _table_command(kind: str) -> None:
    @ingest.command(kind, help=f"Load {kind}.csv (columns as in data-contracts §2).")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--encoding", default=None, help="Force the text encoding.")
    @click.option("--sheet", default=None, help="Workbook sheet to read (.xlsx; default: the first).")
    @pass_ctx
    def command(ctx: Ctx, file: Path, encoding: str | None, sheet: str | None) -> None:
        from tradetrace.ingest.base import IngestError
        from tradetrace.ingest.parties import ingest_table

        with ctx.workspace() as ws, ctx.progress() as bar:
            try:
                result = ingest_table(ws, kind, file, encoding, bar, sheet)
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
