"""Simulated datasets shared by the end-to-end tests (built once per session)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tradetrace.detect.findings import read_findings
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace


@dataclass
class Run:
    truth: dict[str, Any]
    findings: list[dict[str, Any]]
    ws: Workspace
    data: Path


def _run(
    tmp: Path, rows: int, seed: int, fmt: str, profile: str, full: bool = False, family: str = "a"
) -> Run:
    data = tmp / "data"
    sim = simulate(data, rows=rows, seed=seed, formats=(fmt,), family=family)
    ws = Workspace(Settings(workspace=tmp / f"ws-{fmt}", progress=False))
    path = sim.files["shipments_" + fmt.replace("-", "_")]
    result = ingest_shipments(ws, path, profile)
    assert result.rows_quarantined == 0, result.summary()
    for kind in ("parties", "relations", "payments"):
        ingest_table(ws, kind, sim.files[kind])
    if full:  # lists, screening and entity resolution feed the network detectors
        from tradetrace.lists.store import load_list
        from tradetrace.resolve.cluster import cluster_parties
        from tradetrace.resolve.related import related_leads
        from tradetrace.resolve.screen import screen_workspace

        load_list(ws, None)
        screen_workspace(ws)
        cluster_parties(ws)
        related_leads(ws)
    run_detectors(ws)
    truth = json.loads((data / "truth.json").read_text("utf-8"))
    return Run(truth, read_findings(ws.engine), ws, data)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(tmp_path_factory.mktemp("demo"), 200_000, 7, "csv", "canonical")
    yield run
    run.ws.close()


@pytest.fixture(scope="session")
def demo_run_rudt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(tmp_path_factory.mktemp("demo-rudt"), 200_000, 7, "ru-dt", "ru-dt")
    yield run
    run.ws.close()


@pytest.fixture(scope="session")
def million_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(tmp_path_factory.mktemp("million"), 1_000_000, 2024, "csv", "canonical", full=True)
    yield run
    run.ws.close()


@pytest.fixture(scope="session")
def million_run_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The other scenario family (other proportions, names, countries, goods and schemes), in the
    Russian declaration format."""
    run = _run(tmp_path_factory.mktemp("million-b"), 1_000_000, 2026, "ru-dt", "ru-dt", full=True, family="b")
    yield run
    run.ws.close()


@dataclass
class DemoOut:
    out: Path
    summary: str
    lines: list[str]

    def workspace(self) -> Workspace:
        return Workspace(Settings(workspace=self.out / "workspace", progress=False))


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> DemoOut:
    """`tradetrace demo` (200,000 rows, seed 7) run once: its out folder and what it printed."""
    from tradetrace.demo import run_demo

    out = tmp_path_factory.mktemp("demo-out")
    lines: list[str] = []
    summary = run_demo(out, rows=200_000, seed=7, settings=Settings(progress=False), echo=lines.append)
    return DemoOut(out, summary, lines)
