"""ROUTE_SWITCH: a supplier's goods keep reaching the same buyer, but through
third countries, after direct supply stopped around a restriction date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import Citation, EntityRef, Finding, stable_id
from tradetrace.detect.shipment_keys import KeyedShipment, keyed_shipments
from tradetrace.model.rules import Rule

FINCEN_2022 = Citation(
    "FIN-2022-Alert003",
    "FinCEN & BIS joint alert: potential Russian export-control evasion (June 2022): "
    "transshipment through third countries; shipments rerouted after restrictions",
    "https://www.fincen.gov/sites/default/files/2022-06/FinCEN%20and%20Bis%20Joint%20Alert%20FINAL.pdf",
)
FINCEN_2023 = Citation(
    "FIN-2023-NTC2",
    "FinCEN & BIS supplemental alert (May 2023): evasion via third-country intermediaries and hubs",
    "https://www.fincen.gov/sites/default/files/shared/FinCEN_Joint_Notice_US_Export_Controls_FINAL508.pdf",
)
EU_12G = Citation(
    "EU-833/2014-Art12g",
    "Council Regulation (EU) 833/2014, Art. 12g and EU guidance on enhanced due diligence "
    "against circumvention (Sept 2023): re-export to Russia via third countries",
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02014R0833-20240625",
)


@dataclass
class RouteSwitchParams:
    min_rerouted_usd: float = param(100_000.0, "least value rerouted after the switch to report")
    min_rerouted_shipments: int = param(2, "least number of rerouted shipments after the switch")
    min_direct_usd: float = param(50_000.0, "least direct value in the look-back before the switch")
    lookback_days: int = param(730, "how far before the switch direct supply is measured")
    max_direct_after_share: float = param(
        0.2, "largest share of post-switch value still shipped directly (partial switches)"
    )
    max_rerouted_before_share: float = param(
        0.1, "largest share of pre-switch value already rerouted (routes used all along are not a switch)"
    )
    max_lag_days: int = param(730, "longest time from a restriction's entry into force to the switch")
    grace_days: int = param(45, "a switch this many days before a restriction still follows it")


@dataclass
class _Split:
    index: int  # shipments[:index] before, [index:] after
    score: float


class RouteSwitch(Detector):
    """Direct supply from the maker's country stops and the same goods keep arriving via hubs.

    For every buyer (importer, by tax id, else by name) and supplier (the
    maker: manufacturer, brand, or the exporter when it ships from the goods'
    origin country) of goods under a restriction rule, the shipments are put
    in date order and split where direct shipments give way to shipments
    through a third country (exporter or dispatch country other than origin
    and destination; the seller's country only when both are unknown). The split is the one that best separates direct
    before from rerouted after; it is reported when the rerouted value is
    material, little was rerouted before, little still comes direct after, and
    the switch follows a restriction on those goods. Reporters quote the
    direct value from the restriction to the switch and the rerouted value
    after it; both are here, with every shipment cited.
    """

    name = "route_switch"
    version = 1
    flags = ("ROUTE_SWITCH", "TRANSSHIPMENT_HUB")
    citations = (FINCEN_2022, FINCEN_2023, EU_12G)
    Params = RouteSwitchParams
    requires = ("shipments", "rules")
    uses = ("clusters",)

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: RouteSwitchParams = self.params
        groups = keyed_shipments(ctx)
        findings: list[Finding] = []
        for key, rows in sorted(groups.items()):
            finding = self._pair(key, rows, p)
            if finding:
                findings.append(finding)
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _pair(
        self, key: tuple[str, str, str, str], rows: list[KeyedShipment], p: RouteSwitchParams
    ) -> Finding | None:
        rows = sorted(rows, key=lambda r: (r.date, r.record_id))
        split = _best_split(rows, p.lookback_days)
        if split is None:
            return None
        before, after = rows[: split.index], rows[split.index :]
        last_direct = max((r.date for r in before if r.hub is None), default=None)
        rerouted_after = [r for r in after if r.hub is not None]
        if last_direct is None or not rerouted_after:
            return None
        window_start = last_direct - timedelta(days=p.lookback_days)
        recent = [r for r in before if r.date >= window_start]
        direct_recent = sum(r.value for r in recent if r.hub is None)
        rerouted_recent = sum(r.value for r in recent if r.hub is not None)
        r_after = sum(r.value for r in rerouted_after)
        d_after = sum(r.value for r in after if r.hub is None)
        if (
            r_after < p.min_rerouted_usd
            or len(rerouted_after) < p.min_rerouted_shipments
            or direct_recent < p.min_direct_usd
            or d_after > p.max_direct_after_share * (d_after + r_after)
            or rerouted_recent > p.max_rerouted_before_share * (direct_recent + rerouted_recent)
        ):
            return None
        first_rerouted = min(r.date for r in rerouted_after)
        rule = _restriction(rows, last_direct, first_rerouted, p)
        if rule is None:
            return None
        return self._finding(key, rows, rule, last_direct, first_rerouted, p)

    def _finding(
        self,
        key: tuple[str, str, str, str],
        rows: list[KeyedShipment],
        rule: Rule,
        last_direct: date,
        first_rerouted: date,
        p: RouteSwitchParams,
    ) -> Finding:
        buyer_key, supplier_key, origin, dest = key
        # Direct value is measured from the restriction to the switch; when direct
        # supply stopped just before the rule took effect (within the grace period),
        # it is measured over the year before the switch instead.
        since = (
            rule.effective_date if rule.effective_date <= last_direct else last_direct - timedelta(days=365)
        )
        window = [r for r in rows if r.date >= since]
        direct_before = [r for r in window if r.hub is None and r.date <= last_direct]
        rerouted = [r for r in window if r.hub is not None and r.date > last_direct]
        other = [r for r in window if r not in direct_before and r not in rerouted]
        d_val = sum(r.value for r in direct_before)
        r_val = sum(r.value for r in rerouted)
        by_hub: dict[str, float] = defaultdict(float)
        for r in rerouted:
            by_hub[r.hub or ""] += r.value
        hubs = sorted(by_hub, key=lambda h: (-by_hub[h], h))
        pre = sum(r.value for r in rows if r.hub is None and r.date < rule.effective_date)
        buyer = _most_common([r.buyer_name for r in rows])
        supplier = _most_common([r.supplier_name for r in rows])
        intermediaries = sorted({(r.exporter_key, r.exporter_name, r.hub or "") for r in rerouted})
        entities = [
            EntityRef(buyer_key, buyer, "importer"),
            EntityRef(supplier_key, supplier, "supplier"),
            *[EntityRef(k, f"{n} ({h})", "intermediary") for k, n, h in _first_names(intermediaries)],
        ]
        cited = sorted(window, key=lambda r: (r.date, r.record_id))
        share = r_val / (d_val + r_val) if d_val + r_val else 0.0
        lag = (first_rerouted - rule.effective_date).days
        score = _score(r_val, share, lag)
        hub_text = ", ".join(f"{h} ${by_hub[h]:,.0f}" for h in hubs)
        when = (
            f"when {rule.id} ({rule.title}) took effect"
            if since == rule.effective_date
            else f"a year before direct supply stopped, {(rule.effective_date - last_direct).days} days before "
            f"{rule.id} ({rule.title}) took effect on {rule.effective_date.isoformat()}"
        )
        explanation = (
            f"{buyer} received {len(window)} shipments of {supplier}'s goods (origin {origin}) "
            f"from {since.isoformat()}, {when}, to "
            f"{max(r.date for r in window).isoformat()}: ${d_val:,.0f} in {len(direct_before)} shipments "
            f"directly from {origin} until {last_direct.isoformat()}, then ${r_val:,.0f} in "
            f"{len(rerouted)} shipments through third countries ({hub_text}), the first on "
            f"{first_rerouted.isoformat()}. Before the restriction, ${pre:,.0f} had come directly."
        )
        metrics: dict[str, Any] = {
            "direct_before_usd": round(d_val, 2),
            "rerouted_after_usd": round(r_val, 2),
            "switch_date": last_direct.isoformat(),
            "first_rerouted_date": first_rerouted.isoformat(),
            "restriction_date": rule.effective_date.isoformat(),
            "window_start": since.isoformat(),
            "restriction_rule": rule.id,
            "hubs": hubs,
            "rerouted_by_hub_usd": {h: round(by_hub[h], 2) for h in hubs},
            "shipments": len(window),
            "direct_shipments": len(direct_before),
            "rerouted_shipments": len(rerouted),
            "other_shipments": len(other),
            "direct_pre_restriction_usd": round(pre, 2),
            "origin": origin,
            "destination": dest,
            "rerouted_share": round(share, 4),
            "monthly_usd": _monthly(rows),
            "routes": {r.record_id: "direct" if r.hub is None else r.hub for r in cited},
        }
        cite = f"{rule.title}: {rule.citation.document}, {rule.citation.article}".rstrip(", ")
        citations = [*self.citations, Citation(rule.id, cite, rule.url or "")]
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{supplier} → {buyer}: direct supply from {origin} stopped {last_direct.isoformat()}, "
            f"${r_val / 1e6:,.2f}M then arrived via {', '.join(hubs)}",
            explanation=explanation,
            entities=entities,
            record_ids=[r.record_id for r in cited],
            period_start=cited[0].date,
            period_end=cited[-1].date,
            value_usd=d_val + r_val,
            metrics=metrics,
            citations=citations,
            key=(buyer_key, supplier_key, origin, dest, rule.id),
            finding_id=stable_id(self.name, buyer_key, supplier_key, origin, dest),
        )


def _best_split(rows: list[KeyedShipment], lookback_days: int) -> _Split | None:
    """The split that best separates direct-before from rerouted-after (by value).

    Score of a split at i: direct value in the look-back before i, plus
    rerouted value after i, minus value on the wrong side of the split.
    """
    n = len(rows)
    direct = [r.value if r.hub is None else 0.0 for r in rows]
    rer = [r.value if r.hub is not None else 0.0 for r in rows]
    suffix_d = [0.0] * (n + 1)
    suffix_r = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix_d[i] = suffix_d[i + 1] + direct[i]
        suffix_r[i] = suffix_r[i + 1] + rer[i]
    best: _Split | None = None
    lo = 0
    win_d = win_r = 0.0
    for i in range(1, n):
        win_d += direct[i - 1]
        win_r += rer[i - 1]
        while rows[lo].date < rows[i - 1].date - timedelta(days=lookback_days):
            win_d -= direct[lo]
            win_r -= rer[lo]
            lo += 1
        if rows[i].hub is None or direct[i - 1] == 0.0:
            continue  # a switch starts with a rerouted shipment right after a direct one
        score = win_d + suffix_r[i] - win_r - suffix_d[i]
        if best is None or score > best.score:
            best = _Split(i, score)
    return best


def _restriction(
    rows: list[KeyedShipment], last_direct: date, first_rerouted: date, p: RouteSwitchParams
) -> Rule | None:
    """The latest rule on these goods in force when rerouting began, within the lag."""
    rules: dict[str, Rule] = {}
    for r in rows:
        for rule in r.rules:
            rules[rule.id] = rule
    limit = first_rerouted + timedelta(days=p.grace_days)
    eligible = [
        rule
        for rule in rules.values()
        if rule.effective_date <= limit and (last_direct - rule.effective_date).days <= p.max_lag_days
    ]
    if not eligible:
        return None
    return max(eligible, key=lambda rule: (rule.effective_date, rule.id))


def _score(rerouted_usd: float, share: float, lag_days: int) -> float:
    """0-1: grows with the rerouted value (log scale), the completeness of the
    switch and its closeness to the restriction. Documented in docs/scoring.md."""
    import math

    value = min(1.0, max(0.0, (math.log10(max(rerouted_usd, 1.0)) - 4.0) / 3.0))  # $10k→0, $10M→1
    closeness = 1.0 - min(1.0, max(0, lag_days) / 1095)
    return round(0.45 + 0.3 * value + 0.15 * share + 0.1 * closeness, 4) if share else 0.0


def _monthly(rows: list[KeyedShipment]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        out[r.date.strftime("%Y-%m")]["direct" if r.hub is None else r.hub] += r.value
    return {m: {k: round(v, 2) for k, v in sorted(out[m].items())} for m in sorted(out)}


def _most_common(names: list[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for n in names:
        counts[n] += 1
    return min(counts, key=lambda n: (-counts[n], n))


def _first_names(items: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    seen: dict[str, tuple[str, str, str]] = {}
    for k, n, h in items:
        seen.setdefault(k, (k, n, h))
    return list(seen.values())
