"""The demo's defining-case report, rendered by a real browser and printed to PDF.

The report must show, as rendered text: the direct and rerouted values, the switch date, the
hubs, the restriction date, the related parties with the former co-ownership and the listed
payers; its charts must be drawn at a readable size, and it must fetch nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import DemoOut
from tradetrace.report.html import write_report
from tradetrace.report.pdf import CHROMIUM_ARGS

KEY_NUMBERS = ("$4,470,000", "$17,800,000", "2023-05-26", "CN, TR", "2023-01-01", "63")
RELATED = ("Hsiao Yung-Chi", "owner 30%", "until 2015-10-02 (former)", "Sales Director")


def _top_case(demo_out: DemoOut) -> str:
    return str(json.loads((demo_out.out / "cases.jsonl").read_text("utf-8").splitlines()[0])["case_id"])


def test_case_report_in_a_real_browser(demo_out: DemoOut, chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with demo_out.workspace() as ws:
        html = write_report(ws, _top_case(demo_out), tmp_path / "case.html")
    boxes: dict[str, dict[str, float] | None] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.resolve().as_uri())
        numbers = page.inner_text("#key-numbers")
        ties = page.inner_text("#ties")
        matches = page.inner_text("#list-matches")
        body = page.inner_text("body")
        for chart in ("#route-chart", "#flow-chart", "#payments-chart", "#network"):
            boxes[chart] = page.locator(f"{chart} svg").bounding_box()
        page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
        browser.close()
    for text in KEY_NUMBERS:
        assert text in numbers, text
    for text in RELATED:
        assert text in ties, text
    assert matches.count("us-ofac-sdn") >= 10 and "2024-05-03" in matches
    assert "FIN-2022-Alert003" in body and "Appendix A: cited shipment records" in body
    for chart, box in boxes.items():
        assert box is not None and box["width"] > 600 and box["height"] > 250, chart
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert (tmp_path / "case.png").stat().st_size > 100_000


def test_case_report_as_pdf(demo_out: DemoOut, chromium: str, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with demo_out.workspace() as ws:
        pdf = write_report(ws, _top_case(demo_out), tmp_path / "case.pdf", "pdf")
    reader = PdfReader(str(pdf))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    text = " ".join(text.split())
    assert len(reader.pages) >= 4
    for needle in (*KEY_NUMBERS, "owner 30%", "Sales Director", "us-ofac-sdn", "Appendix C: run manifest"):
        assert needle in text, needle
