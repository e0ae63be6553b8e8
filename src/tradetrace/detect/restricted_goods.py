"""RESTRICTED_GOODS: controlled goods reach a restricted destination after the rule took effect."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import Citation, EntityRef, Finding, stable_id
from tradetrace.detect.party_index import exporter_identities, party_index
from tradetrace.detect.restricted_lines import (
    Lines,
    chpl_tiers,
    goods_weight,
    most_common,
    restricted_lines,
    value_term,
)
from tradetrace.detect.typologies import EU_12G, EU_EDD_2023, FINCEN_2022, FINCEN_2023, UK_OTSI_2025
from tradetrace.model.rules import Rule

_LIMIT = 10  # suppliers / intermediaries named as entities


@dataclass
class RestrictedGoodsParams:
    min_value_usd: float = param(10_000.0, "least value (USD) of restricted goods a buyer received to report")
    min_shipments: int = param(1, "least number of shipment lines of restricted goods to report")
    min_third_share: float = param(
        0.1,
        "below this share of the value through third countries, the finding rests on restricted goods "
        "received directly alone (licences, wind-down contracts, exempt uses, HS headings wider than "
        "the controls): marked weak, never strong",
    )


class RestrictedGoods(Detector):
    """Goods under a restriction rule reach a restricted destination after the rule took effect.

    A line counts when a rule (CHPL tier, national list; see ``tradetrace
    rules``) covers its HS code, origin and destination and is in force on its
    date. Lines are summed per buyer (importer tax id, else name key, as in
    route switch): value and shipments by CHPL tier and by rule, first and
    last date, the makers and the exporters. The flag states a fact the rules
    make relevant; it is not proof of a breach (licences, wind-down periods
    and HS proxies for control-list entries are noted in the rules).

    Severity follows tier and value. The score ranks what deserves a look
    first: the share of the value that came through exporters in third
    countries outside the restricting jurisdictions (the circumvention the
    guidance warns about) weighs most, then value (log scale) and the priority
    of the goods (CHPL tiers 1-2 above the other tiers, above national lists)::

        score = 0.2 + 0.35 * third_country_share + 0.15 * value + 0.1 * goods_weight

    Direct deliveries from the restricting country alone stay below 0.5.
    """

    name = "restricted_goods"
    version = 1
    flags = ("RESTRICTED_GOODS",)
    citations = (FINCEN_2022, FINCEN_2023, EU_12G, EU_EDD_2023, UK_OTSI_2025)
    Params = RestrictedGoodsParams
    requires = ("shipments", "rules")
    uses = ("parties", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: RestrictedGoodsParams = self.params
        lines = restricted_lines(ctx)
        task = ctx.progress.task("restricted goods: buyers", total=1)
        e = ctx.engine
        t = lines.table
        buyers = e.fetchall(
            f"""SELECT buyer, dest, count(*), sum(value), COALESCE(sum(value) FILTER (WHERE outside), 0),
              min(date), max(date), array_agg(record_id ORDER BY date, record_id)
            FROM {t} WHERE since IS NOT NULL AND buyer IS NOT NULL
            GROUP BY buyer, dest HAVING sum(value) >= ? AND count(*) >= ?""",
            [p.min_value_usd, p.min_shipments],
        )
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_rg AS SELECT l.* FROM {t} l
            SEMI JOIN (SELECT buyer, dest FROM {t} WHERE since IS NOT NULL AND buyer IS NOT NULL
              GROUP BY buyer, dest HAVING sum(value) >= ? AND count(*) >= ?) b
              ON b.buyer = l.buyer AND b.dest = l.dest
            WHERE l.since IS NOT NULL""",
            [p.min_value_usd, p.min_shipments],
        )
        by_rule = e.fetchall(
            f"""SELECT l.buyer, l.dest, l.hs6, f.rule_id, count(*), sum(l.value) FROM _tt_rg l
            JOIN {lines.force} f ON f.combo = l.combo AND f.date = l.date GROUP BY ALL ORDER BY ALL"""
        )
        by_hs6 = e.fetchall("SELECT buyer, dest, hs6, count(*), sum(value) FROM _tt_rg GROUP BY ALL")
        idents, registered = exporter_identities(e, "_tt_rg", "outside", party_index(e))
        parties = [
            (*r[:4], idents.get(r[4], r[4]), registered[idents[r[4]]].name if idents.get(r[4]) in registered
             else r[5], *r[6:])
            for r in e.fetchall(
                """SELECT buyer, dest, supplier, supplier_name, ekey, exporter_name, third, outside, origin,
                  count(*), sum(value) FROM _tt_rg GROUP BY ALL ORDER BY ALL"""
            )
        ]  # fmt: skip
        names = most_common(e.fetchall("SELECT buyer, importer_name, count(*) FROM _tt_rg GROUP BY ALL"))
        first_seen = {
            (r[0], r[1], r[2]): r[3]
            for r in e.fetchall(
                f"""SELECT l.buyer, l.dest, l.supplier, min(l.date) FROM {t} l
                SEMI JOIN _tt_rg g ON g.buyer = l.buyer AND g.dest = l.dest AND g.supplier = l.supplier
                GROUP BY ALL"""
            )
        }
        e.drop_relation("_tt_rg")
        ctx_ = _Context(lines, chpl_tiers(), by_rule, by_hs6, parties, names, first_seen)
        findings = [self._finding(row, ctx_) for row in buyers]
        task.done()
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(self, row: tuple[Any, ...], c: _Context) -> Finding:
        buyer, dest, n, value, outside_v, first, last, rids = row
        key = (buyer, dest)
        rules = {r: c.lines.rule(r) for r in c.rules_of[key]}
        tiers: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        weight_sum = 0.0
        for hs6, cnt, v in c.hs6_of[key]:
            tier = c.tiers.get(hs6 or "")
            label = f"CHPL tier {tier}" if tier else "national lists only"
            tiers[label][0] += cnt
            tiers[label][1] += v
            weight_sum += v * goods_weight(hs6, [rules[r] for r in c.hs6_rules[key][hs6]], c.tiers)
        weight = weight_sum / value if value else 0.0
        share = outside_v / value if value else 0.0
        score = round(min(1.0, 0.2 + 0.35 * share + 0.15 * value_term(value) + 0.1 * weight), 4)
        suppliers, inters, new_v = c.party_summary(key)
        buyer_name = c.names.get(buyer, buyer)
        rule_rows = sorted(c.rule_totals[key].items(), key=lambda kv: (-kv[1][1], kv[0]))
        tier_rows = sorted(tiers.items(), key=lambda kv: (-kv[1][1], kv[0]))
        origins = sorted(c.origins[key])
        inter_countries = sorted({h for _, _, h, _ in inters})
        explanation = (
            f"{buyer_name} ({dest}) received {n} shipment lines worth ${value:,.0f} of goods under "
            f"restriction rules from {first.isoformat()} to {last.isoformat()}, each after the rule on it "
            f"took effect (origin {', '.join(origins)}). By CHPL tier of the goods: "
            + "; ".join(f"{label} ${v:,.0f} in {int(k)} lines" for label, (k, v) in tier_rows)
            + ". By rule (a line may fall under several): "
            + "; ".join(
                f"{rid} (in force from {rules[rid].effective_date.isoformat()}) ${v:,.0f} in {k} lines"
                for rid, (k, v) in rule_rows
            )
            + (". Makers: " + ", ".join(f"{nm} ${v:,.0f}" for _, nm, v in suppliers[:5]) if suppliers else "")
            + f". ${outside_v:,.0f} ({share:.0%}) came through exporters in third countries outside the "
            "restricting jurisdictions"
            + (": " + ", ".join(f"{nm} ({h}) ${v:,.0f}" for _, nm, h, v in inters[:5]) if inters else "")
            + f"; ${value - outside_v:,.0f} directly. ${new_v:,.0f} came from makers this buyer had "
            "not received goods from before the first restriction on the destination."
        )
        metrics: dict[str, Any] = {
            "destination": dest,
            "shipments": n,
            "value_usd": round(value, 2),
            "third_country_usd": round(outside_v, 2),
            "third_country_share": round(share, 4),
            "direct_usd": round(value - outside_v, 2),
            "new_supplier_usd": round(new_v, 2),
            "by_tier_usd": {label: round(v, 2) for label, (_, v) in tier_rows},
            "by_tier_shipments": {label: int(k) for label, (k, _) in tier_rows},
            "by_rule_usd": {rid: round(v, 2) for rid, (_, v) in rule_rows},
            "by_rule_shipments": {rid: k for rid, (k, _) in rule_rows},
            "first_date": first.isoformat(),
            "last_date": last.isoformat(),
            "origins": origins,
            "intermediary_countries": inter_countries,
            "goods_weight": round(weight, 3),
        }
        if share < self.params.min_third_share:
            metrics["weak"] = (
                "restricted goods received directly from their origin (or a restricting country) alone"
            )
        entities = [EntityRef(buyer, buyer_name, "importer")]
        entities += [EntityRef(k, nm, "supplier") for k, nm, _ in suppliers[:_LIMIT]]
        entities += [EntityRef(k, f"{nm} ({h})", "intermediary") for k, nm, h, _ in inters[:_LIMIT]]
        citations = [*self.citations, *(_rule_citation(rules[rid]) for rid, _ in rule_rows)]
        label = tier_rows[0][0] if tier_rows else "restricted goods"
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{buyer_name}: ${value / 1e6:,.2f}M of restricted goods ({label}) into {dest} after the "
            f"rules took effect, {share:.0%} via third countries",
            explanation=explanation,
            entities=entities,
            record_ids=list(rids),
            period_start=first,
            period_end=last,
            value_usd=float(value),
            metrics=metrics,
            citations=citations,
            finding_id=stable_id(self.name, buyer, dest),
        )


