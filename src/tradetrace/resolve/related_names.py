"""Similar names of distinct clusters: the maker and the importer with almost its name.

Two clusters in different countries are a lead when their names share an uncommon word
(in at most ``MAX_WORD_CLUSTERS`` clusters) and read alike overall. Names are compared on
the folded Latin words clustering compared (``party_mentions.name_fold``, see
:mod:`tradetrace.resolve.cluster_keys`), so "ООО «Норвида Машин
Текнолоджи»" meets "Norvida Machine Tools Co., Ltd." on ``norvida``. Strength blends how
much of both names agrees (words weighted by rarity, matched exactly, by skeleton or by
spelling) with how rare the shared word is. Two clusters of one country with the same name
key (kept apart by clustering, e.g. different tax ids) are a lead too.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from tradetrace.resolve.lead_model import Cluster, Lead, make_lead
from tradetrace.resolve.text import phonetic_key

__all__ = ["similar_name_leads"]

MAX_WORD_CLUSTERS = 6  # a word in more clusters than this is too common to tie two of them
MIN_WORD = 4  # shorter words do not tie names
WORD_ALIKE = 85.0  # spelling similarity (0-100) at which two words count as one
MIN_SIMILARITY = 0.6  # at least this share of both names' word weight agrees
SAME_NAME_STRENGTH = 0.6


Words = tuple[str, ...]


def _overlap(a: Words, b: Words, idf: Mapping[str, float]) -> tuple[float, list[str]]:
    """Share of both names' word weight that the other name matches; the words matched."""

    def matched(t: str, others: Words) -> bool:
        return any(
            t == u or phonetic_key(t) == phonetic_key(u) or fuzz.ratio(t, u) >= WORD_ALIKE for u in others
        )

    total = sum(idf.get(t, 1.0) for t in a) + sum(idf.get(t, 1.0) for t in b)
    if not total:
        return 0.0, []
    hit_a = [t for t in a if matched(t, b)]
    hit_b = [u for u in b if matched(u, a)]
    got = sum(idf.get(t, 1.0) for t in hit_a) + sum(idf.get(u, 1.0) for u in hit_b)
    return got / total, sorted(set(hit_a))


def _skeleton(word: str) -> str:
    return phonetic_key(word) or word


def similar_name_leads(
    clusters: Mapping[str, Cluster],
    names: Mapping[str, Sequence[tuple[str, Words]]],
) -> list[Lead]:
    """Leads between clusters whose names are near-identical (see the module doc)."""
    words: dict[str, set[str]] = {}
    for cid, forms in names.items():
        if clusters[cid].kind != "person":
            words[cid] = {t for _, k in forms for t in k if len(t) >= MIN_WORD}
    # rarity is counted on consonant skeletons: a misspelt common word ("Technlogy") is common
    skel_df: Counter[str] = Counter()
    for ws in words.values():
        skel_df.update({_skeleton(t) for t in ws})
    df = {t: skel_df[_skeleton(t)] for ws in words.values() for t in ws}
    n = max(len(words), 2)
    idf = {t: math.log(n / c) for t, c in df.items()}
    holders: dict[str, list[str]] = defaultdict(list)
    for cid in sorted(words):
        for t in words[cid]:
            if 2 <= df[t] <= MAX_WORD_CLUSTERS:
                holders[t].append(cid)
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t, cids in holders.items():
        for i, a in enumerate(cids):
            for b in cids[i + 1 :]:
                pairs[(a, b)].add(t)
    leads = []
    for (a, b), shared in sorted(pairs.items()):
        ca, cb = clusters[a], clusters[b]
        best: tuple[float, str, str, list[str]] = (0.0, "", "", [])
        for name_a, ka in names[a]:
            for name_b, kb in names[b]:
                sim, hit = _overlap(ka, kb, idf)
                if sim > best[0] or (sim == best[0] and (name_a, name_b) < (best[1], best[2])):
                    best = (sim, name_a, name_b, hit)
        sim, name_a, name_b, hit = best
        rarest = min(shared, key=lambda t: (df[t], t))
        same_key = any(ka == kb for _, ka in names[a] for _, kb in names[b])
        evidence = {
            "names": [name_a, name_b],
            "shared_words": sorted(shared),
            "words_alike": hit,
            "similarity": round(sim, 4),
            "clusters_with_word": {t: df[t] for t in sorted(shared)},
        }
        if not (ca.country and cb.country) or ca.country == cb.country:  # not known to be two countries
            if same_key:  # one name, two firms (different tax ids): worth a look
                where = f" in {ca.country or cb.country}" if ca.country or cb.country else ""
                text = f"Same name{where}, kept apart: “{name_a}” and “{name_b}”."
                leads.append(make_lead("similar_name", ca, cb, SAME_NAME_STRENGTH, text, evidence))
            continue
        if sim < MIN_SIMILARITY:
            continue
        strength = sim * (0.5 + 0.5 / (df[rarest] - 1))
        text = (
            f"Near-identical names in {ca.country} and {cb.country}: “{name_a}” and “{name_b}” "
            f"(shared word “{rarest}”, found in {df[rarest]} clusters)."
        )
        leads.append(make_lead("similar_name", ca, cb, strength, text, evidence))
    return leads
