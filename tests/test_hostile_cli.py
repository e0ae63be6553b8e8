"""Hostile commands: SQL that writes, a busy workspace, wrong paths, control characters.

Each error is one line on stderr with exit code 2, and no data is lost or changed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.ingest.test_shipments import GOOD, write_csv
from tradetrace.cli import cli, terminal_text


def _cli(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "--quiet", *args])
    return result.exit_code, result.output


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    code, out = _cli(ws, "ingest", "shipments", str(write_csv(tmp_path / "s.csv", GOOD)))
    assert code == 0, out
    return ws


def _count(ws: Path, table: str) -> int:
    code, out = _cli(ws, "sql", f"SELECT count(*) AS n FROM {table}", "--json")
    assert code == 0, out
    return int(out.strip().split(":")[1].rstrip("}"))


@pytest.mark.parametrize(
    "query",
    [
        "DROP TABLE shipments",
        "SELECT 1; DROP TABLE payments",
        "DELETE FROM shipments",
        "UPDATE shipments SET value_usd = 0",
        "COPY shipments TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "CREATE TABLE x AS SELECT 1",
    ],
)
def test_sql_is_read_only(loaded: Path, query: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = _cli(loaded, "sql", query)
    assert code == 2 and out.startswith("error: ") and len(out.strip().splitlines()) == 1, out
    assert "Traceback" not in out
    assert _count(loaded, "shipments") == 3 and _count(loaded, "loads") == 1
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_sql_streams_a_query_and_says_what_it_cut(loaded: Path) -> None:
    code, out = _cli(loaded, "sql", "SELECT range AS i FROM range(5000)", "--json")
    assert code == 0 and len(out.splitlines()) == 5000
    code, out = _cli(loaded, "sql", "SELECT range AS i FROM range(5000)", "--limit", "7")
    assert code == 0 and "first 7 rows" in out and "│ 6 " in out and "│ 7 " not in out
    code, out = _cli(loaded, "sql", "SELECT nosuch FROM shipments")
    assert code == 2 and len(out.strip().splitlines()) == 1 and "nosuch" in out


def test_a_table_dropped_outside_the_verbs_can_be_reloaded(loaded: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(loaded / "tradetrace.duckdb"))
    con.execute("DROP TABLE shipments")
    con.close()
    code, out = _cli(loaded, "ingest", "shipments", str(tmp_path / "s.csv"))
    assert code == 0 and "already loaded" not in out, out
    assert _count(loaded, "shipments") == 3 and _count(loaded, "loads") == 1
    code, out = _cli(loaded, "ingest", "shipments", str(tmp_path / "s.csv"))
    assert "already loaded" in out and _count(loaded, "shipments") == 3  # twice: still a no-op


def test_a_busy_workspace_names_its_holder(loaded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADETRACE_LOCK_WAIT", "0.3")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from tradetrace.cli.errors import write_holder
            from tradetrace.settings import Settings
            from tradetrace.workspace import Workspace
            sys.argv = ["tradetrace", "ingest", "shipments", "big.csv"]
            ws = Workspace(Settings(workspace=Path({str(loaded)!r}), progress=False))
            write_holder(ws.path)
            print("ready", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out = _cli(loaded, "status")
        assert code == 2 and len(out.strip().splitlines()) == 1, out
        assert f"in use by PID {holder.pid} (tradetrace ingest shipments big.csv)" in out
        assert "try again when it ends" in out and "Traceback" not in out
    finally:
        holder.kill()
        holder.wait()
    assert _cli(loaded, "status")[0] == 0  # free again


def test_a_verb_waits_out_a_short_read(loaded: Path) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time, duckdb
            con = duckdb.connect({str(loaded / "tradetrace.duckdb")!r}, read_only=True)
            print("reading", flush=True)
            time.sleep(1.0)
            con.close()
        """)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "reading"
        code, out = _cli(loaded, "status")  # the web app's reads are this short: the verb waits
        assert code == 0, out
    finally:
        reader.wait(timeout=30)


def test_paths_that_are_not_what_they_should_be(loaded: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "s.csv"
    a_dir = tmp_path / "folder"
    a_dir.mkdir()
    cases = [
        (["ingest", "shipments", str(a_dir)], "is a folder"),
        (["ingest", "shipments", str(tmp_path / "missing.csv")], "no such file"),
        (["export", "--format", "xlsx", "--out", str(a_file / "x.xlsx")], str(a_file)),
        (
            [
                "ingest",
                "shipments",
                str(write_csv(tmp_path / "no-bom.csv", GOOD[:1])),
                "--encoding",
                "utf-16",
            ],
            "byte-order mark",
        ),
    ]
    for args, expected in cases:
        code, out = _cli(loaded, *args)
        assert code == 2 and expected in out and "Traceback" not in out, (args, out)
    code, out = _cli(a_file, "status")  # a workspace that is a file
    assert code == 2 and "must be a folder" in out
    assert not list((loaded / "tmp").glob("*.part"))  # nothing half-written left behind


def test_debug_shows_the_traceback(loaded: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--workspace", str(loaded), "--debug", "ingest", "shipments", str(loaded)])
    assert result.exception is not None and not isinstance(result.exception, SystemExit)


def test_control_characters_are_escaped_for_the_terminal(tmp_path: Path) -> None:
    hostile = [["R9", "2023-01-15", "EVIL\x1b[2J\x07CO\u202eDTL", *GOOD[0][3:]]]
    ws = tmp_path / "ws"
    assert _cli(ws, "ingest", "shipments", str(write_csv(tmp_path / "h.csv", hostile)))[0] == 0
    code, out = _cli(ws, "sql", "SELECT importer_name FROM shipments")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "EVIL\\x1b[2J\\x07CO\\u202eDTL" in out
    assert terminal_text("a\tb\nc\x07\x9b") == "a\tb\nc\\x07\\x9b"
    assert terminal_text("x\u2066y\u200f") == "x\\u2066y\\u200f"


def test_the_demo_uses_the_workspace_it_is_given_and_never_wipes_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    assert _cli(real, "status")[0] == 0  # a workspace of someone's own
    code, out = _cli(real, "demo", "--out", str(tmp_path / "out"), "--rows", "20000")
    assert code == 2 and "did not make" in out and (real / "tradetrace.duckdb").exists()
    chosen = tmp_path / "from-env"
    monkeypatch.setenv("TRADETRACE_WORKSPACE", str(chosen))
    result = CliRunner().invoke(cli, ["--quiet", "demo", "--out", str(tmp_path / "out"), "--rows", "20000"])
    assert result.exit_code == 0, result.output
    assert f"Workspace: {chosen.resolve()}" in result.output
    assert f"Next: tradetrace --workspace {chosen} cases" in result.output
    assert (chosen / "tradetrace.duckdb").exists() and not (tmp_path / "out" / "workspace").exists()
