"""Calibrate finding and case scores on the simulator's planted schemes.

    python bench/calibrate.py [--rows 300000] [--seeds 1 2 3 4] [--holdout 5 6] [--out FILE]

For every seed: simulate ROWS customs lines with planted schemes, run the
whole pipeline of `tradetrace demo` (ingest shipments, parties, relations,
payments; load the shipped list extract; screen, cluster, related-party leads;
every detector), and label each finding against truth.json and
party_truth.csv (tradetrace.cases.labels: true when it cites a record of a
planted scheme or names one of its parties). Findings are grouped into cases
as `tradetrace cases` groups them; a case is true when one of its findings is.

On the --seeds runs it fits (tradetrace.cases.calibration):

1. per detector@version, an isotonic map raw score -> P(finding is true);
2. for cases, an isotonic map evidence -> P(case is a planted scheme), where
   evidence is the noisy-OR (log scale) of the best calibrated probability per
   detector. The evidence of each fitting case comes from detector maps fitted
   on the *other* fitting seeds (cross-fitting), so the case map does not learn
   from scores that have already seen the case.

Then it scores the --holdout seeds, which take no part in the fit, and prints
reliability tables (predicted vs observed per bin) and Brier scores, raw
(each detector's own score; noisy-OR for cases) against calibrated. It also
fits, for comparison, an L2-regularised logistic regression of the case label
on [evidence, log10 value, severity]. The maps, what they were fitted on and
the held-out figures are written to src/tradetrace/data/detect/calibration.yaml
(--out). --cache keeps each seed's labelled findings in bench/out/calibrate/ to
refit without re-running the pipeline (delete it after changing a detector).
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
    fit_curve,
    raw_score,
    reliability,
)
from tradetrace.cases.labels import Truth
from tradetrace.detect.findings import SEVERITIES

ROOT = Path(__file__).resolve().parent
OUT = ROOT.parent / "src" / "tradetrace" / "data" / "detect" / "calibration.yaml"
CACHE = ROOT / "out" / "calibrate"
KEEP = ("finding_id", "detector", "score", "severity", "value_usd", "entities", "record_ids")

Finding = dict[str, Any]


def pipeline(rows: int, seed: int) -> list[Finding]:
    """Simulate, run the demo's pipeline, and return the labelled findings."""
    from tradetrace.detect.findings import read_findings
    from tradetrace.detect.runner import run_detectors
    from tradetrace.ingest.parties import ingest_table
    from tradetrace.ingest.shipments import ingest_shipments
    from tradetrace.lists.store import load_list
    from tradetrace.resolve.cluster import cluster_parties
    from tradetrace.resolve.related import related_leads
    from tradetrace.resolve.screen import screen_workspace
    from tradetrace.settings import Settings
    from tradetrace.simulate import simulate
    from tradetrace.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp) / "data", rows=rows, seed=seed, formats=("csv",))
        with Workspace(Settings(workspace=Path(tmp) / "ws", progress=False)) as ws:
            ingest_shipments(ws, sim.files["shipments_csv"], "canonical")
            for kind in ("parties", "relations", "payments"):
                ingest_table(ws, kind, sim.files[kind])
            load_list(ws, None, None)
            screen_workspace(ws)
            cluster_parties(ws)
            related_leads(ws)
            run_detectors(ws)
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


def run(rows: int, seed: int, cache: bool) -> list[Finding]:
    path = CACHE / f"{rows}-{seed}.jsonl"
    if cache and path.exists():
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    t = time.perf_counter()
    findings = pipeline(rows, seed)
    print(
        f"  seed {seed}: {rows:,} rows, {len(findings)} findings in {time.perf_counter() - t:.0f} s",
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


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=300_000, help="shipment rows per simulated dataset")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4], help="seeds to fit on")
    ap.add_argument("--holdout", type=int, nargs="+", default=[5, 6], help="seeds to measure on (not fitted)")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the calibration (YAML)")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write --out")
    ap.add_argument("--cache", action="store_true", help=f"keep labelled findings per seed in {CACHE}")
    args = ap.parse_args(argv)
    if set(args.seeds) & set(args.holdout):
        ap.error("a held-out seed cannot also be a fitting seed")
    seeds = [*args.seeds, *args.holdout]
    print(
        f"data: {len(seeds)} simulated datasets of {args.rows:,} shipment rows "
        f"({len(seeds) * args.rows:,} rows): fit on seeds {args.seeds}, held out {args.holdout}",
        flush=True,
    )
    runs = {seed: run(args.rows, seed, args.cache) for seed in seeds}
    fit = [f for s in args.seeds for f in runs[s]]

    # findings: per detector@version
    print(f"\nfitting findings: {len(fit)} ({sum(f['true'] for f in fit)} true)")
    disagree = [f for f in fit if f["by_record"] != f["by_party"]]
    print(
        f"  labelled by record and by party alike: {len(fit) - len(disagree)}; by one only: {len(disagree)}"
    )
    detectors = fit_detectors(fit)
    print(f"  {'detector':<22} {'n':>4} {'true':>5}  knots (raw score -> probability)")
    for d, c in detectors.items():
        knots = ", ".join(f"{x:.3f}->{p:.3f}" for x, p in zip(c.xs, c.ps, strict=True))
        print(f"  {d:<22} {c.n:>4} {c.positives:>5}  {knots}")

    # cases: evidence from detector maps fitted on the other seeds (cross-fitting)
    ev, yc, feats = [], [], []
    for s in args.seeds:
        others = [f for o in args.seeds if o != s for f in runs[o]] or runs[s]
        fold = Calibration(fit_detectors(others))
        for group in cases_of(runs[s]):
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
    held = [f for s in args.holdout for f in runs[s]]
    findings_table = table(
        "findings (held out)",
        [f["score"] for f in held],
        [cal.finding_probability(f["detector"], f["score"])[0] for f in held],
        [f["true"] for f in held],
    )
    raw, p_cal, y, hfeats = [], [], [], []
    for s in args.holdout:
        for group in cases_of(runs[s]):
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

    doc = {
        "version": 1,
        "fitted_on": {
            "date": date.today().isoformat(),
            "by": "bench/calibrate.py",
            "simulator_rows": args.rows,
            "seeds": list(args.seeds),
            "findings": len(fit),
            "true_findings": int(sum(f["true"] for f in fit)),
            "cases": len(yc),
            "true_cases": int(sum(yc)),
            "label": "finding: cites a record of a planted scheme or names one of its parties; "
            "case: one of its findings is true",
        },
        "method": {
            "finding": f"isotonic (pool-adjacent-violators) on raw-score bins of {SCORE_BIN}",
            "case": "isotonic on evidence = -log10(prod(1 - p)), p the calibrated probability of the best "
            f"finding per detector (bins of {EVIDENCE_BIN}, capped at 6); cross-fitted by seed",
            "prior": list(PRIOR),
            "bounds": [P_MIN, P_MAX],
            "knots": "[x, probability]: linear between knots, flat outside",
        },
        "held_out": {
            "seeds": list(args.holdout),
            "findings": {k: v for k, v in findings_table.items()},
            "cases": cases_table | {"brier_logistic_alternative": logistic_brier},
        },
    }
    doc |= {k: v for k, v in cal.as_dict().items() if k in ("detectors", "case")}
    if args.dry_run:
        return
    header = (
        "# Calibrated probabilities for findings (per detector@version) and cases, fitted by\n"
        "# bench/calibrate.py on the simulator's planted schemes; see docs/scoring.md.\n"
        "# Detectors not listed here keep their raw score as their probability.\n"
    )
    args.out.write_text(
        header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None),
        "utf-8",
    )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
