"""Shipment lines of goods under a restriction rule, keyed once and shared by detectors.

Most red-flag detectors look at the same rows: lines whose goods, origin and
destination some restriction rule covers, at any date (so that the history
before the rule is there to compare with). ``restricted_lines(ctx)`` builds
them once into temporary tables and returns a handle; later detectors of the
same run reuse them, and a fingerprint of the loaded shipment files and of the
rules says when they must be rebuilt.

``_tt_rl`` holds one row per line with the cleaned facts (value in USD,
quantity, unit, weight, brand, model), the keys of ``shipment_keys`` (buyer,
supplier = the maker, ekey = the exporter) and three route columns:

- ``third``: the first of exporter and dispatch country that is neither the
  origin nor the destination (as ``shipment_keys`` defines a hub); the
  trading (seller's) country only when both are unknown: a trader elsewhere
  invoicing goods shipped from their origin is not a hub route;
- ``hub``: the first of them that an official hub list names (hub lists are
  data: ``data/reference/hubs.yaml`` and users' rule files);
- ``outside``: ``third`` is outside every restricting country of the rules on
  those goods (a Dutch distributor of German goods is not an intermediary
  around EU rules; a Turkish trader is).

``since`` is the earliest entry into force among the rules in force on the
line's date (NULL when none is), and ``_tt_rl_force`` lists those rules:
``(combo, date, rule_id, effective_date)``.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from tradetrace.detect.base import DetectContext
from tradetrace.detect.keys.shipments import DEST, key_parties
from tradetrace.engine import Engine
from tradetrace.model.hs import chpl
from tradetrace.model.rules import ANY_ORIGIN, HubList, Rule, RuleSet

TABLE = "_tt_rl"
FORCE = "_tt_rl_force"
_META = "_tt_rl_meta"
_CARRY = (
    "record_id", "date", "value", "combo", "origin", "dest", "hs_code", "hs6", "quantity", "unit",
    "net_kg", "importer_name", "tax", "exporter_name", "etax", "exporter_address", "exporter_country",
    "third", "hub", "outside", "from_origin", "manufacturer", "brand", "model",
)  # fmt: skip
_TIER_WEIGHT = {"1": 1.0, "2": 1.0, "3.A": 0.85, "3.B": 0.85, "4.A": 0.85, "4.B": 0.85}


@dataclass(frozen=True)
class Lines:
    """Handle on the shared tables, with the rule facts detectors explain findings with."""

    table: str
    force: str
    rules: RuleSet
    first_restriction: dict[str, date]  # destination -> earliest entry into force of a rule on it
    hub_lists: dict[str, list[HubList]]  # country -> official lists naming it as a hub
    data_start: date | None
    data_end: date | None

    def rule(self, rule_id: str) -> Rule:
        return self.rules.get(rule_id)

    def hub_source(self, countries: Iterable[str]) -> str:
        """Which official lists name these hub countries, in words."""
        lists: dict[str, HubList] = {}
        for c in countries:
            for h in self.hub_lists.get(c, []):
                lists[h.id] = h
        return "; ".join(
            f"{h.title} ({h.date.isoformat()}): "
            + ", ".join(sorted(c for c in countries if h in self.hub_lists.get(c, [])))
            for h in sorted(lists.values(), key=lambda h: (h.date, h.id))
        )


def chpl_tiers() -> dict[str, str]:
    """HS6 -> CHPL tier."""
    return {item.hs6: item.tier for item in chpl()}


def goods_weight(hs6: str | None, rules: Sequence[Rule], tiers: dict[str, str]) -> float:
    """How high a priority the goods are: CHPL tiers 1-2 highest, then the other tiers,
    then goods only on national lists (prohibitions above licence requirements)."""
    if hs6 and hs6 in tiers:
        return _TIER_WEIGHT[tiers[hs6]]
    if any(r.kind == "prohibition" for r in rules):
        return 0.7
    return 0.5


def value_term(usd: float, low: float = 1e4, high: float = 1e7) -> float:
    """0-1 on a log scale: ``low`` -> 0, ``high`` -> 1."""
    span = math.log10(high) - math.log10(low)
    return min(1.0, max(0.0, (math.log10(max(usd, 1.0)) - math.log10(low)) / span))


def most_common(rows: Iterable[tuple[Any, str | None, int]]) -> dict[Any, str]:
    """(key, name, count) rows -> the most frequent name per key (ties: the smallest name)."""
    best: dict[Any, tuple[int, str]] = {}
    for key, name, n in rows:
        if name is None:
            continue
        cur = best.get(key)
        if cur is None or (-n, name) < (-cur[0], cur[1]):
            best[key] = (n, name)
    return {k: v[1] for k, v in best.items()}


def _fingerprint(engine: Engine, rules: RuleSet) -> str:
    parts: list[str] = [str(engine.scalar("SELECT count(*) FROM shipments"))]
    if engine.table_exists("loads"):
        parts += [
            str(r[0])
            for r in engine.fetchall("SELECT load_id FROM loads WHERE kind = 'shipments' ORDER BY load_id")
        ]
    from tradetrace.graph.identity import clusters_fingerprint

    parts.append(clusters_fingerprint(engine))  # buyers are keyed through their clusters
    for r in rules:
        parts.append(
            repr((r.id, r.kind, r.effective_date, r.end_date, r.goods, r.restricting, r.destinations))
        )
    parts += [repr(sorted(rules.groups.items())), repr(sorted(rules.hub_countries().items()))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _first_restrictions(rules: RuleSet) -> dict[str, date]:
    first: dict[str, date] = {}
    for r in rules:
        for d in rules.expand(r.destinations):
            if d not in first or r.effective_date < first[d]:
                first[d] = r.effective_date
    return first


def restricted_lines(ctx: DetectContext) -> Lines:
    """Build (or reuse) the shared tables for this workspace state and these rules."""
    engine, rules = ctx.engine, ctx.rules
    fp = _fingerprint(engine, rules)
    cached = (
        engine.fetchone(f"SELECT fp, start_date, end_date FROM {_META}")
        if engine.table_exists(_META)
        else None
    )
    if cached is None or cached[0] != fp:
        task = ctx.progress.task("restricted goods: lines", total=3)
        _build(engine, rules)
        task.advance()
        engine.execute(
            f"CREATE OR REPLACE TEMP TABLE {_META} AS SELECT CAST(? AS VARCHAR) AS fp, "
            "min(date) AS start_date, max(date) AS end_date FROM shipments",
            [fp],
        )
        cached = engine.fetchone(f"SELECT fp, start_date, end_date FROM {_META}")
        task.done()
    assert cached is not None
    hubs: dict[str, list[HubList]] = defaultdict(list)
    by_id = {h.id: h for h in rules.hub_lists}
    for country, ids in rules.hub_countries().items():
        hubs[country] = [by_id[i] for i in ids]
    return Lines(TABLE, FORCE, rules, _first_restrictions(rules), dict(hubs), cached[1], cached[2])


def _register_rules(engine: Engine, rules: RuleSet) -> None:
    combos = engine.fetchall(
        f"SELECT DISTINCT s.hs_code, s.origin_country, {DEST} FROM shipments s "
        f"WHERE s.hs_code IS NOT NULL AND s.origin_country IS NOT NULL AND {DEST} IS NOT NULL ORDER BY 1, 2, 3"
    )
    goods: dict[str, list[Any]] = {"hs_code": [], "origin": [], "dest": [], "combo": []}
    applies: dict[str, list[Any]] = {"combo": [], "rule_id": [], "effective_date": [], "end_date": []}
    restr: dict[str, list[Any]] = {"combo": [], "country": []}
    for i, (code, origin, dest) in enumerate(combos):
        found = rules.applicable(code, origin, dest)
        if not found:
            continue
        for key, value in (("hs_code", code), ("origin", origin), ("dest", dest), ("combo", i)):
            goods[key].append(value)
        countries: set[str] = set()
        for r in found:
            applies["combo"].append(i)
            applies["rule_id"].append(r.id)
            applies["effective_date"].append(r.effective_date)
            applies["end_date"].append(r.end_date)
            countries |= rules.expand(r.restricting, allow_any=True) - {ANY_ORIGIN}
        for c in sorted(countries):
            restr["combo"].append(i)
            restr["country"].append(c)
    int64 = pa.int64()
    engine.register(
        "_tt_rl_goods",
        pa.table(goods, schema=pa.schema([("hs_code", pa.string()), ("origin", pa.string()),
                                          ("dest", pa.string()), ("combo", int64)])),
    )  # fmt: skip
    engine.register(
        "_tt_rl_rules",
        pa.table(applies, schema=pa.schema([("combo", int64), ("rule_id", pa.string()),
                                            ("effective_date", pa.date32()), ("end_date", pa.date32())])),
    )  # fmt: skip
    engine.register(
        "_tt_rl_restr", pa.table(restr, schema=pa.schema([("combo", int64), ("country", pa.string())]))
    )


def _build(engine: Engine, rules: RuleSet) -> None:
    _register_rules(engine, rules)
    hubs = sorted(rules.hub_countries())
    in_hubs = "(" + ", ".join(f"'{c}'" for c in hubs) + ")" if hubs else "(NULL)"

    # the seller's country (G11) counts only when neither the exporter's nor the dispatch country
    # is known: goods shipped from their origin and invoiced by a trader elsewhere are a direct
    # shipment, long-standing practice (docs/detectors.md, "route")
    seller = "s.exporter_country IS NULL AND s.dispatch_country IS NULL AND "

    def first(pred: str) -> str:
        return "CASE " + " ".join(
            f"WHEN {seller if c == 'trading_country' else ''}s.{c} IS NOT NULL AND s.{c} NOT IN (g.origin, g.dest)"
            f"{pred.format(c=f's.{c}')} THEN s.{c}"
            for c in ("exporter_country", "dispatch_country", "trading_country")
        ) + " END"  # fmt: skip

    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_rl_src AS
        WITH x AS (
          SELECT s.record_id, s.date, s.value_usd AS value, g.combo, g.origin, g.dest, s.hs_code,
            substr(s.hs_code, 1, 6) AS hs6, s.quantity, s.unit, s.net_weight_kg AS net_kg,
            s.importer_name, upper(regexp_replace(s.importer_tax_id, '[^0-9A-Za-z]', '', 'g')) AS tax,
            s.exporter_name, upper(regexp_replace(s.exporter_tax_id, '[^0-9A-Za-z]', '', 'g')) AS etax,
            s.exporter_address, s.exporter_country, s.manufacturer, s.brand, s.model,
            {first("")} AS third,
            {first(" AND {c} IN " + in_hubs)} AS hub,
            COALESCE(s.exporter_country = g.origin OR s.dispatch_country = g.origin, false) AS from_origin
          FROM shipments s JOIN _tt_rl_goods g
            ON g.hs_code = s.hs_code AND g.origin = s.origin_country AND g.dest = {DEST}
          WHERE s.value_usd IS NOT NULL
        )
        SELECT x.*, (x.third IS NOT NULL AND r.country IS NULL) AS outside
        FROM x LEFT JOIN _tt_rl_restr r ON r.combo = x.combo AND r.country = x.third"""
    )
    helpers = key_parties(engine, "_tt_rl_src", "_tt_rl_keyed", _CARRY, prefix="_tt_rl")
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {FORCE} AS
        SELECT l.combo, l.date, r.rule_id, r.effective_date
        FROM (SELECT DISTINCT combo, date FROM _tt_rl_keyed) l
        JOIN _tt_rl_rules r ON r.combo = l.combo AND r.effective_date <= l.date
          AND (r.end_date IS NULL OR l.date < r.end_date)"""
    )
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {TABLE} AS
        SELECT k.*, f.since FROM _tt_rl_keyed k
        LEFT JOIN (SELECT combo, date, min(effective_date) AS since FROM {FORCE} GROUP BY combo, date) f
          ON f.combo = k.combo AND f.date = k.date"""
    )
    for name in ("_tt_rl_src", "_tt_rl_keyed", "_tt_rl_goods", "_tt_rl_rules", "_tt_rl_restr", *helpers):
        engine.drop_relation(name)
