"""A small simulated workspace for the graph and export tests (20,000 lines, seed 5).

Beside the simulator's data it holds a party named like a spreadsheet formula, made a director
of the defining case's importer so that it belongs to that case, and one cited shipment line
whose description is 40,000 characters long.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradetrace.detect.findings import read_findings
from tradetrace.detect.runner import run_detectors
from tradetrace.graph.build import build_graph
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.lists.store import load_list
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

ROWS, SEED = 20_000, 5
HOSTILE = '=HYPERLINK("x")'
HOSTILE_ID = "hostile-1"
LONG_DESCRIPTION = ("Станок токарный с ЧПУ; " * 1740)[:40_000]


@dataclass
class Sample:
    ws: Workspace
    truth: dict[str, Any]
    case_id: str  # the defining case's finding
    long_record: str  # record id of the shipment line with the 40,000-character description

    def scheme(self, scheme_id: str = "cnc_taiwan_reroute") -> dict[str, Any]:
        return next(s for s in self.truth["schemes"] if s["scheme_id"] == scheme_id)

    def entity(self, role: str) -> dict[str, Any]:
        return next(e for e in self.scheme()["entities"] if e["role"] == role)


def _extra_files(folder: Path, importer_id: str) -> tuple[Path, Path]:
    parties, relations = folder / "extra_parties.csv", folder / "extra_relations.csv"
    with parties.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity_id", "kind", "name", "aliases", "country", "tax_id"])
        w.writerow([HOSTILE_ID, "person", HOSTILE, "@SUM(1+1);-2+3", "RU", ""])
    with relations.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["source_id", "target_id", "relation", "role", "share_pct", "start_date", "end_date", "source"]
        )
        w.writerow([HOSTILE_ID, importer_id, "director", "+Deputy director", "", "2020-01-01", "", "test"])
    return parties, relations


def build_sample(tmp: Path) -> Sample:
    data = tmp / "data"
    files = simulate(data, rows=ROWS, seed=SEED).files
    truth = json.loads(files["truth"].read_text("utf-8"))
    ws = Workspace(Settings(workspace=tmp / "ws", progress=False))
    ingest_shipments(ws, files["shipments_csv"])
    for kind in ("parties", "relations", "payments"):
        ingest_table(ws, kind, files[kind])
    scheme = next(s for s in truth["schemes"] if s["scheme_id"] == "cnc_taiwan_reroute")
    importer = next(e for e in scheme["entities"] if e["role"] == "importer")
    extra_parties, extra_relations = _extra_files(data, importer["entity_id"])
    ingest_table(ws, "parties", extra_parties)
    ingest_table(ws, "relations", extra_relations)
    load_list(ws, None)
    run_detectors(ws)
    cnc = set(scheme["record_ids"])  # the defining case's route switch
    top = next(
        f
        for f in read_findings(ws.engine)
        if f["detector"].startswith("route_switch@") and cnc & set(f["record_ids"])
    )
    long_record = sorted(top["record_ids"])[0]
    ws.engine.execute(
        "UPDATE shipments SET description = ? WHERE record_id = ?", [LONG_DESCRIPTION, long_record]
    )
    build_graph(ws)
    return Sample(ws, truth, top["finding_id"], long_record)
