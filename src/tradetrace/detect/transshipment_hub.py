"""TRANSSHIPMENT_HUB: restricted goods reach the destination dispatched from a hub country,
on routes that are new, or much busier, since the restrictions."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import EntityRef, Finding, stable_id
from tradetrace.detect.party_index import exporter_identities, party_index
from tradetrace.detect.restricted_lines import (
    Lines,
    most_common,
    restricted_lines,
    value_term,
)
from tradetrace.detect.typologies import BIS_KYC, EU_EDD_2023, FINCEN_2022, FINCEN_2023, UK_OTSI_2025
from tradetrace.engine import Engine

Route = tuple[str, str, str, str]  # origin, hub, destination, HS4


@dataclass
class TransshipmentHubParams:
    baseline_days: int = param(
        730, "length of the history window that ends at the first restriction on the destination"
    )
    min_history_days: int = param(
        180, "least history the data must hold before the first restriction to call a route new"
    )
    jump_ratio: float = param(3.0, "yearly value after the rule over yearly value before that makes a jump")
    min_value_usd: float = param(25_000.0, "least value a buyer received via hubs after the rules to report")
    min_shipments: int = param(2, "least number of a buyer's shipment lines via hubs after the rules")


@dataclass
class _RouteStat:
    before_usd: float
    before_n: int
    after_usd: float
    after_n: int
    since: date
    new: bool
    ratio: float | None  # after / before per year; None when new

    @property
    def novelty(self) -> float:
        """1 for a new route; for a jump, grows with its size (3x -> 0.48, 10x and more -> 1)."""
        if self.new or self.ratio is None:
            return 1.0
        return min(1.0, math.log10(max(self.ratio, 1.0)))


class TransshipmentHub(Detector):
    """Goods of a restricting country reach a restricted destination dispatched from a hub country.

    A line counts when a restriction rule covers its goods, origin and
    destination and is in force on its date, and its exporter or dispatch
    country (neither the origin nor the destination; the seller's country
    only when both are unknown) is on an official
    hub list (FinCEN/BIS 2022 and 2023, UK OTSI 2025; lists are data). Each
    route, (origin, hub, destination, HS4), is measured against its own
    history: yearly value from the rule's entry into force on, against yearly
    value in the ``baseline_days`` before the first restriction on the
    destination (the pre-war baseline, as in the KSE Institute and EBRD
    studies). A route is flagged when it is new (no value in the baseline,
    and the data reach back at least ``min_history_days`` before it) or grew
    ``jump_ratio`` times or more. Findings are per buyer: what it received on
    flagged routes, with each route's before and after values and the list
    that names each hub.

    ``score = 0.5 + 0.25 * value + 0.15 * novelty`` (value on a log scale,
    $10k to $10M; novelty 1 for new routes, log10 of the jump otherwise,
    value-weighted over the buyer's routes). Severity follows the value.
    """

    name = "transshipment_hub"
    version = 1
    flags = ("TRANSSHIPMENT_HUB",)
    citations = (FINCEN_2022, FINCEN_2023, BIS_KYC, EU_EDD_2023, UK_OTSI_2025)
    Params = TransshipmentHubParams
    requires = ("shipments", "rules")
    uses = ("clusters",)

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: TransshipmentHubParams = self.params
        lines = restricted_lines(ctx)
        task = ctx.progress.task("transshipment hubs: routes", total=2)
        routes = _routes(ctx.engine, lines, p)
        task.advance()
        if not routes:
            task.done()
            return []
        e = ctx.engine
        keys = list(routes)
        e.register(
            "_tt_th_routes",
            pa.table({n: [k[i] for k in keys] for i, n in enumerate(("origin", "hub", "dest", "hs4"))}),
        )
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_th AS SELECT l.*, substr(l.hs_code, 1, 4) AS hs4 FROM {lines.table} l
            SEMI JOIN _tt_th_routes r ON r.origin = l.origin AND r.hub = l.hub AND r.dest = l.dest
              AND r.hs4 = substr(l.hs_code, 1, 4)
            WHERE l.since IS NOT NULL AND l.buyer IS NOT NULL"""
        )
        buyers = e.fetchall(
            """SELECT buyer, dest, count(*), sum(value), min(date), max(date),
              array_agg(record_id ORDER BY date, record_id) FROM _tt_th
            GROUP BY buyer, dest HAVING sum(value) >= ? AND count(*) >= ?""",
            [p.min_value_usd, p.min_shipments],
        )
        per_route: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for r in e.fetchall(
            "SELECT buyer, dest, origin, hub, hs4, count(*), sum(value) FROM _tt_th GROUP BY ALL ORDER BY ALL"
        ):
            per_route[(r[0], r[1])].append(r[2:])
        inters: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        idents, registered = exporter_identities(e, "_tt_th", "true", party_index(e))
        for r in e.fetchall(
            "SELECT buyer, dest, ekey, exporter_name, hub, supplier, supplier_name, count(*), sum(value) "
            "FROM _tt_th GROUP BY ALL ORDER BY ALL"
        ):
            ident = idents.get(r[2], r[2])
            name = registered[ident].name if ident in registered else r[3]
            inters[(r[0], r[1])].append((ident, name, *r[4:]))
        names = most_common(e.fetchall("SELECT buyer, importer_name, count(*) FROM _tt_th GROUP BY ALL"))
        history = _buyer_history(e, lines, p)
        for name in ("_tt_th", "_tt_th_routes"):
            e.drop_relation(name)
        findings = [self._finding(row, routes, per_route, inters, names, history, lines, p) for row in buyers]
        task.done()
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self,
        row: tuple[Any, ...],
        routes: dict[Route, _RouteStat],
        per_route: dict[tuple[str, str], list[tuple[Any, ...]]],
        inters: dict[tuple[str, str], list[tuple[Any, ...]]],
        names: dict[Any, str],
        history: dict[tuple[str, str, str, str], tuple[float, float]],
        lines: Lines,
        p: TransshipmentHubParams,
    ) -> Finding:
        buyer, dest, n, value, first, last, rids = row
        key = (buyer, dest)
        buyer_name = names.get(buyer, buyer)
        by_hub: dict[str, float] = defaultdict(float)
        route_rows: list[dict[str, Any]] = []
        novelty = 0.0
        for origin, hub, hs4, k, v in per_route[key]:
            stat = routes[(origin, hub, dest, hs4)]
            by_hub[hub] += v
            novelty += v * stat.novelty
            hist_hub, hist_direct = history.get((buyer, dest, origin, hs4), (0.0, 0.0))
            route_rows.append(
                {
                    "origin": origin, "hub": hub, "destination": dest, "hs4": hs4,
                    "buyer_after_usd": round(v, 2), "buyer_after_shipments": k,
                    "buyer_direct_before_usd": round(hist_direct, 2),
                    "buyer_via_hubs_before_usd": round(hist_hub, 2),
                    "route_before_usd": round(stat.before_usd, 2), "route_before_shipments": stat.before_n,
                    "route_after_usd": round(stat.after_usd, 2), "route_after_shipments": stat.after_n,
                    "route_rule_date": stat.since.isoformat(), "route_new": stat.new,
                    "route_jump": None if stat.ratio is None else round(stat.ratio, 2),
                }
            )  # fmt: skip
        route_rows.sort(key=lambda r: (-r["buyer_after_usd"], r["origin"], r["hub"], r["hs4"]))
        novelty = novelty / value if value else 0.0
        hubs = sorted(by_hub, key=lambda h: (-by_hub[h], h))
        first_r = lines.first_restriction.get(dest)
        base_start = first_r - timedelta(days=p.baseline_days) if first_r else None
        parts = []
        for r in route_rows[:8]:
            change = (
                "new route"
                if r["route_new"]
                else f"{r['route_jump']:.1f}x the yearly value before"
                if r["route_jump"] is not None
                else "grew"
            )
            parts.append(
                f"{r['origin']}→{r['hub']}→{dest} HS {r['hs4']}: ${r['buyer_after_usd']:,.0f} to this buyer; "
                f"the route carried ${r['route_before_usd']:,.0f} before and ${r['route_after_usd']:,.0f} "
                f"after {r['route_rule_date']} ({change}); this buyer got ${r['buyer_direct_before_usd']:,.0f} "
                f"of these goods directly from {r['origin']} before"
            )
        explanation = (
            f"{buyer_name} ({dest}) received {n} shipment lines worth ${value:,.0f} of restricted goods "
            f"from {first.isoformat()} to {last.isoformat()} dispatched from hub countries "
            f"({', '.join(f'{h} ${by_hub[h]:,.0f}' for h in hubs)}), each after the rule on the goods took "
            f"effect. Routes are compared with {base_start.isoformat() if base_start else 'the data start'} to "
            f"{first_r.isoformat() if first_r else '-'} (before the first restriction on {dest}): "
            + "; ".join(parts)
            + (f"; and {len(route_rows) - 8} more routes" if len(route_rows) > 8 else "")
            + f". Hubs as named by: {lines.hub_source(hubs)}."
        )
        ents = [EntityRef(buyer, buyer_name, "importer")]
        seen: set[str] = set()
        sup_v: dict[str, float] = defaultdict(float)
        sup_name: dict[str, str] = {}
        for ekey, ename, hub, supplier, sname, _k, v in sorted(inters[key], key=lambda r: (-r[6], str(r[0]))):
            if ekey is not None and ekey not in seen and len(seen) < 10:
                seen.add(ekey)
                ents.append(EntityRef(ekey, f"{ename} ({hub})", "intermediary"))
            if supplier is not None:
                sup_v[supplier] += v
                sup_name.setdefault(supplier, sname or supplier)
        for s in sorted(sup_v, key=lambda s: (-sup_v[s], s))[:5]:
            ents.append(EntityRef(s, sup_name[s], "supplier"))
        score = round(min(1.0, 0.5 + 0.25 * value_term(value) + 0.15 * novelty), 4)
        metrics: dict[str, Any] = {
            "destination": dest,
            "value_usd": round(value, 2),
            "shipments": n,
            "hubs": hubs,
            "by_hub_usd": {h: round(by_hub[h], 2) for h in hubs},
            "routes": route_rows,
            "novelty": round(novelty, 4),
            "baseline_start": base_start.isoformat() if base_start else None,
            "first_restriction": first_r.isoformat() if first_r else None,
            "hub_lists": sorted({h.id for c in hubs for h in lines.hub_lists.get(c, [])}),
        }
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{buyer_name}: ${value / 1e6:,.2f}M of restricted goods into {dest} via hubs "
            f"{', '.join(hubs)} on new or jumped routes",
            explanation=explanation,
            entities=ents,
            record_ids=list(rids),
            period_start=first,
            period_end=last,
            value_usd=float(value),
            metrics=metrics,
            citations=list(self.citations),
            finding_id=stable_id(self.name, buyer, dest),
        )


