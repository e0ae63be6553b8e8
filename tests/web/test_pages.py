"""The web app's pages and API answer what the workspace holds, for the defining case."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

TOP = "direct supply from TW stopped 2023-05-26"


def top_case(client: TestClient) -> dict:
    cases = client.get("/api/cases").json()["data"]
    assert cases and TOP in cases[0]["title"], cases[:1]
    return cases[0]


def node_of(client: TestClient, case: dict, role: str) -> str:
    data = client.get(f"/api/cases/{case['case_id']}").json()["data"]
    return next(e["node_id"] for e in data["entities"] if role in e["roles"] and e["node_id"])


def test_dashboard_ranks_the_defining_case_first(reader: TestClient) -> None:
    page = reader.get("/")
    assert page.status_code == 200
    assert TOP in page.text and "us-ofac-sdn" in page.text
    api = reader.get("/api/dashboard").json()["data"]
    assert api["flags"]["ROUTE_SWITCH"] >= 1 and api["counts"]["shipments"] > 40_000
    assert [c["rank"] for c in api["cases"]] == sorted(c["rank"] for c in api["cases"])
    assert api["cases"][0]["status"] == "new"
    assert {r["stage"] for r in api["runs"]} >= {"detect", "graph"}


def test_case_page_has_the_reporters_numbers_and_the_switch_on_its_timeline(reader: TestClient) -> None:
    case = top_case(reader)
    page = reader.get(f"/cases/{case['case_id']}")
    assert page.status_code == 200
    text = page.text
    for number in ("$4,470,000", "$17,800,000", "2023-05-26"):
        assert number in text, number
    assert text.count("<svg") >= 3  # timeline of events, routes by month, flow
    data = reader.get(f"/api/cases/{case['case_id']}").json()["data"]
    switch = [e for e in data["timeline"] if e["kind"] == "switch"]
    assert [e["date"] for e in switch] == ["2023-05-26"]
    lanes = {e["lane"] for e in data["timeline"]}
    assert {"shipments direct", "register", "rules"} <= lanes and any(
        lane.startswith("payments") for lane in lanes
    )
    assert any(
        e["kind"] == "register" and "30" not in e["label"] and "until" in e["label"] for e in data["timeline"]
    )
    assert data["summary"]["route_switch"]["direct_usd"] == pytest.approx(4_470_000)
    assert data["summary"]["route_switch"]["rerouted_usd"] == pytest.approx(17_800_000)
    assert "charts" not in data


def test_entity_page_shows_every_spelling_and_its_cases(reader: TestClient) -> None:
    case = top_case(reader)
    importer = node_of(reader, case, "importer")
    data = reader.get(f"/api/entities/{importer}").json()["data"]
    names = {s["name"] for s in data["spellings"]}
    assert any(re.search("[А-Яа-я]", n) for n in names) and any(re.fullmatch(r"[ -~]+", n) for n in names)
    assert case["case_id"] in {c["case_id"] for c in data["cases"]}
    assert any(t["kind"] == "owner" and t["end_date"] for t in data["ties"])  # the former co-owner
    page = reader.get(f"/entities/{importer}")
    assert page.status_code == 200 and "Names and spellings" in page.text


def test_search_finds_the_same_entity_in_either_script(reader: TestClient) -> None:
    cyr = reader.get("/api/search", params={"q": "Норвида"}).json()["data"]["results"]
    lat = reader.get("/api/search", params={"q": "Norvida"}).json()["data"]["results"]
    assert cyr and lat
    assert {r["node_id"] for r in cyr} == {r["node_id"] for r in lat}
    exact = reader.get("/api/search", params={"q": "Норвида", "exact": "true"}).json()["data"]["results"]
    assert exact and all(any("Норвида" in m or "НОРВИДА" in m for m in r["matched"]) for r in exact)
    assert len(exact) < len(cyr)  # the Taiwanese maker is written only in Latin letters
    page = reader.get("/search", params={"q": "Норвида"})
    assert page.status_code == 200 and "in any script" in page.text


def test_network_expands_with_a_cap_and_finds_the_former_co_owner(reader: TestClient) -> None:
    case = top_case(reader)
    importer, maker = node_of(reader, case, "importer"), node_of(reader, case, "supplier")
    first = reader.get("/api/network/expand", params={"node": importer, "cap": 5}).json()["data"]
    assert len(first["nodes"]) == 5 and first["more"] == first["total"] - 5 > 0
    rest = reader.get(
        "/api/network/expand", params={"node": importer, "cap": 200, "offset": first["next_offset"]}
    ).json()["data"]
    seen = {n["id"] for n in first["nodes"]} | {n["id"] for n in rest["nodes"]}
    assert len(seen) == first["total"] and rest["more"] == 0
    owners = reader.get("/api/network/expand", params={"node": importer, "kinds": "owner"}).json()["data"]
    assert owners["nodes"] and all(e["kind"] == "owner" for e in owners["edges"])
    later = reader.get(
        "/api/network/expand", params={"node": importer, "kinds": "owner", "since": "2016-01-01"}
    )
    assert later.json()["data"]["total"] < owners["total"]  # the co-owner left in 2015
    path = reader.get(
        "/api/network/path", params={"a": importer, "b": maker, "kinds": "owner,employee,director"}
    ).json()["data"]
    assert path["found"] and len(path["nodes"]) == 3
    assert {e["kind"] for e in path["edges"]} == {"owner", "employee"}
    by_name = reader.get(
        "/api/network/path",
        params={"a": "ООО «Норвида Машин Текнолоджи»", "b": maker, "kinds": "owner,employee"},
    ).json()["data"]
    assert by_name["found"] and {n["id"] for n in by_name["nodes"]} == {n["id"] for n in path["nodes"]}
    nowhere = reader.get("/api/network/path", params={"a": importer, "b": "no such party"}).json()["data"]
    assert not nowhere["found"] and "no party" in nowhere["message"]
    page = reader.get("/network", params={"node": importer})
    assert (
        page.status_code == 200
        and 'id="network"' in page.text
        and "/static/vendor/cytoscape.min.js" in page.text
    )


def test_record_page_gives_file_row_and_hash(reader: TestClient) -> None:
    case = top_case(reader)
    data = reader.get(f"/api/cases/{case['case_id']}").json()["data"]
    rid = data["shipments"][0]["record_id"]
    rec = reader.get(f"/api/records/{rid}").json()["data"]["records"][0]
    assert rec["table"] == "shipments" and rec["row"]["_source_row"] >= 1
    assert re.fullmatch("[0-9a-f]{64}", rec["row"]["load_sha256"])
    page = reader.get(f"/records/{rid}")
    assert page.status_code == 200 and rec["row"]["load_sha256"] in page.text


def test_screening_api_single_and_batch_as_match_file(reader: TestClient) -> None:
    one = reader.get("/api/match", params={"name": "Concern Kalashnikov"}).json()["matches"]
    assert one and one[0]["list"] == "us-ofac-sdn" and "explanation" in one[0]
    batch = reader.post(
        "/api/match",
        json={
            "queries": [{"id": "q1", "name": "Kalashnikov Concern JSC"}, {"id": "q2", "name": "Nobody Ltd"}]
        },
    ).json()["results"]
    assert [r["id"] for r in batch] == ["q1", "q2"]
    assert batch[0]["matches"] and batch[0]["matches"][0]["entry_id"] == one[0]["entry_id"]


def test_openapi_documents_every_api_route(reader: TestClient) -> None:
    spec = reader.get("/openapi.json").json()
    paths = set(spec["paths"])
    for route in ("/api/dashboard", "/api/cases/{case_id}", "/api/entities/{node_id}", "/api/match",
                  "/api/network/expand", "/api/network/path", "/api/findings/{finding_id}/decision"):  # fmt: skip
        assert route in paths, route
    docs = reader.get("/docs")
    assert (
        docs.status_code == 200
        and "/static/vendor/swagger-ui-bundle.js" in docs.text
        and "cdn" not in docs.text
    )
