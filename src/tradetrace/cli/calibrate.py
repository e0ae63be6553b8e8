"""`tradetrace calibrate`: the score maps in use, refitted on this workspace's analyst decisions."""

from __future__ import annotations

from typing import Any

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


@cli.command()
@click.option("--from-decisions", "refit", is_flag=True,
              help="Refit the maps of the detectors with confirmed or dismissed findings, for this workspace.")  # fmt: skip
@click.option("--reset", is_flag=True, help="Remove this workspace's maps: back to the shipped calibration.")
@click.option("--show", is_flag=True, help="Print the maps in use (the default).")
@pass_ctx
def calibrate(ctx: Ctx, refit: bool, reset: bool, show: bool) -> None:
    """Calibrate finding scores on this workspace's analyst decisions (`tradetrace decide f-...`).

    --from-decisions refits, per detector, the map from raw score to probability on the confirmed
    (true) and dismissed (false) findings, with the shipped map as a prior worth 20 decisions
    (docs/scoring.md); --reset goes back to the shipped maps. Both re-score the stored findings;
    run `tradetrace cases` again to re-score the cases."""
    from tradetrace.cases.workspace_calibration import (
        calibration_in_use,
        refit_from_decisions,
        remove_workspace_maps,
        workspace_maps,
    )
    from tradetrace.detect.rescore import rescore_findings

    if refit and reset:
        _fail("give --from-decisions or --reset, not both")
    with ctx.workspace() as ws:
        changed: dict[str, Any] | None = None
        if refit:
            maps = refit_from_decisions(ws.engine)
            if not maps:
                click.echo("no confirmed or dismissed findings: the shipped calibration stays in use "
                           "(`tradetrace decide f-... --confirm|--dismiss`)")  # fmt: skip
            changed = {"refitted": {m.detector: m.source for m in maps}}
        elif reset:
            changed = {"removed": remove_workspace_maps(ws.engine)}
            click.echo(f"removed {changed['removed']} workspace map(s): the shipped calibration is in use")
        cal = calibration_in_use(ws.engine)
        if changed is not None:
            n = rescore_findings(ws.engine, cal)
            click.echo(f"re-scored {n} finding(s); run `tradetrace cases` to re-score the cases")
            ws.record("calibrate", {**changed, "rescored_findings": n})
        ours = workspace_maps(ws.engine)
    if changed is None or show or refit:
        for detector, curve in sorted(cal.detectors.items()):
            source = cal.source(detector)
            counts = f"n {curve.n}, positives {curve.positives}"
            if detector in ours:
                counts += f", prior {ours[detector].prior} worth {ours[detector].prior_weight:g} decisions"
            knots = "  ".join(f"{x:.3f}->{p:.3f}" for x, p in zip(curve.xs, curve.ps, strict=True))
            click.echo(click.style(detector, bold=True) + f"  {source}; {counts}")
            click.echo(f"    {knots}")
