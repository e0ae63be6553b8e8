"""The command line: one verb per pipeline stage (see `tradetrace --help`).

The group, its shared options and context live here; each area's verbs are in
a module of this package, registered when the package is imported.
"""

from __future__ import annotations

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


def main() -> None:
    cli()


# Register the verbs of each area (modules only define click commands; no work at import).
from tradetrace.cli import calibrate, detect, graph, ingest, inspect, lists, resolve, screen  # noqa: E402,F401
