"""A blocking index over the names and identifiers of the active list versions.

Screening a name against every list entry costs list size x queries. The
index turns it into a few dictionary look-ups and one vectorised sum:

1. every word of every listed name (both token forms) is a *vocabulary*
   word with an IDF weight and a posting list of the names that hold it;
2. a query word is expanded to the vocabulary words it may stand for:
   itself, its OCR-folded and phonetic keys, the words it starts (a name
   cut short), its spelling variants (``data/resolve/name_variants.yaml``:
   Mohammed / Mehmet, Yusuf / Joseph), and every word within one deletion
   of it (a symmetric-delete index catches one typo, one dropped or doubled
   letter, one transposition). The expansion is cached: trade data repeats
   its words;
3. the postings of the expanded words are summed with NumPy (weight x
   similarity), scaled by the name's own weight, and the best ``limit``
   names go on to full scoring;
4. identifiers are a hash map from :func:`~tradetrace.resolve.identifiers.id_key`
   to entries: an exact hit is always a candidate.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import pickle
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tradetrace.resolve.identifiers import id_key
from tradetrace.resolve.romanise import convention_keys
from tradetrace.resolve.score import Side, Sims, token_sim
from tradetrace.resolve.short_names import short_names
from tradetrace.resolve.text import NameForm, analyse, ocr_key, phonetic_key, terms
from tradetrace.resolve.transcribe import deletions, fold, readings, skeletons, sound_keys, written_sim

if TYPE_CHECKING:
    from tradetrace.engine import Engine

__all__ = ["Entry", "ListIndex", "entry_hash", "load_entries", "load_index"]

INITIAL_WEIGHT = 0.6
SOUND_LIMIT = 400  # a skeleton shared by more vocabulary words than this says too little
VARIANT = 0.9
_VOWEL = re.compile(r"[aeiou]")
_EMPTY = np.empty(0, dtype=np.int32)
IDENTITY_FIELDS = ("kind", "name", "names", "countries", "identifiers", "birth_dates", "addresses")


@dataclass(frozen=True)
class Entry:
    """One entry of an active list version, as screening needs it."""

    list_id: str
    version_id: str
    entry_id: str
    kind: str
    name: str
    names: tuple[tuple[str, str], ...]
    countries: frozenset[str]
    identifiers: tuple[tuple[str, str, str], ...]
    birth_dates: tuple[str, ...]
    content_hash: str


def entry_hash(row: dict[str, Any]) -> str:
    """Hash of what identifies an entry (names, kind, countries, ids, dates, addresses).

    Two versions of a list give an entry the same hash unless one of these
    changed; programs, remarks and row numbers do not count.
    """
    payload = json.dumps([row.get(k) for k in IDENTITY_FIELDS], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def load_entries(engine: Engine, list_ids: Sequence[str] | None = None) -> list[Entry]:
    """Entries of every active list version (or of the given lists' active versions)."""
    if not engine.table_exists("listings"):
        return []
    sql = (
        "SELECT l.list_id, l.version_id, l.entry_id, l.kind, l.name, l.names, l.countries, "
        "l.identifiers, l.birth_dates, l.addresses FROM listings l "
        "JOIN list_versions v ON v.version_id = l.version_id WHERE v.active"
    )
    params: list[object] = []
    if list_ids:
        sql += f" AND l.list_id IN ({', '.join('?' for _ in list_ids)})"
        params.extend(list_ids)
    sql += " ORDER BY l.list_id, l.entry_id"
    out = []
    for (
        list_id,
        version_id,
        entry_id,
        kind,
        name,
        names,
        countries,
        idents,
        dobs,
        addresses,
    ) in engine.fetchall(sql, params):
        row = {
            "kind": kind,
            "name": name,
            "names": names,
            "countries": countries,
            "identifiers": idents,
            "birth_dates": dobs,
            "addresses": addresses,
        }
        name_rows = json.loads(names or "[]") or [{"name": name, "type": "primary"}]
        id_rows = json.loads(idents or "[]")
        out.append(
            Entry(
                list_id=list_id,
                version_id=version_id,
                entry_id=str(entry_id),
                kind=kind or "unknown",
                name=name,
                names=tuple(
                    (str(n["name"]), str(n.get("type") or "aka")) for n in name_rows if n.get("name")
                ),
                countries=frozenset(json.loads(countries or "[]")),
                identifiers=tuple(
                    (str(i.get("type") or "other"), str(i["value"]), str(i.get("country") or ""))
                    for i in id_rows
                    if i.get("value")
                ),
                birth_dates=tuple(json.loads(dobs or "[]")),
                content_hash=entry_hash(row),
            )
        )
    return out


def _analysis_kind(kind: str) -> str | None:
    return {"person": "person", "company": "company", "vessel": "company", "aircraft": "company"}.get(kind)


def _deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


class ListIndex:
    """Names and identifiers of list entries, ready for blocking and scoring."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry] = list(entries)
        self.name_entry: list[int] = []
        self.name_type: list[str] = []
        self.name_text: list[str] = []
        self.forms: list[NameForm] = []
        for e_idx, entry in enumerate(self.entries):
            seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
            names = list(entry.names)
            if entry.kind == "person":
                # the shorter forms the press writes (no patronymic, one family name): see short_names
                names += [
                    (short, "derived")
                    for text, t in entry.names
                    if t != "weak"
                    for short in short_names(text)
                ]
            for text, ntype in names:
                form = analyse(text, _analysis_kind(entry.kind))
                if not form.tokens or (form.tokens, form.glued) in seen:
                    continue
                seen.add((form.tokens, form.glued))
                self.name_entry.append(e_idx)
                self.name_type.append(ntype)
                self.name_text.append(text)
                self.forms.append(form)
        self.entry_names: list[list[int]] = [[] for _ in self.entries]
        for n_idx, e_idx in enumerate(self.name_entry):
            self.entry_names[e_idx].append(n_idx)
        self._build_vocabulary()
        self.sides: list[tuple[Side, Side | None]] = []
        for n_idx, form in enumerate(self.forms):
            initials = self.entries[self.name_entry[n_idx]].kind in ("person", "unknown")
            split = self._side(form.tokens, initials)
            glued = None if form.glued == form.tokens else self._side(form.glued, initials)
            self.sides.append((split, glued))
        self.by_id: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for e_idx, entry in enumerate(self.entries):
            for itype, value, _country in entry.identifiers:
                key = id_key(value)
                if key and len(key) >= 4:
                    self.by_id[key].append((e_idx, itype, value))
        self._expansions: dict[str, dict[int, tuple[float, str]]] = {}
        self._sound_maps: tuple[dict[str, list[int]], ...] | None = None
        self._written: dict[int, str] = {}  # list words written in a transcribing script, as written
        self._transcriptions: dict[str, dict[int, tuple[float, str]]] = {}
        self.has_transcribed = any(form.sounds for form in self.forms)
        self.variants = terms().variants

    def _build_vocabulary(self) -> None:
        postings: dict[str, set[int]] = defaultdict(set)
        for n_idx, form in enumerate(self.forms):
            for tok in (*form.tokens, *form.glued):
                postings[tok].add(n_idx)
            for toks in (form.tokens, form.glued):
                for a, b in itertools.pairwise(toks):
                    postings[a + b].add(n_idx)
        self.vocab: list[str] = sorted(postings)
        self.vid: dict[str, int] = {t: i for i, t in enumerate(self.vocab)}
        # a word's rarity is counted over the listed names, not the shorter forms derived from them
        derived = {n for n, t in enumerate(self.name_type) if t == "derived"}
        self.derived_names = np.fromiter(sorted(derived), dtype=np.int64, count=len(derived))
        n_names = max(len(self.forms) - len(derived), 1)
        generic = terms().generic_words
        idf = np.empty(len(self.vocab), dtype=np.float64)
        self.postings: list[npt.NDArray[np.int32]] = []
        for i, tok in enumerate(self.vocab):
            ids = postings[tok]
            df = max(len(ids - derived), 1) if derived else len(ids)
            if tok in generic:
                df = max(df, n_names // 2)
            idf[i] = math.log((n_names + 1) / (df + 0.5))
            self.postings.append(np.fromiter(sorted(ids), dtype=np.int32, count=len(ids)))
        self.idf = idf
        self.max_idf = float(math.log((n_names + 1) / 0.5))
        self.default_idf = float(np.percentile(idf, 75)) if len(idf) else 1.0
        self.generic = generic
        norms = np.zeros(len(self.forms), dtype=np.float64)
        for n_idx, form in enumerate(self.forms):
            norms[n_idx] = sum(idf[self.vid[t]] for t in form.tokens)
        self.name_norm = np.maximum(norms, 1.0)
        initials: dict[str, set[int]] = defaultdict(set)
        for n_idx, form in enumerate(self.forms):
            for tok in form.tokens:
                initials[tok[0]].add(n_idx)
        self.initials = {k: np.fromiter(sorted(v), dtype=np.int32, count=len(v)) for k, v in initials.items()}
        self.ocr_map: dict[str, list[int]] = defaultdict(list)
        self.phon_map: dict[str, list[int]] = defaultdict(list)
        self.del_map: dict[str, list[int]] = defaultdict(list)
        self.prefix_map: dict[str, list[int]] = defaultdict(list)
        self.conv_map: dict[str, list[int]] = defaultdict(list)
        for i, tok in enumerate(self.vocab):
            for key in convention_keys(tok):
                self.conv_map[key].append(i)
            for n in range(3, min(len(tok), 7)):
                self.prefix_map[tok[:n]].append(i)
            self.ocr_map[ocr_key(tok)].append(i)
            pk = phonetic_key(tok)
            if len(pk) >= 2:
                self.phon_map[pk].append(i)
            self.del_map[tok].append(i)
            if len(tok) >= 4:
                for d in _deletions(tok):
                    self.del_map[d].append(i)

    def _side(self, tokens: tuple[str, ...], initials: bool = True) -> Side:
        vids = tuple(self.vid.get(t, -1) for t in tokens)
        merges = tuple(
            (j, self.vid[m])
            for j in range(len(tokens) - 1)
            if (m := tokens[j] + tokens[j + 1]) in self.vid
            and (initials or len(tokens[j]) > 1 or len(tokens[j + 1]) > 1)
        )
        return Side(tokens, vids, tuple(self.weight(t) for t in tokens), merges, initials=initials)

    def query_forms(self, form: NameForm) -> list[tuple[str, Side, Sims]]:
        """The query's token forms (split, glued, and translated for a Chinese firm name with business
        words, see :func:`tradetrace.resolve.text.analyse`) with their words' similarities to the vocabulary.

        A name written in Han, Hangul or kana keeps exact word matches only:
        its romanisation is exact, so a one-letter difference is another name.
        """
        out: list[tuple[str, Side, Sims]] = []
        sounds = dict(form.sounds)
        for label, tokens in (("split", form.tokens), ("glued", form.glued), ("translated", form.translated)):
            if not tokens:
                continue
            sims = [self._sims(t, form.strict, sounds.get(t)) for t in tokens]
            pairs = [(j, tokens[j] + tokens[j + 1]) for j in range(len(tokens) - 1)]
            merge_sims = tuple(
                self._sims(m, form.strict, _joined(sounds.get(tokens[j]), sounds.get(tokens[j + 1])))
                for j, m in pairs
            )
            side = Side(
                tokens,
                tuple(self.vid.get(t, -1) for t in tokens),
                tuple(self.weight(t) for t in tokens),
                tuple((j, -1) for j, _ in pairs),
                merge_sims,
                whole=form.strict,
            )
            out.append((label, side, sims))
        return out

    def _sims(self, token: str, strict: bool, written: str | None = None) -> dict[int, tuple[float, str]]:
        sims = self.expand(token)
        if strict:
            sims = {v: h for v, h in sims.items() if h[1] == "exact"}
        if written:
            # the Latin reading of a transcribed word meets a list word by chance letters (``hsyn``,
            # ``khazein``): whatever meets it other than exactly is a transcription and is scored so
            sims = {
                v: h if h[1] in ("exact", "variant") else (h[0], "transcription") for v, h in sims.items()
            }
            for v, hit in self.transcribed(written).items():
                if hit[0] > sims.get(v, (0.0, ""))[0]:
                    sims[v] = hit
        return sims

    def _sound_index(self) -> tuple[dict[str, list[int]], ...]:
        """Skeletons of the vocabulary (built on first use): Latin words by skeleton, by skeleton less
        one class, and words of list names written in a transcribing script by their own skeletons."""
        if self._sound_maps is None:
            exact: dict[str, list[int]] = defaultdict(list)
            less: dict[str, list[int]] = defaultdict(list)
            lossy: dict[str, list[int]] = defaultdict(list)
            folded: dict[str, list[int]] = defaultdict(list)
            words = {t for form in self.forms for t in (*form.tokens, *form.glued)}  # not pairs joined
            for i, tok in enumerate(self.vocab):
                if len(tok) < 2 or not tok.isalpha() or tok not in words:
                    continue
                folded[fold(tok)].append(i)  # two letters too: a Korean syllable (은, un)
                if len(tok) < 3:
                    continue
                for key in skeletons(tok):
                    exact[key].append(i)
                    for d in deletions(key):
                        less[d].append(i)
            for form in self.forms:
                for tok, written in form.sounds:
                    v = self.vid.get(tok)
                    if v is None:
                        continue
                    self._written[v] = written
                    for key in sound_keys(written):
                        lossy[key].append(v)
            self._sound_maps = (dict(exact), dict(less), dict(lossy), dict(folded))
        return self._sound_maps

    def transcribed(self, written: str) -> dict[int, tuple[float, str]]:
        """Vocabulary words that sound like a word written in a transcribing script (see
        :mod:`tradetrace.resolve.transcribe`): id -> (similarity, "transcription")."""
        hit = self._transcriptions.get(written)
        if hit is not None:
            return hit
        exact, less, _lossy, folded = self._sound_index()
        out: dict[int, tuple[float, str]] = {}

        def add(vids: Iterable[int], key: str, one_deleted: bool) -> None:
            for v in vids:
                sim = written_sim(written, self.vocab[v], key, one_deleted)
                if sim > out.get(v, (0.0, ""))[0]:
                    out[v] = (sim, "transcription")

        for reading in readings(written):
            # the same letters once folded (aly, Ali): short words whose skeleton is too common to look up
            shortest = min(skeletons(reading), key=len, default="")
            add(folded.get(fold(reading), ()), shortest, False)
        for key in sound_keys(written):
            same = exact.get(key, ())
            if len(same) <= SOUND_LIMIT:
                add(same, key, False)
            for d in deletions(key):
                shorter = exact.get(d, ())
                if len(shorter) <= SOUND_LIMIT:
                    add(shorter, d, True)
            longer = less.get(key, ())
            if len(longer) <= SOUND_LIMIT:
                add(longer, key, True)
        if len(self._transcriptions) > 200_000:
            self._transcriptions.clear()
        self._transcriptions[written] = out
        return out

    def __len__(self) -> int:
        return len(self.entries)

    def weight(self, token: str) -> float:
        """IDF of a word in the lists' names (unknown words count as fairly rare)."""
        vid = self.vid.get(token)
        if vid is None:
            if token in self.generic:
                return 0.7
            return self.default_idf
        return float(self.idf[vid])

    def _longer(self, token: str, most: int = 4, limit: int = 30) -> list[int]:
        """Vocabulary words that start with ``token`` and go on for at most ``most`` letters."""
        lo = bisect.bisect_left(self.vocab, token)
        out = []
        for v in range(lo, min(lo + limit, len(self.vocab))):
            word = self.vocab[v]
            if not word.startswith(token):
                break
            if len(word) - len(token) <= most:
                out.append(v)
        return out

    def expand(self, token: str) -> dict[int, tuple[float, str]]:
        """Vocabulary words a query word may stand for: id -> (similarity, how)."""
        hit = self._expansions.get(token)
        if hit is not None:
            return hit
        vids: set[int] = set()
        vid = self.vid.get(token)
        if vid is not None:
            vids.add(vid)
        pk = phonetic_key(token)
        if len(token) >= 3 or (len(token) == 2 and not _VOWEL.search(token)):
            ph = self.phon_map.get(pk, ()) if len(pk) >= 2 else ()
            if len(ph) <= 200:
                vids.update(ph)
        if len(token) >= 3:
            vids.update(self.ocr_map.get(ocr_key(token), ()))
            pre = self.prefix_map.get(token, ())
            if len(pre) <= 100:
                vids.update(pre)
            if len(token) >= 5:  # a word cut short further on: a stem (chelyabin-sk, novosibir-sk)
                vids.update(self._longer(token))
            vids.update(self.del_map.get(token, ()))
            for key in convention_keys(token):
                same = self.conv_map.get(key, ())
                if len(same) <= 200:
                    vids.update(same)
            if len(token) >= 4:
                for d in _deletions(token):
                    vids.update(self.del_map.get(d, ()))
        out: dict[int, tuple[float, str]] = {}
        for v in sorted(vids):
            s, how = (1.0, "exact") if v == vid else token_sim(token, self.vocab[v])
            if s > 0.0:
                out[v] = (s, how)
        transcribed = self.has_transcribed and len(token) >= 3 and token.isalpha()
        lossy = self._sound_index()[2] if transcribed else {}
        for key in skeletons(token) if lossy else ():
            for v in lossy.get(key, ()):
                sim = written_sim(self._written[v], token, key, False)
                if sim > out.get(v, (0.0, ""))[0]:
                    out[v] = (sim, "transcription")
        for variant in self.variants.get(token, ()):
            v2 = self.vid.get(variant)
            if v2 is not None and out.get(v2, (0.0, ""))[0] < VARIANT:
                out[v2] = (VARIANT, "variant")
        if len(self._expansions) > 500_000:
            self._expansions.clear()
        self._expansions[token] = out
        return out

    def block(
        self, form: NameForm, limit: int = 40, min_share: float = 0.0, derived: bool = True
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The ``limit`` names that share the most (weighted) words with ``form``, best first
        (without the shorter forms of listed names unless ``derived``).

        Returns name ids and their summed weights; names whose sum is below
        ``min_share`` of the query's own weight are left out (the best three
        are always kept).
        """
        arrays: list[npt.NDArray[np.int32]] = []
        lengths: list[int] = []
        values: list[float] = []
        words = [*form.tokens, *form.glued, *form.translated]
        # a word split in two ("MARTIN EZ", Chinese syllables "da lian"): the halves joined
        words += [
            a + b for a, b in itertools.pairwise(form.tokens) if form.strict or min(len(a), len(b)) <= 3
        ]
        sounds = dict(form.sounds)
        for tok in dict.fromkeys(words):
            if len(tok) == 1 and tok not in sounds:
                # an initial: a little weight to every name with a word of that initial
                post = self.initials.get(tok, _EMPTY)
                arrays.append(post)
                lengths.append(len(post))
                values.append(INITIAL_WEIGHT)
                continue
            for v, (s, _how) in self._sims(tok, False, sounds.get(tok)).items():
                post = self.postings[v]
                arrays.append(post)
                lengths.append(len(post))
                values.append(float(self.idf[v]) * s)
        if not arrays:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        ids = np.concatenate(arrays)
        acc: npt.NDArray[np.float64] = np.bincount(
            ids, weights=np.repeat(values, lengths), minlength=len(self.forms)
        ).astype(np.float64, copy=False)
        if not derived and self.derived_names.size:
            acc[self.derived_names] = 0.0
        hit: npt.NDArray[np.int64] = np.flatnonzero(acc).astype(np.int64, copy=False)
        scaled = acc[hit] / np.sqrt(self.name_norm[hit])
        if len(hit) > limit:
            top = np.argpartition(-scaled, limit)[:limit]
            hit, scaled = hit[top], scaled[top]
        order = np.lexsort((hit, -scaled))
        hit, sums = hit[order], acc[hit[order]]
        if min_share > 0.0 and len(hit) > 3:
            floor = min_share * min(sum(map(self.weight, form.tokens)), sum(map(self.weight, form.glued)))
            keep = sums >= floor
            keep[:3] = True
            hit, sums = hit[keep], sums[keep]
        return hit, sums

    def by_identifier(self, value: str | None) -> list[tuple[int, str, str]]:
        """Entries holding the identifier exactly (letters and digits compared)."""
        key = id_key(value)
        if not key:
            return []
        return list(self.by_id.get(key, ()))


def _joined(a: str | None, b: str | None) -> str | None:
    """Two written words as one (``عبد`` + ``الحكيم``, Abdulhakim), when both were written so."""
    return a + b if a and b else None


def _fingerprint(engine: Engine, list_ids: Sequence[str] | None) -> str | None:
    """Active versions screened, and the code and vocabulary that build the index."""
    if not engine.table_exists("list_versions"):
        return None
    rows = engine.fetchall("SELECT list_id, version_id FROM list_versions WHERE active ORDER BY list_id")
    chosen = [f"{a}@{b}" for a, b in rows if not list_ids or a in list_ids]
    h = hashlib.sha256("\n".join(chosen).encode("utf-8"))
    here = Path(__file__).parent
    for name in (
        "text.py",
        "index.py",
        "score.py",
        "identifiers.py",
        "romanise.py",
        "transcribe.py",
        "russian.py",
    ):
        h.update((here / name).read_bytes())
    data = here.parent / "data" / "resolve"
    for name in (
        "name_terms.yaml",
        "confusables.csv",
        "name_variants.yaml",
        "romanisation.yaml",
        "russian_terms.yaml",
    ):
        h.update((data / name).read_bytes())
    return h.hexdigest()[:20]


def load_index(
    engine: Engine, list_ids: Sequence[str] | None = None, cache_dir: Path | None = None
) -> ListIndex:
    """The index of the active versions; with ``cache_dir``, kept there between runs.

    The cache file is named by a hash of the active version ids and of the
    code and vocabulary that build the index, so a new list version or a
    changed normaliser builds afresh; older files are removed.
    """
    key = _fingerprint(engine, list_ids) if cache_dir is not None else None
    if cache_dir is None or key is None:
        return ListIndex(load_entries(engine, list_ids))
    path = cache_dir / f"screen-index-{key}.pickle"
    if path.exists():
        try:
            with path.open("rb") as fh:
                cached = pickle.load(fh)
            if isinstance(cached, ListIndex):
                return cached
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
    index = ListIndex(load_entries(engine, list_ids))
    for old in cache_dir.glob("screen-index-*.pickle"):
        old.unlink(missing_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return index
