"""MISDECLARATION: lines declared as parts whose unit value, weight, model or description
fit whole machines (the "only details" claim), and codes that the description contradicts."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from statistics import median
from typing import Any

import pyarrow as pa
import yaml

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import EntityRef, Finding, stable_id
from tradetrace.detect.keys.shipments import DEST, key_parties
from tradetrace.detect.restricted_lines import most_common, value_term
from tradetrace.detect.typologies import BIS_KYC, EU_EDD_2023, FINCEN_2022, UK_OTSI_2025
from tradetrace.engine import Engine

_STRIP_SQL = r"[\s\p{P}\p{S}]"
_CODE = re.compile(r"([0-9]{4}|[0-9]{6})(?:-([0-9]{4}|[0-9]{6}))?")
_CARRY = (
    "record_id", "date", "value", "quantity", "unit", "uv", "kgpu", "origin", "dest", "hs_code", "pair",
    "side", "model", "importer_name", "exporter_name", "exporter_country", "value_fit", "weight_fit",
    "model_fit", "desc_whole", "desc_parts", "whole_q_uv", "parts_med_uv", "whole_q_kg", "parts_med_kg",
)  # fmt: skip


@dataclass(frozen=True)
class Pair:
    id: str
    title: str
    codes: dict[str, str]  # 4- or 6-digit code -> "parts" | "whole"
    whole_words: tuple[str, ...]


@cache
def knowledge() -> tuple[tuple[Pair, ...], tuple[str, ...], tuple[str, ...]]:
    """(pairs, part words, 'for' words) from data/detect/misdeclaration.yaml."""
    ref = resources.files("tradetrace").joinpath("data", "detect", "misdeclaration.yaml")
    data = yaml.safe_load(ref.read_text("utf-8"))
    pairs = []
    for raw in data["pairs"]:
        codes: dict[str, str] = {}
        for side in ("parts", "whole"):
            for item in raw[side]:
                m = _CODE.fullmatch(str(item))
                if not m:
                    raise ValueError(f"misdeclaration.yaml: pair {raw['id']!r}: bad code {item!r}")
                lo, hi = m.group(1), m.group(2) or m.group(1)
                for n in range(int(lo), int(hi) + 1):
                    codes[str(n).zfill(len(lo))] = side
        words = tuple(w.lower() for ws in raw["whole_words"].values() for w in ws)
        pairs.append(Pair(raw["id"], raw["title"], codes, words))
    parts = tuple(w.lower() for ws in data["part_words"].values() for w in ws)
    return tuple(pairs), parts, tuple(w.lower() for w in data["for_words"])


_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


def _alternation(words: Sequence[str]) -> str:
    """A regular expression (RE2 and Java alike) matching any of the words, as a SQL literal body."""
    escaped = (
        _SPECIAL.sub(r"\\\1", w).replace("'", "''") for w in sorted(set(words), key=lambda w: (-len(w), w))
    )
    return "(" + "|".join(escaped) + ")"


@dataclass
class MisdeclarationParams:
    whole_quantile: float = param(
        0.1, "quantile of whole machines' unit values and weights a 'part' must reach"
    )
    parts_ratio: float = param(20.0, "... and how many times the parts' own median it must be")
    min_support: int = param(
        20, "least lines behind a unit-value or weight norm (else the norm for all origins)"
    )
    min_value_usd: float = param(10_000.0, "least value of a buyer's suspect lines to report")


class Misdeclaration(Detector):
    """Parts that are machines: a parts code whose value, weight, model or description fits the whole.

    For each pair of a parts heading and its whole-machine headings (HS 8466
    against 8456-8465 and others, in ``data/detect/misdeclaration.yaml``),
    unit values (USD per unit) and unit weights are compared, per unit of
    quantity, with the whole machines of the same origin (robust quantiles;
    all origins when fewer than ``min_support`` lines). A line declared as
    parts is suspect when its unit value reaches the machines'
    ``whole_quantile`` and is ``parts_ratio`` times the parts' median, when its
    unit weight does the same, or when its description names a whole machine
    and no part (words in Russian, English, Chinese, Turkish, German). Its
    model being declared elsewhere as a whole machine supports the suspicion.
    A line declared as a whole machine but described as parts only is a code
    and description disagreement too. Declaring machines as "details" hides
    them from controls and from the statistics (the defining case's importer
    claimed it imported only parts); guidance lists goods and documents that
    do not fit together among the red flags.

    Findings are per buyer. ``score = 0.5 + 0.25 * value + 0.15 *
    min(1, (signals per line - 1) / 2)``; severity follows the value.
    """

    name = "misdeclaration"
    version = 1
    flags = ("MISDECLARATION",)
    citations = (FINCEN_2022, BIS_KYC, EU_EDD_2023, UK_OTSI_2025)
    Params = MisdeclarationParams
    requires = ("shipments",)
    uses = ("clusters",)

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: MisdeclarationParams = self.params
        e = ctx.engine
        task = ctx.progress.task("misdeclaration: parts and machines", total=3)
        pairs, part_words, for_words = knowledge()
        _lines(e, pairs, part_words, for_words)
        task.advance()
        _norms(e, p)
        task.advance()
        e.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tt_md_src AS
            SELECT f.*, s.record_id, s.date, s.quantity, s.hs_code, s.model, s.brand, s.manufacturer, {DEST} AS dest,
              s.importer_name, upper(regexp_replace(s.importer_tax_id, '[^0-9A-Za-z]', '', 'g')) AS tax,
              s.exporter_name, s.exporter_country
            FROM _tt_md_flag f JOIN shipments s ON s.record_id = f.rid
            WHERE (f.side = 'parts' AND (f.value_fit OR f.weight_fit OR f.desc_whole))
               OR (f.side = 'whole' AND f.desc_parts)"""
        )
        helpers = key_parties(
            e, "_tt_md_src", "_tt_md_hit", (*_CARRY, "tax", "manufacturer", "brand"), "_tt_md"
        )
        rows = e.arrow(
            "SELECT * FROM _tt_md_hit WHERE buyer IS NOT NULL ORDER BY buyer, dest, date, record_id"
        ).to_pylist()
        names = most_common(e.fetchall("SELECT buyer, importer_name, count(*) FROM _tt_md_hit GROUP BY ALL"))
        for name in ("_tt_md", "_tt_md_codes", "_tt_md_desc", "_tt_md_norm", "_tt_md_models", "_tt_md_flag",
                     "_tt_md_src", "_tt_md_hit", *helpers):  # fmt: skip
            e.drop_relation(name)
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            groups[(r["buyer"], r["dest"])].append(r)
        titles = {pr.id: pr.title for pr in pairs}
        findings = []
        for (buyer, dest), rs in sorted(groups.items()):
            if sum(r["value"] for r in rs) >= p.min_value_usd:
                findings.append(self._finding(buyer, dest, rs, names.get(buyer, buyer), titles, p))
        task.done()
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self, buyer: str, dest: str, rs: list[dict[str, Any]], buyer_name: str, titles: dict[str, str],
        p: MisdeclarationParams,
    ) -> Finding:  # fmt: skip
        value = sum(r["value"] for r in rs)
        kinds = ("value_fit", "weight_fit", "model_fit", "desc_whole")
        counts = {k: sum(bool(r[k]) for r in rs if r["side"] == "parts") for k in kinds}
        reverse = [r for r in rs if r["side"] == "whole"]
        parts = [r for r in rs if r["side"] == "parts"]
        per_line = [sum(bool(r[k]) for k in kinds) for r in parts] or [1]
        mean_signals = sum(per_line) / len(per_line)
        score = round(min(0.9, 0.5 + 0.25 * value_term(value) + 0.15 * min(1.0, (mean_signals - 1) / 2)), 4)
        by_pair: dict[str, float] = defaultdict(float)
        for r in rs:
            by_pair[r["pair"]] += r["value"]
        text = [
            f"{buyer_name} ({dest}) declared {len(rs)} lines worth ${value:,.0f} under codes their goods do not fit"
        ]
        if parts:
            uv = (
                median(r["uv"] for r in parts if r["uv"] is not None) if any(r["uv"] for r in parts) else None
            )
            q_uv = _med(r["whole_q_uv"] for r in parts)
            pm_uv = _med(r["parts_med_uv"] for r in parts)
            kg = _med(r["kgpu"] for r in parts)
            q_kg = _med(r["whole_q_kg"] for r in parts)
            pm_kg = _med(r["parts_med_kg"] for r in parts)
            models = sorted({r["model"] for r in parts if r["model_fit"] and r["model"]})
            text.append(
                f"{len(parts)} lines (${sum(r['value'] for r in parts):,.0f}) declared as "
                + "; ".join(titles[k].split(" against ")[0] for k in sorted({r["pair"] for r in parts}))
                + (f": median unit value ${uv:,.0f} where the whole machines' {p.whole_quantile:.0%} quantile "
                   f"is ${q_uv:,.0f} and such parts' median ${pm_uv:,.0f}" if uv and q_uv and pm_uv else "")
                + (f"; median weight {kg:,.0f} kg per unit against the machines' {q_kg:,.0f} kg and the parts' "
                   f"{pm_kg:,.1f} kg" if kg and q_kg and pm_kg else "")
                + f". Value fits a machine in {counts['value_fit']} lines, weight in {counts['weight_fit']}, "
                f"the description names a whole machine in {counts['desc_whole']}; "
                f"{counts['model_fit']} name a model declared elsewhere as a whole machine"
                + (f" ({', '.join(models[:6])})" if models else "")
            )  # fmt: skip
        if reverse:
            text.append(
                f"{len(reverse)} lines (${sum(r['value'] for r in reverse):,.0f}) declared as whole machines "
                "are described as parts only"
            )
        rids = [r["record_id"] for r in sorted(rs, key=lambda r: (r["date"], r["record_id"]))]
        lines = {
            r["record_id"]: {
                "hs_code": r["hs_code"], "unit_value_usd": _round(r["uv"]), "kg_per_unit": _round(r["kgpu"]),
                "whole_quantile_usd": _round(r["whole_q_uv"]), "parts_median_usd": _round(r["parts_med_uv"]),
                "signals": [k for k in (*kinds, "desc_parts") if r[k]],
            }
            for r in rs[:100]
        }  # fmt: skip
        ents = [EntityRef(buyer, buyer_name, "importer")]
        sup: dict[str, float] = defaultdict(float)
        sup_name: dict[str, str] = {}
        for r in rs:
            if r["supplier"]:
                sup[r["supplier"]] += r["value"]
                sup_name.setdefault(r["supplier"], r["supplier_name"] or r["supplier"])
        ents += [EntityRef(k, sup_name[k], "supplier") for k in sorted(sup, key=lambda k: (-sup[k], k))[:5]]
        exp: dict[tuple[str, str], float] = defaultdict(float)
        exp_name: dict[tuple[str, str], str] = {}
        for r in rs:
            if r["ekey"] and r["ekey"] not in sup:
                role = "exporter" if r["exporter_country"] in (None, r["origin"]) else "intermediary"
                exp[(r["ekey"], role)] += r["value"]
                exp_name.setdefault(
                    (r["ekey"], role), f"{r['exporter_name']} ({r['exporter_country'] or '?'})"
                )
        ents += [
            EntityRef(k, exp_name[(k, role)], role) for k, role in sorted(exp, key=lambda x: (-exp[x], x))[:5]
        ]
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{buyer_name}: ${value / 1e6:,.2f}M declared as parts (or machines) that the value, weight "
            "or description contradicts",
            explanation=". ".join(text) + ".",
            entities=ents,
            record_ids=rids,
            period_start=min(r["date"] for r in rs),
            period_end=max(r["date"] for r in rs),
            value_usd=value,
            metrics={
                "destination": dest,
                "lines": len(rs),
                "parts_lines": len(parts),
                "whole_described_as_parts_lines": len(reverse),
                "signals": counts,
                "by_pair_usd": {k: round(v, 2) for k, v in sorted(by_pair.items())},
                "line_details": lines,
                "value_usd": round(value, 2),
            },
            citations=list(self.citations),
            finding_id=stable_id(self.name, buyer, dest),
        )


