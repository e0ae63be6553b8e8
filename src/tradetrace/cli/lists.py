"""Sanctions and export-control lists, and restriction rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


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
                    f"as of {v['as_of']} ({v['as_of_basis']})  {v['source']}"
                )
            click.echo("(* active: used for screening; `tradetrace lists activate VERSION` switches)")


@lists.command("load")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", default=None,
              help="ofac-csv, ofac-xml, ofac-advanced-xml, csl, un-xml, eu-xml, eu-csv, uk-csv, dpl, ftm "
                   "(detected when not given).")  # fmt: skip
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Publication date, when the file does not state one; for content already loaded, "
                   "makes that version the active one again.")  # fmt: skip
@click.option("--force", is_flag=True,
              help="Make a newer version active even when it has fewer than 90% of the active version's "
                   "entries (a truncated file is held back otherwise).")  # fmt: skip
@click.option("--first-seen", type=click.Path(path_type=Path, exists=True), default=None,
              help="OFAC first-seen CSV giving approximate listing dates.")  # fmt: skip
@pass_ctx
def lists_load(
    ctx: Ctx, path: Path | None, fmt: str | None, as_of: Any, force: bool, first_seen: Path | None
) -> None:
    """Load a list file or folder (OFAC, CSL, UN, EU, UK, DPL, FtM). Without PATH: the shipped SDN extract."""
    from tradetrace.ingest.base import IngestError
    from tradetrace.lists.store import load_list

    with ctx.workspace() as ws:
        try:
            result = load_list(
                ws, path, fmt, first_seen=first_seen, as_of=as_of.date() if as_of else None, force=force
            )
        except (IngestError, ValueError) as exc:
            _fail(str(exc))
        ws.record("lists", {"last": result.summary()})
    click.echo(result.summary())


@lists.command("activate")
@click.argument("version")
@pass_ctx
def lists_activate(ctx: Ctx, version: str) -> None:
    """Make VERSION (an id or id prefix, or LIST@YYYY-MM-DD) the active version of its list."""
    from tradetrace.lists.store import ListVersionError, activate_version

    with ctx.workspace() as ws:
        try:
            v = activate_version(ws, version)
        except ListVersionError as exc:
            _fail(str(exc))
        line = (
            f"{v['list_id']}: version {v['version_id']} is active ({v['entries']:,} entries, as of "
            f"{v['as_of']}, {v['as_of_basis']}; {v['source']})"
        )
        if v["previous"] and v["previous"] != v["version_id"]:
            line += f"; was {v['previous']}"
        ws.record("lists", {"last": line})
    click.echo(line)


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
