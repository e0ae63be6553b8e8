"""Name-screening quality: tradetrace against nomenklatura logic-v2 and rapidfuzz, same cases, same run.

    python bench/matching.py [--workers 2] [--baseline-positives 1500] [--baseline-negatives 3000]

Cases: ``sdn_variants_individuals.json`` (19 kinds of variation of 500 SDN
individuals, plus hard negatives) against the May 2024 SDN with aliases, and
``negatives_global_50k.csv`` (synthetic persons that must match nothing).
A positive counts as found when the expected entry is ranked first and
scores at or above the threshold; a negative counts as a false alert when
anything scores at or above it.

1. tradetrace on every case, with its shipped threshold: recall per kind of
   variation, false-alert rate, and the reliability of its scores;
2. the three matchers on a stratified sample (``--baseline-*``):
   * tradetrace;
   * a plain rapidfuzz ``WRatio`` brute force over every SDN name and alias;
   * nomenklatura's ``logic-v2`` (``pip install -e .[bench]``, or in an environment of its own
     given by ``--nk-python``; skipped with a message when neither is there). It is a pairwise scorer: yente finds
     its candidates with Elasticsearch, which is not available here, so it
     scores the union of tradetrace's and rapidfuzz's ten best entries;
   each at its own threshold tuned to the same false-alert rate on the
   sample's negatives (tradetrace's), so recall compares at equal FP rate;
3. the groups of names written otherwise, on their held-out halves, each
   matcher at its threshold of 2:
   * SDN persons of Russian nationality in eleven romanisation conventions and
     in Cyrillic (``convention_cases``);
   * SDN individuals written letter by letter into nine other scripts by ICU
     (``scripted_cases``), and synthetic persons written the same way as
     negatives;
   * the UN list's original-script names (Arabic, Cyrillic) against the UN
     list without them;
   * CLDR's exemplar cities in 28 locales against their English names,
     counted by ranking only (a one-word place name is not a person);
   * titled SDN names, the SDN's Russian-language names of Russian firms, and six listed persons
     as other languages' press writes them (``tests/resolve/many_scripts_cases.csv``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process, utils

from tradetrace.lists.store import load_list
from tradetrace.resolve.calibrate import (
    Case,
    city_cases,
    convention_cases,
    evaluate,
    list_entries,
    negative_cases,
    original_script_cases,
    press_cases,
    scripted_cases,
    scripted_negatives,
    titled_cases,
    translated_cases,
    translated_negatives,
    variant_cases,
    without_script_names,
)
from tradetrace.resolve.index import Entry, ListIndex
from tradetrace.resolve.matcher import Query, Screener
from tradetrace.resolve.score import sigmoid
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
Top = tuple[str | None, float]  # (entry id ranked first, its score)

_SCREENER: Screener | None = None


def _tt_top(cases: list[Case]) -> list[tuple[Top, list[str]]]:
    assert _SCREENER is not None
    out = []
    for c in cases:
        cands = _SCREENER.candidates(Query(c.query))
        ids = [_SCREENER.index.entries[x.entry].entry_id for x in cands[:10]]
        out.append(((ids[0], sigmoid(cands[0].logit)) if cands else (None, 0.0), ids))
    return out


def tradetrace_top(screener: Screener, cases: list[Case], workers: int) -> list[tuple[Top, list[str]]]:
    global _SCREENER
    _SCREENER = screener
    chunks = [cases[i : i + 500] for i in range(0, len(cases), 500)]
    if workers <= 1:
        return [r for ch in chunks for r in _tt_top(ch)]
    with mp.get_context("fork").Pool(workers) as pool:
        return [r for part in pool.map(_tt_top, chunks) for r in part]


def rapidfuzz_top(entries: Sequence[Entry], cases: list[Case], workers: int) -> list[tuple[Top, list[str]]]:
    names = [(e.entry_id, n) for e in entries for n, t in e.names if t != "weak"]
    choices = [utils.default_process(n) for _, n in names]
    out: list[tuple[Top, list[str]]] = []
    for i in range(0, len(cases), 200):
        batch = [utils.default_process(c.query) for c in cases[i : i + 200]]
        scores = process.cdist(batch, choices, scorer=fuzz.WRatio, dtype=np.int16, workers=workers)
        for row in scores:
            top = np.argpartition(-row, 30)[:30]
            top = top[np.argsort(-row[top], kind="stable")]
            ids = list(dict.fromkeys(names[j][0] for j in top))[:10]
            out.append(((ids[0], float(row[top[0]]) / 100.0), ids))
    return out


NK_PYTHON: str | None = None  # an interpreter with nomenklatura (--nk-python), see logic_v2_worker.py


def nomenklatura_top(
    entries: Sequence[Entry], cases: list[Case], candidates: list[list[str]]
) -> list[Top] | None:
    """nomenklatura's logic-v2 best of each case's candidate entries (``logic_v2_worker.py``): here
    when nomenklatura is installed, else in the interpreter given by ``--nk-python``; None when
    neither can."""
    by_id = {e.entry_id: e for e in entries}
    payload = {
        "entries": {
            i: {
                "kind": by_id[i].kind,
                "names": [list(n) for n in by_id[i].names],
                "birth_dates": list(by_id[i].birth_dates),
            }
            for i in {i for ids in candidates for i in ids}
        },
        "cases": [[c.query, ids] for c, ids in zip(cases, candidates, strict=True)],
    }
    try:
        from logic_v2_worker import best_matches  # bench/ is the script's directory
    except ImportError:
        if not NK_PYTHON:
            return None
        done = subprocess.run(
            [NK_PYTHON, str(Path(__file__).with_name("logic_v2_worker.py"))],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"  logic-v2 worker failed: {done.stderr.strip()[-500:]}")
            return None
        return [(e, float(s)) for e, s in json.loads(done.stdout)]
    return best_matches(payload)


def threshold_at_fp(negative_scores: list[float], fp: float) -> float:
    """Lowest threshold at which at most ``fp`` of the negatives score at or above it."""
    s = sorted(negative_scores, reverse=True)
    allowed = int(fp * len(s))
    return s[allowed] + 1e-9 if allowed < len(s) else 0.0


def summarise(cases: list[Case], tops: list[Top], threshold: float) -> dict[str, Any]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    neg = [0, 0]
    for c, (eid, score) in zip(cases, tops, strict=True):
        if c.expected is None:
            if c.kind == "negative_global":
                neg[0] += 1
                neg[1] += int(score >= threshold)
            continue
        per[c.kind][0] += 1
        per[c.kind][1] += int(eid == c.expected and score >= threshold)
    pos = sum(v[0] for v in per.values())
    return {
        "threshold": threshold,
        "recall": sum(v[1] for v in per.values()) / pos if pos else 0.0,
        "fp": neg[1] / neg[0] if neg[0] else 0.0,
        "per": {k: v[1] / v[0] for k, v in per.items()},
    }


def stratified(cases: list[Case], positives: int, negatives: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    by_kind: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        if c.expected is not None:
            by_kind[c.kind].append(c)
    per = max(1, positives // max(len(by_kind), 1))
    out = [x for k in sorted(by_kind) for x in rng.sample(by_kind[k], min(per, len(by_kind[k])))]
    negs = [c for c in cases if c.kind == "negative_global"]
    return out + rng.sample(negs, min(negatives, len(negs)))


def timed(label: str, fn: Callable[[], Any], n: int) -> Any:
    t = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t
    print(f"  {label}: {n:,} queries in {dt:.1f} s ({n / dt:,.0f} queries/s)")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sdn", type=Path, default=SHARED / "lists" / "ofac_sdn_2024-05")
    ap.add_argument("--matching", type=Path, default=SHARED / "matching")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline-positives", type=int, default=1500)
    ap.add_argument("--baseline-negatives", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--un", type=Path, default=SHARED / "lists" / "un_2026-02")
    ap.add_argument(
        "--cities", type=Path, default=ROOT / "tests" / "data" / "matching" / "cldr_exemplar_cities.csv"
    )
    ap.add_argument("--every", type=int, default=3, help="take a random 1/n of the new groups' cases")
    ap.add_argument(
        "--nk-python",
        help="a Python interpreter with nomenklatura installed, when it cannot be installed here "
        "(nomenklatura 4.17 requires duckdb<2): logic-v2 runs there (bench/logic_v2_worker.py)",
    )
    args = ap.parse_args()
    global NK_PYTHON
    NK_PYTHON = args.nk_python
    print(f"seed {args.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(workspace=Path(tmp), progress=False))
        load_list(ws, args.sdn)
        screener = Screener.from_engine(ws.engine)
        ws.close()
    variants = variant_cases(args.matching / "sdn_variants_individuals.json")
    negatives = negative_cases(args.matching / "negatives_global_50k.csv")
    cases = variants + negatives
    cut = screener.model.threshold

    print(
        f"\n1. tradetrace on every case ({len(variants):,} variants, {len(negatives):,} negatives), threshold {cut}"
    )
    tops = timed("tradetrace", lambda: tradetrace_top(screener, cases, args.workers), len(cases))
    full = summarise(cases, [t for t, _ in tops], cut)
    print(
        f"  recall {full['recall']:.4f} (expected entry first and >= {cut}); false alerts {full['fp']:.4%} of negatives_global_50k"
    )
    for kind, r in sorted(full["per"].items()):
        print(f"    {kind:16s} {r:.4f}")
    hard = [
        (c, t)
        for c, (t, _) in zip(cases, tops, strict=True)
        if c.expected is None and c.kind != "negative_global"
    ]
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c, (_e, s) in hard:
        by_kind[c.kind][0] += 1
        by_kind[c.kind][1] += int(s >= cut)
    for kind, (n, fa) in sorted(by_kind.items()):
        print(f"    hard negatives {kind:12s} false alerts {fa / n:.4f} ({fa}/{n})")
    ctx = evaluate(screener, negatives[:10000], use_context=True)
    print(f"  with birth date and nationality (first 10,000 negatives): false alerts {ctx.fp_rate():.4%}")
    print("  reliability (top-5 candidates of the eval cases): score bin, pairs, share true")
    for b in evaluate(screener, stratified(cases, 3000, 3000, args.seed)).reliability:
        print(f"    {b['bin']}  {b['pairs']:>7,}  {b['share_true']:.3f}")

    sample = stratified(cases, args.baseline_positives, args.baseline_negatives, args.seed)
    index = {id(c): i for i, c in enumerate(cases)}
    tt = [tops[index[id(c)]] for c in sample]
    print(
        f"\n2. side by side on a stratified sample: {sum(1 for c in sample if c.expected):,} positives, "
        f"{sum(1 for c in sample if c.kind == 'negative_global'):,} negatives"
    )
    rf = timed(
        "rapidfuzz WRatio brute force",
        lambda: rapidfuzz_top(screener.index.entries, sample, args.workers),
        len(sample),
    )
    cands = [list(dict.fromkeys([*a[1], *b[1]])) for a, b in zip(tt, rf, strict=True)]
    nk = timed(
        "nomenklatura logic-v2", lambda: nomenklatura_top(screener.index.entries, sample, cands), len(sample)
    )
    systems: dict[str, list[Top]] = {"tradetrace": [t for t, _ in tt], "rapidfuzz": [t for t, _ in rf]}
    if nk is None:
        print("  nomenklatura is not installed (pip install -e .[bench]): logic-v2 skipped")
    else:
        systems["logic-v2"] = nk
    own = summarise(sample, systems["tradetrace"], cut)
    fp = own["fp"]
    print(f"  tradetrace at its threshold {cut}: recall {own['recall']:.4f}, false alerts {fp:.4%}")
    results = {}
    for name, st in systems.items():
        neg_scores = [s for c, (_e, s) in zip(sample, st, strict=True) if c.kind == "negative_global"]
        results[name] = summarise(sample, st, threshold_at_fp(neg_scores, fp))
    kinds = sorted(own["per"])
    print(f"  recall at equal false-alert rate ({fp:.2%}):")
    print("    " + f"{'':16s}" + "".join(f"{n:>12s}" for n in results))
    for kind in kinds:
        print("    " + f"{kind:16s}" + "".join(f"{r['per'].get(kind, 0.0):12.4f}" for r in results.values()))
    print("    " + f"{'ALL':16s}" + "".join(f"{r['recall']:12.4f}" for r in results.values()))
    print("    " + f"{'false alerts':16s}" + "".join(f"{r['fp']:12.4%}" for r in results.values()))
    print("    " + f"{'threshold':16s}" + "".join(f"{r['threshold']:12.4f}" for r in results.values()))
    for target in (0.01, 0.001):
        row = []
        for name, st in systems.items():
            neg_scores = [s for c, (_e, s) in zip(sample, st, strict=True) if c.kind == "negative_global"]
            row.append(f"{name} {summarise(sample, st, threshold_at_fp(neg_scores, target))['recall']:.4f}")
        print(f"  recall at {target:.1%} false alerts: " + ", ".join(row))

    groups_side_by_side(args, screener, {n: r["threshold"] for n, r in results.items()})


def _share(cases: list[Case], args: argparse.Namespace) -> list[Case]:
    """A random ``1/--every`` of the cases, in their order (the sets cycle through their kinds)."""
    keep = sorted(random.Random(args.seed).sample(range(len(cases)), len(cases) // args.every))
    return [cases[i] for i in keep]


def groups_side_by_side(args: argparse.Namespace, screener: Screener, thresholds: dict[str, float]) -> None:
    """Issue-13 groups: romanisation conventions, names written into other scripts, the UN list's
    original-script names, CLDR's cities, titled names, the SDN's Russian-language names of Russian firms; each matcher at its threshold of section 2 (equal false
    alerts on Latin negatives), cities by ranking only."""
    sdn_csv = args.sdn / "sdn.csv"
    un_dir = args.un
    un = Screener(ListIndex(without_script_names(list_entries(un_dir))))
    city_eval, city_entries = city_cases(args.cities, half=1)
    cities = Screener(ListIndex(city_entries))
    groups: list[tuple[str, Screener, list[Case], bool]] = [
        (
            "conventions (SDN Russian persons)",
            screener,
            _share(convention_cases(sdn_csv, half=1), args),
            True,
        ),
        ("written into other scripts by ICU", screener, _share(scripted_cases(sdn_csv, half=1), args), True),
        ("UN original script", un, original_script_cases(next(un_dir.glob("*.xml")), half=1), True),
        ("CLDR cities (ranked first)", cities, _share(city_eval, args), False),
        ("titles and honorifics", screener, _share(titled_cases(sdn_csv, half=1), args), True),
        (
            "six listed persons as the world's press writes them",
            screener,
            press_cases(ROOT / "tests" / "resolve" / "many_scripts_cases.csv"),
            True,
        ),
    ]
    # the SDN's Russian-language aliases of Russian firms, against the list without them, and the same
    # queries against the list without their firms (negatives: what they alert on instead)
    tr_cases, tr_entries = translated_cases(args.sdn, half=1)
    tr_negs, tr_others = translated_negatives(tr_cases, tr_entries)
    groups.append(("translated Russian firm names", Screener(ListIndex(tr_entries)), tr_cases, True))
    groups.append(("  same, firm not listed", Screener(ListIndex(tr_others)), tr_negs, True))
    negs = scripted_negatives(args.matching / "negatives_global_50k.csv", 3000)
    print(
        f"\n3. new groups, held-out halves (a random 1/{args.every} of the cases); "
        f"false alerts: {len(negs):,} negatives in other scripts"
    )
    for title, scr, cases, alerting in groups:
        tt = tradetrace_top(scr, cases, args.workers)
        rf = rapidfuzz_top(scr.index.entries, cases, args.workers)
        cands = [list(dict.fromkeys([*a[1], *b[1]])) for a, b in zip(tt, rf, strict=True)]
        nk = nomenklatura_top(scr.index.entries, cases, cands)
        tops = {"tradetrace": [t for t, _ in tt], "rapidfuzz": [t for t, _ in rf]}
        if nk is not None:
            tops["logic-v2"] = nk
        print(f"  {title}: {len(cases):,} cases")
        print("    " + f"{'':22s}" + "".join(f"{n:>12s}" for n in tops))
        if all(c.expected is None for c in cases):
            fas = {
                n: sum(1 for _top, score in t if score >= thresholds.get(n, 0.0)) / len(cases)
                for n, t in tops.items()
            }
            print("    " + f"{'false alerts':22s}" + "".join(f"{fas[n]:12.4%}" for n in tops))
            continue
        kinds = sorted({c.kind for c in cases})
        per = {
            n: summarise(cases, t, thresholds.get(n, 0.0) if alerting else 1e-9)["per"]
            for n, t in tops.items()
        }
        for kind in kinds:
            print("    " + f"{kind:22s}" + "".join(f"{per[n].get(kind, 0.0):12.4f}" for n in tops))
        alls = {
            n: summarise(cases, t, thresholds.get(n, 0.0) if alerting else 1e-9)["recall"]
            for n, t in tops.items()
        }
        print("    " + f"{'ALL':22s}" + "".join(f"{alls[n]:12.4f}" for n in tops))
    tt = tradetrace_top(screener, negs, args.workers)
    rf = rapidfuzz_top(screener.index.entries, negs, args.workers)
    for name, t in (("tradetrace", tt), ("rapidfuzz", rf)):
        fa = sum(1 for (_, score), _ids in t if score >= thresholds.get(name, 0.0))
        print(f"  negatives in other scripts, {name}: false alerts {fa / len(negs):.4%} ({fa}/{len(negs)})")


if __name__ == "__main__":
    main()
