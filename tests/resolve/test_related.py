"""Related but distinct: leads from similar names, shared (former) people and shared contacts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.resolve.cluster_data import case_workspace, entity_cluster, related_cases
from tradetrace.resolve.related import Lead, _contact_values
from tradetrace.workspace import Workspace

EXPECTED = related_cases()["leads"]


def _lead(ws: Workspace, leads: list[Lead], kind: str, a: str, b: str) -> Lead:
    ca, cb = sorted((entity_cluster(ws, a), entity_cluster(ws, b)))
    found = [x for x in leads if x.kind == kind and (x.cluster_a, x.cluster_b) == (ca, cb)]
    assert len(found) == 1, f"no {kind} lead between {a} and {b}"
    return found[0]


@pytest.mark.parametrize("case", EXPECTED, ids=[f"{c['kind']}:{c['a']}" for c in EXPECTED])
def test_expected_leads(case: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    ws, _, leads = case_workspace(tmp_path_factory)
    lead = _lead(ws, leads, case["kind"], case["a"], case["b"])
    text = (lead.summary + json.dumps(lead.evidence, ensure_ascii=False)).lower()
    assert case["says"].lower() in text
    assert 0 < lead.strength <= 1
    assert lead.cluster_a != lead.cluster_b  # a lead, never a merge


def test_former_co_owner_lead_keeps_the_dates(tmp_path_factory: pytest.TempPathFactory) -> None:
    ws, _, leads = case_workspace(tmp_path_factory)
    lead = _lead(ws, leads, "shared_person", "rc-importer", "rc-maker")
    (person,) = lead.evidence["people"]
    assert person["person"] == "Lin Cheng-Hao"
    owner = next(r for r in person["relations"] if r["relation"] == "owner")
    assert owner == {
        **owner,
        "share_pct": 30.0,
        "start_date": "2011-03-15",
        "end_date": "2015-10-02",
        "current": False,
        "source": "related_cases.yaml",
        "source_row": 1,
    }
    assert (
        "owner 30% of ООО «Вердана Машин Текнолоджи» from 2011-03-15 until 2015-10-02 (former)"
        in lead.summary
    )
    assert (
        "employee (Sales Director) of Verdana Machine Tools Co., Ltd. from 2009-08-01 (current)"
        in lead.summary
    )
    assert lead.strength >= 0.8


def test_maker_and_importer_stay_distinct_with_a_name_lead(tmp_path_factory: pytest.TempPathFactory) -> None:
    ws, _, leads = case_workspace(tmp_path_factory)
    assert entity_cluster(ws, "rc-importer") != entity_cluster(ws, "rc-maker")
    lead = _lead(ws, leads, "similar_name", "rc-importer", "rc-maker")
    assert "verdana" in lead.evidence["shared_words"]
    assert {lead.country_a, lead.country_b} == {"RU", "TW"}


def test_leads_table_and_no_noise(tmp_path_factory: pytest.TempPathFactory) -> None:
    ws, _, leads = case_workspace(tmp_path_factory)
    rows = ws.engine.fetchall(
        "SELECT lead_id, kind, strength, evidence FROM party_leads ORDER BY strength DESC, kind, lead_id"
    )
    assert [r[0] for r in rows] == [x.lead_id for x in leads]
    assert len({r[0] for r in rows}) == len(rows)
    assert all(json.loads(r[3]) for r in rows)
    # one name, two firms (kept apart by their addresses, countries or tax ids): a lead each
    names = " ".join(x.summary for x in leads if x.kind == "similar_name")
    assert "Same name in AE, kept apart: “Global Trading" in names
    assert "Same name in RU, kept apart: “ООО «Альфа Трейд»”" in names
    assert "“Star Electronics Limited” and “Star Electronics Limited”" in names


def test_simulated_defining_case_has_its_leads(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, _, leads = case_workspace(tmp_path_factory)
    kinds = {x.kind for x in leads if "Norvida" in x.name_a + x.name_b or "Норвида" in x.name_a + x.name_b}
    assert {"shared_person", "similar_name", "associated_people"} <= kinds


@pytest.mark.parametrize(
    ("kind", "raw", "values"),
    [
        ("phone", "+7 (495) 123-45-67", [("phone", "4951234567")]),
        ("phone", "12-34", []),
        (
            "email",
            "Info@Sandpiper-Trading.AE",
            [("email", "info@sandpiper-trading.ae"), ("website", "sandpiper-trading.ae")],
        ),
        ("email", "director.ivanov@mail.ru", [("email", "director.ivanov@mail.ru")]),
        ("website", "https://www.Example.com/about", [("website", "example.com")]),
        ("address", "Russia", []),
        ("address", "Office 3107, Silver Tower, Dubai", [("address", "office 3107 silver tower dubai")]),
    ],
)
def test_contact_values(kind: str, raw: str, values: list[tuple[str, str]]) -> None:
    assert _contact_values(kind, raw) == values
