"""No silent skips: a skipped test fails the run unless tests/skips.yaml allows it, with a reason.

A clone without optional parts (a browser, say) may skip a test; CI must notice when a test
that should run does not. Loaded as a plugin by tests/conftest.py. Under pytest-xdist the
controller collects the reports of every worker, so the check runs once, there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ALLOW_LIST = Path(__file__).with_name("skips.yaml")
_skipped: dict[str, str] = {}


def allowed(path: Path = ALLOW_LIST) -> dict[str, str]:
    """Test ids (or id prefixes, for every parameter of a test) that may skip, with the reason."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def unexpected(skipped: dict[str, str], allow: dict[str, str]) -> dict[str, str]:
    return {
        t: why
        for t, why in skipped.items()
        if not any(t == a or t.startswith((a + "[", a + "::")) for a in allow)
    }


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr: Any = report.longrepr
        why = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        _skipped[report.nodeid] = why


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller decides
        return
    bad = unexpected(_skipped, allowed())
    if not bad:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(bad)} test(s) skipped that {ALLOW_LIST.name} does not allow:"]
    lines += [f"  {t}: {why}" for t, why in sorted(bad.items())]
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True)
        else:
            print(line)
    if session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
