"""The skip guard: a skip that tests/skips.yaml does not allow fails the run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.skips import allowed, unexpected

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.skips"]\n')
    (tmp_path / "test_x.py").write_text(textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_x.py"],
        cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_an_unlisted_skip_fails_the_run(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        """
        import pytest
        def test_runs():
            assert True
        def test_skips():
            pytest.skip("data missing")
    """,
    )
    assert done.returncode == 1, done.stdout
    assert "skipped that skips.yaml does not allow" in done.stdout and "test_x.py::test_skips" in done.stdout


def test_a_run_without_skips_passes(tmp_path: Path) -> None:
    done = _run(tmp_path, "def test_runs():\n    assert True\n")
    assert done.returncode == 0, done.stdout


def test_the_allow_list_matches_ids_and_their_parameters() -> None:
    allow = {"tests/a.py::test_b": "why"}
    skipped = {"tests/a.py::test_b[1]": "x", "tests/a.py::test_b": "x", "tests/a.py::test_bc": "x"}
    assert unexpected(skipped, allow) == {"tests/a.py::test_bc": "x"}
    assert all(reason.strip() for reason in allowed().values())  # every allowed skip says why
