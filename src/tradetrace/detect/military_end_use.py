"""MILITARY_END_USE: a buyer is paid by listed or defence-sector enterprises."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import Citation, EntityRef, Finding, stable_id
from tradetrace.detect.listed import LISTED, by_key, listed_hits, party_key_sql, registered_hits
from tradetrace.detect.typologies import BIS_KYC, FINCEN_2022, FINCEN_2023

BIS_MEU = Citation(
    "15-CFR-744.21",
    "BIS military end use / military end user rule (15 CFR 744.21) and the Military End-User List; "
    "FinCEN & BIS alerts flag customers tied to Russian defence enterprises as evasion red flags",
    "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744/section-744.21",
)


@cache
def defence_pattern(group: str = "specific") -> str:
    """An RE2 pattern over lower-cased names: the ``specific`` defence words or the ``generic``
    enterprise types of data/detect/defence_terms.yaml."""
    ref = resources.files("tradetrace").joinpath("data", "detect", "defence_terms.yaml")
    data = yaml.safe_load(ref.read_text("utf-8"))[group]
    subs = [str(t).lower() for terms in (data.get("substrings") or {}).values() for t in terms]
    words = [str(t).lower() for terms in (data.get("words") or {}).values() for t in terms]
    alts = [re.escape(s) for s in subs]
    if words:
        alts.append(
            r"(?:^|[^\p{L}\p{N}])(?:" + "|".join(re.escape(w) for w in words) + r")(?:$|[^\p{L}\p{N}])"
        )
    return "|".join(alts) or "$^"


@dataclass
class MilitaryEndUseParams:
    match_threshold: float = param(0.9, "least screening score (party_matches) that counts as listed")
    identifier_types: str = param(
        "tax_id,registration_no,uscc,okpo", "list identifier types compared exactly with tax ids"
    )
    min_payers: int = param(
        5,
        "listed payers or payers named by a defence-specific word that make a finding whatever their "
        "share (payers named only by an enterprise type count toward the share alone)",
    )
    min_share: float = param(0.5, "share of incoming payments from listed or defence payers that flags")
    min_listed_share: float = param(0.2, "share from listed payers alone that flags")
    min_usd: float = param(100_000.0, "least value paid by listed or defence payers to report")
    max_records: int = param(500, "most payment records cited per finding")


class MilitaryEndUse(Detector):
    """A buyer's incoming payments come from listed or defence-sector enterprises.

    For every payee (the importer reselling the goods), incoming payments are
    split by payer: listed (tax id equal to a list entry's identifier, or a
    screening match not dismissed) and defence-sector (name words kept as
    data in ``data/detect/defence_terms.yaml``). A payee is reported when many
    such payers pay it, or when their share of its income is high: its goods
    are likely to reach military end users, the end-use red flag of the
    FinCEN/BIS alerts. The monthly series shows when that business began.

    Defence words are of two strengths: words that name weapons or defence
    work (``specific``) and enterprise types civilian firms share too
    (``generic``: plant, research institute, design bureau, aviation). A
    finding whose flagged payers are neither listed nor named by a specific
    word rests on a name alone: it is marked weak and never becomes strong,
    and such payers count toward the share of income only, not toward
    ``min_payers`` (many customers of an industrial supplier are plants).
    """

    name = "military_end_use"
    version = 2
    flags = ("MILITARY_END_USE",)
    citations = (BIS_MEU, FINCEN_2022, FINCEN_2023, BIS_KYC)
    Params = MilitaryEndUseParams
    requires = ("payments",)
    uses = ("lists", "party_matches", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: MilitaryEndUseParams = self.params
        engine = ctx.engine  # requires payments: the runner does not run it without
        hits = listed_hits(engine, p.match_threshold, p.identifier_types)
        base = (
            f"SELECT record_id, date, coalesce(amount_usd, 0) AS usd, payer_name, "
            f"{party_key_sql('payer_tax_id', 'payer_name')} AS payer_key, payee_name, "
            f"{party_key_sql('payee_tax_id', 'payee_name')} AS payee_key FROM payments"
        )
        with registered_hits(engine, hits):
            cls = (
                f"WITH p AS ({base}), c AS (SELECT p.*, payer_key IN (SELECT pkey FROM {LISTED}) AS listed, "
                "regexp_matches(lower(payer_name), ?) AS specific, "
                "specific OR regexp_matches(lower(payer_name), ?) AS defence FROM p), "
                "agg AS (SELECT payee_key, sum(usd) AS total, "
                "count(DISTINCT payer_key) FILTER (WHERE listed OR specific) AS n_flag, "
                "coalesce(sum(usd) FILTER (WHERE listed OR defence), 0) AS flag_usd, "
                "coalesce(sum(usd) FILTER (WHERE listed), 0) AS listed_usd FROM c GROUP BY 1) "
            )
            rows = engine.fetchall(
                cls
                + "SELECT c.payee_key, c.payee_name, c.record_id, c.date, c.usd, c.payer_name, c.payer_key, "
                "c.listed, c.defence, agg.total, c.specific FROM c JOIN agg USING (payee_key) "
                "WHERE agg.flag_usd >= ? AND (agg.n_flag >= ? OR agg.flag_usd >= ? * agg.total "
                "OR (agg.listed_usd > 0 AND agg.listed_usd >= ? * agg.total)) "
                "ORDER BY c.payee_key, c.date, c.record_id",
                [
                    defence_pattern("specific"),
                    defence_pattern("generic"),
                    p.min_usd,
                    p.min_payers,
                    p.min_share,
                    p.min_listed_share,
                ],
            )
        per: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for r in rows:
            per[str(r[0])].append(r)
        keyed = by_key(hits)
        findings = [self._finding(k, rs, keyed, p) for k, rs in sorted(per.items())]
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self,
        payee_key: str,
        rows: list[tuple[Any, ...]],
        keyed: dict[str, list[Any]],
        p: MilitaryEndUseParams,
    ) -> Finding:
        payee = _most_common([str(r[1]) for r in rows])
        total = float(rows[0][9])
        flagged = [r for r in rows if r[7] or r[8]]
        listed = [r for r in flagged if r[7]]
        flag_usd = sum(float(r[4]) for r in flagged)
        listed_usd = sum(float(r[4]) for r in listed)
        share = flag_usd / total if total else 0.0
        listed_share = listed_usd / total if total else 0.0
        payers: dict[str, tuple[str, bool, float]] = {}
        for r in flagged:
            name, was_listed, usd = payers.get(str(r[6]), (str(r[5]), bool(r[7]), 0.0))
            payers[str(r[6])] = (name, was_listed, usd + float(r[4]))
        listed_payers: list[dict[str, Any]] = [
            {
                "name": payers[k][0],
                "key": k,
                "usd": round(payers[k][2], 2),
                "entries": [f"{h.list_id}:{h.entry_id}" for h in keyed.get(k, [])],
            }
            for k in sorted(payers, key=lambda k: (-payers[k][2], k))
            if payers[k][1]
        ]
        monthly: dict[str, dict[str, float]] = defaultdict(
            lambda: {"total": 0.0, "flagged": 0.0, "listed": 0.0}
        )
        for r in rows:
            m = monthly[r[3].strftime("%Y-%m")]
            m["total"] += float(r[4])
            m["flagged"] += float(r[4]) if (r[7] or r[8]) else 0.0
            m["listed"] += float(r[4]) if r[7] else 0.0
        dates: list[date] = [r[3] for r in flagged]
        start, end = min(dates), max(dates)
        n_payers = len(payers)
        top = sorted(payers.values(), key=lambda v: (-v[2], v[0]))[:5]
        listed_text = (
            f"{len(listed_payers)} of them listed ({', '.join(x['name'] + ' [' + ', '.join(x['entries']) + ']' for x in listed_payers[:5])}"
            f"{'...' if len(listed_payers) > 5 else ''}) paid ${listed_usd:,.0f} ({listed_share:.0%})"
            if listed_payers
            else "none of them listed"
        )
        explanation = (
            f"{payee} received ${total:,.0f} in payments; ${flag_usd:,.0f} ({share:.0%}) in {len(flagged)} payments "
            f"from {start.isoformat()} to {end.isoformat()} came from {n_payers} defence-sector or listed payers, "
            f"{listed_text}. Largest: {', '.join(f'{n} ${u:,.0f}' for n, _, u in top)}."
        )
        score = min(
            0.9,
            0.45 + 0.2 * share + 0.1 * min(1.0, n_payers / 20) + (0.15 if listed_payers else 0.0),
        )
        specific = {str(r[6]) for r in flagged if r[10]}
        entities = [EntityRef(payee_key, payee, "importer")]
        entities += [EntityRef(x["key"], x["name"], "listed_party") for x in listed_payers]
        entities += [EntityRef(k, v[0], "payer") for k, v in sorted(payers.items()) if not v[1]][:50]
        metrics: dict[str, Any] = {
            "incoming_usd": round(total, 2),
            "flagged_usd": round(flag_usd, 2),
            "flagged_share": round(share, 4),
            "listed_usd": round(listed_usd, 2),
            "listed_share": round(listed_share, 4),
            "payers": n_payers,
            "listed_payers": listed_payers,
            "defence_payers": n_payers - len(listed_payers),
            "specific_payers": len(specific),
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "monthly_usd": {k: {a: round(b, 2) for a, b in v.items()} for k, v in sorted(monthly.items())},
        }
        if not listed_payers and not specific:
            metrics["weak"] = (
                "payers named only by enterprise types (plant, research institute, design bureau, aviation) "
                "that civilian firms share"
            )
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=round(score, 4),
            title=f"{payee}: {share:.0%} of incoming payments (${flag_usd / 1e6:,.2f}M) from {n_payers} "
            f"defence-sector or listed payers",
            explanation=explanation,
            entities=entities,
            record_ids=[str(r[2]) for r in flagged[: p.max_records]],
            period_start=start,
            period_end=end,
            value_usd=flag_usd,
            metrics=metrics,
            citations=[
                *self.citations,
                *(h.citation() for x in listed_payers for h in keyed.get(x["key"], [])),
            ],
            finding_id=stable_id(self.name, payee_key),
        )


def _most_common(names: list[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for n in names:
        counts[n] += 1
    return min(counts, key=lambda n: (-counts[n], n))
