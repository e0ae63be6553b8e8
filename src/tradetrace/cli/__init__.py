"""The command line: one verb per pipeline stage (see `tradetrace --help`).

The group, its shared options and context live here; each area's verbs are in
a module of this package, registered when the package is imported.
"""

from __future__ import annotations

import sys
import time
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
        from tradetrace.cli.errors import clear_holder, write_holder
        from tradetrace.workspace import Workspace

        where = self.settings.workspace
        if where.exists() and not where.is_dir():
            _fail(f"{where}: the workspace must be a folder, and this is a file (--workspace)")
        ws = self._open(Workspace)
        holder = write_holder(where)
        from tradetrace.cases.triage import apply_pending

        written, problems = apply_pending(ws)  # decisions queued by the web app while the workspace was busy
        if written or problems:
            click.echo(f"wrote {written} decision(s) queued while the workspace was busy", err=True)
            for problem in problems:
                click.echo(f"  not written: {problem}", err=True)
        try:
            yield ws
        finally:
            ws.close()
            clear_holder(holder)

    def _open(self, workspace: Any) -> Any:
        """Open the workspace, waiting up to ``settings.lock_wait`` seconds while another process
        holds it: the web app's reads last milliseconds, a writing verb longer."""
        import duckdb

        from tradetrace.engine.base import EngineError

        deadline = time.monotonic() + self.settings.lock_wait
        while True:
            try:
                return workspace(self.settings)
            except (duckdb.IOException, EngineError) as exc:  # DuckDB's file lock, the Spark engine's
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

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


def terminal_text(text: str) -> str:
    """``text`` with control characters (ANSI escapes, CR, backspace, C1) and bidirectional
    controls (U+202E and its kin) shown as escapes, so that data cannot rewrite, reorder or hide
    what a terminal shows; newlines and tabs stay."""
    return "".join(
        f"\\u{ord(ch):04x}"
        if ch in _BIDI
        else ch
        if ch in "\n\t" or not (ord(ch) < 32 or 127 <= ord(ch) < 160)
        else f"\\x{ord(ch):02x}"
        for ch in text
    )


_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _fail(message: str) -> None:
    click.echo(click.style("error: ", fg="red", bold=True) + terminal_text(message), err=True)
    sys.exit(2)


class Group(click.Group):
    """The verbs' group: an error that is not click's own becomes one line and exit code 2
    (``tradetrace.cli.errors``); ``--debug`` shows the traceback instead."""

    def invoke(self, ctx: click.Context) -> Any:
        from tradetrace.cli.errors import debug_wanted, describe

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug") or debug_wanted():
                raise
            obj = ctx.obj
            _fail(describe(exc, obj.settings.workspace if isinstance(obj, Ctx) else None))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    help="FX rates added to the shipped ECB table: tradetrace's CSV (currency,valid_from,valid_to,"
    "usd_per_unit,source), an ECB eurofxref-hist file or a Bank of Russia XML_dynamic USD file; "
    "its rates win over shipped ones whose periods overlap them.",
)
@click.option(
    "--rules",
    "rule_files",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Extra restriction-rule YAML files (override shipped rules by id).",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Where the SQL runs: DuckDB, embedded, or Apache Spark (pip install 'tradetrace[spark]'; "
    "tables are Parquet under WORKSPACE/spark).",
)
@click.option(
    "--spark-master",
    default=None,
    help="Spark master URL for --engine spark: local[N], spark://HOST:7077, yarn, k8s://... "
    "(default: the one spark-submit was given, else local[*]).",
)
@click.option(
    "--spark-conf",
    "spark_conf",
    multiple=True,
    metavar="KEY=VALUE",
    help="A Spark setting passed through, e.g. spark.executor.memory=8g (repeatable).",
)
@click.option("--debug", is_flag=True, help="Show the traceback of an error instead of one line.")
@click.version_option(package_name="tradetrace")
@click.pass_context
def cli(
    ctx: click.Context,
    workspace: Path | None,
    quiet: bool,
    rates: Path | None,
    rule_files: tuple[Path, ...],
    engine: str,
    spark_master: str | None,
    spark_conf: tuple[str, ...],
    debug: bool,
) -> None:
    """tradetrace: find and document sanctions and export-control evasion in trade data."""
    pairs = []
    for item in spark_conf:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--spark-conf")
        pairs.append((key.strip(), value.strip()))
    ctx.obj = Ctx(
        Settings.from_env(
            workspace,
            progress=not quiet,
            rates_file=rates,
            rule_files=tuple(rule_files),
            engine=engine,
            spark_master=spark_master,
            spark_conf=tuple(pairs),
        )
    )


def main() -> None:
    cli()


# Register the verbs of each area (modules only define click commands; no work at import).
from tradetrace.cli import calibrate, detect, graph, ingest, inspect, lists, resolve, screen, serve  # noqa: E402,F401
