"""Leads from people: a person (or firm) with a role in two firms, now or in the past.

``relations`` rows say who owns, directs or works for whom, with start and end dates. Two
firms with one holder in common are a ``shared_person`` lead; a relation that has ended
(a co-owner until 2015) still counts, and the lead says "until 2015-10-02 (former)". Two
firms tied through people recorded as associates are an ``associated_people`` lead, and a
firm recorded as owner or officer of another a ``direct_relation`` lead.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from tradetrace.resolve.lead_model import Cluster, Lead, make_lead
from tradetrace.workspace import Workspace

__all__ = ["people_leads", "read_relations"]

MAX_TIES = 40  # a person in more firms than this is treated as a mass nominee (weaker leads)
ROLE_WEIGHT = {"owner": 1.0, "director": 1.0, "founder": 1.0, "beneficiary": 1.0, "officer": 0.95}
OTHER_ROLE_WEIGHT = 0.9  # employee, representative ...
FORMER = 0.95  # a relation that has ended still counts, slightly less


def _rel_text(r: dict[str, Any], firm: str) -> str:
    what = r["relation"] + (f" ({r['role']})" if r["role"] else "")
    if r["share_pct"] is not None:
        what += f" {r['share_pct']:g}%"
    start, end = r["start_date"], r["end_date"]
    when = (f" from {start}" if start else "") + (f" until {end} (former)" if end else " (current)")
    return f"{what} of {firm}{when}"


def _weight(r: dict[str, Any]) -> float:
    w = ROLE_WEIGHT.get(r["relation"], OTHER_ROLE_WEIGHT)
    return w * (FORMER if r["end_date"] else 1.0)


def read_relations(ws: Workspace) -> list[dict[str, Any]]:
    cols = (
        "source_id",
        "target_id",
        "relation",
        "role",
        "share_pct",
        "start_date",
        "end_date",
        "source",
        "_source",
        "_source_row",
    )
    rows = ws.engine.fetchall(f"SELECT {', '.join(cols)} FROM relations ORDER BY {', '.join(cols)}")
    out = []
    for row in rows:
        r = dict(zip(cols, row, strict=True))
        for k in ("start_date", "end_date"):
            r[k] = r[k].isoformat() if isinstance(r[k], date) else r[k]
        r["relation"] = (r["relation"] or "").lower()
        out.append(r)
    return out


def _evidence(r: dict[str, Any]) -> dict[str, Any]:
    keep = ("relation", "role", "share_pct", "start_date", "end_date")
    return {
        **{k: r[k] for k in keep},
        "current": r["end_date"] is None,
        "source": r["_source"],
        "source_row": r["_source_row"],
    }


def people_leads(
    rels: list[dict[str, Any]], clusters: dict[str, Cluster], entity: dict[str, str]
) -> list[Lead]:
    def node(eid: str) -> Cluster:
        cid = entity.get(eid)
        return clusters[cid] if cid else Cluster(f"entity:{eid}", eid, None, None)

    ties: dict[str, list[dict[str, Any]]] = defaultdict(list)  # holder cluster -> relations to firms
    associates: list[tuple[Cluster, Cluster, dict[str, Any]]] = []
    direct: list[Lead] = []
    for r in rels:
        src, dst = node(r["source_id"]), node(r["target_id"])
        if src.cluster_id == dst.cluster_id:
            continue
        if r["relation"] == "associate":
            associates.append((src, dst, r))
        elif src.kind == "person" or dst.kind == "person":
            ties[src.cluster_id].append({**r, "_firm": dst})
        else:  # one firm recorded as owner, director... of another
            direct.append(
                make_lead(
                    "direct_relation",
                    src,
                    dst,
                    0.95 * _weight(r),
                    f"{src.name}: {_rel_text(r, dst.name)}.",
                    {"relations": [_evidence(r)]},
                )
            )
    found: dict[tuple[str, str], list[tuple[Cluster, dict[str, Any], dict[str, Any], float]]] = defaultdict(
        list
    )
    for holder_id, rs in ties.items():
        holder = clusters.get(holder_id) or Cluster(
            holder_id, holder_id.removeprefix("entity:"), None, "person"
        )
        firms = {r["_firm"].cluster_id for r in rs}
        damp = 1.0 if len(firms) <= MAX_TIES else MAX_TIES / len(firms)
        for i, ra in enumerate(rs):
            for rb in rs[i + 1 :]:
                a, b = ra["_firm"], rb["_firm"]
                if a.cluster_id != b.cluster_id:
                    lo, hi = sorted((a.cluster_id, b.cluster_id))
                    found[(lo, hi)].append((holder, ra, rb, 0.95 * _weight(ra) * _weight(rb) * damp))
    leads = direct + [_person_lead(clusters, pair, items) for pair, items in sorted(found.items())]
    leads += _associate_leads(ties, associates, clusters)
    return leads


def _person_lead(
    clusters: dict[str, Cluster],
    pair: tuple[str, str],
    items: list[tuple[Cluster, dict[str, Any], dict[str, Any], float]],
) -> Lead:
    """One lead for a pair of firms: every person tied to both, with all their relations."""
    firm = {r["_firm"].cluster_id: r["_firm"] for _, ra, rb, _ in items for r in (ra, rb)}
    a, b = clusters.get(pair[0]) or firm[pair[0]], clusters.get(pair[1]) or firm[pair[1]]
    by_person: dict[str, tuple[Cluster, dict[int, dict[str, Any]], float]] = {}
    for holder, ra, rb, s in items:
        _, rels, best = by_person.get(holder.cluster_id, (holder, {}, 0.0))
        for r in (ra, rb):
            rels[id(r)] = r
        by_person[holder.cluster_id] = (holder, rels, max(best, s))
    people, texts, miss = [], [], 1.0
    for holder, rels, s in sorted(by_person.values(), key=lambda t: (-t[2], t[0].name, t[0].cluster_id)):
        ordered = sorted(
            rels.values(), key=lambda r: (r["_firm"].cluster_id != a.cluster_id, str(r["_source_row"]))
        )
        people.append(
            {
                "person": holder.name,
                "person_cluster": holder.cluster_id,
                "relations": [{"firm": r["_firm"].cluster_id, **_evidence(r)} for r in ordered],
            }
        )
        texts.append(f"{holder.name}: " + "; ".join(_rel_text(r, r["_firm"].name) for r in ordered))
        miss *= 1 - s
    return make_lead("shared_person", a, b, 1 - miss, " | ".join(texts) + ".", {"people": people})


def _associate_leads(
    ties: dict[str, list[dict[str, Any]]],
    associates: list[tuple[Cluster, Cluster, dict[str, Any]]],
    clusters: dict[str, Cluster],
) -> list[Lead]:
    out: dict[tuple[str, str], Lead] = {}
    for p1, p2, assoc in associates:
        for ra in ties.get(p1.cluster_id, ()):
            for rb in ties.get(p2.cluster_id, ()):
                a, b = ra["_firm"], rb["_firm"]
                if a.cluster_id == b.cluster_id:
                    continue
                s = 0.7 * _weight(ra) * _weight(rb)
                text = (
                    f"{p1.name} ({_rel_text(ra, a.name)}) is recorded as associate of {p2.name} "
                    f"({_rel_text(rb, b.name)}): {assoc['role'] or 'associate'}."
                )
                ev = {
                    "people": [p1.name, p2.name],
                    "a": _evidence(ra),
                    "b": _evidence(rb),
                    "association": _evidence(assoc),
                }
                lead = make_lead("associated_people", a, b, s, text, ev)
                key = (lead.cluster_a, lead.cluster_b)
                if key not in out or out[key].strength < lead.strength:
                    out[key] = lead
    return [out[k] for k in sorted(out)]
