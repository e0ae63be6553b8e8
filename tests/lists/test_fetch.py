"""`lists fetch` against a local HTTP server serving copies of the official files in tests/data.

The server listens on 127.0.0.1 only, on a free port, in a thread that the
fixture stops; every fetch goes to it through ``base_url``. Rules make it
answer 404, cut a body short, or send a web page instead of a file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tradetrace.lists.fetch import (
    FETCH_RECORD,
    FetchError,
    FetchResult,
    fetch_lists,
    known_lists,
    source_url,
)
from tradetrace.lists.readers import formats
from tradetrace.lists.store import list_versions, resolve_version
from tradetrace.workspace import Workspace

OFAC_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
TIMEOUT = 10.0  # seconds per socket operation: a stuck test fails instead of hanging


class _ListServer(ThreadingHTTPServer):
    daemon_threads = True
    # file name -> "404" | "truncate" | "truncate-chunked" | "html"
    rules: dict[str, str]
    requests: list[str]


class _Handler(SimpleHTTPRequestHandler):
    server: _ListServer

    def do_GET(self) -> None:
        name = self.path.split("?", 1)[0].lstrip("/")
        self.server.requests.append(name)
        rule = self.server.rules.get(name)
        if rule == "404":
            self.send_error(404, "Not Found")
        elif rule == "html":
            body = b"<!DOCTYPE html>\n<html><body>This page has moved.</body></html>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif rule in ("truncate", "truncate-chunked"):
            self._send_part_and_close(Path(self.translate_path(self.path)), chunked=rule.endswith("chunked"))
        else:
            super().do_GET()

    def _send_part_and_close(self, path: Path, *, chunked: bool) -> None:
        data = path.read_bytes()
        half = data[: len(data) // 2]
        self.close_connection = True
        if chunked:
            self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if chunked:
            self.wfile.write(f"{len(data):x}\r\n".encode())
        self.wfile.write(half)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


class Served:
    """The served folder, the server's base URL and its rules."""

    def __init__(self, root: Path, server: _ListServer) -> None:
        self.root = root
        self.server = server
        host, port = server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"

    @property
    def rules(self) -> dict[str, str]:
        return self.server.rules

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@pytest.fixture
def served(tmp_path: Path, test_data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """Copies of the small OFAC SDN set and the UN list, served on 127.0.0.1."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "served"
    root.mkdir()
    lists = test_data / "lists"
    for name in OFAC_FILES:
        shutil.copyfile(lists / "ofac_sdn_small" / name, root / name)
    shutil.copyfile(lists / "un_2026-02" / "consolidated.xml", root / "consolidated.xml")
    server = _ListServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.rules, server.requests = {}, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Served(root, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _stamp(path: Path, when: datetime) -> None:
    """Set the file's time, which the server sends as Last-Modified."""
    os.utime(path, (when.timestamp(), when.timestamp()))


def _ofac_entries(path: Path) -> int:
    """Rows of an OFAC main file (ent_num first), counted with the csv module."""
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\x1a", "")
    return sum(1 for row in csv.reader(text.splitlines()) if row and row[0].strip().isdigit())


def _un_entries(path: Path) -> int:
    root = ET.parse(path).getroot()
    return sum(1 for el in root.iter() if el.tag in ("INDIVIDUAL", "ENTITY"))


def _fetch(ws: Workspace, served: Served, list_id: str, **kw: Any) -> FetchResult:
    results = fetch_lists(ws, [list_id], base_url=served.base_url, timeout=TIMEOUT, **kw)
    assert len(results) == 1
    return results[0]


def _record(result: FetchResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((result.folder / FETCH_RECORD).read_text("utf-8"))
    return data


def test_sources_yaml_is_complete() -> None:
    known = known_lists()
    assert {"us-ofac-sdn", "us-ofac-consolidated", "un-sc", "us-csl", "us-bis-dpl", "eu-fsf"} <= set(known)
    assert "uk-sanctions-list" in known
    assert {s.format for s in known.values()} <= set(formats())
    assert [f.name for f in known["us-ofac-sdn"].files] == list(OFAC_FILES)
    for spec in known.values():
        assert spec.publisher and spec.title
        for f in spec.files:
            assert f.url.startswith("https://"), f.url
            assert source_url(f, "http://mirror.example/lists/") == f"http://mirror.example/lists/{f.name}"
    assert known["eu-fsf"].notes and "token" in known["eu-fsf"].notes


def test_fetch_ofac_sdn_loads_and_records(ws: Workspace, served: Served) -> None:
    published = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
    for name in OFAC_FILES:
        _stamp(served.root / name, published)
    result = _fetch(ws, served, "us-ofac-sdn")
    assert result.ok, result.error
    assert result.folder == ws.path / "lists" / "us-ofac-sdn" / result.retrieved_at.date().isoformat()
    assert sorted(p.name for p in result.folder.iterdir()) == sorted([*OFAC_FILES, FETCH_RECORD])
    assert result.load is not None and not result.load.skipped and result.load.active
    assert result.load.list_id == "us-ofac-sdn"
    assert result.load.entries == _ofac_entries(served.root / "sdn.csv")
    assert result.as_of == date(2025, 3, 4) and result.as_of_basis == "HTTP Last-Modified"
    assert result.load.as_of == date(2025, 3, 4)

    record = _record(result)
    assert record["source"] == "us-ofac-sdn" and record["as_of"] == "2025-03-04"
    assert datetime.fromisoformat(record["retrieved_at"]).tzinfo is not None
    official = {f.name: f.url for f in known_lists()["us-ofac-sdn"].files}
    for entry in record["files"]:
        served_bytes = (served.root / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(served_bytes).hexdigest()
        assert entry["bytes"] == len(served_bytes)
        assert entry["url"] == official[entry["name"]]  # the publisher's address...
        assert entry["downloaded_from"] == served.url(entry["name"])  # ...and the mirror read
        assert datetime.fromisoformat(entry["last_modified"]) == published
    assert sorted(served.server.requests) == sorted(OFAC_FILES)

    again = _fetch(ws, served, "us-ofac-sdn")
    assert again.ok and again.load is not None and again.load.skipped
    assert again.load.version_id == result.load.version_id
    assert "nothing changed" in again.summary()
    assert len(list_versions(ws.engine)) == 1


def test_fetch_un_list(ws: Workspace, served: Served) -> None:
    result = _fetch(ws, served, "un-sc")
    assert result.ok, result.error
    assert result.load is not None and result.load.list_id == "un-sc-consolidated"
    assert result.load.entries == _un_entries(served.root / "consolidated.xml")
    (entry,) = _record(result)["files"]
    assert entry["sha256"] == hashlib.sha256((served.root / "consolidated.xml").read_bytes()).hexdigest()
    # the loaded list's own id names the same source
    again = fetch_lists(ws, ["un-sc-consolidated"], base_url=served.base_url, timeout=TIMEOUT)[0]
    assert again.ok and again.load is not None and again.load.skipped


def test_404_on_one_ofac_file_keeps_the_active_version(ws: Workspace, served: Served, tmp_path: Path) -> None:
    dest = tmp_path / "fetched"
    first = _fetch(ws, served, "us-ofac-sdn", dest=dest)
    assert first.ok and first.load is not None
    kept = {name: (dest / name).read_bytes() for name in OFAC_FILES}

    with (served.root / "sdn.csv").open("ab") as fh:  # a newer list is published...
        fh.write(b'99999,"NEW TRADING FZE",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n')
    served.rules["add.csv"] = "404"  # ...but one of its files is missing
    failed = _fetch(ws, served, "us-ofac-sdn", dest=dest)

    assert not failed.ok and failed.load is None
    assert failed.error is not None
    assert served.url("add.csv") in failed.error and "404" in failed.error
    assert "fetch failed" in failed.summary()
    assert resolve_version(ws.engine, "us-ofac-sdn").version_id == first.load.version_id
    assert len(list_versions(ws.engine)) == 1
    assert {name: (dest / name).read_bytes() for name in OFAC_FILES} == kept
    assert not list(dest.glob("*.part"))


@pytest.mark.parametrize("rule", ["truncate", "truncate-chunked"])
def test_connection_closed_mid_body(ws: Workspace, served: Served, rule: str) -> None:
    served.rules["consolidated.xml"] = rule
    result = _fetch(ws, served, "un-sc")
    assert not result.ok and result.error is not None
    assert served.url("consolidated.xml") in result.error
    assert result.load is None and list_versions(ws.engine) == []
    assert not result.folder.exists()  # the folder this attempt created is gone again


def test_web_page_instead_of_file(ws: Workspace, served: Served) -> None:
    served.rules["consolidated.xml"] = "html"
    result = _fetch(ws, served, "un-sc")
    assert result.error is not None and "HTML page" in result.error
    assert served.url("consolidated.xml") in result.error
    assert list_versions(ws.engine) == []


def test_network_error_names_the_address(ws: Workspace, served: Served) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    (result,) = fetch_lists(ws, ["un-sc"], base_url=base, timeout=TIMEOUT)
    assert result.error is not None and f"{base}/consolidated.xml" in result.error
    assert "network error" in result.error


def test_one_failing_list_does_not_stop_the_others(ws: Workspace, served: Served, tmp_path: Path) -> None:
    served.rules["consolidated.xml"] = "404"
    results = fetch_lists(
        ws, ["un-sc", "us-ofac-sdn"], dest=tmp_path / "both", base_url=served.base_url, timeout=TIMEOUT
    )
    assert [r.source_id for r in results] == ["un-sc", "us-ofac-sdn"]
    assert not results[0].ok and results[1].ok
    assert results[1].folder == tmp_path / "both" / "us-ofac-sdn"


def test_no_load_and_unknown_list(ws: Workspace, served: Served, tmp_path: Path) -> None:
    result = _fetch(ws, served, "us-ofac-sdn", dest=tmp_path / "only", load=False)
    assert result.ok and result.load is None and (tmp_path / "only" / FETCH_RECORD).is_file()
    assert list_versions(ws.engine) == []
    with pytest.raises(FetchError, match="no-such-list"):
        fetch_lists(ws, ["no-such-list"], base_url=served.base_url)
    assert served.server.requests == list(OFAC_FILES)
