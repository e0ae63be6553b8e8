"""Fixtures for the list tests: paths to the shared real files and a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tradetrace.lists.store import ensure_tables
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    """../shared/data (lists/, ftm/); the test is skipped when it is not there."""
    if not SHARED_LISTS.exists():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_LISTS


@pytest.fixture
def lws(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace with the list tables."""
    ws = Workspace(Settings(workspace=tmp_path / "ws", progress=False))
    ensure_tables(ws.engine)
    try:
        yield ws
    finally:
        ws.close()
