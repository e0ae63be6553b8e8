"""RELATED_PARTIES: related-but-distinct parties that trade with each other or with the same firms."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import Citation, EntityRef, Finding, stable_id
from tradetrace.detect.listed import has_rows, party_key_sql
from tradetrace.detect.party_keys import NAME, TAX, ensure_key_maps
from tradetrace.detect.typologies import BIS_KYC, EU_EDD_2023, FINCEN_2023_NOV
from tradetrace.engine import Engine

FATF_BO = Citation(
    "FATF-R24-2023",
    "FATF guidance on beneficial ownership of legal persons (March 2023): nominees, former owners and "
    "related companies used to hide who stands behind a counterparty",
    "https://www.fatf-gafi.org/en/publications/Fatfrecommendations/Guidance-Beneficial-Ownership-Legal-Persons.html",
)


@dataclass
class RelatedPartiesParams:
    min_strength: float = param(0.5, "least lead strength (party_leads.strength) considered")
    min_shared: int = param(
        2,
        "least common counterparties when the two do not trade with each other (one shared large "
        "supplier or customer is ordinary)",
    )
    max_records: int = param(300, "most records cited per finding")
    group_kinds: str = param(
        "shared_email,shared_website",
        "lead kinds that also tie sister firms of one group: alone, they need trade between the two "
        "(shared customers of a corporate group are ordinary)",
    )
    strong_kinds: str = param(
        "shared_person,direct_relation,associated_people,shared_email,shared_phone",
        "lead kinds that tie two firms by people or private contacts; the others (similar_name, "
        "shared_address, shared_website) are weak: common among unrelated firms",
    )
    min_strong_strength: float = param(
        0.5, "least strength of a lead of a strong kind to count as strong (a phone shared by many is not)"
    )


@dataclass
class _Rec:
    record_id: str
    date: date
    usd: float
    kind: str  # trade, payment, made


class RelatedParties(Detector):
    """Two distinct parties tied by a lead trade with each other or with the same firms.

    Leads come from ``party_leads`` (``resolve``): near-identical names in
    different countries, shared current or former owners and officers (with
    dates), associates, shared contacts. A lead alone is not a red flag; it
    becomes one when the two trade (shipments, declared manufacturer or
    payments) with each other, or share counterparties: a maker selling to
    its namesake importer, co-owned until recently, keeps the business in the
    family after a restriction. Without ``party_leads`` (run ``resolve``
    first) it is not run.

    Ties are strong (a shared current or former owner or officer, a direct
    relation, associates, a private phone or e-mail shared by few firms) or
    weak (a similar name, a shared address, a shared website): namesakes and
    mass-registration addresses are common among unrelated firms. Scores::

        strong tie, trade between them      0.6 + 0.25 * strength + 0.05 * (kinds - 1), at most 0.9
        strong tie, shared counterparties   0.4 + 0.15 * strength + 0.03 * min(3, shared)
        two weak kinds, trade between them  0.45 + 0.1 * strength
        one weak kind, trade between them   0.35, marked weak (never strong)
        two weak kinds, shared counterparties  0.35

    A pair that does not trade with each other needs ``min_shared``
    counterparties in common, and a pair with one weak kind of tie and only
    shared counterparties (two namesakes buying from the same large supplier)
    is not reported at all: the lead stays in ``party_leads``.
    """

    name = "related_parties"
    version = 2
    flags = ("RELATED_PARTIES",)
    citations = (FINCEN_2023_NOV, EU_EDD_2023, BIS_KYC, FATF_BO)
    Params = RelatedPartiesParams
    requires = ("party_leads", "clusters", ("shipments", "payments"))
    uses = ("shipments", "payments")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: RelatedPartiesParams = self.params
        engine = ctx.engine
        has = {t: has_rows(engine, t) for t in ("shipments", "payments")}
        if not any(has.values()):
            return []  # the SQL of the ties needs one of them (the runner checks it too)
        leads = engine.fetchall(
            "SELECT kind, cluster_a, name_a, cluster_b, name_b, strength, summary, evidence FROM party_leads "
            "WHERE strength >= ? ORDER BY cluster_a, cluster_b, strength DESC, kind",
            [p.min_strength],
        )
        if not leads:
            return []
        strength = [p.min_strength, p.min_strength]
        rows, keys = _ties(engine, has, strength)
        pkeys: dict[str, set[str]] = defaultdict(set)
        tax: dict[str, str] = {}
        for cid, pk, tid in keys:
            pkeys[str(cid)].add(str(pk))
            if tid:
                tax[str(cid)] = str(tid)
        counter: dict[str, dict[str, list[tuple[str, _Rec]]]] = defaultdict(lambda: defaultdict(list))
        for cid, other, direction, rid, d, usd, kind in rows:
            counter[str(cid)][str(other)].append((str(direction), _Rec(str(rid), d, float(usd), str(kind))))
        by_pair: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for lead in leads:
            by_pair[(str(lead[1]), str(lead[3]))].append(lead)
        findings: list[Finding] = []
        for (a, b), ls in sorted(by_pair.items()):
            f = self._pair(a, b, ls, counter, pkeys, tax, p)
            if f:
                findings.append(f)
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _pair(
        self,
        a: str,
        b: str,
        leads: list[tuple[Any, ...]],
        counter: dict[str, dict[str, list[tuple[str, _Rec]]]],
        pkeys: dict[str, set[str]],
        tax: dict[str, str],
        p: RelatedPartiesParams,
    ) -> Finding | None:
        name_a, name_b = str(leads[0][2]), str(leads[0][4])
        ca, cb = counter.get(a, {}), counter.get(b, {})
        direct: dict[str, _Rec] = {}
        a_to_b = b_to_a = 0.0
        for other, recs in ca.items():
            if other in pkeys[b]:
                for direction, r in recs:
                    direct[r.record_id] = r
                    if direction == "out":
                        a_to_b += r.usd
                    else:
                        b_to_a += r.usd
        for other, recs in cb.items():
            if other in pkeys[a]:
                for _, r in recs:
                    direct.setdefault(r.record_id, r)
        own = pkeys[a] | pkeys[b]
        shared = sorted(set(ca) & set(cb) - own)
        group = _kinds(p.group_kinds)
        if all(str(x[0]) in group for x in leads):
            shared = []
        strong_kinds = _kinds(p.strong_kinds)
        strong = [x for x in leads if str(x[0]) in strong_kinds and float(x[5]) >= p.min_strong_strength]
        weak_kinds = {str(x[0]) for x in leads} - {str(x[0]) for x in strong}
        if not direct and (len(shared) < p.min_shared or (not strong and len(weak_kinds) < 2)):
            return None
        shared_recs: dict[str, _Rec] = {}
        for o in shared:
            for _, r in [*ca[o], *cb[o]]:
                shared_recs.setdefault(r.record_id, r)
        cited = sorted({**shared_recs, **direct}.values(), key=lambda r: (r.date, r.record_id))
        if not cited:
            return None
        direct_usd = sum(r.usd for r in direct.values())
        shared_usd = sum(r.usd for r in shared_recs.values())
        strength = max(float(x[5]) for x in leads)
        kinds = sorted({str(x[0]) for x in leads})
        ties = " ".join(f"{str(x[6]).rstrip('.')}." for x in leads)
        trade_text = (
            f"They trade with each other: ${direct_usd:,.0f} in {len(direct)} records "
            f"({name_a} → {name_b} ${a_to_b:,.0f}, {name_b} → {name_a} ${b_to_a:,.0f}; "
            f"{', '.join(sorted({r.kind for r in direct.values()}))}) from "
            f"{min(r.date for r in direct.values()).isoformat()} to {max(r.date for r in direct.values()).isoformat()}."
            if direct
            else "They do not trade with each other in the data."
        )
        shared_text = (
            f" They share {len(shared)} counterparties (${shared_usd:,.0f} in {len(shared_recs)} records)."
            if shared
            else ""
        )
        explanation = f"{name_a} and {name_b} are distinct but related: {ties} {trade_text}{shared_text}"
        weak = None
        if strong and direct:
            score = min(0.9, 0.6 + 0.25 * strength + 0.05 * (len(kinds) - 1))
        elif strong:
            score = 0.4 + 0.15 * strength + 0.03 * min(3, len(shared))
        elif direct and len(weak_kinds) >= 2:
            score = 0.45 + 0.1 * strength
        elif direct:
            score = 0.35
            weak = f"one weak tie alone ({kinds[0].replace('_', ' ')}) beside trade between the two"
        else:
            score = 0.35
        value = direct_usd or shared_usd
        role_a = "importer" if b_to_a > a_to_b else "supplier" if a_to_b > 0 else "related_party"
        role_b = "importer" if a_to_b > b_to_a else "supplier" if b_to_a > 0 else "related_party"
        entities = list(
            dict.fromkeys(
                [
                    EntityRef(tax.get(a, a), name_a, role_a),
                    EntityRef(tax.get(b, b), name_b, role_b),
                    EntityRef(tax.get(a, a), name_a, "related_party"),
                    EntityRef(tax.get(b, b), name_b, "related_party"),
                ]
            )
        )
        metrics: dict[str, Any] = {
            "lead_kinds": kinds,
            "strength": round(strength, 4),
            "ties": [
                {
                    "kind": str(x[0]),
                    "strength": float(x[5]),
                    "summary": str(x[6]),
                    "evidence": json.loads(x[7] or "{}"),
                }
                for x in leads
            ],
            "direct_records": len(direct),
            "direct_usd": round(direct_usd, 2),
            "a_to_b_usd": round(a_to_b, 2),
            "b_to_a_usd": round(b_to_a, 2),
            "shared_counterparties": len(shared),
            "shared_usd": round(shared_usd, 2),
            "clusters": [a, b],
            "strong_ties": sorted({str(x[0]) for x in strong}),
        }
        if weak:
            metrics["weak"] = weak
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=round(score, 4),
            title=f"{name_a} ↔ {name_b}: related ({', '.join(kinds)}), "
            + (
                f"${direct_usd / 1e6:,.2f}M traded between them"
                if direct
                else f"{len(shared)} shared counterparties"
            ),
            explanation=explanation,
            entities=entities,
            record_ids=[r.record_id for r in cited[: p.max_records]],
            period_start=cited[0].date,
            period_end=cited[-1].date,
            value_usd=value,
            metrics=metrics,
            citations=list(self.citations),
            finding_id=stable_id(self.name, a, b),
        )


def _kinds(text: str) -> set[str]:
    return {k.strip() for k in text.split(",") if k.strip()}


# The parties of a record: a (tax id, name) pair of columns a party key is made of (a
# maker has a name only); each kind of tie: (table, kind, side a, side b, condition).
_SIDES: dict[str, dict[str, tuple[str | None, str]]] = {
    "shipments": {
        "e": ("exporter_tax_id", "exporter_name"),
        "i": ("importer_tax_id", "importer_name"),
        "m": (None, "manufacturer"),
    },
    "payments": {"p": ("payer_tax_id", "payer_name"), "q": ("payee_tax_id", "payee_name")},
}
_TIES = (
    ("shipments", "trade", "e", "i", ""),
    ("shipments", "made", "m", "i", "coalesce(trim(manufacturer), '') <> ''"),
    ("payments", "payment", "p", "q", ""),
)
_USD = {"shipments": "value_usd", "payments": "amount_usd"}


def _ties(
    engine: Engine, has: dict[str, bool], strength: list[float]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The records tying each lead cluster to a counterparty that matters to one of its leads
    (cluster, other key, 'out' | 'in', record_id, date, usd, kind), and (cluster, party key,
    cluster tax id) of the lead clusters.

    A record ties a cluster to the party on its other side when one of the cluster's keys
    (its parties' tax id, else name, and name alone) is the key on this side. Rows are
    matched to clusters in one pass through the raw tax ids and names that carry a
    cluster's key (``party_keys``), not by keying every row; only the counterparties that
    are a party of the other side of a lead, or a counterparty of it too, matter, and only
    their records are read.
    """
    lead_clusters = (
        "SELECT cluster_a AS cluster_id FROM party_leads WHERE strength >= ? "
        "UNION SELECT cluster_b FROM party_leads WHERE strength >= ?"
    )
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_rp_cm AS
        SELECT DISTINCT c.cluster_id, {party_key_sql("m.tax_id", "m.name")} AS key FROM party_clusters c
        JOIN party_mentions m USING (mention_id) WHERE c.cluster_id IN ({lead_clusters})
        UNION SELECT DISTINCT c.cluster_id, 'name:' || upper(trim(m.name)) FROM party_clusters c
        JOIN party_mentions m USING (mention_id) WHERE c.cluster_id IN ({lead_clusters})""",
        strength * 2,
    )
    ensure_key_maps(engine)
    # raw tax id -> the clusters its key belongs to, or "empty" (no key: the name counts);
    # raw name -> the clusters its name key belongs to
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_rp_tm AS
        SELECT t.raw, t.key IS NULL AS empty, list(c.cluster_id ORDER BY c.cluster_id) FILTER (WHERE c.cluster_id IS NOT NULL) AS cl
        FROM {TAX} t LEFT JOIN _tt_rp_cm c ON c.key = t.key
        WHERE t.key IS NULL OR c.cluster_id IS NOT NULL GROUP BY t.raw, t.key"""
    )
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_rp_nm AS
        SELECT n.raw, list(c.cluster_id ORDER BY c.cluster_id) AS cl FROM {NAME} n JOIN _tt_rp_cm c ON c.key = n.key GROUP BY n.raw"""
    )
    ties: list[str] = []
    for table, sides in _SIDES.items():
        if not has[table]:
            continue
        joins, lists, cols = [], [], ["s.record_id AS rid"]
        for x, (tax, name) in sides.items():
            joins.append(f"LEFT JOIN _tt_rp_nm n_{x} ON n_{x}.raw = s.{name}")
            cols.append(f"s.{name}")
            if tax is None:
                lists.append(f"n_{x}.cl AS cl_{x}")
                continue
            joins.append(f"LEFT JOIN _tt_rp_tm t_{x} ON t_{x}.raw = s.{tax}")
            cols.append(f"s.{tax}")
            lists.append(
                f"CASE WHEN s.{tax} IS NULL OR t_{x}.empty THEN n_{x}.cl ELSE t_{x}.cl END AS cl_{x}"
            )
        matched = " OR ".join(f"cl_{x} IS NOT NULL" for x in sides)
        found = f"(SELECT * FROM (SELECT {', '.join(cols + lists)} FROM {table} s {' '.join(joins)}) WHERE {matched})"
        parts: list[str] = []
        for t, kind, a, b, cond in _TIES:
            if t != table:
                continue
            for direction, this, other in (("out", a, b), ("in", b, a)):
                o_tax, o_name = sides[other]
                parts.append(
                    f"SELECT unnest(cl_{this}) AS cluster_id, '{direction}' AS dir, '{kind}' AS kind, rid, "
                    f"{o_tax or 'CAST(NULL AS VARCHAR)'} AS o_tax, {o_name} AS o_name FROM r "
                    f"WHERE cl_{this} IS NOT NULL" + (f" AND {cond}" if cond else "")
                )
        ties.append(f"WITH r AS {found} {' UNION ALL '.join(parts)}")
    # every (cluster, record) tie, with the counterparty as written
    engine.execute("CREATE OR REPLACE TEMP TABLE _tt_rp_tie AS " + " UNION ALL ".join(f"({t})" for t in ties))
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_rp_o AS
        SELECT cluster_id, o_tax, o_name, {party_key_sql("o_tax", "o_name")} AS other
        FROM (SELECT DISTINCT cluster_id, o_tax, o_name FROM _tt_rp_tie)"""
    )
    # Only a counterparty of the other side of a lead matters to a pair: one of its
    # parties (a direct tie) or a counterparty of its own (shared). A missing key
    # counts as the text "None", as the Python of the detector sees it.
    fetch = " UNION ALL ".join(
        f"SELECT t.cluster_id, k.other, t.dir, s.record_id, s.date, coalesce(s.{_USD[table]}, 0), t.kind "
        f"FROM _tt_rp_tie t JOIN kept k ON k.cluster_id = t.cluster_id AND k.o_tax IS NOT DISTINCT FROM t.o_tax "
        f"AND k.o_name IS NOT DISTINCT FROM t.o_name JOIN {table} s ON s.record_id = t.rid "
        f"WHERE t.kind {'=' if table == 'payments' else '<>'} 'payment'"
        for table in _SIDES
        if has[table]
    )
    rows = engine.fetchall(
        f"""WITH pairs AS (
          SELECT cluster_a AS c, cluster_b AS d FROM party_leads WHERE strength >= ?
          UNION SELECT cluster_b, cluster_a FROM party_leads WHERE strength >= ?
        ),
        seen AS (
          SELECT cluster_id, coalesce(other, 'None') AS other FROM _tt_rp_o
          UNION SELECT c.cluster_id, coalesce({party_key_sql("m.tax_id", "m.name")}, 'None')
          FROM party_clusters c JOIN party_mentions m USING (mention_id)
          WHERE c.cluster_id IN (SELECT d FROM pairs)
        ),
        keep AS (SELECT DISTINCT p.c AS cluster_id, s.other FROM pairs p JOIN seen s ON s.cluster_id = p.d),
        kept AS (
          SELECT o.* FROM _tt_rp_o o
          SEMI JOIN keep k ON k.cluster_id = o.cluster_id AND k.other = coalesce(o.other, 'None')
        )
        SELECT DISTINCT * FROM ({fetch})""",
        strength,
    )
    keys = engine.fetchall(
        f"SELECT DISTINCT c.cluster_id, {party_key_sql('m.tax_id', 'm.name')}, max(c.cluster_tax_id) "
        "FROM party_clusters c JOIN party_mentions m USING (mention_id) "
        f"WHERE c.cluster_id IN ({lead_clusters}) GROUP BY 1, 2",
        strength,
    )
    for name in ("_tt_rp_cm", "_tt_rp_tm", "_tt_rp_nm", "_tt_rp_tie", "_tt_rp_o"):
        engine.drop_relation(name)
    return rows, keys
