"""NEW_INTERMEDIARY: firms carrying restricted goods that appeared after the restrictions,
were incorporated after them, lived briefly, or share an address or phone with others."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tradetrace.detect.base import DetectContext, Detector, param
from tradetrace.detect.findings import EntityRef, Finding, stable_id
from tradetrace.detect.party_index import (
    Party,
    PartyIndex,
    exporter_identities,
    party_facts,
    party_index,
    register_map,
)
from tradetrace.detect.restricted_lines import Lines, restricted_lines, value_term
from tradetrace.detect.typologies import BIS_KYC, EU_EDD_2023, FINCEN_2022, FINCEN_2023_NOV, UK_OTSI_2025
from tradetrace.engine import Engine

_NON_WORD = re.compile(r"[\W_]+")
# signals of one kind count once: a firm incorporated after the rules is first seen after them too
_KIND = {"incorporated_after": "new", "first_seen_after": "new"}
_NON_DIGIT = re.compile(r"\D+")


@dataclass
class NewIntermediaryParams:
    min_value_usd: float = param(10_000.0, "least value of restricted goods a firm carried after the rules")
    min_history_days: int = param(
        180, "'first seen after' counts only if the data reach back this far before the first restriction"
    )
    short_lived_days: int = param(
        365, "a firm active in the data at most this long counts as short-lived ..."
    )
    quiet_days: int = param(180, "... when it has also been silent for this long before the data end")
    min_address_chars: int = param(12, "shortest normalised address compared for co-location")
    min_phone_digits: int = param(7, "shortest phone number (digits) compared for co-location")
    min_third_share: float = param(
        0.5,
        "an importer whose restricted goods came at least this share through exporters in third "
        "countries (outside the restricting ones) has a second kind of signal besides being new",
    )
    max_firms_at_address: int = param(
        5,
        "an address or phone shared by more firms (anywhere in the workspace) is a mass-registration "
        "address or a registration agent: sharing it is not co-location (Russia's tax service lists "
        "addresses of 5 or 10 or more firms, by region)",
    )


@dataclass
class _Cand:
    key: str  # entity id used in the finding
    role: str  # intermediary (exporter in a third country) or importer
    party: Party | None
    names: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    countries: set[str] = field(default_factory=set)
    dests: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    value: float = 0.0
    outside: float = 0.0  # of which through exporters in third countries outside the restricting ones
    n: int = 0
    first: date | None = None  # first restricted line after the rules
    last: date | None = None
    seen_first: date | None = None  # any shipment line
    seen_last: date | None = None
    rids: list[tuple[date, str]] = field(default_factory=list)
    partners: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    partner_names: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        if self.party is not None:
            return self.party.name
        return min(self.names, key=lambda n: (-self.names[n], n)) if self.names else self.key


class NewIntermediary(Detector):
    """Firms that carry restricted goods and look like intermediaries set up for it.

    Candidates are the exporters in third countries (outside the restricting
    jurisdictions) and the importers of goods under a restriction rule, after
    the rule took effect. Each is tied to the ``parties`` register by tax id
    or name (see ``party_index``). Four signals, each cited in the guidance
    (FinCEN/BIS 2022 and Nov 2023, EU due-diligence guidance of Sept 2023, UK
    OTSI 2025, BIS know-your-customer red flags):

    - incorporated on or after the first restriction on the destination (for
      Russia, 24 February 2022: the date comes from the rules);
    - first seen in the data after that restriction (only when the data reach
      back ``min_history_days`` before it);
    - short-lived: active at most ``short_lived_days`` and silent for
      ``quiet_days`` before the data end;
    - co-located: the same address or phone as another candidate.

    ``score = 0.25 + 0.3 * incorporated + 0.15 * co_located + 0.1 * first_seen
    + 0.05 * short_lived + 0.1 * value`` (at most 0.9): a firm only first seen
    late stays below 0.5, one incorporated after the restrictions is above.

    Each signal alone is common in lawful trade: firms founded after 2022,
    hundreds of firms at one business-centre address. Co-location counts only
    at an address (or phone) that at most ``max_firms_at_address`` firms of
    the whole workspace share. A finding resting on one kind of signal (being
    new, incorporated or first seen after, counts once; goods of a
    restricting country carried by an exporter in a third country, or an
    importer that received most of them that way, are a second kind) is
    marked weak and never becomes strong.
    """

    name = "new_intermediary"
    version = 2
    flags = ("NEW_INTERMEDIARY",)
    citations = (FINCEN_2022, FINCEN_2023_NOV, EU_EDD_2023, UK_OTSI_2025, BIS_KYC)
    Params = NewIntermediaryParams
    requires = ("shipments", "rules")
    uses = ("parties", "clusters")

    def run(self, ctx: DetectContext) -> Sequence[Finding]:
        p: NewIntermediaryParams = self.params
        lines = restricted_lines(ctx)
        e = ctx.engine
        task = ctx.progress.task("new intermediaries", total=1)
        index = party_index(e)
        cands = _exporters(e, lines, index) | _importers(e, lines, index)
        cands = {k: c for k, c in cands.items() if c.value >= p.min_value_usd}
        colocated = _colocation(cands, _crowded(e, p), p)
        findings = []
        for key in sorted(cands):
            f = self._finding(cands[key], colocated.get(key, []), cands, lines, p)
            if f is not None:
                findings.append(f)
        task.done()
        findings.sort(key=lambda f: (-f.score, -f.value_usd, f.finding_id))
        return findings

    def _finding(
        self,
        c: _Cand,
        shared: list[tuple[str, str]],
        cands: dict[str, _Cand],
        lines: Lines,
        p: NewIntermediaryParams,
    ) -> Finding | None:
        firsts = [lines.first_restriction[d] for d in c.dests if d in lines.first_restriction]
        if not firsts or c.first is None or c.last is None:
            return None
        restriction = min(firsts)
        signals: dict[str, str] = {}
        inc = c.party.incorporated if c.party else None
        if inc is not None and inc >= restriction:
            signals["incorporated_after"] = (
                f"was incorporated on {inc.isoformat()}, after the first restriction on {', '.join(sorted(c.dests))} "
                f"({restriction.isoformat()}); its first shipment of restricted goods followed "
                f"{(c.first - inc).days} days later"
            )
        history_ok = lines.data_start is not None and lines.data_start <= restriction - timedelta(
            days=p.min_history_days
        )
        if history_ok and c.seen_first is not None and c.seen_first >= restriction:
            signals["first_seen_after"] = (
                f"was first seen in the data on {c.seen_first.isoformat()} (the data start "
                f"{lines.data_start.isoformat() if lines.data_start else '-'})"
            )
        if (
            c.seen_first is not None
            and c.seen_last is not None
            and lines.data_end is not None
            and (c.seen_last - c.seen_first).days <= p.short_lived_days
            and (lines.data_end - c.seen_last).days >= p.quiet_days
        ):
            signals["short_lived"] = (
                f"was active only from {c.seen_first.isoformat()} to {c.seen_last.isoformat()}, "
                f"silent for {(lines.data_end - c.seen_last).days} days before the data end"
            )
        if shared:
            others = sorted({cands[k].name for k, _ in shared})
            kinds = sorted({w for _, w in shared})
            signals["co_located"] = f"shares its {' and '.join(kinds)} with {', '.join(others)}"
        if not signals:
            return None
        score = 0.25 + 0.3 * ("incorporated_after" in signals) + 0.15 * ("co_located" in signals)
        score += 0.1 * ("first_seen_after" in signals) + 0.05 * ("short_lived" in signals)
        score = round(min(0.9, score + 0.1 * value_term(c.value)), 4)
        via_third = c.role == "intermediary" or c.outside >= p.min_third_share * c.value
        evidence = {_KIND.get(s, s) for s in signals} | ({"third_country"} if via_third else set())
        where = ", ".join(sorted(c.countries)) or "-"
        what = "exported" if c.role == "intermediary" else "imported"
        partners = sorted(c.partners, key=lambda k: (-c.partners[k], k))
        explanation = (
            f"{c.name} ({where}) {what} {c.n} shipment lines worth ${c.value:,.0f} of goods under restriction "
            f"rules into {', '.join(sorted(c.dests))} from {c.first.isoformat()} to {c.last.isoformat()}, after "
            "the rules took effect"
            + (f", {'for' if c.role == 'intermediary' else 'from'} "
               + ", ".join(f"{c.partner_names[k]} (${c.partners[k]:,.0f})" for k in partners[:5])
               if partners else "")
            + ". It " + "; it ".join(signals.values()) + "."
            + ("" if c.party else " It matches no party in the register, so its incorporation date is unknown.")
        )  # fmt: skip
        partner_role = "importer" if c.role == "intermediary" else "intermediary"
        ents = [EntityRef(c.key, c.name, c.role)]
        ents += [EntityRef(k, c.partner_names[k], partner_role) for k in partners[:10]]
        ents += [EntityRef(k, cands[k].name, "related_party") for k in sorted({k for k, _ in shared})]
        rids = [r for _, r in sorted(c.rids)]
        return Finding(
            detector=self.ident,
            flags=list(self.flags),
            severity="low",  # the runner sets it from the calibrated score (detect.severity)
            score=score,
            title=f"{c.name} ({where}): {', '.join(s.replace('_', ' ') for s in signals)}; "
            f"${c.value / 1e6:,.2f}M of restricted goods",
            explanation=explanation,
            entities=ents,
            record_ids=rids,
            period_start=c.first,
            period_end=c.last,
            value_usd=c.value,
            metrics={
                "role": c.role,
                "signals": sorted(signals),
                "countries": sorted(c.countries),
                "destinations": sorted(c.dests),
                "first_restriction": restriction.isoformat(),
                "incorporated": inc.isoformat() if inc else None,
                "first_seen": c.seen_first.isoformat() if c.seen_first else None,
                "last_seen": c.seen_last.isoformat() if c.seen_last else None,
                "value_usd": round(c.value, 2),
                "shipments": c.n,
                "third_country_usd": round(c.outside if c.role == "importer" else c.value, 2),
                "co_located_with": sorted({k for k, _ in shared}),
                "party": party_facts(c.party),
            }
            | (
                {"weak": f"{' and '.join(sorted(signals)).replace('_', ' ')} alone"}
                if len(evidence) < 2
                else {}
            ),
            citations=list(self.citations),
            finding_id=stable_id(self.name, c.role, c.key),
        )


def _exporters(e: Engine, lines: Lines, index: PartyIndex) -> dict[str, _Cand]:
    where = "since IS NOT NULL AND outside"
    idents, parties = exporter_identities(e, lines.table, where, index)
    register_map(e, "_tt_ni_ident", idents)
    out: dict[str, _Cand] = {}
    rows = e.fetchall(
        f"""SELECT i.ident, l.exporter_name, l.third, l.dest, l.exporter_address, l.buyer, l.importer_name,
          count(*), sum(l.value), min(l.date), max(l.date), array_agg(l.date ORDER BY l.date, l.record_id),
          array_agg(l.record_id ORDER BY l.date, l.record_id)
        FROM {lines.table} l JOIN _tt_ni_ident i ON i.raw = l.ekey
        WHERE l.since IS NOT NULL AND l.outside GROUP BY ALL ORDER BY ALL"""
    )
    for ident, name, third, dest, addr, buyer, iname, n, v, first, last, dates, rids in rows:
        c = out.setdefault(ident, _Cand(ident, "intermediary", parties.get(ident)))
        _add(c, name, third, dest, addr, n, v, first, last, dates, rids)
        if buyer is not None:
            c.partners[buyer] += v
            c.partner_names.setdefault(buyer, iname or buyer)
    seen = e.fetchall(
        f"""SELECT i.ident, min(s.date), max(s.date) FROM shipments s
        JOIN (SELECT DISTINCT exporter_name, ekey FROM {lines.table} WHERE {where}) x
          ON x.exporter_name = s.exporter_name
        JOIN _tt_ni_ident i ON i.raw = x.ekey GROUP BY 1"""
    )
    e.drop_relation("_tt_ni_ident")
    _seen(out, seen)
    return out


def _importers(e: Engine, lines: Lines, index: PartyIndex) -> dict[str, _Cand]:
    out: dict[str, _Cand] = {}
    rows = e.fetchall(
        f"""SELECT buyer, importer_name, tax, dest, ekey, exporter_name, outside,
          count(*), sum(value), min(date), max(date), array_agg(date ORDER BY date, record_id),
          array_agg(record_id ORDER BY date, record_id)
        FROM {lines.table} WHERE since IS NOT NULL AND buyer IS NOT NULL GROUP BY ALL ORDER BY ALL"""
    )
    names: dict[str, set[str]] = defaultdict(set)
    taxes: dict[str, set[str]] = defaultdict(set)
    for buyer, name, tax, dest, ekey, ename, outside, n, v, first, last, dates, rids in rows:
        c = out.setdefault(buyer, _Cand(buyer, "importer", None))
        _add(c, name, None, dest, None, n, v, first, last, dates, rids)
        c.outside += v if outside else 0.0
        if name:
            names[buyer].add(name)
        if tax:
            taxes[buyer].add(tax)
        if ekey is not None:
            c.partners[ekey] += v
            c.partner_names.setdefault(ekey, ename or ekey)
    index.ensure(taxes={t for ts in taxes.values() for t in ts})  # importers are matched by tax id
    for buyer, c in out.items():
        c.party = index.match(sorted(names[buyer]), sorted(taxes[buyer]), None)
        if c.party and c.party.country:
            c.countries.add(c.party.country)
    seen = e.fetchall(
        f"""SELECT x.buyer, min(s.date), max(s.date) FROM shipments s
        JOIN (SELECT DISTINCT importer_name, buyer FROM {lines.table}
              WHERE since IS NOT NULL AND buyer IS NOT NULL) x ON x.importer_name = s.importer_name
        GROUP BY 1"""
    )
    _seen(out, seen)
    return {"importer:" + k: v for k, v in out.items()}


def _add(c: _Cand, name: str | None, country: str | None, dest: str, addr: str | None, n: int, v: float,
         first: date, last: date, dates: list[date], rids: list[str]) -> None:  # fmt: skip
    if name:
        c.names[name] += n
    if country:
        c.countries.add(country)
    c.dests.add(dest)
    if addr:
        c.addresses.add(addr)
    c.value += v
    c.n += n
    c.first = first if c.first is None else min(c.first, first)
    c.last = last if c.last is None else max(c.last, last)
    c.rids.extend(zip(dates, rids, strict=True))


def _seen(cands: dict[str, _Cand], rows: list[tuple[Any, ...]]) -> None:
    for key, first, last in rows:
        c = cands.get(key)
        if c is not None:
            c.seen_first = first if c.seen_first is None else min(c.seen_first, first)
            c.seen_last = last if c.seen_last is None else max(c.seen_last, last)


def _address(raw: str, p: NewIntermediaryParams) -> str | None:
    norm = _NON_WORD.sub(" ", raw.lower()).strip()
    return norm if len(norm.replace(" ", "")) >= p.min_address_chars else None


def _phone(raw: str, p: NewIntermediaryParams) -> str | None:
    digits = _NON_DIGIT.sub("", raw)
    return digits if len(digits) >= p.min_phone_digits else None


def _crowded(e: Engine, p: NewIntermediaryParams) -> set[tuple[str, str]]:
    """('address' | 'phone', value) shared by more than ``max_firms_at_address`` firms anywhere
    in the workspace: the register's parties and the shipments' importers and exporters (a
    firm counted by its tax id, else its name)."""
    parts = []
    if e.table_exists("parties"):
        parts += [
            "SELECT 'address', address, 'p:' || entity_id FROM parties WHERE address IS NOT NULL",
            "SELECT 'phone', phone, 'p:' || entity_id FROM parties WHERE phone IS NOT NULL",
        ]
    for side in ("importer", "exporter"):
        parts.append(
            f"SELECT 'address', {side}_address, coalesce('t:' || {side}_tax_id, 'n:' || upper(trim({side}_name))) "
            f"FROM shipments WHERE {side}_address IS NOT NULL"
        )
    firms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for what, raw, firm in e.fetchall(" UNION ".join(parts)):
        value = (_address if what == "address" else _phone)(str(raw), p)
        if value is not None:
            firms[(what, value)].add(str(firm))
    return {k for k, v in firms.items() if len(v) > p.max_firms_at_address}


def _colocation(
    cands: dict[str, _Cand], crowded: set[tuple[str, str]], p: NewIntermediaryParams
) -> dict[str, list[tuple[str, str]]]:
    """Candidate -> [(other candidate, 'address' | 'phone')] sharing one that few firms share."""
    where: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, c in cands.items():
        addrs = set(c.addresses) | ({c.party.address} if c.party and c.party.address else set())
        for a in addrs:
            norm = _address(a, p)
            if norm is not None:
                where[("address", norm)].add(key)
        phone = _phone(c.party.phone or "", p) if c.party else None
        if phone is not None:
            where[("phone", phone)].add(key)
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for (what, value), keys in where.items():
        ids = {_party_id(cands[k]) for k in keys}
        if len(ids) < 2 or (what, value) in crowded:
            continue
        for k in keys:
            out[k] |= {(o, what) for o in keys if _party_id(cands[o]) != _party_id(cands[k])}
    return {k: sorted(v) for k, v in out.items()}


def _party_id(c: _Cand) -> str:
    """Exporter and importer candidates of the same register party are not 'others'."""
    return c.party.entity_id if c.party else c.key
