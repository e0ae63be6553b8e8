"""PRICE_ANOMALY: a buyer pays one exporter unit prices far above the norm for the goods and
their origin, on restricted goods (markups on rerouted goods)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import EntityRef, Finding, stable_id
from tradetrace.detect.party_index import exporter_identities, party_index
from tradetrace.detect.restricted_lines import most_common, restricted_lines, value_term
from tradetrace.detect.typologies import EU_EDD_2023, FINCEN_2022, FINCEN_2023_NOV, UK_OTSI_2025

_MAD = 1.4826  # MAD -> standard deviation for normal data
_MEDIAN_SE = 1.2533  # standard error of a median over that of a mean


@dataclass
class PriceAnomalyParams:
    min_support: int = param(10, "least lines of the same HS6, origin and unit behind a price norm")
    min_sigma: float = param(0.1, "floor on the spread of log unit values (avoids huge z for uniform prices)")
    min_lines: int = param(3, "least lines of a buyer, maker and route to judge their prices")
    min_ratio: float = param(2.0, "least ratio of the pair's median unit value to the norm")
    min_z: float = param(
        3.0, "least robust z of the median (grows with the square root of the number of lines)"
    )
    min_share: float = param(0.75, "least share of the lines priced on the same side of the norm")
    below: bool = param(False, "also report prices far below the norm (under-invoicing)")
    include_direct: bool = param(
        False, "also judge goods shipped without a third-country intermediary (brand premiums look alike)"
    )


class PriceAnomaly(Detector):
    """Unit values far from the norm for the same goods and origin, per buyer, maker and route.

    The norm for each (HS6, origin, unit of quantity) is the median of log
    unit values (USD per unit) over the shipment lines that are not under
    suspicion (all but the restricted goods sent through third countries
    after the restrictions), its spread the median absolute deviation: both
    robust to outliers, and computed only where ``min_support`` lines exist. Lines of goods
    a restriction rule covers, shipped after the first restriction on the
    destination through an exporter in a third country (``include_direct``
    adds the others: a maker's steady premium over its peers looks the same),
    are judged per buyer, maker and route: their median deviation must reach
    ``min_ratio`` times the norm, be ``min_z`` standard errors from it (single
    lines are too noisy; a median over n lines is sqrt(n) times steadier),
    and hold for ``min_share`` of the lines. The maker's own direct price to
    restricted destinations is reported beside the norm. Prices far above
    market are a red flag in the FinCEN/BIS alerts and OTSI guidance:
    intermediaries charge a premium for the risk of diverting controlled
    goods.

    ``score = 0.45 + 0.2 * min(1, ln(ratio) / ln(5)) + 0.15 * third_country_share
    + 0.1 * value`` (value: the premium paid over the norm, log scale).
    """

    name = "price_anomaly"
    version = 1
    flags = ("PRICE_ANOMALY",)
    citations = (FINCEN_2022, FINCEN_2023_NOV, EU_EDD_2023, UK_OTSI_2025)
    Params = PriceAnomalyParams
    requires = ("shipments", "rules")
    uses = ("parties", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: PriceAnomalyParams = self.params
        lines = restricted_lines(ctx)
        e = ctx.engine
        task = ctx.progress.task("price anomalies: norms", total=2)
        firsts = sorted(lines.first_restriction.items())
        e.register(
            "_tt_pa_first",
            pa.table({"dest": pa.array([d for d, _ in firsts], pa.string()),
                      "first_date": pa.array([f for _, f in firsts], pa.date32())}),
        )  # fmt: skip
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_pa_cand AS
            SELECT l.*, COALESCE(l.supplier, l.ekey) AS maker FROM {lines.table} l
            JOIN _tt_pa_first f ON f.dest = l.dest
            WHERE l.date >= f.first_date AND l.quantity > 0 AND l.value > 0 AND l.unit IS NOT NULL"""
        )
        route = "" if p.include_direct else "AND outside"
        cand = "_tt_pa_cand l"
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_pa_norm AS
            WITH g AS (SELECT DISTINCT l.hs6, l.origin, l.unit FROM {cand}),
            x AS (
              SELECT s.hs6, s.origin_country AS origin, s.unit, ln(s.value_usd / NULLIF(s.quantity, 0)) AS lu FROM shipments s
              SEMI JOIN g ON g.hs6 = s.hs6 AND g.origin = s.origin_country AND g.unit = s.unit
              ANTI JOIN (SELECT record_id FROM _tt_pa_cand WHERE outside) c ON c.record_id = s.record_id
              WHERE s.value_usd > 0 AND s.quantity > 0
            ),
            m AS (SELECT hs6, origin, unit, count(*) AS n, median(lu) AS med FROM x GROUP BY hs6, origin, unit)
            SELECT m.hs6, m.origin, m.unit, m.n, m.med, median(abs(x.lu - m.med)) AS mad
            FROM x JOIN m ON m.hs6 = x.hs6 AND m.origin = x.origin AND m.unit = x.unit
            GROUP BY m.hs6, m.origin, m.unit, m.n, m.med HAVING m.n >= ?""",
            [p.min_support],
        )
        task.advance()
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_pa AS
            SELECT l.*, ln(l.value / NULLIF(l.quantity, 0)) - n.med AS dev,
              (ln(l.value / NULLIF(l.quantity, 0)) - n.med) / NULLIF(greatest({_MAD} * n.mad, ?), 0) AS z,
              exp(n.med) AS norm_uv, n.n AS norm_n
            FROM {cand} JOIN _tt_pa_norm n ON n.hs6 = l.hs6 AND n.origin = l.origin AND n.unit = l.unit""",
            [p.min_sigma],
        )
        rows = e.fetchall(
            f"""WITH p AS (
              SELECT buyer, maker, dest, outside, count(*) AS n, median(dev) AS mdev, median(z) AS mz
              FROM _tt_pa WHERE buyer IS NOT NULL AND maker IS NOT NULL {route} GROUP BY buyer, maker, dest, outside
              HAVING count(*) >= ?
            )
            SELECT p.buyer, p.maker, p.dest, p.outside, p.n, p.mdev, p.mz, sum(a.value),
              avg(CASE WHEN a.dev * p.mdev > 0 THEN 1.0 ELSE 0.0 END),
              sum(a.value * (1 - exp(-a.dev))), COALESCE(sum(a.value) FILTER (WHERE a.outside), 0),
              min(a.date), max(a.date), array_agg(a.record_id ORDER BY a.date, a.record_id)
            FROM p JOIN _tt_pa a ON a.buyer = p.buyer AND a.maker = p.maker AND a.dest = p.dest
              AND a.outside = p.outside
            GROUP BY p.buyer, p.maker, p.dest, p.outside, p.n, p.mdev, p.mz ORDER BY ALL""",
            [p.min_lines],
        )
        flagged = [
            r
            for r in rows
            if (r[5] > 0 or p.below)
            and math.exp(abs(r[5])) >= p.min_ratio
            and abs(r[6]) * math.sqrt(r[4]) / _MEDIAN_SE >= p.min_z
            and r[8] >= p.min_share
        ]
        details = self._details(e, flagged, lines.table)
        for name in ("_tt_pa_norm", "_tt_pa", "_tt_pa_cand", "_tt_pa_first"):
            e.drop_relation(name)
        findings = [self._finding(r, details) for r in flagged]
        task.done()
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _details(self, e: Any, flagged: list[tuple[Any, ...]], table: str) -> dict[str, Any]:
        if not flagged:
            return {}
        keys = {tuple(r[:4]) for r in flagged}
        goods: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for r in e.fetchall(
            f"""SELECT a.buyer, a.maker, a.dest, a.outside, a.hs6, a.origin, a.unit, count(*),
              median(a.value / NULLIF(a.quantity, 0)), min(a.norm_uv), min(a.norm_n), min(d.uv), min(d.n)
            FROM _tt_pa a LEFT JOIN (
              SELECT supplier, hs6, origin, unit, median(value / NULLIF(quantity, 0)) AS uv, count(*) AS n FROM {table}
              WHERE third IS NULL AND from_origin AND quantity > 0 AND value > 0 GROUP BY ALL
            ) d ON d.supplier = a.maker AND d.hs6 = a.hs6 AND d.origin = a.origin AND d.unit = a.unit
            GROUP BY a.buyer, a.maker, a.dest, a.outside, a.hs6, a.origin, a.unit ORDER BY ALL"""
        ):
            if tuple(r[:4]) in keys:
                goods[tuple(r[:4])].append(r[4:])
        # spellings of one exporter (scripts, transliterations) count as one firm
        idents, parties = exporter_identities(e, "_tt_pa", "ekey IS NOT NULL", party_index(e))
        exporters: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for r in e.fetchall(
            """SELECT buyer, maker, dest, outside, ekey, exporter_name, third, count(*), sum(value)
            FROM _tt_pa WHERE ekey IS NOT NULL GROUP BY ALL ORDER BY ALL"""
        ):
            if tuple(r[:4]) in keys:
                ident = idents.get(r[4], r[4])
                name = parties[ident].name if ident in parties else r[5]
                exporters[tuple(r[:4])].append((ident, name, *r[6:]))
        return {
            "goods": goods,
            "exporters": exporters,
            "buyers": most_common(
                e.fetchall("SELECT buyer, importer_name, count(*) FROM _tt_pa GROUP BY ALL")
            ),
            "makers": most_common(
                e.fetchall("SELECT maker, supplier_name, count(*) FROM _tt_pa GROUP BY ALL")
            ),
        }

    def _finding(self, r: tuple[Any, ...], d: dict[str, Any]) -> Finding:
        buyer, maker, dest, outside, n, mdev, mz, value, share, premium, outside_v, first, last, rids = r
        key = (buyer, maker, dest, outside)
        ratio = math.exp(mdev)
        bname, mname = d["buyers"].get(buyer, buyer), d["makers"].get(maker, maker)
        goods = d["goods"].get(key, [])
        ex_v: dict[str, float] = defaultdict(float)
        ex_name: dict[str, str] = {}
        ex_country: dict[str, str] = {}
        for ekey, ename, third, _k, v in d["exporters"].get(key, []):
            ex_v[ekey] += v
            ex_name.setdefault(ekey, ename or ekey)
            if third:
                ex_country.setdefault(ekey, third)
        exporters = sorted(ex_v, key=lambda k: (-ex_v[k], k))
        via = ", ".join(
            f"{ex_name[k]}" + (f" ({ex_country[k]})" if k in ex_country else "") for k in exporters[:5]
        )
        pair_z = abs(mz) * math.sqrt(n) / _MEDIAN_SE
        parts = [
            f"HS {hs6} from {origin}: median ${uv:,.2f} per {unit} in {k} lines against a norm of ${norm:,.2f} "
            f"({norm_n} lines)"
            + (
                f"; the maker's direct shipments to restricted destinations: ${direct:,.2f} ({dn} lines)"
                if direct
                else ""
            )
            for hs6, origin, unit, k, uv, norm, norm_n, direct, dn in goods[:6]
        ]
        out_share = outside_v / value if value else 0.0
        route = "through third countries" if outside else "without a third-country intermediary"
        explanation = (
            f"{bname} ({dest}) paid a median {ratio:.1f} times the usual unit value for {mname}'s goods of their "
            f"origin, {route}, via {via or 'unnamed exporters'}: {n} lines of restricted goods worth ${value:,.0f} "
            f"from {first.isoformat()} to {last.isoformat()}, after the first restriction on {dest} "
            f"({share:.0%} of the lines on that side of the norm; robust z of the median {pair_z:.1f}). "
            + "; ".join(parts)
            + f". Paid over the norm: ${premium:,.0f}. Norms are medians of log unit values of the same HS6, "
            "origin and unit over the lines not routed through third countries since the restrictions; the "
            "spread is the median absolute deviation."
        )
        score = 0.45 + 0.2 * min(1.0, abs(mdev) / math.log(5)) + 0.15 * out_share
        score = round(min(0.9, score + 0.1 * value_term(abs(premium))), 4)
        role = "intermediary" if outside else "exporter"
        ents = [EntityRef(buyer, bname, "importer"), EntityRef(maker, mname, "supplier")]
        ents += [
            EntityRef(k, ex_name[k] + (f" ({ex_country[k]})" if k in ex_country else ""), role)
            for k in exporters[:10]
            if k != maker
        ]
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{bname} paid {ratio:.1f}x the usual unit value for {mname}'s goods {route} "
            f"({n} lines, ${value / 1e6:,.2f}M)",
            explanation=explanation,
            entities=ents,
            record_ids=list(rids),
            period_start=first,
            period_end=last,
            value_usd=float(value),
            metrics={
                "destination": dest,
                "third_country_route": bool(outside),
                "ratio": round(ratio, 3),
                "median_log_deviation": round(mdev, 4),
                "pair_z": round(pair_z, 2),
                "share_same_side": round(share, 3),
                "premium_usd": round(premium, 2),
                "third_country_share": round(out_share, 4),
                "exporters": {ex_name[k]: round(ex_v[k], 2) for k in exporters},
                "goods": [
                    {
                        "hs6": g[0],
                        "origin": g[1],
                        "unit": g[2],
                        "lines": g[3],
                        "median_unit_usd": round(g[4], 4),
                        "norm_unit_usd": round(g[5], 4),
                        "norm_lines": g[6],
                        "maker_direct_median_unit_usd": None if g[7] is None else round(g[7], 4),
                        "maker_direct_lines": g[8],
                    }
                    for g in goods
                ],
                "shipments": n,
                "value_usd": round(value, 2),
            },
            citations=list(self.citations),
            finding_id=stable_id(self.name, buyer, maker, dest, "third" if outside else "direct"),
        )
