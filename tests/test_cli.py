"""The command line, end to end on small files, and project-level promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tradetrace.cli import cli
from tradetrace.docs import tables_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_docs_tables_is_current() -> None:
    assert (ROOT / "docs" / "tables.md").read_text("utf-8").strip() == tables_markdown().strip(), (
        "regenerate with: tradetrace tables --markdown > docs/tables.md"
    )


def test_import_does_no_work() -> None:
    code = "import sys, tradetrace, tradetrace.cli; assert 'duckdb' not in sys.modules, 'duckdb imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_workspace_from_env_and_option(tmp_path: Path) -> None:
    csv = tmp_path / "s.csv"
    csv.write_text(
        "record_id,date,importer_name,exporter_name,hs_code,value\nR1,2023-01-02,A,B,845811,10\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    env_ws = tmp_path / "from-env"
    result = runner.invoke(
        cli, ["-q", "ingest", "shipments", str(csv)], env={"TRADETRACE_WORKSPACE": str(env_ws)}
    )
    assert result.exit_code == 0, result.output
    assert "1 shipments rows loaded" in result.output and (env_ws / "tradetrace.duckdb").exists()
    assert (env_ws / "manifest.json").exists()
    opt_ws = tmp_path / "from-option"
    result = runner.invoke(
        cli,
        ["-q", "-w", str(opt_ws), "ingest", "shipments", str(csv)],
        env={"TRADETRACE_WORKSPACE": str(env_ws)},
    )
    assert result.exit_code == 0 and (opt_ws / "tradetrace.duckdb").exists()
    again = runner.invoke(cli, ["-q", "-w", str(opt_ws), "ingest", "shipments", str(csv)])
    assert "already loaded" in again.output
    status = runner.invoke(
        cli, ["-q", "-w", str(opt_ws), "sql", "SELECT count(*) AS n FROM shipments", "--json"]
    )
    assert status.output.strip() == '{"n": 1}'


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,date\nR1,2023-01-01\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-q", "-w", str(tmp_path / "ws"), "ingest", "shipments", str(bad)])
    assert result.exit_code == 2
    assert "error:" in result.output and "required column 'importer_name'" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(
        cli, ["-q", "-w", str(tmp_path / "ws"), "ingest", "shipments", str(tmp_path / "nope.csv")]
    )
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_detector_parameters_from_the_command_line() -> None:
    from tradetrace.detect.base import parse_params

    assert parse_params(["route_switch.min_rerouted_usd=2e6", "route_switch.lookback_days=365"]) == {
        "route_switch": {"min_rerouted_usd": 2e6, "lookback_days": 365}
    }
    import pytest

    for bad in ("route_switch.nope=1", "nodetector.x=1", "route_switch.lookback_days=soon", "junk"):
        with pytest.raises(ValueError):
            parse_params([bad])


def test_docs_detectors_is_current() -> None:
    from tradetrace.docs import detectors_markdown

    assert (ROOT / "docs" / "detectors.md").read_text("utf-8").strip() == detectors_markdown().strip(), (
        "regenerate with: tradetrace detectors --markdown > docs/detectors.md"
    )
