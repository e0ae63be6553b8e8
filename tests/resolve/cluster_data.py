"""A small simulated workspace with the cluster and related-party cases planted in it.

Built once per test session (both test_cluster.py and test_related.py use it): 20,000
simulated shipment rows give the probabilistic model realistic data to learn from, and the
case rows of ``cluster_cases.csv`` and ``related_cases.yaml`` are added on top.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.resolve.cluster import ClusterResult, cluster_parties
from tradetrace.resolve.related import Lead, related_leads
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

HERE = Path(__file__).parent
SEED = 3
ROWS = 20_000
FILL_IMPORTER = ("ООО «Филлер Импорт»", None, "RU")
FILL_EXPORTER = ("Fillmore Werkzeuge GmbH", None, "DE")


def cluster_cases() -> list[dict[str, str]]:
    with (HERE / "cluster_cases.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def related_cases() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((HERE / "related_cases.yaml").read_text("utf-8"))
    return data


def _plant(ws: Workspace) -> None:
    e = ws.engine
    for i, c in enumerate(cluster_cases()):
        party = (c["name"], c["tax_id"] or None, c["country"] or None, c["address"] or None)
        rid = f"case/{i}"
        if c["role"] in ("importer", "exporter"):
            imp = party if c["role"] == "importer" else (*FILL_IMPORTER, None)
            exp = party if c["role"] == "exporter" else (*FILL_EXPORTER, None)
            e.execute(
                "INSERT INTO shipments (record_id, date, importer_name, importer_tax_id, importer_country, "
                "importer_address, exporter_name, exporter_tax_id, exporter_country, exporter_address, hs_code, "
                "value, currency) VALUES (?, DATE '2023-05-01', ?, ?, ?, ?, ?, ?, ?, ?, '8458110000', 1000, 'USD')",
                [rid, *imp, *exp],
            )
        else:
            payer = party[:2] if c["role"] == "payer" else FILL_IMPORTER[:2]
            payee = party[:2] if c["role"] == "payee" else FILL_IMPORTER[:2]
            e.execute(
                "INSERT INTO payments (record_id, date, payer_name, payer_tax_id, payee_name, payee_tax_id, amount) "
                "VALUES (?, DATE '2023-05-01', ?, ?, ?, ?, 1000)",
                [rid, *payer, *payee],
            )
    cases = related_cases()
    cols = (
        "entity_id",
        "kind",
        "name",
        "aliases",
        "country",
        "tax_id",
        "address",
        "phone",
        "email",
        "website",
    )
    for row in cases["parties"]:
        e.execute(
            f"INSERT INTO parties ({', '.join(cols)}, _source, _source_row) VALUES ({', '.join('?' * len(cols))}, 'related_cases.yaml', 1)",
            [row.get(c) or None for c in cols],
        )
    rcols = ("source_id", "target_id", "relation", "role", "share_pct", "start_date", "end_date")
    for n, row in enumerate(cases["relations"], start=1):
        e.execute(
            f"INSERT INTO relations ({', '.join(rcols)}, _source, _source_row) "
            f"VALUES (?, ?, ?, ?, ?, CAST(? AS DATE), CAST(? AS DATE), 'related_cases.yaml', {n})",
            [row.get(c) for c in rcols],
        )


_BUILT: dict[str, tuple[Workspace, ClusterResult, list[Lead]]] = {}


def case_workspace(factory: pytest.TempPathFactory) -> tuple[Workspace, ClusterResult, list[Lead]]:
    """The planted workspace, clustered and with its leads (built once per session)."""
    if "ws" not in _BUILT:
        base = factory.mktemp("cluster_cases")
        sim = simulate(base / "data", rows=ROWS, seed=SEED)
        ws = Workspace(Settings(workspace=base / "ws", progress=False))
        ingest_shipments(ws, sim.files["shipments_csv"], "canonical")
        for kind in ("parties", "relations", "payments"):
            ingest_table(ws, kind, sim.files[kind])
        _plant(ws)
        result = cluster_parties(ws)
        _BUILT["ws"] = (ws, result, related_leads(ws))
    return _BUILT["ws"]


def cluster_of(ws: Workspace, role: str, name: str, tax_id: str | None, country: str | None) -> str:
    rows = ws.engine.fetchall(
        "SELECT DISTINCT c.cluster_id FROM party_mentions m JOIN party_clusters c USING (mention_id) "
        "WHERE m.role = ? AND m.name = ? AND m.tax_id IS NOT DISTINCT FROM ? AND m.country IS NOT DISTINCT FROM ?",
        [role, name, tax_id, country],
    )
    assert len(rows) == 1, (role, name, tax_id, country, rows)
    return str(rows[0][0])


def entity_cluster(ws: Workspace, entity_id: str) -> str:
    rows = ws.engine.fetchall(
        "SELECT DISTINCT c.cluster_id FROM party_mentions m JOIN party_clusters c USING (mention_id) WHERE m.entity_id = ?",
        [entity_id],
    )
    assert len(rows) == 1, (entity_id, rows)
    return str(rows[0][0])
