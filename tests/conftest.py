"""Shared fixtures: a fresh workspace per test, paths to ../shared data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(Settings(workspace=tmp_path / "ws", progress=False))
    try:
        yield workspace
    finally:
        workspace.close()


@pytest.fixture
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside the project")
    return SHARED
