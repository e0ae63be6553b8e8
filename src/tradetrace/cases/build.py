"""Group findings into cases, rank them, and compute the totals a reporter quotes.

Two findings belong to the same case when they name a common party (same
entity id) or cite a common record. Parties that appear in very many findings
(a big forwarder, a bank) would glue unrelated cases together, so an entity
shared by more than ``max_entity_findings`` findings does not join them.

A case's score is a calibrated probability that it is a real scheme
(tradetrace.cases.calibration): per detector the best finding counts, its raw
score mapped to the share of such findings that were true on the simulator's
planted schemes; detectors combine as a noisy-OR, mapped once more to the share
of such cases that were planted schemes. The uncalibrated noisy-OR of the raw
scores, ``1 - prod(1 - s_detector)``, is kept as ``raw_score``; see
docs/scoring.md. Totals are computed from the cited shipment records
themselves, so every number can be checked.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pyarrow as pa

from tradetrace.cases.calibration import Calibration, raw_score
from tradetrace.detect.findings import SEVERITIES, read_findings, stable_id
from tradetrace.engine import Engine
from tradetrace.engine.base import runs_as
from tradetrace.engine.dialect import quote_ident
from tradetrace.engine.rows import insert_rows
from tradetrace.model.records import Column, TableSpec

CASES = TableSpec(
    "cases",
    "Findings grouped by shared parties and records, ranked; one row per case.",
    (
        Column("case_id", "VARCHAR", "stable id (from the case's anchor party)"),
        Column("rank", "INTEGER", "1 = most important"),
        Column("title", "VARCHAR", "the top finding's title"),
        Column(
            "score", "DOUBLE", "0-1, calibrated: probability that the case is a real scheme (docs/scoring.md)"
        ),
        Column("severity", "VARCHAR", "highest severity among the findings"),
        Column("flags", "VARCHAR", "JSON list of red-flag codes"),
        Column("finding_ids", "VARCHAR", "JSON list, best first"),
        Column("entities", "VARCHAR", "JSON list of {id, name, roles}"),
        Column(
            "totals", "VARCHAR", "JSON map: shipments, value_usd, direct/rerouted values, hubs, period ..."
        ),
        Column("period_start", "DATE", "first date of the case"),
        Column("period_end", "DATE", "last date of the case"),
        Column(
            "raw_score",
            "DOUBLE",
            "0-1, uncalibrated: noisy-OR of the raw score of the best finding per detector",
        ),
        Column(
            "evidence",
            "VARCHAR",
            "JSON list per detector: best finding, its raw score and calibrated probability, calibrated or not",
        ),
    ),
)


@dataclass
class Case:
    case_id: str
    findings: list[dict[str, Any]]
    score: float
    severity: str
    flags: list[str]
    entities: list[dict[str, Any]]
    totals: dict[str, Any] = field(default_factory=dict)
    rank: int = 0
    raw_score: float = 0.0
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.findings[0]["title"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id, "rank": self.rank, "title": self.title, "score": round(self.score, 4),
            "severity": self.severity, "flags": self.flags, "finding_ids": [f["finding_id"] for f in self.findings],
            "entities": self.entities, "totals": self.totals, "raw_score": round(self.raw_score, 4),
            "evidence": self.evidence,
        }  # fmt: skip


def group_findings(
    findings: Sequence[dict[str, Any]], max_entity_findings: int = 25
) -> list[list[dict[str, Any]]]:
    """Connected groups of findings sharing an entity id or a record id."""
    graph: nx.Graph[str] = nx.Graph()
    by_entity: dict[str, set[str]] = defaultdict(set)
    by_record: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        graph.add_node(f["finding_id"])
        for e in f["entities"]:
            by_entity[e["id"]].add(f["finding_id"])
        for r in f["record_ids"]:
            by_record[r].add(f["finding_id"])
    for members in [*by_entity.values(), *by_record.values()]:
        if 1 < len(members) <= max_entity_findings:
            first, *rest = sorted(members)
            graph.add_edges_from((first, other) for other in rest)
    index = {f["finding_id"]: f for f in findings}
    groups = [sorted((index[i] for i in comp), key=_finding_order) for comp in nx.connected_components(graph)]
    return sorted(groups, key=lambda g: _finding_order(g[0]))


def _finding_order(f: dict[str, Any]) -> tuple[float, float, str]:
    """Within a case: by the detectors' own scores, which weigh how much a finding matters (value,
    reach), not only how likely it is; the first finding gives the case its title."""
    return (-raw_score(f), -float(f.get("value_usd") or 0.0), str(f["finding_id"]))


def case_score(findings: Sequence[dict[str, Any]]) -> float:
    """Raw (uncalibrated) noisy-OR of the best finding of each detector: one detector, one piece of evidence."""
    best: dict[str, float] = {}
    for f in findings:
        detector = str(f["detector"]).split("@", 1)[0]
        best[detector] = max(best.get(detector, 0.0), raw_score(f))
    miss = 1.0
    for s in best.values():
        miss *= 1.0 - min(s, 0.999)
    return 1.0 - miss


def _entities(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in findings:
        for e in f["entities"]:
            item = out.setdefault(e["id"], {"id": e["id"], "name": e["name"], "roles": []})
            if e["role"] not in item["roles"]:
                item["roles"].append(e["role"])
    return list(out.values())


def _record_totals(engine: Engine, groups: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per group of findings: the shipments and payments its findings cite, counted and summed
    once each. One query per table for all groups (a query per case costs a job each on Spark)."""
    pairs = sorted({(i, r) for i, group in enumerate(groups) for f in group for r in f["record_ids"]})
    engine.register(
        "_case_records",
        pa.table(
            {
                "case_no": pa.array([p[0] for p in pairs], pa.int64()),
                "record_id": pa.array([p[1] for p in pairs], pa.string()),
            }
        ),
    )
    try:
        ships = {
            int(r[0]): r[1:]
            for r in engine.fetchall(
                "SELECT r.case_no, count(*), sum(s.value_usd), min(s.date), max(s.date) FROM _case_records r "
                "JOIN shipments s ON s.record_id = r.record_id GROUP BY r.case_no"
            )
        }
        paid = {
            int(r[0]): r[1:]
            for r in engine.fetchall(
                "SELECT r.case_no, count(*), sum(p.amount_usd) FROM _case_records r "
                "JOIN payments p ON p.record_id = r.record_id GROUP BY r.case_no"
            )
        }
    finally:
        engine.drop_relation("_case_records")
    out = []
    for i in range(len(groups)):
        row = ships.get(i, (0, None, None, None))
        pay = paid.get(i, (0, None))
        out.append(
            {
                "shipments": int(row[0]), "shipments_value_usd": round(float(row[1] or 0.0), 2),
                "payments": int(pay[0]), "payments_value_usd": round(float(pay[1] or 0.0), 2),
                "first_date": row[2].isoformat() if row[2] else None,
                "last_date": row[3].isoformat() if row[3] else None,
            }
        )  # fmt: skip
    return out


