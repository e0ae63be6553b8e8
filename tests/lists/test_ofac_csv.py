"""OFAC four-file CSV: the full SDN of May 2024, the consolidated list, the small set."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradetrace.lists.readers import detect, read
from tradetrace.lists.store import ListLoadResult, ensure_tables, load_list
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

from .conftest import TEST_DATA

SDN = TEST_DATA / "lists" / "ofac_sdn_2024-05"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.reader(fh) if len(r) > 1]


@pytest.fixture(scope="module")
def sdn_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, ListLoadResult]]:
    ws = Workspace(Settings(workspace=tmp_path_factory.mktemp("sdn") / "ws", progress=False))
    ensure_tables(ws.engine)
    result = load_list(ws, SDN, None)
    try:
        yield ws, result
    finally:
        ws.close()


def test_full_sdn_counts_match_the_file(sdn_ws: tuple[Workspace, ListLoadResult]) -> None:
    ws, result = sdn_ws
    main = _rows(SDN / "sdn.csv")
    assert len(main) == 14_965
    assert result.entries == 14_965
    assert result.list_id == "us-ofac-sdn"
    assert str(result.as_of) == "2024-05-03"
    assert ws.engine.scalar("SELECT count(*) FROM listings") == 14_965
    kinds = dict(ws.engine.fetchall("SELECT kind, count(*) FROM listings GROUP BY kind"))
    assert kinds == {"person": 6854, "company": 6884, "vessel": 851, "aircraft": 376}


def test_every_alias_is_attached_and_orphans_reported(
    sdn_ws: tuple[Workspace, ListLoadResult],
) -> None:
    ws, result = sdn_ws
    ids = {r[0] for r in _rows(SDN / "sdn.csv")}
    alt = _rows(SDN / "alt.csv")
    attached = [r for r in alt if r[0] in ids]
    orphans = [r for r in alt if r[0] not in ids]
    assert len(attached) + len(orphans) == 19_486
    names = {
        (entry_id, n["name"], n["type"])
        for entry_id, raw in ws.engine.fetchall("SELECT entry_id, names FROM listings")
        for n in json.loads(raw)
    }
    for ent_num, _, alt_type, alt_name, _ in attached:
        # names are stored trimmed, with runs of spaces made single
        assert (ent_num, " ".join(alt_name.split()), alt_type.strip()) in names
    typed = ws.engine.scalar("SELECT count(*) FROM listing_names WHERE type IN ('aka', 'fka', 'nka')")
    assert typed >= len(attached)
    assert f"alt.csv: {len(attached):,} aliases attached" in result.notes
    assert any(f"alt.csv: {len(orphans):,} rows refer to" in n for n in result.notes)
    assert any("add.csv" in n and "not in sdn.csv" in n for n in result.notes)


def test_tax_ids_in_remarks_become_identifiers(sdn_ws: tuple[Workspace, ListLoadResult]) -> None:
    ws, _ = sdn_ws
    mentioned = sum(
        len(re.findall(r"Tax ID No\.", remarks or ""))
        for (remarks,) in ws.engine.fetchall("SELECT remarks FROM listings")
    )
    parsed = ws.engine.scalar(
        "SELECT count(*) FROM listing_identifiers WHERE type = 'tax_id' AND label = 'Tax ID No.'"
    )
    ratio = parsed / mentioned
    print(f"\n'Tax ID No.' in remarks: {mentioned:,}; parsed as identifiers: {parsed:,} ({ratio:.2%})")
    assert mentioned > 2_900
    assert ratio >= 0.95
    inn = ws.engine.fetchone(
        "SELECT i.entry_id, i.country FROM listing_identifiers i WHERE i.value_key = '7707083893'"
    )
    assert inn is not None and inn[1] == "RU"  # Sberbank's INN


def test_linked_to_becomes_relations(sdn_ws: tuple[Workspace, ListLoadResult]) -> None:
    ws, result = sdn_ws
    mentioned = ws.engine.scalar("SELECT count(*) FROM listings WHERE remarks LIKE '%Linked To: %'")
    relations = ws.engine.scalar("SELECT count(*) FROM listing_relations WHERE relation = 'linked_to'")
    resolved = ws.engine.scalar(
        "SELECT count(*) FROM listing_relations r JOIN listings l "
        "ON l.version_id = r.version_id AND l.entry_id = r.target_entry_id "
        "WHERE relation = 'linked_to'"
    )
    print(
        f"\nentries with 'Linked To': {mentioned:,}; relations: {relations:,}; "
        f"resolved to an entry: {resolved:,}"
    )
    assert relations >= mentioned > 5_000
    assert resolved / relations > 0.99
    assert result.relations == relations
    # LI Jiadong is linked to LAZARUS GROUP (entry 27307)
    assert ws.engine.fetchall("SELECT target_entry_id FROM listing_relations WHERE entry_id = '28264'") == [
        ("27307",)
    ]


def test_listing_dates_from_the_first_seen_file(sdn_ws: tuple[Workspace, ListLoadResult]) -> None:
    ws, _ = sdn_ws
    dated = ws.engine.scalar("SELECT count(*) FROM listings WHERE listed_on IS NOT NULL")
    earliest = ws.engine.scalar("SELECT min(listed_on) FROM listings")
    assert dated > 6_000
    assert str(earliest) > "2021-08-18"  # entries seen on the first day get no date
    assert (
        ws.engine.scalar("SELECT count(*) FROM listings WHERE extra LIKE '%listed_before%'") == 14_965 - dated
    )


def test_consolidated_list(data_dir: Path) -> None:
    folder = data_dir / "lists" / "ofac_consolidated_2025-12"
    data = read(detect(folder))
    # 442 records; the 443rd line of cons_prim.csv is the DOS end-of-file byte
    assert len(data.entries) == 442
    assert data.list_id == "us-ofac-cons"
    assert sum(len(e.names) - 1 for e in data.entries) >= 1_073
    assert {"NS-PLC", "UKRAINE-EO13662"} <= {p for e in data.entries for p in e.programs}


def test_small_set_and_shipped_extract(lws: Workspace, data_dir: Path) -> None:
    small = load_list(lws, data_dir / "lists" / "ofac_sdn_small", None)
    assert small.entries == 17
    shipped = load_list(lws, None, None)
    assert shipped.entries == 20 and shipped.list_id == "us-ofac-sdn"
    # the extract is dated by the SDN publication it was cut from, not by its files on disk
    assert str(shipped.as_of) == "2024-05-03" and shipped.as_of_basis == "given"


def test_file_of_a_set_names_the_set(data_dir: Path) -> None:
    source = detect(data_dir / "lists" / "ofac_sdn_small" / "alt.csv")
    assert source.fmt == "ofac-csv"
    assert sorted(p.name for p in source.files) == ["add.csv", "alt.csv", "sdn.csv", "sdn_comments.csv"]


def test_remarks_continue_in_the_comments_file(data_dir: Path) -> None:
    data = read(detect(data_dir / "lists" / "ofac_sdn_small"))
    suex = next(e for e in data.entries if e.entry_id == "33151")
    # sdn.csv cuts the remark at 1,000 characters inside this address; sdn_comments.csv ends it
    assert "1B64QRxfaa35MVkf7sDjuGUYAP5izQt7Qi" in [i.value for i in suex.identifiers]
    assert ("registration_no", "07486049", "CZ") in [(i.type, i.value, i.country) for i in suex.identifiers]


def test_stale_continuations_are_not_glued_on(sdn_ws: tuple[Workspace, ListLoadResult]) -> None:
    ws, result = sdn_ws
    remarks = ws.engine.scalar("SELECT remarks FROM listings WHERE entry_id = '34682'")
    assert remarks.endswith("1027700067328 (Russia).")
    assert any("continuations ignored (e.g. 34682)" in n for n in result.notes)
