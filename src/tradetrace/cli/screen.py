"""Name screening against the active lists, and analyst decisions on matches."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


@cli.command()
@click.option(
    "--list", "lists_", multiple=True, help="Screen against these list ids only (default: every active list)."
)
@click.option("--threshold", type=float, default=None, help="Alert threshold (default: the calibrated one).")
@click.option("--limit", type=int, default=5, show_default=True, help="Matches kept per party.")
@click.option("--workers", type=int, default=1, show_default=True, help="Processes (fork) to screen with.")
@pass_ctx
def screen(ctx: Ctx, lists_: tuple[str, ...], threshold: float | None, limit: int, workers: int) -> None:
    """Screen every party of the workspace against the active lists into `party_matches`."""
    from tradetrace.resolve.matcher import Screener
    from tradetrace.resolve.screen import screen_workspace

    with ctx.workspace() as ws:
        screener = Screener.from_engine(ws.engine, lists_ or None, cache_dir=ws.tmp_dir)
        if not screener.index.entries:
            _fail("no active list version: load one with `tradetrace lists load PATH`")
        result = screen_workspace(ws, screener=screener, threshold=threshold, limit=limit, workers=workers)
        ws.record("screen", {"last": result.summary(), "threshold": threshold or screener.model.threshold})
    click.echo(result.summary())


@cli.command()
@click.argument("name", required=False)
@click.option("--country", default=None, help="Country of the party (code or name).")
@click.option("--tax-id", default=None, help="Tax or registration number (an exact hit is decisive).")
@click.option("--kind", type=click.Choice(["company", "person"]), default=None)
@click.option("--birth-date", default=None, help="YYYY[-MM[-DD]] (people).")
@click.option("--file", "file", type=click.Path(path_type=Path, exists=True), default=None,
              help="CSV of queries: id,name[,kind,country,birth_date,tax_id].")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), default=None, help="JSON lines output (with --file).")
@click.option("--threshold", type=float, default=None, help="Alert threshold (default: the calibrated one).")
@click.option("--limit", type=int, default=5, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print matches with their explanations as JSON.")
@pass_ctx
def match(
    ctx: Ctx,
    name: str | None,
    country: str | None,
    tax_id: str | None,
    kind: str | None,
    birth_date: str | None,
    file: Path | None,
    out: Path | None,
    threshold: float | None,
    limit: int,
    workers: int,
    as_json: bool,
) -> None:
    """Screen one NAME, or a --file of names, against the active lists."""
    from tradetrace.resolve.matcher import Screener
    from tradetrace.resolve.screen import match_file, match_lines

    if (name is None) == (file is None):
        _fail("give a NAME or --file queries.csv (not both)")
    if file is not None and out is None:
        _fail("--file needs --out results.jsonl")
    with ctx.workspace() as ws:
        screener = Screener.from_engine(ws.engine, cache_dir=ws.tmp_dir)
    if not screener.index.entries:
        _fail("no active list version: load one with `tradetrace lists load PATH`")
    if file is not None and out is not None:
        try:
            n = match_file(screener, file, out, limit=limit, threshold=threshold, workers=workers)
        except ValueError as exc:
            _fail(str(exc))
        click.echo(f"screened {n:,} queries into {out}")
        return
    assert name is not None
    matches = screener.match(name, country, tax_id, kind, birth_date, limit=limit, threshold=threshold)
    if as_json:
        click.echo(json.dumps([m.as_dict() for m in matches], ensure_ascii=False, indent=1))
    elif not matches:
        click.echo(f"no match at or above {threshold if threshold is not None else screener.model.threshold}")
    else:
        for line in match_lines(matches):
            click.echo(line)


@cli.command()
@click.argument("match_id")
@click.option("--confirm", "decision", flag_value="confirm", help="The party is the listed entry.")
@click.option("--dismiss", "decision", flag_value="dismiss", help="The party is not the listed entry.")
@click.option("--reopen", "decision", flag_value="reopen", help="Withdraw the decision.")
@click.option("--note", default=None, help="Why (kept in the audit log).")
@click.option("--by", "who", default=None, help="Who decides (default: the login name).")
@pass_ctx
def decide(ctx: Ctx, match_id: str, decision: str | None, note: str | None, who: str | None) -> None:
    """Record an analyst decision on a screening match (from `party_matches`) or a finding
    (an id starting `f-`); ids may be unique prefixes. Dismissed findings leave their cases."""
    from tradetrace.resolve.decisions import DecisionError
    from tradetrace.resolve.decisions import decide as record

    if decision is None:
        _fail("give --confirm, --dismiss or --reopen")
    assert decision is not None
    if match_id.startswith("f-"):
        from tradetrace.detect.decisions import decide_finding

        with ctx.workspace() as ws:
            try:
                fd = decide_finding(ws.engine, match_id, decision, note, who)
            except (LookupError, ValueError) as exc:
                _fail(str(exc))
        click.echo(
            f"{fd.finding_id}: {fd.decision} by {fd.decided_by} at {fd.decided_at:%Y-%m-%d %H:%M:%S} UTC: {fd.title}"
        )
        return
    with ctx.workspace() as ws:
        try:
            d = record(ws, match_id, decision, note=note, who=who)
        except DecisionError as exc:
            _fail(str(exc))
    click.echo(
        f"{d.match_id}: {d.party_name} ~ {d.list_id} {d.entry_id}: {d.previous_status} -> {d.status} "
        f"by {d.decided_by} at {d.decided_at:%Y-%m-%d %H:%M:%S} UTC"
    )
