"""GOODS_IDENTITY: the same brand and model reach a restricted destination through
several intermediaries in third countries, attributed back to the maker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import EntityRef, Finding, stable_id
from tradetrace.detect.keys.goods import STRIP_SQL, placeholders
from tradetrace.detect.party_index import exporter_identities, party_index, register_map
from tradetrace.detect.restricted_lines import Lines, restricted_lines, value_term
from tradetrace.detect.typologies import EU_12G, EU_EDD_2023, FINCEN_2022, FINCEN_2023, UK_OTSI_2025


@dataclass
class GoodsIdentityParams:
    min_intermediaries: int = param(
        3, "least number of distinct intermediaries (spellings of one firm folded) for one model"
    )
    min_countries: int = param(2, "least number of intermediary countries for one model")
    min_model_chars: int = param(4, "shortest model designation (after normalising) that identifies goods")
    require_digit: bool = param(
        True, "a model designation must contain a digit (else it is a word, not a model)"
    )
    min_value_usd: float = param(10_000.0, "least value of the model through intermediaries to report")


class GoodsIdentity(Detector):
    """One maker's model keeps arriving in a restricted destination through many intermediaries.

    Brand and model are compared without case, spaces or punctuation
    ("HMO-4054 MSO" = "HMO4054 MSO"); "no brand" placeholders (ОТСУТСТВУЕТ,
    N/A, БЕЗ МАРКИ... in ``data/detect/goods_identity.yaml``) and designations
    too short or without a digit are ignored. Goods are attributed to their
    maker as route switch does (a brand stands for the maker it is most often
    declared with). For lines of restricted goods after the rule took effect,
    exported by firms in third countries outside the restricting
    jurisdictions, a model is flagged when it came through at least
    ``min_intermediaries`` exporters in ``min_countries`` countries. The same
    item reaching one market through many unrelated traders in hub countries
    is how diverted Western components show up in trade data (the KSE and
    RUSI studies; the no-re-export clause of Art. 12g exists because of it).
    Findings are per maker and destination, listing each model with its
    intermediaries, buyers and the maker's direct sales of it before.

    ``score = 0.5 + 0.2 * value + 0.2 * min(1, (intermediaries - 2) / 4)``.
    """

    name = "goods_identity"
    version = 1
    flags = ("GOODS_IDENTITY",)
    citations = (FINCEN_2022, FINCEN_2023, EU_12G, EU_EDD_2023, UK_OTSI_2025)
    Params = GoodsIdentityParams
    requires = ("shipments", "rules")
    uses = ("parties", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: GoodsIdentityParams = self.params
        lines = restricted_lines(ctx)
        e = ctx.engine
        task = ctx.progress.task("goods identity: models", total=1)
        no_brand, no_model = placeholders()
        e.register("_tt_gi_nob", pa.table({"k": pa.array(sorted(no_brand), pa.string())}))
        e.register("_tt_gi_nom", pa.table({"k": pa.array(sorted(no_model), pa.string())}))
        digit = "AND regexp_matches(mk, '[0-9]')" if p.require_digit else ""
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_gi AS
            WITH l AS (
              SELECT l.*, regexp_replace(upper(l.model), '{STRIP_SQL}', '', 'g') AS mk,
                regexp_replace(upper(l.brand), '{STRIP_SQL}', '', 'g') AS bk
              FROM {lines.table} l WHERE l.model IS NOT NULL AND l.supplier IS NOT NULL
            )
            SELECT * FROM l
            WHERE length(mk) >= ? {digit}
              AND mk NOT IN (SELECT k FROM _tt_gi_nom)
              AND (bk IS NULL OR bk NOT IN (SELECT k FROM _tt_gi_nob))""",
            [p.min_model_chars],
        )
        idents, _ = exporter_identities(e, "_tt_gi", "since IS NOT NULL AND outside", party_index(e))
        register_map(e, "_tt_gi_ident", idents)
        e.execute(
            """CREATE OR REPLACE TEMP TABLE _tt_gi_x AS SELECT g.*, COALESCE(i.ident, g.ekey) AS iid
            FROM _tt_gi g LEFT JOIN _tt_gi_ident i ON i.raw = g.ekey"""
        )
        e.execute(
            """CREATE OR REPLACE TEMP TABLE _tt_gi_models AS
            SELECT supplier, dest, mk FROM _tt_gi_x WHERE since IS NOT NULL AND outside
            GROUP BY supplier, dest, mk
            HAVING count(DISTINCT iid) >= ? AND count(DISTINCT third) >= ?""",
            [p.min_intermediaries, p.min_countries],
        )
        e.execute(
            """CREATE OR REPLACE TEMP TABLE _tt_gi_hit AS SELECT g.* FROM _tt_gi_x g
            SEMI JOIN _tt_gi_models m ON m.supplier = g.supplier AND m.dest = g.dest AND m.mk = g.mk
            WHERE g.since IS NOT NULL AND g.outside"""
        )
        makers = e.fetchall(
            """SELECT supplier, dest, count(*), sum(value), min(date), max(date),
              array_agg(record_id ORDER BY date, record_id) FROM _tt_gi_hit
            GROUP BY supplier, dest HAVING sum(value) >= ? ORDER BY supplier, dest""",
            [p.min_value_usd],
        )
        detail: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for r in e.fetchall(
            """SELECT supplier, dest, mk, iid, exporter_name, third, buyer, importer_name, supplier_name,
              model, brand, count(*), sum(value) FROM _tt_gi_hit GROUP BY ALL ORDER BY ALL"""
        ):
            detail[(r[0], r[1])].append(r[2:])
        before = _direct_before(e, lines)
        for name in (
            "_tt_gi",
            "_tt_gi_x",
            "_tt_gi_ident",
            "_tt_gi_models",
            "_tt_gi_hit",
            "_tt_gi_nob",
            "_tt_gi_nom",
        ):
            e.drop_relation(name)
        findings = [self._finding(row, detail, before, lines) for row in makers]
        task.done()
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self,
        row: tuple[Any, ...],
        detail: dict[tuple[str, str], list[tuple[Any, ...]]],
        before: dict[tuple[str, str, str], tuple[int, float, int]],
        lines: Lines,
    ) -> Finding:
        supplier, dest, n, value, first, last, rids = row
        models: dict[str, dict[str, Any]] = {}
        inter_names: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        inter_country: dict[str, str] = {}
        buyer_names: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        maker_names: dict[str, int] = defaultdict(int)
        for mk, ekey, ename, third, buyer, iname, sname, model, brand, k, v in detail[(supplier, dest)]:
            m = models.setdefault(
                mk, {"spellings": defaultdict(int), "brands": defaultdict(int), "inter": {}, "buyers": set(),
                     "usd": 0.0, "n": 0}
            )  # fmt: skip
            m["spellings"][model] += k
            if brand:
                m["brands"][brand] += k
            m["inter"][ekey] = third
            m["buyers"].add(buyer)
            m["usd"] += v
            m["n"] += k
            inter_names[ekey][ename] += k
            inter_country.setdefault(ekey, third)
            buyer_names[buyer][iname] += k
            maker_names[sname] += k
        maker = _top(maker_names)
        rows = []
        for mk, m in sorted(models.items(), key=lambda kv: (-kv[1]["usd"], kv[0])):
            pre_n, pre_v, pre_b = before.get((supplier, dest, mk), (0, 0.0, 0))
            rows.append(
                {
                    "model": _top(m["spellings"]),
                    "brand": _top(m["brands"]) if m["brands"] else None,
                    "spellings": sorted(m["spellings"]),
                    "intermediaries": len(m["inter"]),
                    "intermediary_countries": sorted(set(m["inter"].values())),
                    "buyers": len(m["buyers"]),
                    "value_usd": round(m["usd"], 2),
                    "shipments": m["n"],
                    "direct_before_shipments": pre_n,
                    "direct_before_usd": round(pre_v, 2),
                    "direct_before_buyers": pre_b,
                }
            )
        most = max(r["intermediaries"] for r in rows)
        countries = sorted({c for r in rows for c in r["intermediary_countries"]})
        parts = [
            f"{r['brand'] + ' ' if r['brand'] else ''}{r['model']}: ${r['value_usd']:,.0f} in {r['shipments']} "
            f"lines via {r['intermediaries']} intermediaries in {', '.join(r['intermediary_countries'])} to "
            f"{r['buyers']} buyers"
            + (
                f" (before {lines.first_restriction.get(dest, first).isoformat()} the maker sold it directly: "
                f"${r['direct_before_usd']:,.0f} in {r['direct_before_shipments']} lines to "
                f"{r['direct_before_buyers']} buyers)"
                if r["direct_before_shipments"]
                else ""
            )
            for r in rows[:8]
        ]
        explanation = (
            f"Goods of {maker} reached {dest} from {first.isoformat()} to {last.isoformat()}, after the rules "
            f"on them took effect, through exporters in third countries ({', '.join(countries)}) rather than "
            f"from the maker: {len(rows)} model(s) each came through at least {min(r['intermediaries'] for r in rows)} "
            f"different intermediaries, ${value:,.0f} in {n} lines. "
            + "; ".join(parts)
            + (f"; and {len(rows) - 8} more models" if len(rows) > 8 else "")
            + ". Brand and model are matched without case, spaces and punctuation; the maker is the one the "
            "brand is most often declared with."
        )
        ents = [EntityRef(supplier, maker, "supplier")]
        ents += [
            EntityRef(k, f"{_top(inter_names[k])} ({inter_country[k]})", "intermediary")
            for k in sorted(inter_names, key=lambda k: (-sum(inter_names[k].values()), k))[:12]
        ]
        ents += [
            EntityRef(b, _top(buyer_names[b]), "importer")
            for b in sorted(buyer_names, key=lambda b: (-sum(buyer_names[b].values()), b))[:12]
        ]
        score = round(min(1.0, 0.5 + 0.2 * value_term(value) + 0.2 * min(1.0, (most - 2) / 4)), 4)
        label = rows[0]["model"] if len(rows) == 1 else f"{len(rows)} models"
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{maker} {label}: reached {dest} via {most} intermediaries in {', '.join(countries)}",
            explanation=explanation,
            entities=ents,
            record_ids=list(rids),
            period_start=first,
            period_end=last,
            value_usd=float(value),
            metrics={
                "destination": dest,
                "models": rows,
                "intermediary_countries": countries,
                "max_intermediaries": most,
                "value_usd": round(value, 2),
                "shipments": n,
            },
            citations=list(self.citations),
            finding_id=stable_id(self.name, supplier, dest),
        )