class _Context:
    """Per-buyer aggregates, indexed by (buyer, destination)."""

    def __init__(
        self,
        lines: Lines,
        tiers: dict[str, str],
        by_rule: list[tuple[Any, ...]],
        by_hs6: list[tuple[Any, ...]],
        parties: list[tuple[Any, ...]],
        names: dict[Any, str],
        first_seen: dict[tuple[str, str, str], date],
    ) -> None:
        self.lines, self.tiers, self.names, self.first_seen = lines, tiers, names, first_seen
        self.rules_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.hs6_rules: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.rule_totals: dict[tuple[str, str], dict[str, list[Any]]] = defaultdict(dict)
        for buyer, dest, hs6, rid, n, v in by_rule:
            key = (buyer, dest)
            self.rules_of[key].add(rid)
            self.hs6_rules[key][hs6].add(rid)
            tot = self.rule_totals[key].setdefault(rid, [0, 0.0])
            tot[0] += n
            tot[1] += v
        self.hs6_of: dict[tuple[str, str], list[tuple[str, int, float]]] = defaultdict(list)
        for buyer, dest, hs6, n, v in by_hs6:
            self.hs6_of[(buyer, dest)].append((hs6, n, v))
        self.parties: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        self.origins: dict[tuple[str, str], set[str]] = defaultdict(set)
        for row in parties:
            self.parties[(row[0], row[1])].append(row[2:])
            self.origins[(row[0], row[1])].add(row[8])

    def party_summary(
        self, key: tuple[str, str]
    ) -> tuple[list[tuple[str, str, float]], list[tuple[str, str, str, float]], float]:
        """Suppliers (key, name, value), third-country intermediaries (key, name, country, value)
        by value, and the value from suppliers first seen by the buyer after the rule."""
        sup_v: dict[str, float] = defaultdict(float)
        sup_n: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        int_v: dict[tuple[str, str], float] = defaultdict(float)
        int_n: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        new_v = 0.0
        since = self.lines.first_restriction.get(key[1])
        for supplier, s_name, ekey, e_name, third, outside, _origin, n, v in self.parties[key]:
            if supplier is not None:
                sup_v[supplier] += v
                sup_n[supplier][s_name or supplier] += n
                seen = self.first_seen.get((key[0], key[1], supplier))
                if since is not None and seen is not None and seen >= since:
                    new_v += v
            if outside and ekey is not None:
                int_v[(ekey, third)] += v
                int_n[ekey][e_name or ekey] += n
        suppliers = sorted(((k, _top(sup_n[k]), v) for k, v in sup_v.items()), key=lambda x: (-x[2], x[0]))
        inters = sorted(
            ((k, _top(int_n[k]), h, v) for (k, h), v in int_v.items()), key=lambda x: (-x[3], x[0], x[2])
        )
        return suppliers, inters, new_v


def _top(counts: dict[str, int]) -> str:
    return min(counts, key=lambda n: (-counts[n], n))


def _rule_citation(rule: Rule) -> Citation:
    cite = f"{rule.title}: {rule.citation.document}, {rule.citation.article}".rstrip(", ")
    return Citation(rule.id, cite, rule.url or "")
