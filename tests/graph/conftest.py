"""The simulated sample workspace, built once per test session (see tests/graph/sample.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.graph.sample import Sample, build_sample


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    built = build_sample(tmp_path_factory.mktemp("sample"))
    try:
        yield built
    finally:
        built.ws.close()
