"""User rule files kept in the workspace change what detectors see."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.detect.test_route_switch import loaded  # noqa: F401  (fixture)
from tradetrace.detect.runner import run_detectors
from tradetrace.ingest.rules import load_rule_file, workspace_rules
from tradetrace.model.rules import RuleError
from tradetrace.workspace import Workspace

OVERRIDE = """
rules:
  - id: tw-machine-tools-2023
    title: "Taiwan machine tools, date as the analyst reads the notice"
    kind: prohibition
    restricting: [TW]
    destinations: [RU, BY]
    goods: ["8456-8466"]
    effective_date: 2023-02-15
    citation: {document: "analyst note", article: "n/a"}
    url: "https://example.org/notice"
"""


def test_a_kept_rule_file_overrides_the_shipped_rule(loaded: Workspace, tmp_path: Path) -> None:  # noqa: F811
    before = run_detectors(loaded, ["route_switch"])["route_switch"][0].metrics
    assert before["restriction_date"] == "2023-01-01" and before["direct_shipments"] == 3
    path = tmp_path / "mine.yaml"
    path.write_text(OVERRIDE, encoding="utf-8")
    first = load_rule_file(loaded, path)
    assert not first.skipped and first.stored_as.exists() and first.rules == 1
    assert load_rule_file(loaded, path).skipped
    assert workspace_rules(loaded).get("tw-machine-tools-2023").effective_date.isoformat() == "2023-02-15"
    after = run_detectors(loaded, ["route_switch"])["route_switch"][0].metrics
    assert after["restriction_date"] == "2023-02-15"
    assert after["direct_shipments"] == 2 and after["direct_before_usd"] == pytest.approx(297_000)


def test_a_bad_rule_file_is_refused_and_not_kept(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(OVERRIDE.replace("2023-02-15", "15 Feb 2023"), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rule_file(ws, path)
    assert "bad.yaml" in str(err.value) and "tw-machine-tools-2023" in str(err.value)
    assert "effective_date" in str(err.value)
    assert ws.engine.scalar("SELECT count(*) FROM rule_files") == 0
