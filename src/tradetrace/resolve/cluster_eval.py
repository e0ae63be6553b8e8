"""Pairwise precision, recall and F1 of party clusters against a truth file.

The truth (the simulator's ``party_truth.csv``) maps each written spelling, keyed by
(role, name, tax id, country), to the entity it belongs to. Every mention of the workspace
is looked up by that key; over the mentions found, a pair of mentions is a true pair when
both belong to one entity and a predicted pair when both are in one cluster:
precision = shared pairs / predicted pairs, recall = shared pairs / true pairs.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tradetrace.engine import Engine

__all__ = ["PairwiseScores", "pairwise_scores", "read_truth", "score_assignment"]


@dataclass(frozen=True)
class PairwiseScores:
    precision: float
    recall: float
    f1: float
    mentions: int  # mentions scored (found in the truth)
    missing: int  # mentions not in the truth file
    entities: int
    clusters: int
    true_pairs: int
    predicted_pairs: int
    shared_pairs: int

    def summary(self) -> str:
        return (
            f"pairwise precision {self.precision:.4f} recall {self.recall:.4f} F1 {self.f1:.4f} "
            f"over {self.mentions:,} mentions ({self.entities:,} entities, {self.clusters:,} clusters; "
            f"{self.missing:,} mentions not in the truth)"
        )


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def read_truth(path: Path) -> dict[tuple[str, str, str, str], str]:
    """(role, name, tax id, country) -> entity id; a key written for two entities keeps the first."""
    truth: dict[tuple[str, str, str, str], str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            key = (r["role"], r["name"].strip(), r["tax_id"].strip(), r["country"].strip())
            truth.setdefault(key, r["entity_id"])
    return truth


def score_assignment(
    rows: Iterable[tuple[str, str, str, str, str]], truth: Mapping[tuple[str, str, str, str], str]
) -> PairwiseScores:
    """Score (role, name, tax id, country, cluster) rows against the truth mapping."""
    by_cluster: Counter[str] = Counter()
    by_entity: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    missing = 0
    for role, name, tax, country, cluster in rows:
        entity = truth.get((role, name, tax, country))
        if entity is None:
            missing += 1
            continue
        by_cluster[cluster] += 1
        by_entity[entity] += 1
        both[(cluster, entity)] += 1
    predicted = sum(_pairs(n) for n in by_cluster.values())
    true = sum(_pairs(n) for n in by_entity.values())
    shared = sum(_pairs(n) for n in both.values())
    precision = shared / predicted if predicted else 1.0
    recall = shared / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(
        precision,
        recall,
        f1,
        sum(by_entity.values()),
        missing,
        len(by_entity),
        len(by_cluster),
        true,
        predicted,
        shared,
    )


def pairwise_scores(engine: Engine, truth_path: Path) -> PairwiseScores:
    """Score the workspace's party_clusters against ``truth_path`` (party_truth.csv)."""
    rows = engine.fetchall(
        "SELECT m.role, m.name, coalesce(m.tax_id, ''), coalesce(m.country, ''), c.cluster_id "
        "FROM party_mentions m JOIN party_clusters c USING (mention_id) ORDER BY m.mention_id"
    )
    return score_assignment(rows, read_truth(truth_path))
