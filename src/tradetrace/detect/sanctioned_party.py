"""SANCTIONED_PARTY: a party to trade or payments is on an active sanctions list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import Citation, EntityRef, Finding, stable_id
from tradetrace.detect.listed import (
    LISTED,
    ListedHit,
    by_key,
    has_rows,
    listed_hits,
    party_key_sql,
    registered_hits,
)
from tradetrace.detect.party_keys import ensure_key_maps, rows_sql
from tradetrace.detect.typologies import BIS_KYC, FINCEN_2022

OFAC_50 = Citation(
    "OFAC-FAQ-401",
    "OFAC: dealings with blocked persons (SDN) are prohibited; property of entities owned 50% or "
    "more by blocked persons is blocked (revised 50 percent rule guidance, Aug 2014)",
    "https://ofac.treasury.gov/faqs/401",
)


def occurrences_sql(engine_has: dict[str, bool], keys: str | None = None) -> str:
    """Every party occurrence in shipments and payments: pkey, name, role, record_id, date, usd.

    With ``keys`` (a relation with a ``key`` column), only the occurrences of those party
    keys, found in one pass over each table through ``party_keys`` (call
    ``ensure_key_maps`` first) without keying every row.
    """
    tables: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
    if engine_has.get("shipments"):
        tables.append(("shipments", "value_usd", (("importer", "importer"), ("exporter", "exporter"))))
    if engine_has.get("payments"):
        tables.append(("payments", "amount_usd", (("payer", "payer"), ("payee", "importer"))))
    parts: list[str] = []
    found: list[str] = []
    for table, usd, sides in tables:
        src = table
        if keys:
            cols = ", ".join(f"s.{side}_tax_id, s.{side}_name" for side, _ in sides)
            pairs = [(f"{side}_tax_id", f"{side}_name") for side, _ in sides]
            src = f"_tt_occ_{table}"
            found.append(
                f"{src} AS MATERIALIZED ({rows_sql(table, pairs, keys, f'{cols}, s.record_id, s.date, s.{usd}')})"
            )
        for i, (side, role) in enumerate(sides):
            tax, name = f"{side}_tax_id", f"{side}_name"
            parts.append(
                f"SELECT {party_key_sql(tax, name)} AS pkey, {name} AS name, '{role}' AS role, record_id, date, "
                f"coalesce({usd}, 0) AS usd FROM {src}" + (f" WHERE _tt_hit{i}" if keys else "")
            )
    return ("WITH " + ", ".join(found) + " " if found else "") + " UNION ALL ".join(parts)


@dataclass
class SanctionedPartyParams:
    match_threshold: float = param(0.9, "least screening score (party_matches) that counts as listed")
    identifier_types: str = param(
        "tax_id,registration_no,uscc,okpo", "list identifier types compared exactly with tax ids"
    )
    max_records: int = param(500, "most records cited per finding")


class SanctionedParty(Detector):
    """A party named on shipments or payments is on an active sanctions list.

    The party's tax id equals an identifier of a list entry (decisive), or a
    screening match at or above the threshold was not dismissed by an
    analyst. Dealing with a listed party is itself the violation the lists
    exist to prevent; trade after the listing date (when the list gives one)
    is reported separately. Every record naming the party is cited.
    """

    name = "sanctioned_party"
    version = 1
    flags = ("SANCTIONED_PARTY",)
    citations = (OFAC_50, FINCEN_2022, BIS_KYC)
    Params = SanctionedPartyParams
    requires = ("lists", ("shipments", "payments"))
    uses = ("party_matches", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: SanctionedPartyParams = self.params
        engine = ctx.engine
        hits = listed_hits(engine, p.match_threshold, p.identifier_types)
        has = {t: has_rows(engine, t) for t in ("shipments", "payments")}
        if not hits or not any(has.values()):
            return []  # nobody listed; or no table to look in (the SQL needs one; the runner checks it too)
        ensure_key_maps(engine)
        occ = occurrences_sql(has, f"(SELECT DISTINCT pkey AS key FROM {LISTED})")
        with registered_hits(engine, hits):
            rows = engine.fetchall(
                f"WITH occ AS ({occ}) SELECT o.pkey, o.role, min(o.name), count(*), sum(o.usd), "
                "min(o.date), max(o.date), list(o.record_id ORDER BY o.date, o.record_id), "
                "list(o.date ORDER BY o.date, o.record_id), list(o.usd ORDER BY o.date, o.record_id) "
                f"FROM occ o WHERE o.pkey IN (SELECT pkey FROM {LISTED}) GROUP BY 1, 2 ORDER BY 1, 2"
            )
        keyed = by_key(hits)
        per: dict[str, list[tuple[Any, ...]]] = {}
        for r in rows:
            per.setdefault(str(r[0]), []).append(r)
        findings = [self._finding(keyed[k], rs, p) for k, rs in sorted(per.items())]
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self, hits: list[ListedHit], rows: list[tuple[Any, ...]], p: SanctionedPartyParams
    ) -> Finding:
        hit = hits[0]
        name = min((str(r[2]) for r in rows), key=lambda n: (-sum(1 for r in rows if r[2] == n), n))
        records: list[tuple[str, date, float]] = sorted(
            {(rid, d, u) for r in rows for rid, d, u in zip(r[7], r[8], r[9], strict=True)},
            key=lambda t: (t[1], t[0]),
        )
        total = sum(u for _, _, u in records)
        start, end = records[0][1], records[-1][1]
        by_role = {str(r[1]): {"records": int(r[3]), "usd": round(float(r[4]), 2)} for r in rows}
        listed_on = min((h.listed_on for h in hits if h.listed_on), default=None)
        after = [t for t in records if listed_on and t[1] > listed_on]
        after_usd = sum(u for _, _, u in after)
        decisive = hit.basis != "screening"
        entries = ", ".join(f"{h.list_id} {h.entry_id} ({h.entry_name})" for h in hits)
        how = (
            f"its tax id {hit.pkey} equals the {hit.basis.split(':', 1)[1]} of {entries}"
            if decisive
            else f"screening matched it to {entries} with score {hit.score:.2f} (not dismissed)"
        )
        when = (
            f"Listed on {listed_on.isoformat()}: {len(after)} records worth ${after_usd:,.0f} came after it."
            if listed_on
            else "The list gives no listing date, so trade after listing cannot be separated."
        )
        roles = ", ".join(f"{k} in {v['records']} records (${v['usd']:,.0f})" for k, v in by_role.items())
        explanation = (
            f"{name} is on an active sanctions list: {how} (list version {hit.version_id}"
            f"{', as of ' + hit.as_of.isoformat() if hit.as_of else ''}). It appears as {roles}, "
            f"${total:,.0f} in {len(records)} records from {start.isoformat()} to {end.isoformat()}. {when}"
        )
        score = min(0.9, (0.85 if decisive else 0.6 + 0.25 * hit.score) + (0.05 if after else 0.0))
        entities = [EntityRef(hit.pkey, name, "listed_party")]
        entities += [EntityRef(hit.pkey, name, role) for role in sorted(by_role) if role != "listed_party"]
        metrics: dict[str, Any] = {
            "list_entries": [
                {
                    "list_id": h.list_id,
                    "entry_id": h.entry_id,
                    "entry_name": h.entry_name,
                    "version_id": h.version_id,
                    "as_of": h.as_of.isoformat() if h.as_of else None,
                    "listed_on": h.listed_on.isoformat() if h.listed_on else None,
                    "basis": h.basis,
                    "score": h.score,
                }
                for h in hits
            ],
            "decisive": decisive,
            "records": len(records),
            "total_usd": round(total, 2),
            "by_role": by_role,
            "after_listing_records": len(after) if listed_on else None,
            "after_listing_usd": round(after_usd, 2) if listed_on else None,
        }
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=round(score, 4),
            title=f"Listed party {name} ({hit.list_id} {hit.entry_id}): ${total / 1e6:,.2f}M "
            f"in {len(records)} records",
            explanation=explanation,
            entities=entities,
            record_ids=[rid for rid, _, _ in records[: p.max_records]],
            period_start=start,
            period_end=end,
            value_usd=total,
            metrics=metrics,
            citations=[*self.citations, *(h.citation() for h in hits)],
            finding_id=stable_id(self.name, hit.pkey, *sorted(f"{h.list_id}:{h.entry_id}" for h in hits)),
        )