def _med(values: Any) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return median(xs) if xs else None


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _lines(e: Engine, pairs: Sequence[Pair], part_words: Sequence[str], for_words: Sequence[str]) -> None:
    """_tt_md: every line under a code of a pair; _tt_md_desc: what each distinct description says."""
    codes = [(c, pr.id, side) for pr in pairs for c, side in sorted(pr.codes.items())]
    e.register("_tt_md_codes", pa.table({"code": [c[0] for c in codes], "pair": [c[1] for c in codes],
                                         "side": [c[2] for c in codes]}))  # fmt: skip
    e.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_md AS
        SELECT s.record_id AS rid, s.value_usd AS value, s.unit,
          s.origin_country AS origin, s.description, COALESCE(c6.pair, c4.pair) AS pair,
          COALESCE(c6.side, c4.side) AS side,
          CASE WHEN s.quantity > 0 THEN s.value_usd / NULLIF(s.quantity, 0) END AS uv,
          CASE WHEN s.quantity > 0 THEN s.net_weight_kg / NULLIF(s.quantity, 0) END AS kgpu,
          regexp_replace(upper(s.model), '{_STRIP_SQL}', '', 'g') AS mk
        FROM shipments s
        LEFT JOIN _tt_md_codes c4 ON c4.code = substr(s.hs_code, 1, 4)
        LEFT JOIN _tt_md_codes c6 ON c6.code = substr(s.hs_code, 1, 6)
        WHERE (c4.code IS NOT NULL OR c6.code IS NOT NULL) AND s.value_usd > 0"""
    )
    fors = _alternation(for_words)
    whens = " ".join(
        f"WHEN '{pr.id}' THEN regexp_matches(head, '{_alternation(pr.whole_words)}')" for pr in pairs
    )
    e.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_md_desc AS
        WITH d AS (
          SELECT pair, description, lower(description) AS low,
            regexp_replace(lower(description), '(^|[\\s,;(]){fors}\\s.*$', '') AS head
          FROM (SELECT DISTINCT pair, description FROM _tt_md WHERE description IS NOT NULL)
        )
        SELECT pair, description, COALESCE(regexp_matches(low, '{_alternation(part_words)}'), false) AS says_parts,
          COALESCE(CASE pair {whens} END, false) AS says_whole
        FROM d"""
    )


