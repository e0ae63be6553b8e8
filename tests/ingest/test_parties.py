"""Parties, relations and payments: CSV forms and FollowTheMoney lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model

from tradetrace.ingest.base import IngestError
from tradetrace.ingest.ftm import ingest_ftm
from tradetrace.ingest.parties import ingest_table
from tradetrace.workspace import Workspace


def test_real_ftm_fixture_loads_every_payment(ws: Workspace, test_data: Path) -> None:
    path = test_data / "ftm" / "donations.ftm.json"
    lines = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
    by_schema: dict[str, int] = {}
    for e in lines:
        by_schema[e["schema"]] = by_schema.get(e["schema"], 0) + 1
    result = ingest_ftm(ws, path)
    assert result.rows_quarantined == 0
    assert ws.engine.scalar("SELECT count(*) FROM payments") == by_schema["Payment"]
    parties = by_schema.get("Company", 0) + by_schema.get("Person", 0) + by_schema.get("Organization", 0)
    assert ws.engine.scalar("SELECT count(*) FROM parties") == parties
    named = ws.engine.scalar(
        "SELECT count(*) FROM payments WHERE payer_name IS NOT NULL AND payee_name IS NOT NULL"
    )
    assert named == by_schema["Payment"]
    assert ingest_ftm(ws, path).skipped


def test_ftm_relations_keep_former_owners_and_bad_lines_are_quarantined(
    ws: Workspace, tmp_path: Path
) -> None:
    company = model.make_entity("Company")
    company.make_id("importer")
    company.add("name", "ООО «Нэкса Машин Технолоджи»")
    company.add("innCode", "7707083893")
    person = model.make_entity("Person")
    person.make_id("director")
    person.add("name", "Example Person")
    own = model.make_entity("Ownership")
    own.make_id("own")
    own.add("owner", person.id)
    own.add("asset", company.id)
    own.add("percentage", "30")
    own.add("startDate", "2009")
    own.add("endDate", "2015")
    path = tmp_path / "e.ftm.json"
    lines = [json.dumps(e.to_dict(), ensure_ascii=False) for e in (company, person, own)]
    lines.insert(1, "{not json")
    lines.append(json.dumps({"id": "x", "schema": "NoSuchSchema", "properties": {}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_ftm(ws, path)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 2)
    rel = ws.engine.arrow("SELECT * FROM relations").to_pylist()[0]
    assert rel["relation"] == "owner" and rel["share_pct"] == 30.0
    assert str(rel["start_date"]) == "2009-01-01" and str(rel["end_date"]) == "2015-12-31"
    lines_q = sorted(r[0] for r in ws.engine.fetchall("SELECT source_line FROM quarantine"))
    assert lines_q == [2, 5]
    assert ws.engine.scalar("SELECT tax_id FROM parties WHERE kind = 'company'") == "7707083893"


def test_ftm_file_with_no_entities_fails_clearly(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "junk.json"
    path.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"junk\.json: no line is a FollowTheMoney entity \(line 1"):
        ingest_ftm(ws, path)


def test_csv_parties_relations_payments(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "parties.csv").write_text(
        "entity_id,kind,name,aliases,country,tax_id,incorporation_date,address\n"
        "p1,company,ООО «Нэкса»,NEXA LLC;Neksa OOO,Россия,7707083893,2012-03-04,Moscow\n"
        "p2,person,Yu Example,,TW,,,\n"
        "p3,robot,Bad Kind,,XX,,2012-99-01,\n",
        encoding="utf-8",
    )
    (tmp_path / "relations.csv").write_text(
        "source_id,target_id,relation,role,share_pct,start_date,end_date,source\n"
        "p2,p1,owner,co-owner,30,2009-01-01,2015-06-30,registry\n"
        "p2,p1,Shareholder,,5,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "payments.csv").write_text(
        "record_id,date,payer_name,payer_tax_id,payee_name,payee_tax_id,amount,currency,amount_usd,purpose\n"
        "pay1,2023-02-01,АО «Завод»,7743065177,ООО «Нэкса»,7707083893,1000000,RUB,,оплата\n"
        "pay2,2023-02-02,X,,Y,,10,USD,,\n",
        encoding="utf-8",
    )
    parties = ingest_table(ws, "parties", tmp_path / "parties.csv")
    assert (parties.rows_loaded, parties.rows_quarantined) == (2, 1)
    reason = ws.engine.scalar("SELECT reason FROM quarantine")
    assert "kind: 'robot' is not one of company, person" in reason and "'XX' is not a known country" in reason
    assert ws.engine.scalar("SELECT country FROM parties WHERE entity_id = 'p1'") == "RU"
    relations = ingest_table(ws, "relations", tmp_path / "relations.csv")
    assert relations.rows_loaded == 2
    assert ws.engine.scalar("SELECT count(*) FROM relations WHERE relation = 'owner'") == 2
    payments = ingest_table(ws, "payments", tmp_path / "payments.csv")
    assert payments.rows_loaded == 2
    usd, how = ws.engine.fetchone(
        "SELECT amount_usd, amount_usd_source FROM payments WHERE record_id = 'pay1'"
    )
    assert usd is None and how == "no rate:RUB@2023-02-01"  # the ECB stopped quoting RUB in March 2022
    assert any("1 payments rows loaded without amount_usd" in w for w in payments.warnings)
