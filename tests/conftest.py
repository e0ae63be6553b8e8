"""Shared fixtures: a fresh workspace per test, and the public test data in tests/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

pytest_plugins = ["tests.skips"]  # a skipped test fails the run unless tests/skips.yaml allows it

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"  # public files the tests read (tests/data/SOURCES.md)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(Settings(workspace=tmp_path / "ws", progress=False))
    try:
        yield workspace
    finally:
        workspace.close()


@pytest.fixture
def test_data() -> Path:
    """tests/data: real public lists, FtM files, reference tables and name-matching sets."""
    return TEST_DATA


@pytest.fixture(scope="session")
def chromium() -> str:
    """The machine's Chromium for browser tests (skipped without it; tests/skips.yaml lists them)."""
    from tradetrace.report.pdf import find_chromium

    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium on this machine (make test installs Debian's chromium)")
    return path
