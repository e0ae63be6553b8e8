"""Fixtures for the list tests: paths to the real public files in tests/data, and a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tradetrace.lists.store import ensure_tables
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
TEST_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def data_dir() -> Path:
    """tests/data (lists/, ftm/): the real public files, see tests/data/SOURCES.md."""
    return TEST_DATA


@pytest.fixture
def lws(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace with the list tables."""
    ws = Workspace(Settings(workspace=tmp_path / "ws", progress=False))
    ensure_tables(ws.engine)
    try:
        yield ws
    finally:
        ws.close()
