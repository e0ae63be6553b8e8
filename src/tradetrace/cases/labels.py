"""Label findings and cases against the simulator's ground truth (truth.json, party_truth.csv).

A finding is *true* when it cites a record of a planted scheme (a shipment
line or a payment) or names a party of one; otherwise it is a false alarm
(background trade, or a decoy: a planted look-alike that is not evasion). A
case is true when at least one of its findings is: it points at a planted
scheme. The calibration (``bench/calibrate.py``) and its tests use these labels.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_COUNTRY_SUFFIX = re.compile(r"\s+\([A-Z]{2}\)$")  # "Lykia Dış Ticaret Ltd. Şti. (TR)"


@dataclass(frozen=True)
class Label:
    scheme: str | None  # the planted scheme the finding points at, None for a false alarm
    by_record: bool  # cites a record of it
    by_party: bool  # names a party of it

    @property
    def true(self) -> bool:
        return self.scheme is not None


class Truth:
    """What the simulator planted: scheme records (shipments and payments) and scheme parties."""

    def __init__(self, truth: Mapping[str, Any], spellings: Mapping[str, set[str]] | None = None) -> None:
        self.record_scheme: dict[str, str] = {}
        self.party_scheme: dict[str, str] = {}
        for s in truth["schemes"]:
            sid = str(s["scheme_id"])
            for r in [*s.get("record_ids", []), *s.get("payment_record_ids", [])]:
                self.record_scheme.setdefault(str(r), sid)
            for e in s.get("entities", []):
                for key in (e.get("entity_id"), e.get("tax_id")):
                    if key:
                        self.party_scheme.setdefault(str(key), sid)
        # written spellings (names, tax ids) -> simulator entity ids, from party_truth.csv
        self.spellings: Mapping[str, set[str]] = spellings or {}

    @classmethod
    def from_files(cls, truth_json: Path, party_truth_csv: Path | None = None) -> Truth:
        spellings: dict[str, set[str]] = defaultdict(set)
        if party_truth_csv is not None and party_truth_csv.exists():
            with open(party_truth_csv, encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    for key in (row.get("name"), row.get("tax_id")):
                        if key:
                            spellings[key].add(row["entity_id"])
        return cls(json.loads(truth_json.read_text("utf-8")), spellings)

    def party_of(self, entity: Mapping[str, Any]) -> str | None:
        """The planted scheme an entity of a finding ({id, name, role}) belongs to, if any."""
        name = _COUNTRY_SUFFIX.sub("", str(entity.get("name") or ""))
        for key in (str(entity.get("id") or ""), name):
            if key in self.party_scheme:
                return self.party_scheme[key]
            for eid in sorted(self.spellings.get(key, ())):
                if eid in self.party_scheme:
                    return self.party_scheme[eid]
        return None

    def label(self, finding: Mapping[str, Any]) -> Label:
        by_record = sorted({self.record_scheme[r] for r in finding["record_ids"] if r in self.record_scheme})
        by_party = sorted({s for e in finding["entities"] if (s := self.party_of(e)) is not None})
        scheme = next(iter(by_record or by_party), None)
        return Label(scheme, bool(by_record), bool(by_party))

    def case_label(self, findings: Sequence[Mapping[str, Any]]) -> bool:
        return any(self.label(f).true for f in findings)
