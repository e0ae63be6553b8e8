"""The findings contract (data-contracts §4): one record per finding."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tradetrace.engine import Engine
from tradetrace.engine.rows import insert_rows
from tradetrace.model.records import Column, TableSpec

FLAGS = (
    "ROUTE_SWITCH",
    "TRANSSHIPMENT_HUB",
    "RESTRICTED_GOODS",
    "SANCTIONED_PARTY",
    "SANCTIONED_NETWORK",
    "RELATED_PARTIES",
    "NEW_INTERMEDIARY",
    "MILITARY_END_USE",
    "MISDECLARATION",
    "PRICE_ANOMALY",
    "GOODS_IDENTITY",
)
SEVERITIES = ("low", "medium", "high", "critical")
ROLES = (
    "importer",
    "exporter",
    "supplier",
    "intermediary",
    "end_user",
    "payer",
    "listed_party",
    "related_party",
)

FINDINGS = TableSpec(
    "findings",
    "What `detect` found, one row per finding (data-contracts §4); JSON columns hold lists and maps.",
    (
        Column("finding_id", "VARCHAR", "stable id: the same inputs give the same id"),
        Column("detector", "VARCHAR", "detector name and version, e.g. route_switch@1"),
        Column("flags", "VARCHAR", "JSON list of red-flag codes"),
        Column("severity", "VARCHAR", "low, medium, high, critical"),
        Column(
            "score",
            "DOUBLE",
            "0-1, calibrated probability, comparable across detectors (metrics.raw_score: the detector's own)",
        ),
        Column("title", "VARCHAR", "one line a person reads"),
        Column("explanation", "VARCHAR", "why, in words, with the numbers"),
        Column("entities", "VARCHAR", "JSON list of {id, name, role}"),
        Column("record_ids", "VARCHAR", "JSON list of cited shipment / payment record_ids"),
        Column("period_start", "DATE", "first date the finding covers"),
        Column("period_end", "DATE", "last date the finding covers"),
        Column("value_usd", "DOUBLE", "value at stake"),
        Column("metrics", "VARCHAR", "JSON map of detector-specific numbers"),
        Column("citations", "VARCHAR", "JSON list of typologies / rules / list entries"),
    ),
)


@dataclass(frozen=True)
class EntityRef:
    id: str
    name: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown entity role {self.role!r}; expected one of {', '.join(ROLES)}")


@dataclass(frozen=True)
class Citation:
    """An official typology, rule or list entry a finding rests on."""

    id: str
    title: str
    url: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class Finding:
    detector: str
    flags: list[str]
    severity: str
    score: float
    title: str
    explanation: str
    entities: list[EntityRef]
    record_ids: list[str]
    period_start: date | None
    period_end: date | None
    value_usd: float
    metrics: dict[str, Any] = field(default_factory=dict)
    citations: list[Citation] = field(default_factory=list)
    key: Sequence[str] = ()
    finding_id: str = ""

    def __post_init__(self) -> None:
        bad = [f for f in self.flags if f not in FLAGS]
        if bad:
            raise ValueError(f"unknown red-flag code(s) {bad}; expected some of {', '.join(FLAGS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside 0-1")
        if not self.finding_id:
            self.finding_id = stable_id(self.detector, *(self.key or self.record_ids))

    def as_dict(self) -> dict[str, Any]:
        """The finding as data-contracts §4 writes it."""
        return {
            "finding_id": self.finding_id,
            "flags": list(self.flags),
            "detector": self.detector,
            "severity": self.severity,
            "score": round(self.score, 4),
            "title": self.title,
            "explanation": self.explanation,
            "entities": [asdict(e) for e in self.entities],
            "record_ids": list(self.record_ids),
            "period": {
                "start": self.period_start.isoformat() if self.period_start else None,
                "end": self.period_end.isoformat() if self.period_end else None,
            },
            "value_usd": round(self.value_usd, 2),
            "metrics": self.metrics,
            "citations": [c.as_dict() for c in self.citations],
        }


def stable_id(*parts: str) -> str:
    """A content hash: the same parts give the same id on every run and engine."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"f-{digest[:16]}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def store_findings(engine: Engine, detector: str, findings: Sequence[Finding]) -> None:
    """Replace this detector's findings in the workspace (a re-run is idempotent)."""
    base = detector.split("@", 1)[0]
    with engine.transaction():
        engine.execute("DELETE FROM findings WHERE split_part(detector, '@', 1) = ?", [base])
        rows = []
        for f in findings:
            d = f.as_dict()
            rows.append(
                [f.finding_id, f.detector, _json(f.flags), f.severity, f.score, f.title, f.explanation,
                 _json(d["entities"]), _json(f.record_ids), f.period_start, f.period_end, f.value_usd,
                 _json(f.metrics), _json(d["citations"])]
            )  # fmt: skip
        insert_rows(engine, "findings", [(c.name, c.type) for c in FINDINGS.columns], rows)


def read_findings(engine: Engine, min_score: float = 0.0) -> list[dict[str, Any]]:
    """Findings from the workspace, best first, in the contract's shape."""
    rows = engine.fetchall(
        "SELECT finding_id, flags, detector, severity, score, title, explanation, entities, "
        "record_ids, period_start, period_end, value_usd, metrics, citations FROM findings "
        "WHERE score >= ? ORDER BY score DESC, value_usd DESC, finding_id",
        [min_score],
    )
    out = []
    for r in rows:
        out.append(
            {
                "finding_id": r[0],
                "flags": json.loads(r[1]),
                "detector": r[2],
                "severity": r[3],
                "score": r[4],
                "title": r[5],
                "explanation": r[6],
                "entities": json.loads(r[7]),
                "record_ids": json.loads(r[8]),
                "period": {
                    "start": r[9].isoformat() if r[9] else None,
                    "end": r[10].isoformat() if r[10] else None,
                },
                "value_usd": r[11],
                "metrics": json.loads(r[12]),
                "citations": json.loads(r[13]),
            }
        )
    return out


def write_jsonl(findings: Iterable[dict[str, Any]], path: Path) -> int:
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for f in findings:
            fh.write(json.dumps(f, ensure_ascii=False, sort_keys=False) + "\n")
            n += 1
    return n
