"""Screening the workspace's parties; decisions survive re-runs and list updates."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from tradetrace.lists.store import load_list
from tradetrace.resolve.decisions import DecisionError, decide, history
from tradetrace.resolve.screen import screen_workspace
from tradetrace.workspace import Workspace

from .conftest import TEST_DATA

SMALL = TEST_DATA / "lists" / "ofac_sdn_small"


def _add_parties(ws: Workspace) -> None:
    rows = [
        ("p1", "person", "Elvis Angus LOGAN MOREY", None, "BZ", None),
        ("p2", "company", "BEL-KAP-STEEL, LLC", None, "US", None),
        ("p3", "company", "Romashka Trading OOO", "Ромашка;ROMASHKA", "RU", "7707083893"),
    ]
    for entity_id, kind, name, aliases, country, tax_id in rows:
        ws.engine.execute(
            "INSERT INTO parties (entity_id, kind, name, aliases, country, tax_id) VALUES (?, ?, ?, ?, ?, ?)",
            [entity_id, kind, name, aliases, country, tax_id],
        )


def _status(ws: Workspace) -> dict[str, tuple[str, str]]:
    return {
        r[0]: (r[1], r[2])
        for r in ws.engine.fetchall("SELECT party_name, entry_id, status FROM party_matches WHERE rank = 1")
    }


def _changed_copy(tmp: Path) -> Path:
    """The small SDN set with LOGAN MOREY's date of birth changed (a corrected entry)."""
    out = tmp / "sdn_v2"
    shutil.copytree(SMALL, out)
    sdn = out / "sdn.csv"
    text = sdn.read_text("utf-8")
    assert "DOB 28 Jul 1963" in text
    sdn.write_text(text.replace("DOB 28 Jul 1963", "DOB 28 Jul 1964"), "utf-8")
    return out


def test_decisions_survive_reruns_and_list_updates(small_ws: Workspace, tmp_path: Path) -> None:
    ws = small_ws
    load_list(ws, SMALL, as_of=date(2025, 1, 1))
    _add_parties(ws)
    first = screen_workspace(ws)
    assert first.parties == 5  # three names and two aliases
    status = _status(ws)
    assert status["Elvis Angus LOGAN MOREY"] == ("10278", "open")
    assert status["BEL-KAP-STEEL, LLC"] == ("44525", "open")
    assert "Romashka Trading OOO" not in status

    rows = {
        r[0]: r[1]
        for r in ws.engine.fetchall("SELECT party_name, match_id FROM party_matches WHERE rank = 1")
    }
    explanation = json.loads(
        ws.engine.scalar(
            "SELECT explanation FROM party_matches WHERE match_id = ?", [rows["BEL-KAP-STEEL, LLC"]]
        )
    )
    assert explanation["name"]["aligned"] and explanation["country"]["query"] == "US"
    dismissed = decide(
        ws, rows["Elvis Angus LOGAN MOREY"], "dismiss", note="born 1971, other person", who="ana"
    )
    assert dismissed.status == "dismissed" and dismissed.previous_status == "open"
    decide(ws, rows["BEL-KAP-STEEL, LLC"][:8], "confirm", who="ben")

    # a re-run keeps both decisions
    screen_workspace(ws)
    assert _status(ws)["Elvis Angus LOGAN MOREY"] == ("10278", "dismissed")
    assert _status(ws)["BEL-KAP-STEEL, LLC"] == ("44525", "confirmed")

    # a new list version: the unchanged entry keeps its decision, the changed one is reviewed again
    result = load_list(ws, _changed_copy(tmp_path), as_of=date(2025, 6, 1))
    assert result.active
    screen_workspace(ws)
    status = _status(ws)
    assert status["BEL-KAP-STEEL, LLC"] == ("44525", "confirmed")
    assert status["Elvis Angus LOGAN MOREY"] == ("10278", "changed")
    version = ws.engine.scalar("SELECT DISTINCT version_id FROM party_matches")
    assert version == result.version_id

    # every decision is in the audit log, with who and when
    log = history(ws)
    assert [(r["decision"], r["decided_by"]) for r in log] == [("dismiss", "ana"), ("confirm", "ben")]
    assert all(r["decided_at"] is not None and r["entry_hash"] for r in log)
    decide(ws, rows["Elvis Angus LOGAN MOREY"], "dismiss", note="still not him", who="ana")
    screen_workspace(ws)
    assert _status(ws)["Elvis Angus LOGAN MOREY"] == ("10278", "dismissed")
    assert len(history(ws, rows["Elvis Angus LOGAN MOREY"])) == 2


def test_decide_rejects_unknown(small_ws: Workspace) -> None:
    screen_workspace(small_ws)
    with pytest.raises(DecisionError):
        decide(small_ws, "ffffffff", "dismiss")
    with pytest.raises(DecisionError):
        decide(small_ws, "ffffffff", "maybe")
