"""A truncated list never silently replaces the whole one; versions can be switched back.

The sequence that once broke screening: the full SDN list is loaded, then the first lines
of the same file (a truncated download, or a test subset) whose file date is newer. It
loaded as the active version and `match` found nothing for listed firms; reloading the
full list was a no-op.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tradetrace.cli import cli
from tradetrace.lists.store import MIN_ACTIVE_SHARE, shipped_extract

LATE = "SINO MACHINERY CO., LTD."  # on the last line of the shipped sdn.csv


def _run(ws: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "--quiet", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _copy(tmp: Path, name: str, lines: int | None = None) -> Path:
    dest = tmp / name
    shutil.copytree(shipped_extract(), dest)
    if lines is not None:
        sdn = dest / "sdn.csv"
        sdn.write_bytes(b"".join(sdn.read_bytes().splitlines(keepends=True)[:lines]))
    stamp = time.time()  # newer than any publication date: the as-of falls back to the file time
    for f in dest.iterdir():
        os.utime(f, (stamp, stamp))
    return dest


def _active(ws: Path) -> list[str]:
    return [line for line in _run(ws, "lists").splitlines() if line.startswith("*")]


def _matched(ws: Path) -> bool:
    return LATE.split()[0] in _run(ws, "match", LATE).upper()


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    full = _copy(tmp_path, "full")
    assert "active" in _run(ws, "lists", "load", str(full), "--as-of", "2024-05-03")
    assert _matched(ws)
    return ws


def test_a_truncated_newer_file_is_loaded_but_not_made_active(loaded: Path, tmp_path: Path) -> None:
    before = _active(loaded)
    out = _run(loaded, "lists", "load", str(_copy(tmp_path, "cut", lines=8)))
    assert "NOT active" in out and "8 entries" in out and f"{MIN_ACTIVE_SHARE:.0%}" in out, out
    assert "file modification time" in out  # the as-of basis is said
    assert _active(loaded) == before and _matched(loaded)  # the full list still screens
    assert len(_run(loaded, "lists").splitlines()) == 3  # both versions kept, and the legend


def test_force_then_activate_back(loaded: Path, tmp_path: Path) -> None:
    full_line = _active(loaded)[0]
    full_id = full_line.split()[2]
    out = _run(loaded, "lists", "load", str(_copy(tmp_path, "cut", lines=8)), "--force")
    assert ", active" in out and "supersedes" in out, out
    assert not _matched(loaded)  # forced: the truncated version screens now
    out = _run(loaded, "lists", "activate", full_id[:8])
    assert f"version {full_id} is active" in out and "2024-05-03" in out and "given" in out, out
    assert _matched(loaded) and _active(loaded)[0].split()[2] == full_id


def test_as_of_makes_loaded_content_active_again(loaded: Path, tmp_path: Path) -> None:
    _run(loaded, "lists", "load", str(_copy(tmp_path, "cut", lines=8)), "--force")
    assert not _matched(loaded)
    again = _copy(tmp_path, "again")  # the same content as the first load
    assert "nothing changed" in _run(loaded, "lists", "load", str(again))  # without --as-of: a no-op
    out = _run(loaded, "lists", "load", str(again), "--as-of", "2030-01-01")
    assert "active again" in out and "2030-01-01" in out, out
    assert _matched(loaded)


def test_a_small_test_set_after_the_full_list(loaded: Path, tmp_path: Path) -> None:
    few = _copy(tmp_path, "few", lines=17)  # 17 of 20 entries: under 90%
    assert "NOT active" in _run(loaded, "lists", "load", str(few))
    assert _matched(loaded)


def test_a_bad_version_reference_is_one_line(loaded: Path) -> None:
    result = CliRunner().invoke(cli, ["--workspace", str(loaded), "lists", "activate", "nosuchversion"])
    assert result.exit_code == 2 and "matches no loaded version" in result.output
    assert "Traceback" not in result.output
