"""Probabilistic linkage of party mentions with splink (on its own in-memory DuckDB).

After the deterministic rules, each cluster is represented by its distinct (name key,
address, country, kind) forms; splink scores pairs of forms from different clusters.
People are left out (only identifiers and the register join people). The
model (Fellegi-Sunter) compares:

* **name**: equal folded key (romanisation variants folded), equal consonant skeletons,
  Jaro-Winkler of the folded words in written order at 0.95 and 0.88, two or one shared
  uncommon words (a Chinese name's syllable runs count as its words);
* **address**: equal, or Jaro-Winkler at 0.95 (a typo; two addresses of one street and
  city differ less than names do, so nothing looser counts);
* **country** and **tax id** (the cluster's): equal or different; different tax ids weigh
  heavily against.

Parameters: ``u`` by random sampling (seeded); ``m`` from the tax-id and register groups
(``label``: pairs known to be one firm show how one firm's spellings and addresses vary);
either stays at the priors below when the data is too small to teach it. The prior that
two random forms match is the share of pairs the deterministic rules joined, over their
assumed recall. Candidate pairs come from blocking within a country on the two rarest word
skeletons, the name's first and last letters, the address, and the Chinese syllable runs
of Han-script names against the words of Latin names. A blocking value shared by more
than ``MAX_BLOCK`` forms is left out (a common word pairs everything with everything).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tradetrace.resolve.cluster_graph import PERSON, Edge, Mention, Merger

__all__ = ["LinkResult", "link_mentions", "settings"]

MIN_LABEL_PAIRS = 50  # fewer pairs of one firm than this teach nothing: m stays at the priors
MIN_FORMS_TO_TRAIN = 500  # fewer forms than this: u stays at the priors too
RULE_RECALL = 0.8  # share of true pairs the deterministic rules are assumed to find
MIN_PRIOR, MAX_PRIOR = 1e-7, 0.05
COMMON_WORD = 40  # a word in more forms than this says little about which firm is meant
MAX_BLOCK = 300  # blocking values shared by more forms than this are not used
SPLINK_LOGGERS = ("splink",)
BLOCK_COLUMNS = ("blk1", "blk2", "ends", "addr", "han_blk", "sino_blk")
# uncommon words two names share: Latin words, or a Chinese name's syllable runs in a Latin name
SHARED_WORDS = (
    "(len(list_intersect(fold_tokens_l, fold_tokens_r)) + len(list_intersect(cross_l, sino_r))"
    " + len(list_intersect(sino_l, cross_r)))"
)
# priors (m, u) for each level, best level first; used when the data cannot teach them
NAME_PRIORS = (
    (0.45, 1e-5),
    (0.15, 2e-5),
    (0.2, 1e-4),
    (0.1, 1e-3),
    (0.04, 1e-3),
    (0.03, 0.02),
    (0.03, 0.976),
)
ADDRESS_PRIORS = ((0.85, 1e-4), (0.1, 2e-3), (0.05, 0.9979))
COUNTRY_PRIORS = ((0.99, 0.3), (0.01, 0.7))
TAX_PRIORS = ((0.98, 1e-6), (0.02, 0.999999))


@dataclass(frozen=True)
class LinkResult:
    """Pairs above the threshold as (mention index, mention index, probability)."""

    edges: list[tuple[int, int, float]]
    forms: int  # rows splink saw
    pairs_scored: int
    m_source: str  # where m and u came from: "m labels, u sample", "m priors, u priors"...
    label_pairs: int


@contextmanager
def _quiet() -> Iterator[None]:
    saved = [(name, logging.getLogger(name).level) for name in SPLINK_LOGGERS]
    for name, _ in saved:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, level in saved:
            logging.getLogger(name).setLevel(level)


def _levels(creators: list[Any], priors: tuple[tuple[float, float], ...], fixed: bool = False) -> list[Any]:
    """Attach prior m and u values to comparison levels (the null level first gets none)."""
    out = [creators[0]]
    for level, (m, u) in zip(creators[1:], priors, strict=True):
        out.append(
            level.configure(
                m_probability=m, u_probability=u, fix_m_probability=fixed, fix_u_probability=fixed
            )
        )
    return out


def settings(prior: float = 1e-4) -> Any:
    """The splink model: comparisons with priors, the blocking rules, and ``prior``, the
    probability that two random forms are one firm."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator
    from splink.blocking_rule_library import CustomRule

    name = cl.CustomComparison(
        _levels(
            [
                cll.NullLevel("name_fold"),
                cll.ExactMatchLevel("name_fold"),
                cll.ExactMatchLevel("phon_key"),
                cll.JaroWinklerLevel("fold_squash", 0.95),
                cll.JaroWinklerLevel("fold_squash", 0.88),
                cll.CustomLevel(
                    f"{SHARED_WORDS} >= 2", "two uncommon words shared", base_dialect_str="duckdb"
                ),
                cll.CustomLevel(
                    f"{SHARED_WORDS} >= 1", "one uncommon word shared", base_dialect_str="duckdb"
                ),
                cll.ElseLevel(),
            ],
            NAME_PRIORS,
        ),
        output_column_name="name",
    )
    address = cl.CustomComparison(
        _levels(
            [
                cll.NullLevel("addr"),
                cll.ExactMatchLevel("addr"),
                cll.JaroWinklerLevel("addr", 0.95),
                cll.ElseLevel(),
            ],
            ADDRESS_PRIORS,
        ),
        output_column_name="address",
    )
    country = cl.CustomComparison(
        _levels([cll.NullLevel("country"), cll.ExactMatchLevel("country"), cll.ElseLevel()], COUNTRY_PRIORS),
        output_column_name="country",
    )
    tax = cl.CustomComparison(
        _levels([cll.NullLevel("tax"), cll.ExactMatchLevel("tax"), cll.ElseLevel()], TAX_PRIORS, fixed=True),
        output_column_name="tax_id",
    )
    apart = "l.det <> r.det"
    same = "l.country = r.country"
    rules = [
        f"{same} AND l.blk1 = r.blk1 AND {apart}",
        f"{same} AND l.blk2 = r.blk2 AND {apart}",
        f"{same} AND l.ends = r.ends AND {apart}",
        f"{same} AND l.addr = r.addr AND {apart}",
        f"(l.country IS NULL OR r.country IS NULL) AND l.blk1 = r.blk1 AND {apart}",
        f"{same} AND l.han_blk = r.sino_blk AND {apart}",
        f"{same} AND l.sino_blk = r.han_blk AND {apart}",
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[name, address, country, tax],
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=[CustomRule(r, "duckdb") for r in rules],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _rarest(words: Iterable[str], df: Counter[str], shared_only: bool = False) -> str | None:
    """The rarest word another form also has (else the rarest); longer first on ties."""
    found = sorted(words, key=lambda w: (df[w] < 2, df[w], -len(w), w))
    if shared_only:
        found = [w for w in found if df[w] > 0]
    return found[0] if found else None


def _forms(mentions: Sequence[Mention], merger: Merger) -> list[list[int]]:
    """Mentions grouped by cluster and comparable form; the most written mention first."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if m.kind == PERSON:  # people are joined by identifiers and the register only
            continue
        groups[(merger.find(i), m.keys.fold_key, m.addr, m.country, m.kind, m.keys.cross)].append(i)
    out = [sorted(g, key=lambda i: (-mentions[i].count, mentions[i].mention_id)) for g in groups.values()]
    return sorted(out, key=lambda g: mentions[g[0]].mention_id)


def splink_rows(mentions: Sequence[Mention], merger: Merger, labels: Merger) -> tuple[pa.Table, list[int]]:
    """One row per form with the keys splink compares and blocks on, and its mention index.

    ``labels`` holds the clusters of the register and tax-id rules alone: pairs inside one of
    them teach the model how one firm's names and addresses vary.
    """
    forms = _forms(mentions, merger)
    reps = [mentions[g[0]] for g in forms]
    root_tax: dict[int, str] = {}
    for i, m in enumerate(mentions):
        if m.tax:
            root_tax.setdefault(merger.find(i), m.tax.key)
    label_of = [labels.find(g[0]) for g in forms]
    label_n = Counter(label_of)
    words = [{p for p in m.keys.phon if len(p) >= 2} for m in reps]
    df: Counter[str] = Counter()
    word_df: Counter[str] = Counter()
    sino_df: Counter[str] = Counter()
    for m, w in zip(reps, words, strict=True):
        df.update(w)
        word_df.update(set(m.keys.fold))
        sino_df.update(m.keys.sino)
    cols: dict[str, list[object]] = defaultdict(list)
    for g, m, w, label in zip(forms, reps, words, label_of, strict=True):
        rare = sorted(w, key=lambda p: (df[p] < 2, df[p], p))
        squash = m.keys.fold_squash
        cols["unique_id"].append(m.mention_id)
        cols["det"].append(merger.find(g[0]))
        cols["label"].append(label if label_n[label] > 1 else None)
        cols["country"].append(m.country)
        cols["tax"].append(root_tax.get(merger.find(g[0])))
        cols["name_fold"].append(m.keys.fold_key or None)
        cols["phon_key"].append(m.keys.phon_key or None)
        cols["fold_squash"].append(squash or None)
        cols["fold_tokens"].append(sorted({t for t in m.keys.fold if word_df[t] <= COMMON_WORD}))
        cols["cross"].append([t for t in m.keys.cross if sino_df[t] <= COMMON_WORD])
        cols["sino"].append([t for t in m.keys.sino if sino_df[t] <= COMMON_WORD])
        cols["addr"].append(m.addr)
        cols["blk1"].append(rare[0] if rare else None)
        cols["blk2"].append(rare[1] if len(rare) > 1 else None)
        cols["ends"].append(squash[:5] + "~" + squash[-4:] if len(squash) >= 9 else None)
        cols["han_blk"].append(_rarest(m.keys.cross, sino_df, shared_only=True))
        cols["sino_blk"].append(_rarest(m.keys.sino, sino_df))
    for col in BLOCK_COLUMNS:  # a blocking value on too many forms blocks nothing useful
        size = Counter((v, c) for v, c in zip(cols[col], cols["country"], strict=True) if v is not None)
        cols[col] = [
            None if size[(v, c)] > MAX_BLOCK else v for v, c in zip(cols[col], cols["country"], strict=True)
        ]
    lists = ("fold_tokens", "cross", "sino")
    types = {"det": pa.int64(), "label": pa.int64(), **{c: pa.list_(pa.string()) for c in lists}}
    table = pa.table({k: pa.array(v, type=types.get(k, pa.string())) for k, v in cols.items()})
    return table, [g[0] for g in forms]


def link_mentions(
    mentions: Sequence[Mention],
    merger: Merger,
    edges: Sequence[Edge],
    threshold: float,
    seed: int = 42,
    u_pairs: float = 1e6,
) -> LinkResult:
    """Score candidate pairs of forms from different clusters; keep those at or above ``threshold``.

    ``merger`` holds the clusters of the deterministic ``edges``.
    """
    from splink import DuckDBAPI, Linker

    labels = Merger(mentions)
    labels.add_all(e for e in edges if e.rule in ("register", "tax_id"))
    rows, rep = splink_rows(mentions, merger, labels)
    index = {mentions[i].mention_id: i for i in rep}
    n = rows.num_rows
    if len(set(rows.column("det").to_pylist())) < 2:
        return LinkResult([], n, 0, "off", 0)
    with _quiet():
        db = DuckDBAPI()
        try:
            frame = db.register(rows, table_name="party_forms")
            linker = Linker(frame, settings(prior_match(rows)), log_level=None)
            label_pairs = _pairs_within(rows, "label")
            u_source = "priors"
            if n >= MIN_FORMS_TO_TRAIN:
                linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
                u_source = "sample"
            m_source = "priors"
            if label_pairs >= MIN_LABEL_PAIRS:
                linker.training.estimate_m_from_label_column("label")
                m_source = "labels"
            scored = linker.inference.predict(threshold_match_probability=0.0, warning_mode="never")
            out = scored.as_duckdbpyrelation()
            pairs = int(out.count("*").fetchall()[0][0])
            kept = out.filter(f"match_probability >= {float(threshold)}").select(
                "unique_id_l, unique_id_r, round(match_probability, 6) AS p"
            )
            found = kept.fetchall()
        finally:
            db.duckdb_con.close()
    links = [(index[a], index[b], float(p)) for a, b, p in found]
    return LinkResult(links, n, pairs, f"m {m_source}, u {u_source}", label_pairs)


def _pairs_within(rows: pa.Table, column: str) -> int:
    sizes = Counter(v for v in rows.column(column).to_pylist() if v is not None)
    return sum(k * (k - 1) // 2 for k in sizes.values())


def prior_match(rows: pa.Table) -> float:
    """The prior that two random forms are one firm: pairs the rules already joined, over all
    pairs, over the rules' assumed recall (``RULE_RECALL``); kept within sane bounds."""
    n: int = rows.num_rows
    total = n * (n - 1) // 2
    if not total:
        return MAX_PRIOR
    share = _pairs_within(rows, "det") / total / RULE_RECALL
    return min(MAX_PRIOR, max(MIN_PRIOR, share))
