"""Decisions from the browser: stored in the CLI's logs, shown again, respected by the next run,
and never lost while another process writes the workspace."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tradetrace.cases.triage import PENDING
from tradetrace.detect.decisions import dismissed_findings
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

from .test_pages import top_case


def _csrf(client: TestClient, url: str) -> str:
    client.get(url)
    token = client.cookies.get("tt_csrf")
    assert token
    return token


def test_dismiss_a_finding_from_the_page_and_see_it_after_reload(client: TestClient, workspace: Path) -> None:
    case = top_case(client)
    url = f"/cases/{case['case_id']}"
    finding = client.get(f"/api{url}").json()["data"]["findings"][-1]
    fid = finding["finding_id"]
    refused = client.post(
        f"/findings/{fid}/decision", data={"decision": "dismiss", "csrf": "forged", "back": url}
    )
    assert refused.status_code == 403
    token = _csrf(client, url)
    done = client.post(
        f"/findings/{fid}/decision",
        data={
            "decision": "dismiss",
            "note": "lawful <b>contract</b>",
            "who": "reporter-1",
            "csrf": token,
            "back": url,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{url}?saved=written"
    again = client.get(f"/api{url}").json()["data"]
    mine = next(f for f in again["findings"] if f["finding_id"] == fid)
    assert mine["decision"] == "dismiss" and mine["decisions"][-1]["decided_by"] == "reporter-1"
    page = client.get(url).text
    assert "dismissed" in page and "lawful &lt;b&gt;contract&lt;/b&gt;" in page
    with Workspace(
        Settings(workspace=workspace, progress=False)
    ) as ws:  # the CLI's log, read by the next run
        assert fid in dismissed_findings(ws.engine)


def test_case_status_and_history(client: TestClient) -> None:
    case = top_case(client)
    url = f"/cases/{case['case_id']}"
    token = _csrf(client, url)
    for status in ("in review", "confirmed"):
        r = client.post(f"{url}/status", data={"status": status, "note": f"n-{status}", "csrf": token})
        assert r.status_code == 200  # followed the redirect to the case page
    data = client.get(f"/api{url}").json()["data"]
    assert data["status"] == "confirmed"
    assert [h["status"] for h in data["status_history"]] == ["in review", "confirmed"]
    assert client.get("/api/cases").json()["data"][0]["status"] == "confirmed"
    bad = client.post(f"/api{url}/status", json={"status": "archived"})
    assert bad.status_code == 422


def test_list_match_decision_through_the_api(client: TestClient) -> None:
    case = top_case(client)
    data = client.get(f"/api/cases/{case['case_id']}").json()["data"]
    match = next(m for m in data["list_matches"] if m.get("match_id"))
    r = client.post(
        f"/api/matches/{match['match_id']}/decision", json={"decision": "confirm", "note": "same tax id"}
    )
    assert r.status_code == 200 and r.json()["result"] == "written"
    again = client.get(f"/api/cases/{case['case_id']}").json()["data"]["list_matches"]
    assert next(m for m in again if m.get("match_id") == match["match_id"])["status"] == "confirmed"
    unknown = client.post("/api/findings/f-nope/decision", json={"decision": "confirm"})
    assert unknown.status_code == 404


HOLD = """
import sys, time, duckdb, json, os, pathlib
ws = pathlib.Path(sys.argv[1])
for attempt in range(100):  # the server may be reading for a moment
    try:
        con = duckdb.connect(str(ws / "tradetrace.duckdb"))
        break
    except duckdb.IOException:
        time.sleep(0.1)
(ws / "holder.json").write_text(json.dumps({"pid": os.getpid(), "command": "tradetrace ingest shipments big.csv",
                                            "since": "2026-12-04T10:00:00+00:00"}))