def _norms(e: Engine, p: MisdeclarationParams) -> None:
    """_tt_md_flag: each suspect line (a signal against its code) with the norms it is
    compared with and its signals; only these are kept, not every line of a pair."""
    q = float(p.whole_quantile)
    e.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_md_norm AS
        SELECT pair, side, origin, unit, count(*) AS n, quantile_cont(uv, {q}) AS q_uv, median(uv) AS med_uv,
          quantile_cont(kgpu, {q}) AS q_kg, median(kgpu) AS med_kg
        FROM _tt_md WHERE uv IS NOT NULL AND origin IS NOT NULL GROUP BY pair, side, origin, unit
        UNION ALL
        SELECT pair, side, '*', unit, count(*), quantile_cont(uv, {q}), median(uv), quantile_cont(kgpu, {q}),
          median(kgpu)
        FROM _tt_md WHERE uv IS NOT NULL GROUP BY pair, side, unit"""
    )
    e.execute(
        """CREATE OR REPLACE TEMP TABLE _tt_md_models AS
        SELECT DISTINCT pair, mk FROM _tt_md
        WHERE side = 'whole' AND length(mk) >= 4 AND regexp_matches(mk, '[0-9]')"""
    )

    def norm(alias: str, side: str, origin: str) -> str:
        return (
            f"LEFT JOIN _tt_md_norm {alias} ON {alias}.pair = m.pair AND {alias}.side = '{side}' "
            f"AND {alias}.unit = m.unit AND {alias}.origin = {origin} AND {alias}.n >= {int(p.min_support)}"
        )

    ratio = float(p.parts_ratio)
    e.execute(
        f"""CREATE OR REPLACE TEMP TABLE _tt_md_flag AS
        WITH j AS (
          SELECT m.*, COALESCE(wo.q_uv, wg.q_uv) AS whole_q_uv, COALESCE(wo.q_kg, wg.q_kg) AS whole_q_kg,
            least(COALESCE(po.med_uv, pg.med_uv), pg.med_uv) AS parts_med_uv,
            least(COALESCE(po.med_kg, pg.med_kg), pg.med_kg) AS parts_med_kg,
            wm.mk IS NOT NULL AS model_fit,
            COALESCE(d.says_whole AND NOT d.says_parts, false) AS desc_whole,
            COALESCE(d.says_parts AND NOT d.says_whole, false) AS desc_parts
          FROM _tt_md m
          {norm("wo", "whole", "m.origin")} {norm("wg", "whole", "'*'")}
          {norm("po", "parts", "m.origin")} {norm("pg", "parts", "'*'")}
          LEFT JOIN _tt_md_models wm ON wm.pair = m.pair AND wm.mk = m.mk
          LEFT JOIN _tt_md_desc d ON d.pair = m.pair AND d.description = m.description
        )
        SELECT * FROM (
          SELECT *,
            side = 'parts' AND COALESCE(uv >= whole_q_uv AND uv >= {ratio} * parts_med_uv, false) AS value_fit,
            side = 'parts' AND COALESCE(kgpu >= whole_q_kg AND kgpu >= {ratio} * parts_med_kg, false) AS weight_fit
          FROM j
        )
        WHERE (side = 'parts' AND (value_fit OR weight_fit OR desc_whole)) OR (side = 'whole' AND desc_parts)"""
    )
