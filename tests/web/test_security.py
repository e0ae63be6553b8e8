"""Hostile data, hostile requests: names are escaped everywhere, files outside the package are out
of reach, sizes are bounded, writes need proof of origin, and off loopback a token is required."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tradetrace.settings import Settings
from tradetrace.web.app import create_app
from tradetrace.web.security import MAX_BODY

from .conftest import HOSTILE


def _hostile_node(client: TestClient) -> str:
    hits = client.get("/api/search", params={"q": "<script>", "exact": "true"}).json()["data"]["results"]
    mine = [h for h in hits if h["name"] == HOSTILE]
    assert mine, f"the hostile party should be in the graph: {hits}"
    return str(mine[0]["node_id"])


def test_hostile_names_are_escaped_on_every_page(reader: TestClient) -> None:
    node = _hostile_node(reader)
    pages = [
        reader.get("/search", params={"q": "<script>", "exact": "true"}),
        reader.get(f"/entities/{node}"),
        reader.get("/network", params={"node": node}),
        reader.get("/records/HOSTILE-1"),
    ]
    for page in pages:
        assert page.status_code == 200, page.url
        assert "<script>alert" not in page.text, page.url
        assert "&lt;script&gt;alert" in page.text, page.url
        assert "<bdi>" in page.text or page.url.path.startswith("/records"), page.url
    api = reader.get(f"/api/entities/{node}").json()["data"]
    assert api["node"]["name"] == HOSTILE  # JSON carries the data as it is; the client escapes
    for page in pages:
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../tradetrace.duckdb",
        "/static/%2e%2e/%2e%2e/web/app.py",
        "/static/..%2f..%2fsettings.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/records/..%2f..%2ftradetrace.duckdb",
        "/entities/..%2F..%2Fmanifest.json",
    ],
)
def test_no_path_reads_a_file_outside_the_static_folder(reader: TestClient, path: str) -> None:
    r = reader.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert b"DUCK" not in r.content and b"root:" not in r.content and b"def create_app" not in r.content


def test_request_sizes_and_shapes_are_bounded(reader: TestClient) -> None:
    too_many = {"queries": [{"name": f"n{i}"} for i in range(1001)]}
    r = reader.post("/api/match", json=too_many)
    assert r.status_code == 422 and "queries" in json.dumps(r.json())
    big = b'{"queries": [{"name": "' + b"x" * (MAX_BODY + 10) + b'"}]}'
    r = reader.post("/api/match", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "over" in r.json()["detail"]

    def chunks():  # no Content-Length: counted while read
        for _ in range(20):
            yield b"x" * (MAX_BODY // 10)

    r = reader.post("/api/match", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = reader.post("/api/match", content=b'{"queries": [', headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = reader.post("/api/match", content=b'{"queries": []}', headers={"content-type": "text/plain"})
    assert r.status_code == 415
    r = reader.get("/api/match", params={"name": "x" * 501})
    assert r.status_code == 422
    r = reader.get("/api/network/expand", params={"node": "pc_x", "cap": 100_000})
    assert r.status_code == 422
    for unknown in ("/api/entities/pc_nope", "/api/records/nope", "/api/cases/c-nope"):
        r = reader.get(unknown)
        assert r.status_code == 404 and r.json()["detail"], unknown


def test_cross_site_writes_are_refused(client: TestClient) -> None:
    r = client.post(
        "/api/findings/f-x/decision", json={"decision": "dismiss"}, headers={"origin": "http://evil.example"}
    )
    assert r.status_code == 403
    r = client.post("/api/findings/f-x/decision", content=b"decision=dismiss",
                    headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 415
    r = client.post("/findings/f-x/decision", data={"decision": "dismiss", "csrf": ""})
    assert r.status_code == 403
    r = client.post("/findings/f-x/decision", data={"decision": "dismiss", "csrf": "x", "back": "//evil.example/"},
                    cookies={"tt_csrf": "x"}, follow_redirects=False)  # fmt: skip
    assert r.status_code in (303, 404) and "evil" not in r.headers.get("location", "")


def test_loopback_refuses_other_host_names(reader: TestClient) -> None:
    r = reader.get("/", headers={"host": "attacker.example:8765"})
    assert r.status_code == 421


def test_off_loopback_every_request_needs_the_token(built: Path) -> None:
    app = create_app(Settings(workspace=built, progress=False), token="s3cret-token", loopback=False)
    with TestClient(app, base_url="http://192.0.2.10:8765") as c:
        for path in ("/", "/api/dashboard", "/static/app.css", "/docs", "/openapi.json"):
            r = c.get(path)
            assert r.status_code == 401, path
        assert c.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/dashboard", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
        r = c.get("/cases?x=1&token=s3cret-token", follow_redirects=False)
        assert (
            r.status_code == 303
            and r.headers["location"] == "/cases?x=1"
            and "tt_token" in r.headers["set-cookie"]
        )
        assert c.get("/", cookies={"tt_token": "s3cret-token"}).status_code == 200


def test_serve_generates_a_token_off_loopback() -> None:
    from tradetrace.cli.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
