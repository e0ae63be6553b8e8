"""One error path for every verb: an exception becomes one line and exit code 2.

Only ``--debug`` (or ``TRADETRACE_DEBUG=1``) shows a traceback. The workspace
lock is the error users meet most: DuckDB lets one process write a database, so
a second verb on a busy workspace is told who holds it. The holder is recorded
by the CLI in ``WORKSPACE/holder.json`` (process id, command line, start time)
while a verb has the workspace open, and removed when it ends; DuckDB's own
message supplies the process id when that file is missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HOLDER = "holder.json"
_PID = re.compile(r"\(PID (\d+)\)")


def write_holder(workspace: Path) -> Path | None:
    """Say in the workspace which process holds it; None if the folder cannot be written."""
    path = workspace / HOLDER
    info = {
        "pid": os.getpid(),
        "command": " ".join(["tradetrace", *sys.argv[1:]])[:300],
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        path.write_text(json.dumps(info), "utf-8")
    except OSError:
        return None
    return path


def clear_holder(path: Path | None) -> None:
    if path is None:
        return
    try:
        if json.loads(path.read_text("utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def read_holder(workspace: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((workspace / HOLDER).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def busy_message(workspace: Path, detail: str) -> str:
    """'workspace in use by PID N (command) since T; try again when it ends'."""
    found = _PID.search(detail)
    pid = int(found[1]) if found else None
    holder = read_holder(workspace)
    if holder and (pid is None or holder.get("pid") == pid):
        pid = holder.get("pid")
        who = f"PID {pid} ({holder.get('command', '?')}) since {holder.get('since', '?')}"
    else:
        who = f"PID {pid}" if pid else "another process"
    return f"workspace {workspace} in use by {who}; try again when it ends"


def describe(exc: BaseException, workspace: Path | None) -> str:
    """The one line a user reads for ``exc``."""
    import duckdb

    text = _first_line(exc)
    if isinstance(exc, duckdb.IOException) and ("lock" in text.lower()) and workspace is not None:
        return busy_message(workspace, str(exc))
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: is a folder; expected a file"
    if isinstance(exc, NotADirectoryError):
        return f"{exc.filename}: a part of this path is a file, not a folder"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: no such file or folder"
    if isinstance(exc, FileExistsError):
        return f"{exc.filename}: exists and is not a folder"
    if isinstance(exc, PermissionError):
        return f"{exc.filename}: permission denied"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or text}"
    if isinstance(exc, duckdb.Error):
        return f"database: {text}"
    if isinstance(exc, UnicodeError):
        return f"text encoding: {text}"
    if isinstance(exc, ValueError | KeyError | LookupError):
        return text
    return f"{type(exc).__name__}: {text} (run with --debug for the traceback)"


def debug_wanted() -> bool:
    return "--debug" in sys.argv[1:] or os.environ.get("TRADETRACE_DEBUG", "") not in ("", "0")


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
