"""Shared fixtures: the May 2024 SDN loaded once per session, and a screener over it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradetrace.lists.store import load_list
from tradetrace.resolve.index import Entry, ListIndex, load_entries
from tradetrace.resolve.matcher import Screener
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

HERE = Path(__file__).parent
TEST_DATA = Path(__file__).resolve().parents[1] / "data"  # tests/data/SOURCES.md
SDN = TEST_DATA / "lists" / "ofac_sdn_2024-05"
MATCHING = TEST_DATA / "matching"


def table_entries() -> list[Entry]:
    """The listed side of the cross-script case table, one entry per row that names one."""
    out = []
    with (HERE / "cross_script_cases.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["listed"]:
                out.append(
                    Entry(
                        "test-table",
                        "v1",
                        row["case"],
                        row["listed_kind"] or "unknown",
                        row["listed"],
                        ((row["listed"], "primary"),),
                        frozenset(),
                        (),
                        (),
                        row["case"],
                    )
                )
    return out


@pytest.fixture(scope="session")
def sdn_entries(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    ws = Workspace(Settings(workspace=tmp_path_factory.mktemp("sdn"), progress=False))
    try:
        load_list(ws, SDN)
        return load_entries(ws.engine)
    finally:
        ws.close()


@pytest.fixture(scope="session")
def screener(sdn_entries: list[Entry]) -> Screener:
    """The full SDN with aliases plus the listed names of the cross-script table."""
    return Screener(ListIndex([*sdn_entries, *table_entries()]))


@pytest.fixture
def small_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(Settings(workspace=tmp_path / "ws", progress=False))
    try:
        yield ws
    finally:
        ws.close()