def _windows(engine: Engine, lines: Lines, p: TransshipmentHubParams) -> None:
    """Register (dest, base_start, first_date, known): the baseline window per destination."""
    dests, starts, firsts, known = [], [], [], []
    for dest, first in sorted(lines.first_restriction.items()):
        start = first - timedelta(days=p.baseline_days)
        dests.append(dest)
        starts.append(start)
        firsts.append(first)
        known.append(
            lines.data_start is not None and lines.data_start <= first - timedelta(days=p.min_history_days)
        )
    engine.register(
        "_tt_th_win",
        pa.table({"dest": pa.array(dests, pa.string()), "base_start": pa.array(starts, pa.date32()),
                  "first_date": pa.array(firsts, pa.date32()), "known": pa.array(known, pa.bool_())}),
    )  # fmt: skip


def _routes(engine: Engine, lines: Lines, p: TransshipmentHubParams) -> dict[Route, _RouteStat]:
    """Routes via hubs with value after the rules that are new or jumped since the baseline."""
    _windows(engine, lines, p)
    rows = engine.fetchall(
        f"""SELECT l.origin, l.hub, l.dest, substr(l.hs_code, 1, 4) AS hs4,
          COALESCE(sum(l.value) FILTER (WHERE l.date >= w.base_start AND l.date < w.first_date), 0),
          count(*) FILTER (WHERE l.date >= w.base_start AND l.date < w.first_date),
          COALESCE(sum(l.value) FILTER (WHERE l.since IS NOT NULL), 0),
          count(*) FILTER (WHERE l.since IS NOT NULL),
          min(l.since), min(w.known), min(w.base_start), min(w.first_date)
        FROM {lines.table} l JOIN _tt_th_win w ON w.dest = l.dest
        WHERE l.hub IS NOT NULL
        GROUP BY 1, 2, 3, 4 HAVING count(*) FILTER (WHERE l.since IS NOT NULL) > 0
        ORDER BY 1, 2, 3, 4"""
    )
    engine.drop_relation("_tt_th_win")
    out: dict[Route, _RouteStat] = {}
    end = lines.data_end
    for origin, hub, dest, hs4, b_v, b_n, a_v, a_n, since, known, base_start, first in rows:
        start = max(base_start, lines.data_start) if lines.data_start else base_start
        b_days = max((first - start).days, 1)
        a_days = max(((end or since) - since).days, 90)
        new = b_v <= 0 and bool(known)
        ratio = None if b_v <= 0 else (a_v / a_days) / (b_v / b_days)
        if new or (ratio is not None and ratio >= p.jump_ratio):
            out[(origin, hub, dest, hs4)] = _RouteStat(b_v, b_n, a_v, a_n, since, new, ratio)
    return out


def _buyer_history(
    engine: Engine, lines: Lines, p: TransshipmentHubParams
) -> dict[tuple[str, str, str, str], tuple[float, float]]:
    """(buyer, dest, origin, HS4) -> value via hubs and value direct from the origin,
    before the first restriction on the destination (all history before it)."""
    _windows(engine, lines, p)
    rows = engine.fetchall(
        f"""SELECT l.buyer, l.dest, l.origin, substr(l.hs_code, 1, 4),
          COALESCE(sum(l.value) FILTER (WHERE l.hub IS NOT NULL), 0),
          COALESCE(sum(l.value) FILTER (WHERE l.third IS NULL AND l.from_origin), 0)
        FROM {lines.table} l JOIN _tt_th_win w ON w.dest = l.dest
        SEMI JOIN _tt_th b ON b.buyer = l.buyer AND b.dest = l.dest
        WHERE l.date < w.first_date GROUP BY 1, 2, 3, 4"""
    )
    engine.drop_relation("_tt_th_win")
    return {(r[0], r[1], r[2], r[3]): (float(r[4]), float(r[5])) for r in rows}