print("holding", flush=True)
sys.stdin.readline()
(ws / "holder.json").unlink()
con.close()
"""


def test_while_another_process_writes_pages_answer_and_decisions_wait(
    client: TestClient, workspace: Path
) -> None:
    case = top_case(client)
    url = f"/cases/{case['case_id']}"
    client.get(url)  # read once: remembered
    fid = client.get(f"/api{url}").json()["data"]["findings"][0]["finding_id"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workspace)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        (workspace / "tradetrace.duckdb").touch()  # as a writer would: the remembered page is now stale
        page = client.get(url)
        assert page.status_code == 200
        assert "Workspace busy" in page.text and "tradetrace ingest shipments big.csv" in page.text
        never = client.get("/entities/never-read-before")
        assert never.status_code == 503 and "in use by PID" in never.text
        api = client.get("/api/cases/nope")
        assert api.status_code == 503 and api.json()["busy"] is True
        queued = client.post(f"/api/findings/{fid}/decision", json={"decision": "confirm", "who": "desk"})
        assert queued.status_code == 202 and queued.json()["result"] == "queued"
        assert json.loads((workspace / PENDING).read_text().splitlines()[0])["id"] == fid
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    deadline = time.monotonic() + 30  # the server's flusher writes the queue once the writer is gone
    while (workspace / PENDING).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (workspace / PENDING).exists()
    data = client.get(f"/api{url}").json()
    assert "stale" not in data
    mine = next(f for f in data["data"]["findings"] if f["finding_id"] == fid)
    assert mine["decision"] == "confirm" and mine["decisions"][-1]["decided_by"] == "desk"


def test_a_cli_verb_writes_what_the_server_queued(workspace: Path) -> None:
    from tradetrace.cases.triage import decision_item, queue_decision

    with Workspace(Settings(workspace=workspace, progress=False)) as ws:
        fid = ws.engine.scalar("SELECT finding_id FROM findings ORDER BY finding_id LIMIT 1")
    queue_decision(workspace, decision_item("finding", fid, "dismiss", "queued note", "browser"))
    queue_decision(workspace, decision_item("finding", "f-gone", "dismiss", None, "browser"))
    done = subprocess.run(
        [sys.executable, "-m", "tradetrace", "-q", "--workspace", str(workspace), "status"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote 1 decision(s) queued" in done.stderr and "not written: finding f-gone" in done.stderr
    assert not (workspace / PENDING).exists()
    rejected = (workspace / "pending_decisions.rejected.jsonl").read_text()
    assert "f-gone" in rejected
    with Workspace(Settings(workspace=workspace, progress=False)) as ws:
        assert fid in dismissed_findings(ws.engine)


def test_pages_answer_while_an_ingest_runs(client: TestClient, workspace: Path, built: Path) -> None:
    source = next((built.parent / "data").glob("shipments*.csv"))
    fresh = workspace.parent / "more_shipments.csv"
    lines = source.read_text("utf-8").splitlines(keepends=True)
    fresh.write_text(lines[0] + "".join("NEW-" + line for line in lines[1:]), "utf-8")  # new record ids
    before = client.get("/api/dashboard").json()["data"]["counts"]["shipments"]
    case = top_case(client)
    ingest = subprocess.Popen(
        [sys.executable, "-m", "tradetrace", "-q", "--workspace", str(workspace), "ingest", "shipments", str(fresh)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: list[int] = []
    try:
        while ingest.poll() is None:
            for url in ("/", f"/cases/{case['case_id']}", "/api/dashboard", "/search?q=Norvida"):
                r = client.get(url)
                seen.append(r.status_code)
                assert r.status_code in (200, 503), (url, r.status_code, r.text[:300])
                if r.status_code == 503:
                    assert "in use by" in r.text
    finally:
        _out, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 0, err
    assert seen and all(code in (200, 503) for code in seen)
    after = client.get("/api/dashboard").json()
    assert "stale" not in after and after["data"]["counts"]["shipments"] == before + len(lines) - 1


def test_decisions_and_reads_at_once_in_one_server(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    case = top_case(client)
    url = f"/cases/{case['case_id']}"
    fids = [f["finding_id"] for f in client.get(f"/api{url}").json()["data"]["findings"]][:6]

    def read(i: int) -> int:
        return client.get("/api/dashboard" if i % 2 else f"/api/entities/nope-{i}").status_code

    def write(fid: str) -> int:
        return client.post(f"/api/findings/{fid}/decision", json={"decision": "confirm"}).status_code

    with ThreadPoolExecutor(8) as pool:  # writes interleaved with reads
        jobs = [(pool.submit(read, i), pool.submit(write, fids[i % len(fids)]) if i < len(fids) else None)
                for i in range(40)]  # fmt: skip
        reads = [r.result() for r, _ in jobs]
        writes = [w.result() for _, w in jobs if w is not None]
    assert set(reads) <= {200, 404} and writes == [200] * len(fids)
    data = client.get(f"/api{url}").json()["data"]
    assert {f["finding_id"] for f in data["findings"] if f["decision"] == "confirm"} >= set(fids)
