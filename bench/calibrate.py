"""Calibrate finding and case scores on the simulator's planted schemes, in two scenario families.

    python bench/calibrate.py [--rows 300000] [--families a b] [--seeds 1 2 3] [--holdout 5] [--out FILE]

For every family and seed: simulate ROWS customs lines with planted schemes
and a messy background (docs/simulator.md), run the whole pipeline of
`tradetrace demo` (ingest shipments, parties, relations, payments; load the
shipped list extract; screen, cluster, related-party leads; every detector),
and label each finding against truth.json and party_truth.csv
(tradetrace.cases.labels: true when it cites a record of a planted scheme or
names one of its parties). Findings are grouped into cases as `tradetrace
cases` groups them; a case is true when one of its findings is.

Out of family first: per family, a map per detector@version fitted on that
family's --seeds alone is scored on the other families' datasets; the
reliability table (deciles of predicted probability against the observed
precision) says whether a calibration fitted on one kind of data holds on
another. Then, on all families' --seeds together (tradetrace.cases.calibration):

1. per detector@version, an isotonic map raw score -> P(finding is true),
   pooled over the families and shrunk where the families' own maps disagree
   by more than --tolerance (combine_families);
2. for cases, an isotonic map evidence -> P(case is a planted scheme), where
   evidence is the noisy-OR (log scale) of the best calibrated probability per
   detector. The evidence of each fitting case comes from detector maps fitted
   on the *other* fitting datasets (cross-fitting), so the case map does not
   learn from scores that have already seen the case.

Then it scores the --holdout seeds, which take no part in the fit, prints
reliability tables and Brier scores, raw against calibrated, and the share of
strong findings (score >= 0.7 or severity high/critical, after the severity
rule) that cite only background. It also fits, for comparison, an
L2-regularised logistic regression of the case label on [evidence, log10
value, severity]. The maps, what they were fitted on, the out-of-family and
held-out figures are written to src/tradetrace/data/detect/calibration.yaml
(--out). --cache keeps each dataset's labelled findings in bench/out/calibrate/
to refit without re-running the pipeline (delete it after changing a detector
or the simulator).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tradetrace.cases.build import case_score, group_findings
from tradetrace.cases.calibration import (
    EVIDENCE_BIN,
    P_MAX,
    P_MIN,
    PRIOR,
    SCORE_BIN,
    Calibration,
    Curve,
    brier,
    combine_families,
    fit_curve,
    raw_score,
    reliability,
)
from tradetrace.cases.labels import Truth
from tradetrace.detect.findings import SEVERITIES

ROOT = Path(__file__).resolve().parent
OUT = ROOT.parent / "src" / "tradetrace" / "data" / "detect" / "calibration.yaml"
CACHE = ROOT / "out" / "calibrate"
KEEP = ("finding_id", "detector", "score", "severity", "value_usd", "entities", "record_ids", "metrics")

Finding = dict[str, Any]


def pipeline(rows: int, seed: int, family: str = "a") -> list[Finding]:
    """Simulate, run the demo's pipeline, and return the labelled findings."""
    from tradetrace.detect.findings import read_findings
    from tradetrace.pipeline import load_simulation, screen_resolve_detect
    from tradetrace.settings import Settings
    from tradetrace.simulate import simulate
    from tradetrace.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp) / "data", rows=rows, seed=seed, formats=("csv",), family=family)
        with Workspace(Settings(workspace=Path(tmp) / "ws", progress=False)) as ws:
            load_simulation(ws, sim.files)
            screen_resolve_detect(ws)
            findings = read_findings(ws.engine)
        truth = Truth.from_files(sim.files["truth"], sim.files["party_truth"])
    out = []
    for f in findings:
        label = truth.label(f)
        out.append(
            {k: f[k] for k in KEEP}
            | {
                "score": raw_score(f),  # the detector's own score: what the maps take as input
                "true": label.true,
                "scheme": label.scheme,
                "by_record": label.by_record,
                "by_party": label.by_party,
            }
        )
    return out


def run(rows: int, seed: int, cache: bool, family: str = "a") -> list[Finding]:
    path = CACHE / f"{family}-{rows}-{seed}.jsonl"
    if cache and path.exists():
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    t = time.perf_counter()
    findings = pipeline(rows, seed, family)
    print(
        f"  family {family}, seed {seed}: {rows:,} rows, {len(findings)} findings in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    if cache:
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in findings), "utf-8")
    return findings


