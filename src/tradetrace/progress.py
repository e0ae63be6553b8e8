"""Progress reporting, kept apart from the work: stages call a ``Progress``;
the CLI passes one that draws rich progress bars, tests pass none."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def task(self, description: str, total: float | None = None) -> Task: ...


class Task(Protocol):
    def advance(self, amount: float = 1) -> None: ...

    def update(self, completed: float) -> None: ...

    def done(self) -> None: ...


class _NullTask:
    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, completed: float) -> None:
        pass

    def done(self) -> None:
        pass


class NullProgress:
    """Reports nothing."""

    def task(self, description: str, total: float | None = None) -> Task:
        return _NullTask()


class RichProgress:
    """Progress bars on the terminal (stderr) with rich."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichBar

        self._bar = RichBar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()

    def task(self, description: str, total: float | None = None) -> Task:
        return _RichTask(self._bar, self._bar.add_task(description, total=total))

    def stop(self) -> None:
        self._bar.stop()


class _RichTask:
    def __init__(self, bar: object, task_id: object) -> None:
        self._bar = bar
        self._id = task_id

    def advance(self, amount: float = 1) -> None:
        self._bar.advance(self._id, amount)  # type: ignore[attr-defined]

    def update(self, completed: float) -> None:
        self._bar.update(self._id, completed=completed)  # type: ignore[attr-defined]

    def done(self) -> None:
        task = next(t for t in self._bar.tasks if t.id == self._id)  # type: ignore[attr-defined]
        total = task.total if task.total is not None else task.completed
        self._bar.update(self._id, total=total, completed=total)  # type: ignore[attr-defined]


@contextmanager
def polling(task: Task, poll: Callable[[], float | None], every: float = 0.2) -> Iterator[None]:
    """Update ``task`` (total 100) from ``poll()`` in a thread while the block runs."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            value = poll()
            if value is not None:
                task.update(value)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        task.done()
