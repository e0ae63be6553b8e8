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
from tradetrace.detect.typologies import BIS_KYC, EU_EDD_2023, FINCEN_2023_NOV

FATF_BO = Citation(
    "FATF-R24-2023",
    "FATF guidance on beneficial ownership of legal persons (March 2023): nominees, former owners and "
    "related companies used to hide who stands behind a counterparty",
    "https://www.fatf-gafi.org/en/publications/Fatfrecommendations/Guidance-Beneficial-Ownership-Legal-Persons.html",
)


@dataclass
class RelatedPartiesParams:
    min_strength: float = param(0.5, "least lead strength (party_leads.strength) considered")
    min_shared: int = param(1, "least common counterparties when the two do not trade with each other")
    max_records: int = param(300, "most records cited per finding")
    group_kinds: str = param(
        "shared_email,shared_website",
        "lead kinds that also tie sister firms of one group: alone, they need trade between the two "
        "(shared customers of a corporate group are ordinary)",
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
    first) the detector finds nothing.
    """

    name = "related_parties"
    version = 1
    flags = ("RELATED_PARTIES",)
    citations = (FINCEN_2023_NOV, EU_EDD_2023, BIS_KYC, FATF_BO)
    Params = RelatedPartiesParams

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: RelatedPartiesParams = self.params
        engine = ctx.engine
        need = ("party_leads", "party_clusters", "party_mentions")
        if not all(has_rows(engine, t) for t in need):
            return []
        has = {t: has_rows(engine, t) for t in ("shipments", "payments")}
        if not any(has.values()):
            return []
        leads = engine.fetchall(
            "SELECT kind, cluster_a, name_a, cluster_b, name_b, strength, summary, evidence FROM party_leads "
            "WHERE strength >= ? ORDER BY cluster_a, cluster_b, strength DESC, kind",
            [p.min_strength],
        )
        if not leads:
            return []
        tx: list[str] = []
        if has["shipments"]:
            imp, exp = (
                party_key_sql("importer_tax_id", "importer_name"),
                party_key_sql("exporter_tax_id", "exporter_name"),
            )
            tx.append(
                f"SELECT {exp} AS a, {imp} AS b, record_id, date, value_usd AS usd, 'trade' AS kind FROM shipments"
            )
            tx.append(
                f"SELECT 'name:' || upper(trim(manufacturer)) AS a, {imp} AS b, record_id, date, value_usd AS usd, "
                "'made' AS kind FROM shipments WHERE coalesce(trim(manufacturer), '') <> ''"
            )
        if has["payments"]:
            tx.append(
                f"SELECT {party_key_sql('payer_tax_id', 'payer_name')} AS a, "
                f"{party_key_sql('payee_tax_id', 'payee_name')} AS b, record_id, date, amount_usd AS usd, "
                "'payment' AS kind FROM payments"
            )
        rows = engine.fetchall(
            "WITH lc AS (SELECT cluster_a AS cluster_id FROM party_leads WHERE strength >= ? "
            "UNION SELECT cluster_b FROM party_leads WHERE strength >= ?), "
            f"cm AS (SELECT DISTINCT c.cluster_id, {party_key_sql('m.tax_id', 'm.name')} AS pkey FROM party_clusters c "
            "JOIN party_mentions m USING (mention_id) WHERE c.cluster_id IN (SELECT cluster_id FROM lc) "
            "UNION SELECT DISTINCT c.cluster_id, 'name:' || upper(trim(m.name)) FROM party_clusters c "
            "JOIN party_mentions m USING (mention_id) WHERE c.cluster_id IN (SELECT cluster_id FROM lc)), "
            f"tx AS ({' UNION ALL '.join(tx)}) "
            "SELECT DISTINCT cm.cluster_id, tx.b, 'out' AS dir, tx.record_id, tx.date, coalesce(tx.usd, 0), tx.kind "
            "FROM tx JOIN cm ON cm.pkey = tx.a UNION ALL "
            "SELECT DISTINCT cm.cluster_id, tx.a, 'in', tx.record_id, tx.date, coalesce(tx.usd, 0), tx.kind "
            "FROM tx JOIN cm ON cm.pkey = tx.b",
            [p.min_strength, p.min_strength],
        )
        keys = engine.fetchall(
            f"SELECT DISTINCT c.cluster_id, {party_key_sql('m.tax_id', 'm.name')}, max(c.cluster_tax_id) "
            "FROM party_clusters c JOIN party_mentions m USING (mention_id) GROUP BY 1, 2"
        )
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
        group = {k.strip() for k in p.group_kinds.split(",") if k.strip()}
        if all(str(x[0]) in group for x in leads):
            shared = []
        if not direct and len(shared) < p.min_shared:
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
        if direct:
            score = min(0.9, 0.5 + 0.3 * strength + 0.05 * (len(kinds) - 1))
        else:
            score = min(0.6, 0.3 + 0.25 * strength + 0.05 * min(3, len(shared)))
        value = direct_usd or shared_usd
        severity = "high" if direct and value >= 1e6 else "medium" if direct else "low"
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
        }
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity=severity,
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
