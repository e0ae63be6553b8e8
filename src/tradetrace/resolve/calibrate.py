"""Fitting the name weights on labelled sets, and measuring screening on them.

The labelled sets are name-screening cases with the expected list entry (or
none): the SDN variants file (19 kinds of spelling variation, plus hard
negatives) and synthetic persons that must match nothing. Calibration:

1. split the variant cases by expected entity (a hash of the entity id, so
   that no entity is in both halves); the *fit* half and
   ``negatives_global_1k`` train, the *eval* half and ``negatives_global_50k``
   measure;
2. every candidate entry of every training query is a row (the name
   features of its best name; label: is it the expected entry);
3. an L2-regularised logistic regression (Newton's method, NumPy) gives the
   weights, so the score is a probability calibrated on that mixture;
4. the threshold is the lowest score at which at most ``max_fp`` of the
   training negatives match anything.

Run ``python -m tradetrace.resolve.calibrate --help``; it rewrites
``data/resolve/calibration.yaml`` (weights, threshold, what it was fitted on).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from tradetrace.resolve.matcher import Query, Screener
from tradetrace.resolve.score import NAME_FEATURES, sigmoid

__all__ = [
    "Case",
    "Evaluation",
    "evaluate",
    "fit_logistic",
    "negative_cases",
    "split_of",
    "variant_cases",
]


@dataclass(frozen=True)
class Case:
    """A labelled screening query: ``expected`` is an entry id, or None for a negative."""

    query: str
    expected: str | None
    kind: str
    family: str = ""
    birth_date: str | None = None
    country: str | None = None


def variant_cases(path: Path) -> list[Case]:
    """Cases of ``sdn_variants_individuals.json`` (kind: the perturbation)."""
    raw = json.loads(path.read_text("utf-8"))
    return [
        Case(c["query"], c["expected_entity_id"], c["perturbation"], c.get("family") or "")
        for c in raw["cases"]
    ]


PATRONYMIC = ("ovich", "evich", "ovna", "evna", "ichna", "inichna")
CONVENTION_GROUP = ("german", "polish", "czech", "hungarian", "danish", "catalan", "lithuanian", "french",
                    "iso_9", "icao", "wikipedia")  # fmt: skip


def russian_persons(sdn_csv: Path) -> list[tuple[str, str]]:
    """(ent_num, "First Patronymic LAST") of the individuals of an OFAC ``sdn.csv`` whose remarks say
    nationality or citizenship Russia and whose name has a Russian patronymic."""
    out = []
    with sdn_csv.open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 12 or row[2].strip().strip('"') != "individual":
                continue
            remarks = row[11]
            if "nationality Russia" not in remarks and "citizen Russia" not in remarks:
                continue
            last, _, given = row[1].partition(",")
            words = given.split()
            if not words or not words[-1].lower().endswith(PATRONYMIC):
                continue
            if not all(w.replace("-", "").isascii() and w.replace("-", "").isalpha() for w in [last, *words]):
                continue
            out.append((row[0].strip(), f"{' '.join(words)} {last.strip()}"))
    return out


def convention_cases(sdn_csv: Path, half: int | None = None) -> list[Case]:
    """Russian persons of the SDN list written in other romanisation conventions (kind: the
    convention): the list's spelling read back into Cyrillic, then romanised. ``half`` (0 or 1)
    keeps one half of the persons, split by a hash of the entry id (tune on one, test on the other)."""
    from tradetrace.resolve.romanise import cyrillic_from_latin, romanise

    cases = []
    for ent, name in russian_persons(sdn_csv):
        if half is not None and int(hashlib.sha256(ent.encode()).hexdigest(), 16) % 2 != half:
            continue
        cyrillic = cyrillic_from_latin(name)
        for convention in CONVENTION_GROUP:
            query = romanise(cyrillic, convention)
            cases.append(Case(query, ent, f"convention:{convention}", "conventions"))
        cases.append(Case(cyrillic, ent, "script:cyrillic", "conventions"))
    return cases


def negative_cases(path: Path) -> list[Case]:
    """Synthetic persons that must match no list entry (``negatives_global_*.csv``)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Case(
                r["full_name"],
                None,
                "negative_global",
                "negative",
                r.get("date_of_birth") or None,
                r.get("nationality") or None,
            )
            for r in csv.DictReader(fh)
        ]


