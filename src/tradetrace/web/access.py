"""How the web app reaches the workspace without getting in the CLI's way.

DuckDB lets one process write a database file, and a reader holds a shared
lock while it has the file open. So the server never keeps the database open:
each request opens it read-only, reads, and closes it (about 20 ms). A CLI
verb that wants to write waits out such short reads (``engine`` retries a lock
for a few seconds).

While a verb writes, the file cannot be opened at all. Then a page is answered
from the last state the server read (kept per page, keyed by the database
file's size and modification time) with a notice naming the verb, or, if the
server never read that page, with a clear "workspace busy" answer (503).

Writes (decisions) open the workspace read-write for one transaction; when it
is busy they are queued (``cases.triage.queue_decision``) and written by the
next writer: the server retries every few seconds, and every CLI verb applies
the queue when it opens the workspace.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import duckdb

from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

T = TypeVar("T")
CACHE_PAGES = 256


class WorkspaceBusyError(Exception):
    """Another process writes the workspace; ``message`` says which and since when."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoWorkspaceError(Exception):
    """The folder holds no workspace database yet."""


@dataclass
class Answer:
    """What a read produced, and whether it is the current state or a remembered one."""

    value: Any
    stale_since: str | None = None  # when the remembered state was read (UTC), if stale
    busy: str | None = None  # the busy notice, if stale


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException | duckdb.ConnectionException) and (
        "lock" in text or "conflicting" in text
    )


class _ReadWriteLock:
    """Many readers or one writer. DuckDB refuses, within one process, a read-write connection
    to a file that a read-only connection has open (and the reverse), so the server's own reads
    and writes take turns; other processes are kept apart by DuckDB's file lock."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Access:
    """Per-request reads and writes of one workspace, with a memory of the last good answers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: OrderedDict[str, tuple[tuple[int, int], str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._turns = _ReadWriteLock()

    # ------------------------------------------------------------------ reading
    def state(self) -> tuple[int, int]:
        """(size, mtime in ns) of the database file: a change means a write was committed."""
        try:
            st = self.settings.database_path.stat()
        except FileNotFoundError:
            return (0, 0)
        wal = self.settings.database_path.with_name(self.settings.database_path.name + ".wal")
        wal_ns = wal.stat().st_mtime_ns if wal.exists() else 0
        return (st.st_size, max(st.st_mtime_ns, wal_ns))

    @contextmanager
    def reader(self) -> Iterator[Workspace]:
        """The workspace opened read-only for one request."""
        if not self.settings.database_path.is_file():
            raise NoWorkspaceError(
                f"{self.settings.workspace}: no workspace here yet; run `tradetrace ingest` or `tradetrace demo`"
            )
        with self._turns.reading():
            try:
                ws = Workspace(self.settings, read_only=True)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if _is_lock_error(exc):
                    raise WorkspaceBusyError(self.busy_notice(str(exc))) from None
                raise
            try:
                yield ws
            finally:
                ws.close()

    def busy_notice(self, detail: str = "") -> str:
        from tradetrace.cli.errors import busy_message

        return busy_message(self.settings.workspace, detail).replace("; try again when it ends", "")

    def read(self, key: str, fn: Callable[[Workspace], T]) -> Answer:
        """``fn`` on the current state, remembered under ``key``; the remembered value when busy."""
        state = self.state()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] == state:
                self._cache.move_to_end(key)
                return Answer(hit[2])
        try:
            with self.reader() as ws:
                value = fn(ws)
        except WorkspaceBusyError as busy:
            if hit:
                return Answer(hit[2], stale_since=hit[1], busy=busy.message)
            raise
        with self._lock:
            self._cache[key] = (state, datetime.now(UTC).isoformat(timespec="seconds"), value)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_PAGES:
                self._cache.popitem(last=False)
        return Answer(value)

    # ------------------------------------------------------------------ writing
    def write(self, fn: Callable[[Workspace], T], attempts: int = 3) -> T:
        """``fn`` on the workspace opened for writing; raises WorkspaceBusyError when another writes."""
        for attempt in range(attempts):
            with self._turns.writing():
                try:
                    ws = Workspace(self.settings)
                except (duckdb.IOException, duckdb.ConnectionException) as exc:
                    if not _is_lock_error(exc):
                        raise
                    if attempt == attempts - 1:
                        raise WorkspaceBusyError(self.busy_notice(str(exc))) from None
                    ws = None
                if ws is not None:
                    try:
                        return fn(ws)
                    finally:
                        ws.close()
            time.sleep(0.05 * (attempt + 1))  # another process's short read
        raise AssertionError("unreachable")

    def decide(self, kind: str, target: str, decision: str, note: str | None, who: str) -> str:
        """Write a decision now, or queue it when the workspace is busy: returns 'written' or 'queued'."""
        from tradetrace.cases.triage import apply_decision, apply_pending, decision_item, queue_decision

        item = decision_item(kind, target, decision, note, who)  # keeps the time it was taken, if queued

        def run(ws: Workspace) -> None:
            apply_pending(ws)
            apply_decision(ws, item)

        try:
            self.write(run)
        except WorkspaceBusyError:
            queue_decision(self.settings.workspace, item)
            return "queued"
        return "written"

    def flush(self) -> int:
        """Write queued decisions if the workspace is free; returns how many were written."""
        from tradetrace.cases.triage import apply_pending, pending

        if not pending(self.settings.workspace):
            return 0
        try:
            written, _problems = self.write(apply_pending, attempts=1)
        except WorkspaceBusyError:
            return 0
        return written