def _totals(findings: Sequence[dict[str, Any]], totals: dict[str, Any]) -> dict[str, Any]:
    """The case's totals: ``totals`` (its records', from :func:`_record_totals`) and what its
    findings say (the route switch, the listed parties)."""
    switch = next((f for f in findings if "ROUTE_SWITCH" in f["flags"]), None)
    if switch:
        m = switch["metrics"]
        for key in ("direct_before_usd", "rerouted_after_usd", "switch_date", "restriction_date", "hubs"):
            totals[key] = m.get(key)
    listed = sorted({e["name"] for f in findings for e in f["entities"] if e["role"] == "listed_party"})
    totals["listed_parties"] = listed
    return totals


@runs_as("cases")
def build_cases(
    engine: Engine,
    min_score: float = 0.0,
    max_entity_findings: int = 25,
    calibration: Calibration | None = None,
) -> list[Case]:
    """Group the workspace's findings into ranked cases and store them in ``cases``.

    ``calibration`` defaults to the one in use: the shipped one (``data/detect/calibration.yaml``)
    with this workspace's maps refitted on analyst decisions, if any
    (:mod:`tradetrace.cases.workspace_calibration`).
    """
    from tradetrace.cases.workspace_calibration import calibration_in_use
    from tradetrace.detect.decisions import dismissed_findings

    calibration = calibration or calibration_in_use(engine)
    dismissed = dismissed_findings(engine)
    findings = [
        f
        for f in read_findings(engine)
        if float(f["score"]) >= min_score and f["finding_id"] not in dismissed
    ]
    cases: list[Case] = []
    groups = group_findings(findings, max_entity_findings)
    for group, records in zip(groups, _record_totals(engine, groups), strict=True):
        anchor = group[0]["entities"][0]["id"] if group[0]["entities"] else group[0]["finding_id"]
        flags = sorted({fl for f in group for fl in f["flags"]})
        severity = max((f["severity"] for f in group), key=SEVERITIES.index)
        scored = calibration.score_case(group)
        cases.append(
            Case(
                stable_id("case", anchor).replace("f-", "c-"),
                group,
                scored.probability,
                severity,
                flags,
                _entities(group),
                _totals(group, records),
                raw_score=scored.raw,
                evidence=scored.detectors,
            )
        )
    # how likely (the calibrated probability, to two decimals), then how much it matters
    cases.sort(
        key=lambda c: (
            -round(c.score, 2),
            -SEVERITIES.index(c.severity),
            -float(c.totals.get("shipments_value_usd") or 0.0)
            - float(c.totals.get("payments_value_usd") or 0.0),
            c.case_id,
        )
    )
    for i, c in enumerate(cases, start=1):
        c.rank = i
    _upgrade(engine)
    with engine.transaction():
        engine.execute("DELETE FROM cases")
        rows = []
        for c in cases:
            d = c.as_dict()
            rows.append(
                [c.case_id, c.rank, c.title, c.score, c.severity, json.dumps(c.flags),
                 json.dumps(d["finding_ids"]), json.dumps(c.entities, ensure_ascii=False),
                 json.dumps(c.totals, ensure_ascii=False, default=str), c.totals.get("first_date"),
                 c.totals.get("last_date"), c.raw_score, json.dumps(c.evidence)]
            )  # fmt: skip
        insert_rows(engine, "cases", [(col.name, col.type) for col in CASES.columns], rows)
    return cases


def _upgrade(engine: Engine) -> None:
    """Add the columns a workspace made by an older tradetrace lacks (cases is rebuilt on every run)."""
    present = set(engine.table_columns("cases"))
    for col in CASES.columns:
        if col.name not in present:
            engine.execute(f"ALTER TABLE cases ADD COLUMN {quote_ident(col.name)} {col.type}")