def split_of(case: Case) -> str:
    """``fit`` or ``eval``: by expected entity for positives, by query text otherwise."""
    key = case.expected or case.query
    return "fit" if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0 else "eval"


def pair_rows(
    screener: Screener, cases: Iterable[Case], top: int = 15
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Feature rows of the ``top`` candidates of every case, and their labels."""
    xs: list[list[float]] = []
    ys: list[float] = []
    for case in cases:
        for cand in screener.candidates(Query(case.query))[:top]:
            entry = screener.index.entries[cand.entry]
            if screener.index.name_type[cand.name_idx] == "weak":
                continue
            xs.append([cand.name.features[k] for k in NAME_FEATURES])
            ys.append(1.0 if entry.entry_id == case.expected else 0.0)
    return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float = 1.0, iters: int = 100
) -> tuple[float, npt.NDArray[np.float64]]:
    """Intercept and weights of an L2-regularised logistic regression (Newton-Raphson)."""
    n, k = x.shape
    a = np.hstack([np.ones((n, 1)), x])
    w = np.zeros(k + 1)
    reg = np.full(k + 1, l2)
    reg[0] = 0.0
    for _ in range(iters):
        z = np.clip(a @ w, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return float(w[0]), w[1:]


@dataclass
class Evaluation:
    """Screening results on labelled cases, per kind of case."""

    threshold: float
    counts: dict[str, dict[str, int]]
    reliability: list[dict[str, Any]]

    def recall(self, kinds: Sequence[str] | None = None) -> float:
        rows = [v for k, v in self.counts.items() if v["positives"] and (kinds is None or k in kinds)]
        pos = sum(r["positives"] for r in rows)
        return sum(r["hits"] for r in rows) / pos if pos else 0.0

    def fp_rate(self, kinds: Sequence[str] | None = None) -> float:
        rows = [v for k, v in self.counts.items() if v["negatives"] and (kinds is None or k in kinds)]
        neg = sum(r["negatives"] for r in rows)
        return sum(r["false_alerts"] for r in rows) / neg if neg else 0.0

    def table(self) -> list[dict[str, Any]]:
        out = []
        for kind in sorted(self.counts):
            c = self.counts[kind]
            row: dict[str, Any] = {"kind": kind, **c}
            if c["positives"]:
                row["recall"] = round(c["hits"] / c["positives"], 4)
            if c["negatives"]:
                row["fp_rate"] = round(c["false_alerts"] / c["negatives"], 4)
            out.append(row)
        return out


def evaluate(
    screener: Screener,
    cases: Iterable[Case],
    threshold: float | None = None,
    *,
    use_context: bool = False,
) -> Evaluation:
    """Recall (expected entry first and above the threshold) and false-alert rate per kind.

    ``use_context`` passes the cases' birth date and country (negatives only
    carry them), to show what that evidence adds.
    """
    cut = screener.model.threshold if threshold is None else threshold
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"positives": 0, "hits": 0, "negatives": 0, "false_alerts": 0}
    )
    bins: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        q = Query(case.query)
        if use_context:
            q = Query(case.query, country=case.country, birth_date=case.birth_date)
        cands = screener.candidates(q)
        c = counts[case.kind]
        top_score = sigmoid(cands[0].logit) if cands else 0.0
        top_id = screener.index.entries[cands[0].entry].entry_id if cands else None
        if case.expected is None:
            c["negatives"] += 1
            c["false_alerts"] += int(top_score >= cut)
        else:
            c["positives"] += 1
            c["hits"] += int(top_id == case.expected and top_score >= cut)
        for cand in cands[:5]:
            p = sigmoid(cand.logit)
            b = bins[min(int(p * 10), 9)]
            b[0] += 1
            b[1] += int(screener.index.entries[cand.entry].entry_id == case.expected)
    reliability = [
        {"bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}", "pairs": n, "true": t, "share_true": round(t / n, 3)}
        for i, (n, t) in sorted(bins.items())
        if n
    ]
    return Evaluation(cut, dict(counts), reliability)


def choose_threshold(screener: Screener, negatives: Iterable[Case], max_fp: float) -> float:
    """Lowest score such that at most ``max_fp`` of the negatives have a candidate at or above it."""
    tops = sorted(
        (sigmoid(c[0].logit) if (c := screener.candidates(Query(n.query))) else 0.0 for n in negatives),
        reverse=True,
    )
    allowed = int(max_fp * len(tops))
    return round(min(max(tops[allowed] + 1e-4, 0.05), 0.95), 4) if len(tops) > allowed else 0.5


def calibrate(
    screener: Screener,
    fit_cases: Sequence[Case],
    negatives: Sequence[Case],
    *,
    max_fp: float = 0.005,
    l2: float = 1.0,
) -> dict[str, Any]:
    """Fit the name weights and threshold; returns the calibration.yaml content."""
    x, y = pair_rows(screener, [*fit_cases, *negatives])
    intercept, weights = fit_logistic(x, y, l2=l2)
    priors = dict(screener.model.priors)
    raw: dict[str, Any] = {
        "intercept": round(intercept, 4),
        "name_weights": {k: round(float(w), 4) for k, w in zip(NAME_FEATURES, weights, strict=True)},
        "threshold": 0.5,
        "priors": priors,
    }
    from tradetrace.resolve.score import model_from_dict

    screener.model = model_from_dict(raw)
    raw["threshold"] = choose_threshold(screener, negatives, max_fp)
    screener.model = model_from_dict(raw)
    raw["fitted_on"] = {
        "pairs": len(y),
        "true_pairs": int(y.sum()),
        "queries": len(fit_cases) + len(negatives),
        "max_fp_on_fit_negatives": max_fp,
        "l2": l2,
    }
    return raw


def main(argv: Sequence[str] | None = None) -> None:
    import tempfile

    from tradetrace.lists.store import load_list
    from tradetrace.settings import Settings
    from tradetrace.workspace import Workspace

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = Path(__file__).resolve().parents[4] / "shared" / "data"
    ap.add_argument("--list", type=Path, default=data / "lists" / "ofac_sdn_2024-05")
    ap.add_argument("--variants", type=Path, default=data / "matching" / "sdn_variants_individuals.json")
    ap.add_argument("--negatives", type=Path, default=data / "matching" / "negatives_global_1k.csv")
    ap.add_argument("--max-fp", type=float, default=0.005)
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).parents[1] / "data" / "resolve" / "calibration.yaml"
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(workspace=Path(tmp), progress=False))
        load_list(ws, args.list)
        screener = Screener.from_engine(ws.engine)
        ws.close()
    cases = variant_cases(args.variants)
    fit = [c for c in cases if split_of(c) == "fit"]
    raw = calibrate(screener, fit, negative_cases(args.negatives), max_fp=args.max_fp)
    raw["fitted_on"].update(
        {"list": str(args.list.name), "variants": args.variants.name, "negatives": args.negatives.name}
    )
    header = (
        "# Name weights (log-odds) fitted by `python -m tradetrace.resolve.calibrate` on the fit half\n"
        "# of the SDN variants (split by entity) and negatives_global_1k; priors are set by hand\n"
        "# (the labelled sets carry names only): weak aliases, identifiers, kind, country, birth date.\n"
    )
    args.out.write_text(header + yaml.safe_dump(raw, sort_keys=False), "utf-8")
    ev = evaluate(screener, [c for c in cases if split_of(c) == "eval"])
    print(json.dumps({"threshold": raw["threshold"], "eval": ev.table()}, indent=1))


if __name__ == "__main__":
    main()
