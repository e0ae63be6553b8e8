"""The defining case's report, rendered by a real browser and printed to PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tradetrace.report.html import write_report
from tradetrace.report.pdf import CHROMIUM_ARGS, find_chromium

KEY_TEXT = ("$4,470,000", "$17,800,000", "2023-05-26", "CN, TR", "2023-01-01", "63")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium on this machine (make test installs Debian's chromium)")
    return path


def test_report_in_a_real_browser(demo_run: Run, chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html = write_report(demo_run.ws, None, tmp_path / "report.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.resolve().as_uri())
        numbers = page.inner_text("#key-numbers")
        body = page.inner_text("body")
        chart_box = page.locator("#route-chart svg").bounding_box()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    for text in KEY_TEXT:
        assert text in numbers, text
    assert "Cited shipment records (63)" in body and "FIN-2022-Alert003" in body
    assert chart_box is not None and chart_box["width"] > 600 and chart_box["height"] > 200
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_report_as_pdf(demo_run: Run, chromium: str, tmp_path: Path) -> None:
    from pypdf import PdfReader

    pdf = write_report(demo_run.ws, None, tmp_path / "report.pdf", "pdf")
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert len(reader.pages) >= 2
    for needle in KEY_TEXT:
        assert needle in text, needle
