"""Screening one name (or many) against the active lists: ``Screener.match``.

For a query (name, and optionally country, tax id, kind, birth date) the
screener takes the candidate names from the blocking index plus every entry
holding the query's identifier, scores each candidate entry on all of its
blocked names (best name wins), adds identifier, country, date and kind
evidence, and returns the entries above the threshold, best first, each with
a per-feature explanation.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradetrace.model.country import normalize_country
from tradetrace.resolve.identifiers import describe, id_key
from tradetrace.resolve.index import Entry, ListIndex, load_index
from tradetrace.resolve.score import Model, NameScore, Side, Sims, load_model, name_features, sigmoid
from tradetrace.resolve.text import NameForm, analyse, scripts_of

if TYPE_CHECKING:
    from tradetrace.engine import Engine

__all__ = ["Candidate", "Match", "Query", "Screener"]

_KINDS = {"person": "person", "individual": "person", "company": "company", "organization": "company"}
_KINDS.update({"organisation": "company", "entity": "company", "vessel": "vessel", "aircraft": "aircraft"})
_LATIN = frozenset({"Latin"})
_SPLIT_SCRIPTS = frozenset({"Han", "Hangul"})  # a person's name in one word is split only in these


@dataclass(frozen=True)
class Query:
    """What is screened: a name, and what else is known about the party."""

    name: str
    country: str | None = None
    tax_id: str | None = None
    kind: str | None = None
    birth_date: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A scored candidate entry before the threshold (calibration reads these)."""

    entry: int
    name_idx: int
    name: NameScore
    name_logit: float
    logit: float
    evidence: dict[str, Any]
    decisive: bool


@dataclass(frozen=True)
class Match:
    """A list entry that matched a query, with the score and why."""

    list_id: str
    version_id: str
    entry_id: str
    name: str
    matched_name: str
    name_type: str
    kind: str
    score: float
    explanation: dict[str, Any]
    decisive: bool = False
    content_hash: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_id,
            "entry_id": self.entry_id,
            "name": self.name,
            "score": self.score,
            "explanation": self.explanation,
        }


def _norm_kind(kind: str | None) -> str | None:
    return _KINDS.get(kind.strip().lower()) if kind else None


def _year(date: str) -> int | None:
    head = date[:4]
    return int(head) if head.isdigit() else None


def _date_evidence(query: str, listed: Sequence[str], model: Model) -> tuple[float, str]:
    """Log-odds from birth dates: the best agreement between the query date and any listed one."""
    qy = _year(query)
    if qy is None or not listed:
        return 0.0, ""
    best: tuple[float, str] | None = None
    for d in listed:
        y = _year(d)
        if y is None:
            continue
        if d[:10] == query[:10] and len(d) >= 10 and len(query) >= 10:
            ev = (model.prior("dob_same_day"), f"same date {d}")
        elif y == qy:
            ev = (model.prior("dob_same_year"), f"same year {y}")
        elif abs(y - qy) == 1:
            ev = (model.prior("dob_year_off_by_one"), f"year {y} vs {qy}")
        else:
            ev = (model.prior("dob_mismatch"), f"year {y} vs {qy}")
        if best is None or ev[0] > best[0]:
            best = ev
    return best or (0.0, "")


