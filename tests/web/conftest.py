"""A small but complete workspace for the web tests: simulated trade with the planted defining
case, the shipped list extract, screening, resolution, detection, cases and the graph; plus one
shipment whose parties have hostile names."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tradetrace.settings import Settings
from tradetrace.web.app import create_app

HOSTILE = '<script>alert("x")</script> =HYPERLINK("http://evil") \u202eLTD'


def _hostile_row(path: Path) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        first = next(reader)
    row = {
        **first,
        "record_id": "HOSTILE-1",
        "importer_name": HOSTILE,
        "importer_tax_id": "",
        "exporter_name": HOSTILE + " (EXP)",
        "exporter_tax_id": "",
    }
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=fields).writerow(row)


def build_workspace(root: Path, rows: int = 40_000) -> Path:
    from tradetrace.cases.build import build_cases
    from tradetrace.graph.build import build_graph
    from tradetrace.pipeline import load_simulation, screen_resolve_detect
    from tradetrace.simulate import simulate
    from tradetrace.workspace import Workspace

    sim = simulate(root / "data", rows=rows, seed=7, formats=("csv",))
    _hostile_row(sim.files["shipments_csv"])
    settings = Settings(workspace=root / "ws", progress=False)
    with Workspace(settings) as ws:
        load_simulation(ws, sim.files)
        screen_resolve_detect(ws)
        build_cases(ws.engine)
        build_graph(ws)
    return settings.workspace


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("web"))


@pytest.fixture
def workspace(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built workspace (tests that write do not disturb others)."""
    target = tmp_path / "ws"
    shutil.copytree(built, target)
    return target


@pytest.fixture
def client(workspace: Path) -> Iterator[TestClient]:
    app = create_app(Settings(workspace=workspace, progress=False), warm=False)  # tests open it too
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="session")
def reader(built: Path) -> Iterator[TestClient]:
    """A client on the shared workspace, for tests that only read."""
    app = create_app(Settings(workspace=built, progress=False))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
