"""The browser files ship with the package, unmodified, and our own script stays safe."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

STATIC = Path(__file__).parents[2] / "src" / "tradetrace" / "web" / "static"
ROOT = Path(__file__).parents[2]


def test_vendored_files_match_their_recorded_hashes() -> None:
    notes = (STATIC / "vendor" / "VENDORED.md").read_text("utf-8")
    rows = re.findall(r"\| `([^`]+)` \|[^\n]*\| `([0-9a-f]{64})` \|", notes)
    assert {name for name, _ in rows} == {"cytoscape.min.js", "swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in rows:
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == digest, name
    axe = re.search(r"axe\.min\.js.*?sha256\s+`([0-9a-f]{64})`", notes, re.S)
    assert axe and hashlib.sha256((ROOT / "tests/data/vendor/axe.min.js").read_bytes()).hexdigest() == axe[1]
    for licence in ("cytoscape.LICENSE.txt", "swagger-ui.LICENSE.txt"):
        assert (STATIC / "vendor" / licence).stat().st_size > 500


def test_our_scripts_never_write_html_from_data() -> None:
    for name in ("network.js", "docs.js"):
        text = (STATIC / name).read_text("utf-8")
        assert "innerHTML" not in text and "outerHTML" not in text and "eval(" not in text, name
        assert "http://" not in text and "https://" not in text, name  # nothing fetched from elsewhere
        if shutil.which("node"):
            done = subprocess.run(["node", "--check", str(STATIC / name)], capture_output=True, text=True)
            assert done.returncode == 0, done.stderr


def test_templates_load_nothing_from_other_hosts() -> None:
    for path in (STATIC.parent / "templates").glob("*.j2"):
        text = path.read_text("utf-8")
        assert not re.search(r"""(src|href)=["']https?://""", text), path.name
