"""FollowTheMoney export: passes followthemoney's own checks and loads back with the same counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from followthemoney import model

from tests.graph.sample import HOSTILE, Sample
from tradetrace.export import export
from tradetrace.export.ftm import party_id, validate_ftm


def _entities(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_workspace_export_validates_and_round_trips(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "all.ftm.json"
    result = export(sample.ws, "ftm", out, max_shipments=0)
    check = validate_ftm(out)
    assert check.ok, check.errors
    assert dict(check.counts) == result.counts
    e = sample.ws.engine
    assert result.counts["EconomicActivity"] == e.scalar("SELECT count(*) FROM shipments")
    assert result.counts["Payment"] == e.scalar("SELECT count(*) FROM payments")
    parties = sum(result.counts.get(s, 0) for s in ("Company", "Person", "LegalEntity"))
    assert parties == e.scalar("SELECT count(*) FROM graph_nodes")
    assert result.counts["Sanction"] == e.scalar("SELECT count(*) FROM graph_nodes WHERE listed")
    for schema in ("Address", "Ownership", "Directorship", "Employment"):
        assert result.counts.get(schema, 0) > 0, schema
    # loaded back by followthemoney itself: the same entities per schema
    loaded: dict[str, int] = {}
    for data in _entities(out):
        proxy = model.get_proxy(data)
        loaded[proxy.schema.name] = loaded.get(proxy.schema.name, 0) + 1
    assert loaded == result.counts


def test_case_export_content_and_stable_ids(sample: Sample, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    result = export(sample.ws, "ftm", a, case_id=sample.case_id)
    export(sample.ws, "ftm", b, case_id=sample.case_id)
    assert a.read_bytes() == b.read_bytes()
    assert validate_ftm(a).ok
    entities = _entities(a)
    by_id = {x["id"]: x for x in entities}
    importer_node = sample.ws.engine.scalar(
        "SELECT node_id FROM graph_mentions WHERE tax_key = ?", [sample.entity("importer")["tax_id"]]
    )
    importer = by_id[party_id(importer_node)]
    assert importer["schema"] == "Company" and "5902807948" in importer["properties"]["innCode"]
    assert importer["properties"]["registrationNumber"] == ["1115153255601"]
    ownerships = [
        x for x in entities if x["schema"] == "Ownership" and x["properties"]["asset"] == [importer["id"]]
    ]
    former = [o for o in ownerships if o["properties"].get("endDate") == ["2015-10-02"]]
    assert {o["properties"]["percentage"][0] for o in former} == {"30", "70"}
    sanctions = [x for x in entities if x["schema"] == "Sanction"]
    assert sanctions and all(
        by_id[s["properties"]["entity"][0]]["properties"]["topics"] == ["sanction"] for s in sanctions
    )
    payments = [
        x for x in entities if x["schema"] == "Payment" and x["properties"]["beneficiary"] == [importer["id"]]
    ]
    assert payments and all(
        {"amount", "currency", "amountUsd", "date", "payer"} <= set(p["properties"]) for p in payments
    )
    lines = [x for x in entities if x["schema"] == "EconomicActivity"]
    cited = {x["properties"]["recordId"][0] for x in lines}
    finding = sample.ws.engine.scalar(
        "SELECT record_ids FROM findings WHERE finding_id = ?", [sample.case_id]
    )
    assert set(json.loads(finding)) <= cited
    long_line = next(x for x in lines if x["properties"]["recordId"] == [sample.long_record])
    assert len(long_line["properties"]["goodsDescription"][0]) == 40_000
    hostile = [x for x in entities if x["properties"].get("name") == [HOSTILE]]
    assert hostile and hostile[0]["schema"] == "Person"
    assert result.counts["EconomicActivity"] == len(lines)


def test_shipment_lines_are_capped_and_the_cap_is_reported(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "capped.json"
    result = export(sample.ws, "ftm", out, max_shipments=100)
    assert result.counts["EconomicActivity"] == 100
    assert any("19,900 of 20,000 shipment lines not written" in n for n in result.notes)
    assert validate_ftm(out).ok


def test_validator_catches_broken_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    lines = [
        {"id": "a", "schema": "Company", "properties": {"name": ["A"], "country": ["not a country"]}},
        {"id": "b", "schema": "Ownership", "properties": {"owner": ["a"], "asset": ["missing"]}},
        {"id": "c", "schema": "NoSuchSchema", "properties": {}},
        {"id": "a", "schema": "Person", "properties": {"name": ["dup"]}},
        {"id": "d", "schema": "Payment", "properties": {"payer": ["a"]}},
    ]
    bad.write_text("\n".join(json.dumps(x) for x in lines) + "\n", "utf-8")
    check = validate_ftm(bad)
    text = "\n".join(check.errors)
    assert not check.ok
    assert "country" in text and "missing" in text and "NoSuchSchema" in text
    assert "duplicate id a" in text and "lacks required beneficiary" in text
