"""PDF from the HTML report, printed by headless Chromium through Playwright.

Chromium's print engine renders the inline SVG charts and the CSS print rules
exactly as a reader sees them in the browser. Playwright drives a Chromium
found on the machine (Debian's ``chromium``; or ``TRADETRACE_CHROMIUM``); it
never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


class BrowserUnavailableError(RuntimeError):
    """No Chromium (or no Playwright) to render with."""


def find_chromium() -> str | None:
    explicit = os.environ.get("TRADETRACE_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to an A4 PDF at ``pdf``."""
    chromium = find_chromium()
    if chromium is None:
        raise BrowserUnavailableError(
            "PDF needs Chromium: install Debian's 'chromium' package, or set TRADETRACE_CHROMIUM"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise BrowserUnavailableError("PDF needs the 'playwright' Python package") from exc
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.pdf(
                path=str(pdf), format="A4", print_background=True,
                margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
            )  # fmt: skip
        finally:
            browser.close()
    return pdf