@dataclass
class Screener:
    """Screens names against an index of list entries with a calibrated model."""

    index: ListIndex
    model: Model = field(default_factory=load_model)
    block_limit: int = 25
    min_share: float = 0.4

    @classmethod
    def from_engine(
        cls, engine: Engine, lists: Sequence[str] | None = None, cache_dir: Path | None = None, **kw: Any
    ) -> Screener:
        """A screener over the active list versions (``cache_dir`` keeps the index between runs)."""
        return cls(load_index(engine, lists, cache_dir), **kw)

    # -- scoring ---------------------------------------------------------
    def candidates(self, query: Query) -> list[Candidate]:
        """Every candidate entry with its best name and total log-odds, best first."""
        idx = self.index
        model = self.model
        kind = _norm_kind(query.kind)
        # an unknown kind is read both ways: as a person for person entries,
        # as an organisation (legal forms removed) for the others
        as_org = analyse(query.name, "company") if kind != "person" else None
        as_person = analyse(query.name, "person") if kind in (None, "person") else None
        read: dict[NameForm, list[tuple[str, Side, Sims]]] = {}
        for f in (as_org, as_person):
            if f is not None and f not in read:
                read[f] = idx.query_forms(f)
        qforms = {
            "person": read[as_person] if as_person is not None else read[as_org] if as_org else [],
            "other": read[as_org] if as_org is not None else read[as_person] if as_person else [],
        }
        by_entry: dict[int, list[int]] = {}
        # block once: on the organisation reading when there is one (legal forms
        # are generic words that only add noise), else on the person reading
        base = as_org if as_org is not None and as_org.tokens else as_person
        derived = not (scripts_of(query.name) <= _LATIN)
        blocked = (
            set(idx.block(base, self.block_limit, self.min_share, derived)[0].tolist()) if base else set()
        )
        if (
            as_person is not None
            and as_org is not None
            and base is as_org
            and as_person.scripts & _SPLIT_SCRIPTS
            and set(as_person.glued) - set(as_org.glued)
        ):
            # a person reading with words of its own (a Korean or Chinese name split into family and
            # given name) finds its candidates too
            blocked.update(idx.block(as_person, self.block_limit, self.min_share, derived)[0].tolist())
        for n in sorted(blocked):
            by_entry.setdefault(idx.name_entry[n], []).append(n)
        id_hits: dict[int, tuple[str, str]] = {}
        for e, itype, value in idx.by_identifier(query.tax_id):
            id_hits.setdefault(e, (itype, value))
            by_entry.setdefault(e, [])
        country = normalize_country(query.country) if query.country else None
        out: list[Candidate] = []
        # the shorter forms of listed person names (short_names.py) serve queries written in another
        # script: a Latin query keeps the weights fitted on Latin spellings, which already allow for
        # a word of the listed name left out, so it neither blocks on them (above) nor scores them
        for e, names in by_entry.items():
            entry = idx.entries[e]
            if not names:  # an entry found by its identifier alone
                names = [n for n in idx.entry_names[e] if derived or idx.name_type[n] != "derived"][:5]
            best: tuple[float, int, NameScore] | None = None
            qf = qforms["person" if entry.kind == "person" else "other"]
            for n in names:
                split, glued = idx.sides[n]
                pairs = [  # a translated query meets the entry's words as written (split)
                    (label, q, sims, split if label in ("split", "translated") or glued is None else glued)
                    for label, q, sims in qf
                    if label != "glued" or glued is not None or q.tokens != qf[0][1].tokens
                ]
                ns = name_features(pairs)
                logit = model.name_logit(ns.features)
                ntype = idx.name_type[n]
                if ntype == "weak":
                    logit += model.prior("weak_alias")
                elif ntype == "derived":
                    logit += model.prior("derived_name")
                elif ntype != "primary":
                    logit += model.prior("alias")
                if best is None or logit > best[0]:
                    best = (logit, n, ns)
            if best is None:
                continue
            name_logit, n_best, ns_best = best
            evidence: dict[str, Any] = {}
            total = name_logit
            decisive = False
            if e in id_hits:
                itype, value = id_hits[e]
                check = describe(
                    value, next(iter(entry.countries), None) if len(entry.countries) == 1 else None
                )
                decisive = True
                lift = model.prior("identifier_match")
                # decisive, yet a better name still ranks higher (and 1.0 is never reached)
                total = lift + 0.5 * max(total, 0.0)
                evidence["identifier"] = {
                    "query": query.tax_id,
                    "entry": value,
                    "type": itype,
                    "check": check.description if check else "no checksum scheme recognised",
                    "logit": lift,
                    "decisive": True,
                }
            elif query.tax_id:
                mismatch = self._id_mismatch(query.tax_id, entry)
                if mismatch:
                    v = model.prior("identifier_mismatch")
                    total += v
                    evidence["identifier"] = {"query": query.tax_id, "entry": mismatch, "logit": v}
            if kind and entry.kind != "unknown" and kind != entry.kind:
                v = model.prior("kind_mismatch")
                total += v
                evidence["kind"] = {"query": kind, "entry": entry.kind, "logit": v}
            if country and entry.countries:
                hit = country in entry.countries
                v = model.prior("country_match" if hit else "country_mismatch")
                total += v
                evidence["country"] = {"query": country, "entry": sorted(entry.countries), "logit": v}
            if query.birth_date and entry.birth_dates:
                v, why = _date_evidence(query.birth_date, entry.birth_dates, model)
                if why:
                    total += v
                    evidence["birth_date"] = {
                        "query": query.birth_date,
                        "entry": list(entry.birth_dates),
                        "why": why,
                        "logit": v,
                    }
            out.append(Candidate(e, n_best, ns_best, name_logit, total, evidence, decisive))
        out.sort(
            key=lambda c: (
                -c.logit,
                self.index.entries[c.entry].list_id,
                self.index.entries[c.entry].entry_id,
            )
        )
        return out

    @staticmethod
    def _id_mismatch(tax_id: str, entry: Entry) -> str | None:
        """The entry's identifier of the same checksum scheme, when it differs from the query's."""
        qcheck = describe(tax_id)
        if qcheck is None:
            return None
        for _itype, value, country in entry.identifiers:
            check = describe(value, country or None)
            if check is not None and check.scheme == qcheck.scheme and id_key(value) != id_key(tax_id):
                return value
        return None

    def explain(self, query: Query, cand: Candidate) -> dict[str, Any]:
        idx = self.index
        ns = cand.name
        a = ns.alignment
        q_t, c_t = ns.q_tokens, ns.c_tokens
        used_q = {i for qi, _, _, _ in a.pairs for i in qi}
        used_c = {j for _, cj, _, _ in a.pairs for j in cj}
        name_part = {
            "query": query.name,
            "matched": idx.name_text[cand.name_idx],
            "name_type": idx.name_type[cand.name_idx],
            "form": ns.form,
            "aligned": [
                [" ".join(q_t[i] for i in qi), " ".join(c_t[j] for j in cj), round(s, 3), how]
                for qi, cj, s, how in a.pairs
            ],
            "unmatched_query": [q_t[i] for i in range(len(q_t)) if i not in used_q],
            "unmatched_entry": [c_t[j] for j in range(len(c_t)) if j not in used_c],
            "features": {k: round(v, 4) for k, v in ns.features.items()},
            "logit": round(cand.name_logit, 4),
        }
        out: dict[str, Any] = {"name": name_part}
        for key, value in cand.evidence.items():
            out[key] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in value.items()}
        out["logit"] = round(cand.logit, 4)
        return out

    def match(
        self,
        name: str,
        country: str | None = None,
        tax_id: str | None = None,
        kind: str | None = None,
        birth_date: str | None = None,
        *,
        limit: int = 5,
        threshold: float | None = None,
    ) -> list[Match]:
        """Entries matching the party above the threshold, best first (at most ``limit``)."""
        return self.match_query(
            Query(name, country, tax_id, kind, birth_date), limit=limit, threshold=threshold
        )

    def match_query(self, query: Query, *, limit: int = 5, threshold: float | None = None) -> list[Match]:
        cut = self.model.threshold if threshold is None else threshold
        out: list[Match] = []
        for cand in self.candidates(query):
            score = sigmoid(cand.logit)
            if score < cut or len(out) >= limit:
                break
            entry = self.index.entries[cand.entry]
            out.append(
                Match(
                    list_id=entry.list_id,
                    version_id=entry.version_id,
                    entry_id=entry.entry_id,
                    name=entry.name,
                    matched_name=self.index.name_text[cand.name_idx],
                    name_type=self.index.name_type[cand.name_idx],
                    kind=entry.kind,
                    score=round(score, 4),
                    explanation=self.explain(query, cand),
                    decisive=cand.decisive,
                    content_hash=entry.content_hash,
                )
            )
        return out

    def match_many(
        self,
        queries: Iterable[Query],
        *,
        workers: int = 1,
        limit: int = 5,
        threshold: float | None = None,
        chunk: int = 500,
    ) -> list[list[Match]]:
        """Screen many queries; ``workers`` > 1 forks processes sharing the index."""
        items = list(queries)
        if workers <= 1 or len(items) < 2 * chunk:
            return [self.match_query(q, limit=limit, threshold=threshold) for q in items]
        global _WORKER
        _WORKER = (self, limit, threshold)
        try:
            ctx = mp.get_context("fork")
            parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
            with ctx.Pool(workers) as pool:
                results = pool.map(_screen_chunk, parts)
        finally:
            _WORKER = None
        return [m for part in results for m in part]


_WORKER: tuple[Screener, int, float | None] | None = None


def _screen_chunk(queries: list[Query]) -> list[list[Match]]:
    assert _WORKER is not None
    screener, limit, threshold = _WORKER
    return [screener.match_query(q, limit=limit, threshold=threshold) for q in queries]
