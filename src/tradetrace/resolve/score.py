"""Scoring a query against a list entry, feature by feature, with explanations.

A score is a logistic combination of evidence, each piece a named feature
whose value and contribution (in log-odds) end up in the explanation:

* **name**: the query's words are aligned one-to-one with the words of each
  of the entry's names (exact, OCR-confusable, sound-alike, edit distance,
  initial or truncated prefix; see :func:`token_sim`), in two token forms
  (split and glued, see :mod:`tradetrace.resolve.text`). Words weigh by
  their rarity in the lists (IDF), so "Muhammad" says less than "Sughayr".
  The features are how much of the query and of the entry name the aligned
  words explain, how much rare evidence they carry, and what is left over.
  Their weights are fitted on labelled sets (``calibrate.py``) and stored in
  ``data/resolve/calibration.yaml``;
* **identifier**: an exact match of a tax or registration number (letters and
  digits compared) is decisive; a checksum-valid INN or OGRN says so;
* **country**, **birth date** and **kind**: prior log-likelihood ratios from
  the same file (they cannot be fitted on name-only sets, and say so).

The logistic output is a probability calibrated on the labelled sets: about
nine in ten pairs scored 0.9 there are true matches.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz.distance import OSA, JaroWinkler

from tradetrace.resolve.romanise import convention_keys
from tradetrace.resolve.text import ocr_key, phonetic_key
from tradetrace.resolve.transcribe import skeletons

__all__ = [
    "NAME_FEATURES",
    "Alignment",
    "Model",
    "Side",
    "align",
    "load_model",
    "name_features",
    "token_sim",
]

INITIAL = 0.5
CONVENTION = 0.92
_HAS_VOWEL = re.compile(r"[aeiou]")
_VOWELS_ONLY = re.compile(r"[aeiou]")
FLOOR = 0.7


def _devowelled(q: str, c: str) -> bool:
    """One word is the other with some vowels left out (``srvo`` in ``servio``)."""
    short, long_ = (q, c) if len(q) <= len(c) else (c, q)
    it = iter(long_)
    if not all(ch in it for ch in short):
        return False
    return _VOWELS_ONLY.sub("", long_) == _VOWELS_ONLY.sub("", short)


@lru_cache(maxsize=2_000_000)
def _token_sim(q: str, c: str) -> tuple[float, str]:
    if q == c:
        return 1.0, "exact"
    lq, lc = len(q), len(c)
    if lq == 1 or lc == 1:
        return (INITIAL, "initial") if q[0] == c[0] else (0.0, "")
    best, how = 0.0, ""
    if ocr_key(q) == ocr_key(c):
        best, how = 0.95, "ocr"
    osa = OSA.normalized_similarity(q, c)
    if osa > best:
        best, how = osa, "edit"
    jw = JaroWinkler.similarity(q, c) - 0.08
    if jw > best:
        best, how = jw, "edit"
    if best < 0.93 and (not _HAS_VOWEL.search(q) or not _HAS_VOWEL.search(c) or _devowelled(q, c)):
        # a word written without (some of) its vowels (``Bnjmn``, ``Srvo``): compare skeletons
        pq = phonetic_key(q)
        if len(pq) >= 2 and pq == phonetic_key(c):
            ph = 0.85 if len(pq) == 2 else 0.9 if len(pq) == 3 else 0.93
            if ph > best:
                best, how = ph, "phonetic"
    if best < CONVENTION and OSA.distance(q, c) > 1 and convention_keys(q) & convention_keys(c):
        # one Russian word in two romanisation conventions (a single typo stays an edit)
        best, how = CONVENTION, "convention"
    if lq >= 2 and lq < lc and c.startswith(q):
        pre = 0.55 + 0.4 * lq / lc
        if pre > best:
            best, how = pre, "prefix"
    if best < FLOOR:
        return 0.0, ""
    return round(best, 4), how


def token_sim(q: str, c: str) -> tuple[float, str]:
    """Similarity of two ASCII name words in [0, 1] and how it was found.

    ``exact`` 1; ``ocr`` 0.95 (0/o, 1/l, rn/m...); ``edit`` the better of
    OSA (transpositions count once) and Jaro-Winkler less 0.08; ``phonetic``
    0.85 to 0.93 when one word has no vowels and both have the same
    consonant skeleton (c/k, z/s, doubled letters folded); ``convention`` 0.92 when both read as the
    same Russian word in some romanisation convention (``wladimirowitsch``, ``vladimirovich``, see
    :func:`tradetrace.resolve.romanise.convention_keys`); ``initial`` 0.5 for a one-letter word; ``prefix`` 0.55 to 0.95
    for a truncated word. Below 0.7 a pair counts as no match (0). (``transcription``, for a word written
    in Arabic, kana, Hangul..., is added by the index: see :mod:`tradetrace.resolve.transcribe`.)
    """
    return _token_sim(q, c)


@dataclass(frozen=True)
class Alignment:
    """Which query words met which entry words, and how well.

    ``pairs`` holds (query word indices, entry word indices, similarity,
    how); a merge pairs two adjacent words of one side with one of the other
    (``MARTIN EZ`` with ``MARTINEZ``, ``AWMOHAMED`` with ``AW MOHAMMED``).
    """

    pairs: tuple[tuple[tuple[int, ...], tuple[int, ...], float, str], ...]
    q_cov: float
    c_cov: float
    evidence: float
    q_unmatched: float
    c_unmatched: float
    exact: float
    strong: int
    in_order: float
    transcribed: float = 0.0  # share of the query's weight met by transcription (see transcribe.py)
    sounds: int = 0  # consonant classes of the entry words met (the evidence of a transcription)


Sims = Sequence[Mapping[int, tuple[float, str]]]
MERGE_MIN = 0.85


@dataclass(frozen=True)
class Side:
    """One token form of a name: words, vocabulary ids (-1 if unknown), weights.

    ``merges`` lists (j, id) for adjacent words j, j+1 whose concatenation is
    a vocabulary word (entry side), or whose concatenation's similarities are
    in ``merge_sims`` (query side). An organisation's one-letter words are the letters of an
    acronym (``D.G.D. INVESTMENTS``): they meet no word by its initial and do not merge.
    """

    tokens: tuple[str, ...]
    vids: tuple[int, ...]
    weights: tuple[float, ...]
    merges: tuple[tuple[int, int], ...] = ()
    merge_sims: tuple[Mapping[int, tuple[float, str]], ...] = ()
    # entry side: its one-letter words are initials of names (a person's), not an acronym's letters
    initials: bool = True
    # query side: its words are whole syllables (written in Han, Hangul, kana): not cut short
    whole: bool = False


def align(q: Side, sims: Sims, c: Side) -> Alignment:
    """Greedy one-to-one alignment of query words to entry words (best pairs first).

    ``sims[i]`` maps vocabulary ids to the similarity of query word ``i``
    (see :meth:`ListIndex.expand`); one-letter words meet words with the same
    initial. A query word that met an entry word weighs as that entry word;
    coverage is the weighted share of each side that found a partner, times
    the similarity.
    """
    cands: list[tuple[float, float, tuple[int, ...], tuple[int, ...], str]] = []
    c_w = c.weights
    c_tok = c.tokens
    for i, qt in enumerate(q.tokens):
        row = sims[i]
        short = len(qt) == 1
        for j, v in enumerate(c.vids):
            hit = row.get(v)
            if hit is not None:
                cands.append((hit[0], c_w[j], (i,), (j,), hit[1]))
            elif q.whole:
                continue
            elif (short or len(c_tok[j]) == 1) and qt[0] == c_tok[j][0] and c.initials:
                cands.append((INITIAL, c_w[j], (i,), (j,), "initial"))
            elif len(qt) <= 3 and len(c_tok[j]) > len(qt) and c_tok[j].startswith(qt):
                # a word cut short (``Tu`` for ``Turki``): short words are not in the index's expansions
                cands.append((0.55 + 0.4 * len(qt) / len(c_tok[j]), c_w[j], (i,), (j,), "prefix"))
        for j, vm in c.merges:
            hit = row.get(vm)
            if hit is not None and hit[0] >= MERGE_MIN:
                cands.append((hit[0], c_w[j] + c_w[j + 1], (i,), (j, j + 1), "merge"))
    for (i, _), row in zip(q.merges, q.merge_sims, strict=True):
        for j, v in enumerate(c.vids):
            hit = row.get(v)
            if hit is not None and hit[0] >= MERGE_MIN:
                cands.append((hit[0], c_w[j], (i, i + 1), (j,), "merge"))
    cands.sort(key=lambda x: (-x[0], -x[1], x[2], x[3]))
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[tuple[int, ...], tuple[int, ...], float, str]] = []
    for s, _w, qi, cj, how in cands:
        if used_q.intersection(qi) or used_c.intersection(cj):
            continue
        used_q.update(qi)
        used_c.update(cj)
        pairs.append((qi, cj, s, how))
    q_weights = list(q.weights)
    evidence = matched_q = matched_c = exact = transcribed = 0.0
    strong = 0
    for qi, cj, s, how in pairs:
        w = sum(c_w[j] for j in cj)
        if how == "initial":
            w_q = min(q_weights[qi[0]], w)
            q_weights[qi[0]] = w_q
        else:
            w_q = w
            for i in qi:
                q_weights[i] = w / len(qi)
            strong += int(s >= 0.85)
        matched_q += w_q * s
        matched_c += w * s
        evidence += w_q * s
        if how == "exact":
            exact += w
        elif how == "transcription":
            transcribed += w_q * s
    # only the model of transcriptions weighs the consonant classes met: counted for those alone
    sounds = (
        sum(consonant_classes(c_tok[j]) for _, cj, _, how in pairs if how != "initial" for j in cj)
        if transcribed
        else 0
    )
    q_total = sum(q_weights) or 1.0
    c_total = sum(c_w) or 1.0
    q_un = sum(q_weights[i] for i in range(len(q_weights)) if i not in used_q)
    c_un = sum(c_w[j] for j in range(len(c_w)) if j not in used_c)
    order = [cj[0] for _, cj, _, _ in sorted(pairs)]
    descents = sum(1 for a, b in itertools.pairwise(order) if b < a)
    in_order = 1.0 if descents == 0 else 0.5 if descents == 1 else 0.0
    return Alignment(
        tuple(pairs),
        matched_q / q_total,
        matched_c / c_total,
        evidence,
        q_un,
        c_un,
        exact / c_total,
        strong,
        in_order if len(pairs) > 1 else 0.5,
        transcribed / q_total,
        sounds,
    )


@lru_cache(maxsize=500_000)
def consonant_classes(word: str) -> int:
    """How many consonant classes a word's sound has (``vladimir`` 5, ``ali`` 1): two words that agree
    on many classes agree by chance far less often than two that agree on one or two."""
    return min((len(k) for k in skeletons(word)), default=0)


NAME_FEATURES = (
    "q_cov",
    "c_cov",
    "min_cov",
    "evidence",
    "q_unmatched",
    "c_unmatched",
    "exact",
    "one_word",
    "strong_words",
    "in_order",
    "all_query",
    "cov_product",
    "transcribed",
    "translated",
    "sounds",
)


@dataclass(frozen=True)
class NameScore:
    """The best alignment of a query name with one entry name."""

    features: dict[str, float]
    alignment: Alignment
    form: str
    q_tokens: tuple[str, ...]
    c_tokens: tuple[str, ...]


def name_features(forms: Sequence[tuple[str, Side, Sims, Side]]) -> NameScore:
    """Name features of a query against one entry name: the better of its token forms.

    ``forms`` holds, per form (``split``, ``glued``), the query side, the
    query words' similarities and the entry side.
    """
    best: NameScore | None = None
    best_rank = -1.0
    for form, q, sims, c in forms:
        if not q.tokens or not c.tokens:
            continue
        a = align(q, sims, c)
        feats = {
            "q_cov": a.q_cov,
            "c_cov": a.c_cov,
            "min_cov": min(a.q_cov, a.c_cov),
            "evidence": min(a.evidence, 30.0) / 10.0,
            "q_unmatched": min(a.q_unmatched, 20.0) / 10.0,
            "c_unmatched": min(a.c_unmatched, 20.0) / 10.0,
            "exact": a.exact,
            "one_word": 1.0 if len(a.pairs) <= 1 else 0.0,
            "strong_words": min(a.strong, 4) / 4.0,
            "in_order": a.in_order,
            "all_query": 1.0 if a.q_unmatched == 0.0 and a.pairs else 0.0,
            "cov_product": a.q_cov * a.c_cov,
            "transcribed": a.transcribed,
            "translated": 1.0 if form == "translated" else 0.0,
            "sounds": min(a.sounds, 12) / 12.0,
        }
        rank = feats["min_cov"] * 2 + feats["q_cov"] + feats["c_cov"] + 0.1 * feats["evidence"]
        if best is None or rank > best_rank:
            best, best_rank = NameScore(feats, a, form, q.tokens, c.tokens), rank
    if best is None:
        empty = Alignment((), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0)
        feats = {k: 0.0 for k in NAME_FEATURES}
        feats["one_word"] = 1.0
        return NameScore(feats, empty, "split", (), ())
    return best


@dataclass(frozen=True)
class Model:
    """Feature weights (log-odds) and the alert threshold, from calibration.yaml.

    ``transcribed`` holds a second intercept and weights for alignments that rely on transcription
    (a name written in Arabic, kana, Hangul... met through its sounds): those are fitted on their own
    rows, so that Latin spellings keep the weights fitted on them. ``translated`` does the same for
    a firm name read through its English translation (a Russian or Chinese name against the list's
    English one), where a word or two the translation does not give is usual. All give calibrated
    probabilities, so one threshold serves them all.
    """

    intercept: float
    name: dict[str, float]
    threshold: float
    priors: dict[str, float]
    fitted_on: dict[str, Any] = field(default_factory=dict)
    transcribed: dict[str, Any] = field(default_factory=dict)
    translated: dict[str, Any] = field(default_factory=dict)

    def name_logit(self, features: dict[str, float]) -> float:
        sub = (
            self.transcribed
            if features.get("transcribed", 0.0) > 0.0
            else self.translated
            if features.get("translated", 0.0) > 0.0
            else None
        )
        if sub:
            weights: dict[str, float] = sub["name_weights"]
            return float(sub["intercept"]) + sum(weights.get(k, 0.0) * v for k, v in features.items())
        return self.intercept + sum(self.name.get(k, 0.0) * v for k, v in features.items())

    def prior(self, key: str) -> float:
        return float(self.priors.get(key, 0.0))


@cache
def load_model() -> Model:
    """The shipped model (``data/resolve/calibration.yaml``)."""
    text = resources.files("tradetrace").joinpath("data/resolve/calibration.yaml").read_text("utf-8")
    return model_from_dict(yaml.safe_load(text))


def model_from_dict(raw: dict[str, Any]) -> Model:
    return Model(
        intercept=float(raw["intercept"]),
        name={str(k): float(v) for k, v in raw["name_weights"].items()},
        threshold=float(raw["threshold"]),
        priors={str(k): float(v) for k, v in (raw.get("priors") or {}).items()},
        fitted_on=dict(raw.get("fitted_on") or {}),
        transcribed=dict(raw.get("transcribed") or {}),
        translated=dict(raw.get("translated") or {}),
    )


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
