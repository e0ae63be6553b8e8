"""Entity resolution of trade parties: clusters and related-party leads."""

from __future__ import annotations

from pathlib import Path

import click

from tradetrace.cli import Ctx, cli, pass_ctx


@cli.command()
@click.option("--threshold", type=float, default=0.9, show_default=True,
              help="splink match probability from which two spellings are linked.")  # fmt: skip
@click.option(
    "--no-splink", is_flag=True, help="Deterministic rules only (tax ids, register aliases, name keys)."
)
@click.option("--no-leads", is_flag=True, help="Cluster only; leave party_leads as it is.")
@click.option("--top", type=int, default=10, show_default=True, help="How many leads to print.")
@click.option("--truth", type=click.Path(path_type=Path, exists=True), default=None,
              help="A party_truth.csv (from `tradetrace simulate`): print pairwise precision, recall and F1.")  # fmt: skip
@pass_ctx
def resolve(
    ctx: Ctx, threshold: float, no_splink: bool, no_leads: bool, top: int, truth: Path | None
) -> None:
    """Cluster parties across spellings, scripts and sources; find related-but-distinct leads."""
    from tradetrace.resolve.cluster import cluster_parties
    from tradetrace.resolve.cluster_eval import pairwise_scores
    from tradetrace.resolve.related import lead_kinds, related_leads

    with ctx.workspace() as ws:
        with ctx.progress() as bar:
            result = cluster_parties(ws, progress=bar, threshold=threshold, use_splink=not no_splink)
        click.echo(result.summary())
        if result.refused:
            refused = ", ".join(f"{k} {v:,}" for k, v in sorted(result.refused.items()))
            click.echo(f"  links refused (rule:conflict): {refused}")
        if truth:
            click.echo("  " + pairwise_scores(ws.engine, truth).summary())
        if no_leads:
            return
        leads = related_leads(ws)
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(lead_kinds(leads).items()))
    click.echo(f"{len(leads):,} related-party lead(s): {kinds or 'none'}")
    for lead in leads[:top]:
        click.echo(f"  {lead.strength:.2f}  {lead.kind:<18} {lead.name_a} / {lead.name_b}")
        click.echo(f"        {lead.summary[:300]}")
