"""SANCTIONED_NETWORK: parties one or two hops from a listed party, and the 50% rule."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import EntityRef, Finding, stable_id
from tradetrace.detect.listed import ListedHit, by_key, has_rows, listed_hits, party_key_sql
from tradetrace.detect.party_keys import ensure_key_maps, rows_sql
from tradetrace.detect.sanctioned_party import OFAC_50, occurrences_sql
from tradetrace.detect.typologies import BIS_KYC, FINCEN_2022, FINCEN_2023_NOV
from tradetrace.engine import Engine

_KIND_TEXT = {"payment": "payments", "trade": "shipments"}
_PAYMENT_SIDES = (("payer_tax_id", "payer_name"), ("payee_tax_id", "payee_name"))
_PAYMENT_COLUMNS = "s.payer_tax_id, s.payer_name, s.payee_tax_id, s.payee_name, s.amount_usd"
_TRADE_SIDES = (("exporter_tax_id", "exporter_name"), ("importer_tax_id", "importer_name"))
_TRADE_COLUMNS = "s.exporter_tax_id, s.exporter_name, s.importer_tax_id, s.importer_name, s.value_usd"


@dataclass
class _Edge:
    a: str
    b: str
    kind: str  # payment, trade, relation
    text: str  # how a is tied to b, in words (with dates for relations)
    records: int = 0
    usd: float = 0.0
    name_a: str = ""
    name_b: str = ""


@dataclass
class _Target:
    key: str
    paths: list[tuple[str, list[_Edge]]] = field(default_factory=list)  # (listed key, edges)
    stakes: list[tuple[str, float, list[str]]] = field(default_factory=list)  # (listed key, stake, chain)


@dataclass
class SanctionedNetworkParams:
    match_threshold: float = param(0.9, "least screening score (party_matches) that counts as listed")
    identifier_types: str = param(
        "tax_id,registration_no,uscc,okpo", "list identifier types compared exactly with tax ids"
    )
    ownership_threshold: float = param(0.5, "aggregate listed ownership that blocks a firm (OFAC 50% rule)")
    max_chain: int = param(6, "longest ownership chain followed")
    max_records: int = param(300, "most records of the party cited per finding")
    max_paths: int = param(20, "most paths quoted in the explanation")


class SanctionedNetwork(Detector):
    """Parties tied to a listed party directly or through one intermediate party.

    Ties are payments (payer-payee), trade (importer-exporter) and recorded
    relations (owners, directors, officers, employees...) with their dates.
    A party one hop from a listed party, or two hops where at least one hop
    is a recorded relation (an officer of the listed firm who directs
    another), is reported with the path. Ownership is aggregated for the 50%
    rule: direct and indirect stakes of all listed owners are multiplied
    along chains and summed; at or above the threshold the firm is itself
    blocked, below it the aggregate is reported as a lower-scored lead.
    Sanctions reach such firms (OFAC 50% rule), and evasion runs through
    them (FinCEN/BIS: intermediaries and front companies).
    """

    name = "sanctioned_network"
    version = 1
    flags = ("SANCTIONED_NETWORK",)
    citations = (OFAC_50, FINCEN_2022, FINCEN_2023_NOV, BIS_KYC)
    Params = SanctionedNetworkParams
    requires = ("lists", ("shipments", "payments"))
    uses = ("relations", "parties", "party_matches", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: SanctionedNetworkParams = self.params
        engine = ctx.engine
        hits = listed_hits(engine, p.match_threshold, p.identifier_types)
        if not hits:
            return []
        listed = by_key(hits)
        has = {t: has_rows(engine, t) for t in ("shipments", "payments", "relations", "parties")}
        if has["shipments"] or has["payments"]:
            ensure_key_maps(engine)
        relations = _relation_edges(engine, has)
        # Payment and trade ties are read only around the listed parties and the parties
        # related to them: no path of one or two hops (at least one a relation) leaves them.
        near = set(listed) | {
            e.b if e.a in listed else e.a
            for e in relations
            if e.kind == "relation" and (e.a in listed or e.b in listed)
        }
        edges = [*_tx_edges(engine, has, near), *relations]
        adj: dict[str, list[_Edge]] = defaultdict(list)
        for e in edges:
            if e.kind != "stake":
                adj[e.a].append(e)
                adj[e.b].append(e)
        targets: dict[str, _Target] = {}
        for lk in sorted(listed):
            for e1 in adj.get(lk, []):
                mid = e1.b if e1.a == lk else e1.a
                if mid in listed:
                    continue
                targets.setdefault(mid, _Target(mid)).paths.append((lk, [e1]))
                for e2 in adj.get(mid, []):
                    far = e2.b if e2.a == mid else e2.a
                    if far in listed or far == lk or "relation" not in (e1.kind, e2.kind):
                        continue
                    targets.setdefault(far, _Target(far)).paths.append((lk, [e1, e2]))
        chains: dict[str, list[tuple[float, list[tuple[str, float | None]]]]] = defaultdict(list)
        for key, stake, chain in _stakes(edges, set(listed), p.max_chain):
            targets.setdefault(key, _Target(key))
            chains[key].append((stake, chain))
        if not targets or not (has["shipments"] or has["payments"]):
            return []
        own = _own_records(engine, has, sorted(targets))
        shown = {
            n
            for key in own
            if key in targets
            for n in [
                *(x for lk, es in targets[key].paths for e in es for x in (lk, e.a, e.b)),
                *(x for _, chain in chains.get(key, []) for x, _ in chain),
            ]
        }
        names = _names([*_tx_edges(engine, has, shown), *relations])
        for key, cs in chains.items():
            targets[key].stakes = [("", stake, _chain_label(chain, names)) for stake, chain in cs]
        findings: list[Finding] = []
        for key in sorted(targets):
            if key not in own:
                continue  # no trade or payments of its own: nothing in the trade data to cite
            findings.append(self._finding(targets[key], own[key], listed, names, p))
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self,
        t: _Target,
        own: tuple[str, list[tuple[str, date, float]]],
        listed: dict[str, list[ListedHit]],
        names: dict[str, str],
        p: SanctionedNetworkParams,
    ) -> Finding:
        name, records = own
        one = [(lk, es) for lk, es in t.paths if len(es) == 1]
        two = [(lk, es) for lk, es in t.paths if len(es) == 2]
        aggregate = sum(s for _, s, _ in t.stakes)
        listed_keys = sorted({lk for lk, _ in t.paths})
        value = sum(u for _, _, u in records)
        tie_usd = sum(es[0].usd for _, es in one)

        def path_text(lk: str, es: list[_Edge]) -> str:
            entry = listed[lk][0]
            out = f"{entry.entry_name} ({entry.list_id} {entry.entry_id})"
            node = lk
            for e in es:
                nxt = e.b if e.a == node else e.a
                arrow = f" —[{e.text}]→ " if e.a == node else f" ←[{e.text}]— "
                out += arrow + names.get(nxt, nxt)
                node = nxt
            return out

        paths = [path_text(lk, es) for lk, es in [*one, *two]][: p.max_paths]
        parts: list[str] = []
        if one:
            parts.append(f"{len(one)} direct tie(s) to {len({lk for lk, _ in one})} listed parties")
        if two:
            parts.append(f"{len(two)} two-hop path(s)")
        if t.stakes:
            chains = "; ".join(f"{' → '.join(c)} = {s:.0%}" for _, s, c in t.stakes[: p.max_paths])
            parts.append(f"aggregate listed ownership {aggregate:.0%} ({chains})")
        explanation = (
            f"{name} is in the network of listed parties: {', '.join(parts)}. Paths: {' | '.join(paths) or '-'}. "
            f"Ties through payments and trade carry ${tie_usd:,.0f}; {name} itself has ${value:,.0f} in "
            f"{len(records)} trade and payment records from {records[0][1].isoformat()} to "
            f"{records[-1][1].isoformat()}."
        )
        blocked = aggregate >= p.ownership_threshold
        direct_rel = any(es[0].kind == "relation" for _, es in one)
        n_listed = len({lk for lk, _ in one})
        if blocked:
            score = 0.85
        elif one:
            score = min(
                0.85, (0.7 if direct_rel else 0.6) + 0.05 * min(3, n_listed - 1) + (0.05 if two else 0.0)
            )
        elif two:
            score = 0.4
        else:
            score = round(0.25 + 0.3 * aggregate, 4)
        entities = [EntityRef(t.key, name, "related_party")]
        entities += [EntityRef(lk, listed[lk][0].entry_name, "listed_party") for lk in listed_keys]
        metrics: dict[str, Any] = {
            "one_hop": len(one),
            "two_hop": len(two),
            "listed_parties": [
                {"key": lk, "entries": [f"{h.list_id}:{h.entry_id}" for h in listed[lk]]}
                for lk in listed_keys
            ],
            "paths": paths,
            "tie_usd": round(tie_usd, 2),
            "aggregate_listed_ownership": round(aggregate, 4),
            "ownership_chains": [{"chain": c, "stake": round(s, 4)} for _, s, c in t.stakes],
            "blocked_by_ownership": blocked,
            "party_records": len(records),
            "party_usd": round(value, 2),
        }
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=round(score, 4),
            title=f"{name}: "
            + (
                f"{aggregate:.0%} owned by listed parties"
                if blocked
                else f"{len(t.paths)} tie(s) to listed parties"
            ),
            explanation=explanation,
            entities=entities,
            record_ids=[rid for rid, _, _ in records[: p.max_records]],
            period_start=records[0][1],
            period_end=records[-1][1],
            value_usd=tie_usd or value,
            metrics=metrics,
            citations=[*self.citations, *(h.citation() for lk in listed_keys for h in listed[lk])],
            finding_id=stable_id(self.name, t.key),
        )


def _tx_edges(engine: Engine, has: dict[str, bool], near: set[str]) -> list[_Edge]:
    """Payment then trade ties of the parties ``near`` (every tie with one end among them),
    each kind in key order, as the full list of ties would have them."""
    import pyarrow as pa

    out: list[_Edge] = []
    if not near or not (has["payments"] or has["shipments"]):
        return out
    keys = sorted(k for k in near if k is not None)
    engine.register("_tt_net_near", pa.table({"key": pa.array(keys, pa.string())}))
    try:
        if has["payments"]:
            for a, b, n, usd, na, nb in engine.fetchall(
                f"SELECT {party_key_sql('payer_tax_id', 'payer_name')}, {party_key_sql('payee_tax_id', 'payee_name')}, "
                "count(*), sum(coalesce(amount_usd, 0)), min(payer_name), min(payee_name) "
                f"FROM ({rows_sql('payments', _PAYMENT_SIDES, '_tt_net_near', _PAYMENT_COLUMNS)}) "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            ):
                out.append(_Edge(a, b, "payment", f"paid ${usd:,.0f} in {n} payments to", n, usd, na, nb))
        if has["shipments"]:
            for a, b, n, usd, na, nb in engine.fetchall(
                f"SELECT {party_key_sql('exporter_tax_id', 'exporter_name')}, "
                f"{party_key_sql('importer_tax_id', 'importer_name')}, count(*), sum(coalesce(value_usd, 0)), "
                "min(exporter_name), min(importer_name) "
                f"FROM ({rows_sql('shipments', _TRADE_SIDES, '_tt_net_near', _TRADE_COLUMNS)}) "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            ):
                out.append(_Edge(a, b, "trade", f"shipped ${usd:,.0f} in {n} shipments to", n, usd, na, nb))
    finally:
        engine.unregister("_tt_net_near")
    return [e for e in out if e.a != e.b]


def _relation_edges(engine: Engine, has: dict[str, bool]) -> list[_Edge]:
    out: list[_Edge] = []
    if has["relations"] and has["parties"]:
        key = party_key_sql("tax_id", "name")
        for a, b, rel, role, share, start, end, na, nb in engine.fetchall(
            f"WITH k AS (SELECT entity_id, min({key}) AS pkey, min(name) AS name FROM parties GROUP BY 1) "
            "SELECT coalesce(s.pkey, 'entity:' || r.source_id), coalesce(t.pkey, 'entity:' || r.target_id), "
            "r.relation, r.role, r.share_pct, r.start_date, r.end_date, coalesce(s.name, r.source_id), "
            "coalesce(t.name, r.target_id) FROM relations r "
            "LEFT JOIN k s ON s.entity_id = r.source_id LEFT JOIN k t ON t.entity_id = r.target_id "
            "ORDER BY 1, 2, 3, 6"
        ):
            what = str(rel) + (f" ({role})" if role else "") + (f" {share:g}%" if share is not None else "")
            span = (f" from {start.isoformat()}" if start else "") + (
                f" until {end.isoformat()} (former)" if end else " (current)"
            )
            e = _Edge(a, b, "relation", f"{what}{span} of", 0, 0.0, na, nb)
            e.records = -1 if end else 0  # -1 marks an ended relation for the ownership chain
            out.append(e)
            if rel == "owner" and share is not None:
                out.append(_Edge(a, b, "stake", f"{share:g}", -1 if end else 0, float(share) / 100.0, na, nb))
    return [e for e in out if e.a != e.b]


def _stakes(
    edges: list[_Edge], listed: set[str], max_chain: int
) -> list[tuple[str, float, list[tuple[str, float | None]]]]:
    """(owned party, stake, chain) for every current ownership chain from a listed owner;
    the chain is (party, its share held by the one before) from the listed owner on."""
    owns: dict[str, list[_Edge]] = defaultdict(list)
    for e in edges:
        if e.kind == "stake" and e.records == 0:
            owns[e.a].append(e)
    out: list[tuple[str, float, list[tuple[str, float | None]]]] = []

    def walk(node: str, stake: float, chain: list[tuple[str, float | None]], seen: set[str]) -> None:
        if len(chain) > max_chain:
            return
        for e in owns.get(node, []):
            if e.b in seen:
                continue
            s = stake * e.usd
            link: list[tuple[str, float | None]] = [*chain, (e.b, e.usd)]
            if e.b not in listed:
                out.append((e.b, s, link))
            walk(e.b, s, link, seen | {e.b})

    for lk in sorted(listed):
        if lk in owns:
            walk(lk, 1.0, [(lk, None)], {lk})
    return out


def _chain_label(chain: list[tuple[str, float | None]], names: dict[str, str]) -> list[str]:
    return [names.get(k, k) if share is None else f"{names.get(k, k)} ({share:.0%})" for k, share in chain]


def _names(edges: list[_Edge]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in edges:
        out.setdefault(e.a, e.name_a or e.a)
        out.setdefault(e.b, e.name_b or e.b)
    return out


def _own_records(
    engine: Engine, has: dict[str, bool], keys: list[str]
) -> dict[str, tuple[str, list[tuple[str, date, float]]]]:
    """Each key's most written name and its own trade and payment records."""
    import pyarrow as pa

    engine.register("_tt_net_keys", pa.table({"key": pa.array(keys, pa.string())}))
    try:
        rows = engine.fetchall(
            f"WITH occ AS ({occurrences_sql(has, '_tt_net_keys')}) SELECT pkey, name, record_id, date, usd, "
            "count(*) FROM occ WHERE pkey IN (SELECT key FROM _tt_net_keys) "
            "GROUP BY pkey, name, record_id, date, usd"
        )
    finally:
        engine.unregister("_tt_net_keys")
    # the most written name (ties: the first in order), and each record once
    names: dict[str, Counter[str]] = defaultdict(Counter)
    records: dict[str, set[tuple[str, date, float]]] = defaultdict(set)
    for key, name, record, day, usd, n in rows:
        if name is not None:
            names[str(key)][str(name)] += int(n)
        records[str(key)].add((str(record), day, float(usd)))
    out: dict[str, tuple[str, list[tuple[str, date, float]]]] = {}
    for key, recs in records.items():
        counted = names[key]
        name = min(counted, key=lambda x: (-counted[x], x)) if counted else "None"
        out[key] = (name, sorted(recs, key=lambda t: (t[1], t[0])))
    return out