def fit_detectors(findings: Sequence[Finding]) -> dict[str, Curve]:
    by_detector: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_detector[f["detector"]].append(f)
    return {
        d: fit_curve([f["score"] for f in fs], [f["true"] for f in fs], SCORE_BIN)
        for d, fs in sorted(by_detector.items())
    }


def cases_of(findings: Sequence[Finding]) -> list[list[Finding]]:
    return group_findings(findings)


def case_features(cal: Calibration, group: Sequence[Finding]) -> tuple[float, float, float, float]:
    """(raw noisy-OR, evidence, log10 value, severity index) of a case."""
    s = cal.score_case(group)
    value = max(float(f.get("value_usd") or 0.0) for f in group)
    severity = max(SEVERITIES.index(f["severity"]) for f in group)
    return case_score(group), s.evidence, math.log10(1.0 + value), float(severity)


def fit_logistic(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], l2: float = 1.0) -> np.ndarray[Any, Any]:
    """L2-regularised logistic regression by Newton's method (intercept unpenalised)."""
    xa = np.column_stack([np.ones(len(x)), x])
    w = np.zeros(xa.shape[1])
    penalty = np.full(xa.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(xa @ w)))
        grad = xa.T @ (p - y) + penalty * w
        hess = (xa.T * (p * (1 - p))) @ xa + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def auc(x: Sequence[float], y: Sequence[bool]) -> float:
    """Area under the ROC curve (ties count half): how well x alone separates true from false."""
    pos = [a for a, t in zip(x, y, strict=True) if t]
    neg = [a for a, t in zip(x, y, strict=True) if not t]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def table(title: str, p_raw: Sequence[float], p_cal: Sequence[float], y: Sequence[bool]) -> dict[str, Any]:
    rel_raw, rel_cal = reliability(p_raw, y), reliability(p_cal, y)
    out: dict[str, Any] = {
        "n": len(y),
        "positives": int(sum(y)),
        "brier_raw": round(brier(p_raw, y), 4),
        "brier_calibrated": round(brier(p_cal, y), 4),
        "reliability_raw": rel_raw,
        "reliability_calibrated": rel_cal,
    }
    print(f"\n{title}: {out['n']} held out, {out['positives']} true")
    print(
        f"  {'bin':<11} {'raw: n':>7} {'predicted':>10} {'observed':>9}   {'calibrated: n':>14} {'predicted':>10} {'observed':>9}"
    )
    raw = {tuple(r["bin"]): r for r in rel_raw}
    cal = {tuple(r["bin"]): r for r in rel_cal}
    for b in sorted(set(raw) | set(cal)):
        r, c = raw.get(b), cal.get(b)
        left = (
            f"{r['n']:>7} {r['predicted']:>10.3f} {r['observed']:>9.3f}" if r else f"{'':>7} {'':>10} {'':>9}"
        )
        right = f"{c['n']:>14} {c['predicted']:>10.3f} {c['observed']:>9.3f}" if c else ""
        print(f"  {b[0]:.1f}-{b[1]:.1f}    {left}   {right}")
    print(f"  Brier score: raw {out['brier_raw']:.4f}, calibrated {out['brier_calibrated']:.4f}")
    return out


