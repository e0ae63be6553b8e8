"""Recall and false alerts on a stratified sample of the labelled sets (the full run is bench/matching.py)."""

from __future__ import annotations

import random
from collections import defaultdict

from tradetrace.resolve.calibrate import Case, evaluate, negative_cases, variant_cases
from tradetrace.resolve.matcher import Screener

from .conftest import MATCHING

PER_KIND = 30
NEGATIVES = 1000
SEED = 20240503


def _sample() -> list[Case]:
    cases = variant_cases(MATCHING / "sdn_variants_individuals.json")
    by_kind: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_kind[c.kind].append(c)
    rng = random.Random(SEED)
    out: list[Case] = []
    for kind in sorted(by_kind):
        out.extend(rng.sample(by_kind[kind], min(PER_KIND, len(by_kind[kind]))))
    negatives = negative_cases(MATCHING / "negatives_global_50k.csv")
    out.extend(rng.sample(negatives, NEGATIVES))
    return out


def test_recall_and_false_alerts_on_a_sample(screener: Screener) -> None:
    print(f"seed {SEED}")
    ev = evaluate(screener, _sample())
    for row in ev.table():
        print(row)
    positives = [k for k, v in ev.counts.items() if v["positives"]]
    assert ev.recall(positives) >= 0.95
    assert ev.fp_rate(["negative_global"]) <= 0.015
    # every kind of variation is mostly found
    for kind in positives:
        c = ev.counts[kind]
        assert c["hits"] / c["positives"] >= 0.7, kind


def test_scores_are_calibrated_and_ranked(screener: Screener) -> None:
    """High scores are mostly true; scores do not saturate at 1."""
    ev = evaluate(screener, _sample()[:400])
    top = [b for b in ev.reliability if b["bin"] == "0.9-1.0"]
    assert top and top[0]["share_true"] >= 0.85
    low = [b for b in ev.reliability if b["bin"] == "0.0-0.1"]
    assert low and low[0]["share_true"] <= 0.1
    scores = {m.score for q in ("PUTIN, Vladimir", "Vladimir Putin", "V. PUTIN") for m in screener.match(q)}
    assert all(s < 1.0 for s in scores)