def _direct_before(engine: Any, lines: Lines) -> dict[tuple[str, str, str], tuple[int, float, int]]:
    """(maker, dest, model key) -> lines, value and buyers shipped directly from the origin
    before the first restriction on the destination."""
    firsts = sorted(lines.first_restriction.items())
    engine.register(
        "_tt_gi_first",
        pa.table({"dest": pa.array([d for d, _ in firsts], pa.string()),
                  "first_date": pa.array([f for _, f in firsts], pa.date32())}),
    )  # fmt: skip
    rows = engine.fetchall(
        """SELECT g.supplier, g.dest, g.mk, count(*), sum(g.value), count(DISTINCT g.buyer) FROM _tt_gi g
        JOIN _tt_gi_first f ON f.dest = g.dest
        SEMI JOIN _tt_gi_models m ON m.supplier = g.supplier AND m.dest = g.dest AND m.mk = g.mk
        WHERE g.date < f.first_date AND g.third IS NULL AND g.from_origin GROUP BY ALL"""
    )
    engine.drop_relation("_tt_gi_first")
    return {(r[0], r[1], r[2]): (int(r[3]), float(r[4]), int(r[5])) for r in rows}


def _top(counts: dict[str, int]) -> str:
    return min(counts, key=lambda n: (-counts[n], str(n)))