def reliability_rows(cal: Calibration, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Deciles of predicted probability with their observed precision (non-empty deciles)."""
    p = [cal.finding_probability(f["detector"], f["score"])[0] for f in findings]
    return reliability(p, [f["true"] for f in findings])


def out_of_family(
    fits: dict[str, Calibration], runs: dict[tuple[str, int], list[Finding]], tolerance: float
) -> dict[str, Any]:
    """Each family's map scored on the other families' datasets: reliability per decile."""
    out: dict[str, Any] = {}
    for fam, cal in fits.items():
        other = [f for (g, _), fs in runs.items() if g != fam for f in fs]
        if not other:
            continue
        rows = reliability_rows(cal, other)
        worst = max((abs(r["observed"] - r["predicted"]) for r in rows if r["n"] >= 10), default=0.0)
        out[f"fitted on {fam}, scored on the others"] = {
            "findings": len(other),
            "true": int(sum(f["true"] for f in other)),
            "brier": round(brier([cal.finding_probability(f["detector"], f["score"])[0] for f in other],
                                 [f["true"] for f in other]), 4),
            "worst_gap_n10": round(worst, 4),
            "within_tolerance": worst <= tolerance,
            "reliability": rows,
        }  # fmt: skip
    return out


def wilson(k: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of an observed rate of k in n."""
    if n == 0:
        return 0.0, 1.0
    rate = k / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def print_reliability(title: str, block: dict[str, Any]) -> None:
    """Per decile: the gap between observed rate and mean score, and the 95% interval of the rate.

    A gap over 0.1 in a decile of few findings whose interval still holds the mean score is
    marked as such (the data cannot tell); one whose interval excludes it is OUT."""
    print(f"\n{title}: {block['findings']} findings, {block['true']} true, Brier {block['brier']:.4f}")
    print(f"  {'decile':<9} {'n':>5} {'mean score':>11} {'observed':>9} {'95% interval':>13} {'gap':>6}")
    for r in block["reliability"]:
        gap = r["observed"] - r["predicted"]
        lo, hi = wilson(r["observed"] * r["n"], r["n"])
        held = lo <= r["predicted"] <= hi
        mark = "" if abs(gap) <= 0.1 else ("  (few: mean score within the interval)" if held else "  OUT")
        print(f"  {r['bin'][0]:.1f}-{r['bin'][1]:.1f}  {r['n']:>5} {r['predicted']:>11.3f} {r['observed']:>9.3f}"
              f"   {lo:.2f}-{hi:.2f} {gap:>+6.2f}{mark}")  # fmt: skip


def background_share(findings: Sequence[Finding], cal: Calibration) -> tuple[int, int]:
    """(strong findings, of which on background only) under this calibration and the severity rule."""
    from tradetrace.detect.severity import is_strong, settle

    strong = bg = 0
    for f in findings:
        p, level = settle(cal.finding_probability(f["detector"], f["score"])[0], f["value_usd"], f["metrics"])
        if is_strong({"score": p, "severity": level}):
            strong += 1
            bg += not f["true"]
    return strong, bg


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=300_000, help="shipment rows per simulated dataset")
    ap.add_argument("--families", nargs="+", default=["a", "b"], help="scenario families (simulate --family)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="seeds to fit on, per family")
    ap.add_argument("--holdout", type=int, nargs="+", default=[5], help="seeds to measure on, per family")
    ap.add_argument("--tolerance", type=float, default=0.1, help="largest gap between families' maps kept")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the calibration (YAML)")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write --out")
    ap.add_argument("--cache", action="store_true", help=f"keep labelled findings per seed in {CACHE}")
    args = ap.parse_args(argv)
    if set(args.seeds) & set(args.holdout):
        ap.error("a held-out seed cannot also be a fitting seed")
    seeds = [*args.seeds, *args.holdout]
    keys = [(fam, seed) for fam in args.families for seed in seeds]
    print(
        f"data: {len(keys)} simulated datasets of {args.rows:,} shipment rows ({len(keys) * args.rows:,} rows), "
        f"families {args.families}: fit on seeds {args.seeds}, held out {args.holdout}",
        flush=True,
    )
    runs = {k: run(args.rows, k[1], args.cache, k[0]) for k in keys}
    fitting = {k: v for k, v in runs.items() if k[1] in args.seeds}
    fit = [f for fs in fitting.values() for f in fs]

    # out of family: a map fitted on one family, scored on the others (all their seeds)
    per_family = {
        fam: fit_detectors([f for (g, _), fs in fitting.items() if g == fam for f in fs])
        for fam in args.families
    }
    cross = out_of_family({fam: Calibration(d) for fam, d in per_family.items()}, runs, args.tolerance)
    for title, block in cross.items():
        print_reliability(f"findings, {title}", block)

    # shipped: pooled over the families, shrunk where they disagree
    print(f"\nfitting findings: {len(fit)} ({sum(f['true'] for f in fit)} true)")
    pooled = fit_detectors(fit)
    detectors = {
        d: combine_families(c, [fam[d] for fam in per_family.values() if d in fam], args.tolerance)
        for d, c in pooled.items()
    }
    print(f"  {'detector':<22} {'n':>4} {'true':>5}  knots (raw score -> probability)")
    for d, c in detectors.items():
        knots = ", ".join(f"{x:.3f}->{p:.3f}" for x, p in zip(c.xs, c.ps, strict=True))
        print(f"  {d:<22} {c.n:>4} {c.positives:>5}  {knots}")

    # cases: evidence from detector maps fitted on the other datasets (cross-fitting)
    ev, yc, feats = [], [], []
    for k, fs in fitting.items():
        others = [f for o, gs in fitting.items() if o != k for f in gs] or fs
        fold = Calibration(fit_detectors(others))
        for group in cases_of(fs):
            feats.append(case_features(fold, group))
            ev.append(feats[-1][1])
            yc.append(any(f["true"] for f in group))
    case_curve = fit_curve(ev, yc, EVIDENCE_BIN)
    cal = Calibration(detectors, case_curve)
    print(f"\nfitting cases: {len(yc)} ({sum(yc)} true)")
    knots = ", ".join(f"{x:.2f}->{p:.3f}" for x, p in zip(case_curve.xs, case_curve.ps, strict=True))
    print(f"  evidence -> probability: {knots}")
    names = ("raw noisy-OR", "evidence", "log10 value", "severity")
    print("  how well each alone separates true from false cases (AUC): " + ", ".join(
        f"{n} {auc([x[i] for x in feats], yc):.3f}" for i, n in enumerate(names)))  # fmt: skip

    # held out
    held = [f for k, fs in runs.items() if k[1] in args.holdout for f in fs]
    findings_table = table(
        "findings (held out)",
        [f["score"] for f in held],
        [cal.finding_probability(f["detector"], f["score"])[0] for f in held],
        [f["true"] for f in held],
    )
    raw, p_cal, y, hfeats = [], [], [], []
    for k, fs in runs.items():
        if k[1] not in args.holdout:
            continue
        for group in cases_of(fs):
            sc = cal.score_case(group)
            raw.append(sc.raw)
            p_cal.append(sc.probability)
            y.append(any(f["true"] for f in group))
            hfeats.append(case_features(cal, group))
    cases_table = table("cases (held out)", raw, p_cal, y)
    xf, xh = np.array([x[1:] for x in feats]), np.array([x[1:] for x in hfeats])
    mu, sd = xf.mean(axis=0), xf.std(axis=0) + 1e-9
    w = fit_logistic((xf - mu) / sd, np.array(yc, dtype=float))
    p_log = 1.0 / (1.0 + np.exp(-(np.column_stack([np.ones(len(xh)), (xh - mu) / sd]) @ w)))
    logistic_brier = round(brier(list(p_log), y), 4)
    print(
        f"  for comparison, logistic on [evidence, log10 value, severity] (L2 = 1, standardised; "
        f"weights {', '.join(f'{v:.2f}' for v in w)}): Brier {logistic_brier:.4f}"
    )
    print("\nstrong findings (score >= 0.7 or severity high/critical) on background only, shipped map:")
    strong_bg: dict[str, Any] = {}
    for fam in args.families:
        fs = [f for (g, _), gs in runs.items() if g == fam for f in gs]
        strong, bg = background_share(fs, cal)
        strong_bg[fam] = {"strong": strong, "background": bg}
        print(f"  family {fam}: {bg} of {strong} ({bg / max(1, strong):.1%})")

    doc = {
        "version": 2,
        "fitted_on": {
            "date": date.today().isoformat(),
            "by": "bench/calibrate.py",
            "simulator_rows": args.rows,
            "families": list(args.families),
            "seeds": list(args.seeds),
            "findings": len(fit),
            "true_findings": int(sum(f["true"] for f in fit)),
            "cases": len(yc),
            "true_cases": int(sum(yc)),
            "label": "finding: cites a record of a planted scheme or names one of its parties; "
            "case: one of its findings is true",
        },
        "method": {
            "finding": f"isotonic (pool-adjacent-violators) on raw-score bins of {SCORE_BIN}, pooled over the "
            f"families, then at most the lowest family's map + {args.tolerance} where the families disagree",
            "case": "isotonic on evidence = -log10(prod(1 - p)), p the calibrated probability of the best "
            f"finding per detector (bins of {EVIDENCE_BIN}, capped at 6); cross-fitted by dataset",
            "prior": list(PRIOR),
            "bounds": [P_MIN, P_MAX],
            "knots": "[x, probability]: linear between knots, flat outside",
        },
        "out_of_family": cross,
        "held_out": {
            "seeds": list(args.holdout),
            "findings": {k: v for k, v in findings_table.items()},
            "cases": cases_table | {"brier_logistic_alternative": logistic_brier},
            "strong_on_background": strong_bg,
        },
    }
    doc |= {k: v for k, v in cal.as_dict().items() if k in ("detectors", "case")}
    if args.dry_run:
        return
    header = (
        "# Calibrated probabilities for findings (per detector@version) and cases, fitted by\n"
        "# bench/calibrate.py on the simulator's planted schemes in two scenario families; see\n"
        "# docs/scoring.md. Detectors not listed here keep their raw score as their probability.\n"
    )
    args.out.write_text(
        header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None),
        "utf-8",
    )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
