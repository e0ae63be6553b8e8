"""Versions in the workspace: no-op reloads, supersession, diffs, and bad input."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from tradetrace.ingest.base import IngestError
from tradetrace.lists.store import (
    ListVersionError,
    diff_versions,
    list_versions,
    load_list,
    resolve_version,
)
from tradetrace.workspace import Workspace

from .conftest import FIXTURES


def _snapshot(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    """Everything the list tables hold, for before/after comparisons."""
    return {
        table: ws.engine.fetchall(f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("listings", "listing_relations", "listing_names", "listing_identifiers")
    } | {
        "list_versions": ws.engine.fetchall(
            "SELECT version_id, list_id, as_of, entries, active FROM list_versions ORDER BY ALL"
        )
    }


def _small(data_dir: Path, tmp_path: Path, name: str = "copy") -> Path:
    target = tmp_path / name
    shutil.copytree(data_dir / "lists" / "ofac_sdn_small", target)
    return target


def test_same_content_twice_is_a_no_op(lws: Workspace, data_dir: Path, tmp_path: Path) -> None:
    first = load_list(lws, data_dir / "lists" / "ofac_sdn_small", None)
    before = _snapshot(lws)
    again = load_list(lws, _small(data_dir, tmp_path), None)  # same bytes, another folder
    assert again.skipped and again.version_id == first.version_id
    assert "nothing changed" in again.summary()
    assert _snapshot(lws) == before
    assert lws.engine.scalar("SELECT count(*) FROM loads WHERE kind = 'list'") == 1


def test_newer_version_supersedes_older_stays(lws: Workspace, data_dir: Path, tmp_path: Path) -> None:
    old = load_list(lws, data_dir / "lists" / "ofac_sdn_small", None, as_of=date(2025, 1, 1))
    newer_dir = _small(data_dir, tmp_path)
    with (newer_dir / "sdn.csv").open("a", encoding="utf-8", newline="") as fh:
        fh.write(
            '99999,"NEW TRADING FZE",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- '
            ',-0- ,"Tax ID No. 7700000000 (Russia)."\r\n'
        )
    new = load_list(lws, newer_dir, None, as_of=date(2025, 2, 1))
    assert new.active and new.superseded == old.version_id
    versions = {v["version_id"]: v for v in list_versions(lws.engine)}
    assert versions[new.version_id]["active"] and not versions[old.version_id]["active"]
    assert versions[old.version_id]["entries"] == 17 and versions[new.version_id]["entries"] == 18
    # the old version stays queryable
    assert lws.engine.scalar("SELECT count(*) FROM listings WHERE version_id = ?", [old.version_id]) == 17
    # an older file loaded later does not take over
    older_dir = _small(data_dir, tmp_path, "older")
    (older_dir / "sdn_comments.csv").write_text("", "utf-8")
    older = load_list(lws, older_dir, None, as_of=date(2024, 6, 1))
    assert not older.active
    assert resolve_version(lws.engine, "us-ofac-sdn").version_id == new.version_id
    assert resolve_version(lws.engine, "us-ofac-sdn@2024-06-01").version_id == older.version_id
    assert resolve_version(lws.engine, new.version_id[:8]).version_id == new.version_id
    with pytest.raises(ListVersionError):
        resolve_version(lws.engine, "no-such-list")


def test_diff_lists_exactly_the_changes(lws: Workspace, data_dir: Path, tmp_path: Path) -> None:
    """A modified copy of the small set: one entry removed, one added, two changed."""
    base = load_list(lws, data_dir / "lists" / "ofac_sdn_small", None, as_of=date(2025, 1, 1))
    copy = _small(data_dir, tmp_path)
    sdn = (copy / "sdn.csv").read_text("utf-8").splitlines(keepends=True)
    removed = [line for line in sdn if line.startswith("20540,")]  # P-532 (aircraft)
    sdn.remove(removed[0])
    sdn = [
        line.replace("Tax ID No. 9709063550", "Tax ID No. 9709063551") if line.startswith("50544,") else line
        for line in sdn
    ]
    sdn.insert(
        3,
        '60001,"NEW ROUTE LOGISTICS LLC",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,'
        '-0- ,-0- ,-0- ,"Tax ID No. 7701234567 (Russia)."\r\n',
    )
    (copy / "sdn.csv").write_text("".join(sdn), "utf-8", newline="")
    alt = (copy / "alt.csv").read_text("utf-8").replace("MORENO JR., Daniel Gonzalo", "MORENO JR., Dan")
    (copy / "alt.csv").write_text(alt, "utf-8", newline="")
    new = load_list(lws, copy, None, as_of=date(2025, 3, 1))
    diff = diff_versions(lws.engine, base.version_id, new.version_id)
    print("\n" + diff.summary())
    assert diff.added == [("60001", "NEW ROUTE LOGISTICS LLC")]
    assert diff.removed == [("20540", "P-532")]
    assert [c.entry_id for c in diff.changed] == ["15102", "50544"]
    moreno, dialog = diff.changed
    assert set(moreno.changes) == {"names"}
    assert [n["name"] for n in moreno.changes["names"].added] == ["MORENO JR., Dan"]
    assert [n["name"] for n in moreno.changes["names"].removed] == ["MORENO JR., Daniel Gonzalo"]
    assert set(dialog.changes) == {"identifiers", "remarks"}
    assert [i["value"] for i in dialog.changes["identifiers"].added] == ["9709063551"]
    assert diff_versions(lws.engine, base.version_id, base.version_id).empty
    reverse = diff_versions(lws.engine, new.version_id, base.version_id)
    assert reverse.added == diff.removed and reverse.removed == diff.added
    assert json.dumps(diff.to_dict(), default=str)


BAD_INPUTS = {
    "truncated XML": ("un.xml", lambda text: text[: len(text) // 2], "malformed or truncated XML"),
    "broken CSV quoting": (
        "sdn.csv",
        lambda text: text.replace('"MORENO, Daniel"', '"MORENO, "Daniel"', 1),
        "line 4: malformed CSV record",
    ),
    "truncated CSV": (
        "sdn.csv",
        lambda text: text[: text.index("47371,") + len('47371,"NS LEADER","vessel",')],
        "line 12: 4 fields where the format has 12",
    ),
    "truncated CSV inside a quoted field": (
        "sdn.csv",
        lambda text: text[: text.index("47371,") + 40],
        "line 12: malformed CSV record",
    ),
    "wrong encoding": ("sdn.csv", None, "is not valid UTF-8"),
    "empty file": ("sdn.csv", lambda text: "", "the file is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_clearly_and_keeps_the_active_version(
    case: str, lws: Workspace, data_dir: Path, tmp_path: Path
) -> None:
    name, damage, message = BAD_INPUTS[case]
    good_un = data_dir / "lists" / "un_2026-02" / "consolidated.xml"
    load_list(lws, data_dir / "lists" / "ofac_sdn_small", None)
    load_list(lws, good_un, None)
    before = _snapshot(lws)
    if name == "un.xml":
        target = tmp_path / "consolidated.xml"
        text = good_un.read_text("utf-8")
    else:
        folder = _small(data_dir, tmp_path)
        target = folder / "sdn.csv"
        text = target.read_text("utf-8")
    if damage is None:  # the same list saved as CP1251 with a Cyrillic alias
        target.write_bytes(text.replace("MORENO, Daniel", "МОРЕНО, Даниэль").encode("cp1251"))
    else:
        target.write_text(damage(text), "utf-8", newline="")
    with pytest.raises(IngestError, match=message) as err:
        load_list(lws, target if name == "un.xml" else target.parent, None)
    assert str(target) in str(err.value)  # the message names the file
    assert _snapshot(lws) == before


def test_versions_listing_for_the_cli(lws: Workspace, data_dir: Path) -> None:
    assert list_versions(lws.engine) == []
    load_list(lws, FIXTURES / "eu_fsf.xml", None)
    load_list(lws, data_dir / "lists" / "bis_dpl_2022-09" / "dpl.txt", None)
    rows = list_versions(lws.engine)
    assert [(r["list_id"], r["entries"], str(r["as_of"])) for r in rows] == [
        ("eu-fsf", 2, "2026-08-05"),
        ("us-bis-dpl", 461, "2022-09-02"),
    ]
    assert all({"list_id", "entries", "as_of", "source"} <= r.keys() for r in rows)
    summary = load_list(lws, FIXTURES / "eu_fsf.csv", None)  # same list, other format
    assert not summary.skipped and summary.list_id == "eu-fsf"
    names = lws.engine.fetchall(
        "SELECT script FROM listing_names WHERE name LIKE 'Общество%' GROUP BY script"
    )
    assert names == [("Cyrillic",)]


def test_manifest_lists_the_list_files(lws: Workspace, data_dir: Path) -> None:
    result = load_list(lws, data_dir / "lists" / "ofac_sdn_small", None)
    manifest = lws.record("lists", {"last": result.summary()})
    inputs = [i for i in manifest["inputs"] if i["kind"] == "list"]
    assert len(inputs) == 1 and inputs[0]["rows_loaded"] == 17
