"""No silent nothing: a detector whose inputs are missing is not run, and says why."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests.detect.test_route_switch import HEADER, _rows, loaded  # noqa: F401  (fixture)
from tradetrace.cli import cli
from tradetrace.detect.base import registered
from tradetrace.detect.findings import read_findings
from tradetrace.detect.inputs import INPUTS, InputCheck, check
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace


class _Fixed(InputCheck):
    """An input check that answers from a set instead of a workspace."""

    def __init__(self, present: set[str]) -> None:
        self._present = present

    def present(self, name: str) -> bool:
        assert name in INPUTS
        return name in self._present


def test_requirements_any_of_and_optional_inputs() -> None:
    both = ("lists", ("shipments", "payments"))
    st = check(_Fixed({"payments"}), both, ("party_matches",))
    assert st.status == "not_run" and st.missing == ["lists"]
    assert st.line() == "not run, no active sanctions list (tradetrace lists load)"
    st = check(_Fixed({"lists"}), both, ())
    assert st.status == "not_run" and st.missing == ["shipments", "payments"]
    assert st.reason == (
        "no shipments loaded and no payments loaded "
        "(tradetrace ingest shipments FILE or tradetrace ingest payments FILE)"
    )
    st = check(_Fixed({"lists", "payments"}), both, ("party_matches", "clusters"))
    assert st.status == "ran_partial" and st.missing == ["party_matches", "clusters"]
    assert st.line() == (
        "ran without screening matches (run tradetrace screen), resolved parties (run tradetrace resolve)"
    )
    assert check(_Fixed({"lists", "shipments", "party_matches"}), both, ("party_matches",)).status == "ran"
    # two missing inputs one command provides: one reason
    st = check(_Fixed({"shipments"}), ("party_leads", "clusters"), ())
    assert st.reason == "no party leads and parties not resolved (run tradetrace resolve)"


def test_every_detector_declares_known_inputs() -> None:
    for cls in registered().values():
        names = [n for r in cls.requires for n in ((r,) if isinstance(r, str) else r)] + list(cls.uses)
        assert cls.requires, f"{cls.name} declares no required input"
        assert set(names) <= set(INPUTS), cls.name


def _status(run: Any) -> dict[str, tuple[str, str | None]]:
    return {k: (v.status, v.reason) for k, v in run.status.items()}


def test_shipments_only_workspace_says_what_did_not_run(loaded: Workspace) -> None:  # noqa: F811
    run = run_detectors(loaded)
    status = _status(run)
    assert status["military_end_use"] == ("not_run", "no payments loaded (tradetrace ingest payments FILE)")
    assert status["related_parties"] == (
        "not_run",
        "no party leads and parties not resolved (run tradetrace resolve)",
    )
    for name in ("sanctioned_party", "sanctioned_network"):
        assert status[name] == ("not_run", "no active sanctions list (tradetrace lists load)")
        assert run[name] == []
    # the shipment detectors ran, without what they use when present, and say so
    assert status["route_switch"] == ("ran_partial", "without resolved parties (run tradetrace resolve)")
    assert status["restricted_goods"][0] == "ran_partial"
    assert "the party register (tradetrace ingest parties FILE)" in str(status["restricted_goods"][1])
    assert len(run["route_switch"]) == 1
    lines = run.lines()
    assert "military_end_use: not run, no payments loaded (tradetrace ingest payments FILE)" in lines
    assert "route_switch: 1 finding(s); ran without resolved parties (run tradetrace resolve)" in lines
    # the manifest keeps it, machine-readable
    manifest = json.loads(loaded.settings.manifest_path.read_text("utf-8"))
    by_name = {d["name"]: d for d in manifest["stages"]["detect"]["detectors"]}
    assert by_name["military_end_use"]["status"] == "not_run"
    assert by_name["military_end_use"]["missing"] == ["payments"]
    assert by_name["military_end_use"]["reason"] == "no payments loaded (tradetrace ingest payments FILE)"
    assert by_name["related_parties"]["missing"] == ["party_leads", "clusters"]
    assert by_name["route_switch"]["status"] == "ran_partial"
    assert by_name["route_switch"]["missing"] == ["clusters"] and by_name["route_switch"]["findings"] == 1
    assert by_name["route_switch"]["calibration"] == "shipped"


def test_a_list_once_loaded_lets_the_list_detectors_run(loaded: Workspace) -> None:  # noqa: F811
    from tradetrace.lists.store import load_list

    load_list(loaded, None, None)
    status = _status(run_detectors(loaded, ["sanctioned_party", "military_end_use"]))
    assert status["sanctioned_party"] == (
        "ran_partial",
        "without screening matches (run tradetrace screen), resolved parties (run tradetrace resolve)",
    )
    assert status["military_end_use"][0] == "not_run"


def test_findings_of_a_detector_no_longer_run_are_removed(loaded: Workspace) -> None:  # noqa: F811
    run_detectors(loaded, ["route_switch"])
    assert read_findings(loaded.engine)
    loaded.engine.execute("DELETE FROM shipments")
    run = run_detectors(loaded, ["route_switch"])
    assert run.status["route_switch"].status == "not_run" and not read_findings(loaded.engine)


def test_the_cli_prints_why(tmp_path: Path) -> None:
    path = tmp_path / "ship.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(_rows())
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    assert runner.invoke(cli, ["-q", "-w", ws, "ingest", "shipments", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["-q", "-w", ws, "detect"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "military_end_use: not run, no payments loaded (tradetrace ingest payments FILE)" in out
    assert "related_parties: not run, no party leads and parties not resolved (run tradetrace resolve)" in out
    assert "sanctioned_party: not run, no active sanctions list (tradetrace lists load)" in out
    assert "route_switch: 1 finding(s); ran without resolved parties (run tradetrace resolve)" in out
