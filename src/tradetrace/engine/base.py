"""The engine contract: the only way tradetrace code talks to a database.

Stages build SQL (DuckDB dialect, kept portable) and hand it to an ``Engine``.
Anything that differs between engines (reading files, progress, transactions,
registering Arrow data) is a method here, implemented once per engine, so that
a difference is named in one place and fails loudly elsewhere.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pyarrow as pa

Params = Sequence[object] | None
P = ParamSpec("P")
R = TypeVar("R")
ROW_COLUMN = "_source_row"


@dataclass(frozen=True)
class CsvOptions:
    """How to read a delimited text file (already UTF-8)."""

    delimiter: str = ","
    quote: str = '"'
    header: bool = True
    max_line_size: int = 1 << 27


@dataclass(frozen=True)
class FileScan:
    """A file exposed as a named relation, with what the engine learnt reading it."""

    relation: str
    columns: list[str]
    types: dict[str, str]
    row_column: str
    rejects: list[RejectedLine] = field(default_factory=list)


@dataclass(frozen=True)
class RejectedLine:
    """A line the engine's CSV reader could not split into the header's columns."""

    line: int
    error: str
    text: str


def runs_as(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a stage's entry point, whose first argument is a workspace or an engine, so that
    its SQL runs under :meth:`Engine.doing` with ``name``."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            first = args[0] if args else None
            engine = getattr(first, "engine", first)
            if not isinstance(engine, Engine):
                return func(*args, **kwargs)
            with engine.doing(name):
                return func(*args, **kwargs)

        return run

    return wrap


def csv_header(path: Path, options: CsvOptions) -> list[str]:
    """Column names as written in the file's first record (kept verbatim; blanks named, repeats
    numbered); ``column0``... when the file has no header."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        first = next(csv.reader(fh, delimiter=options.delimiter, quotechar=options.quote), [])
    if not options.header:
        return [f"column{i}" for i in range(len(first))]
    seen: dict[str, int] = {}
    names = []
    for i, raw in enumerate(first):
        base = raw.strip() or f"column{i}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        names.append(base if n == 0 else f"{base}_{n}")
    return names


class EngineError(RuntimeError):
    """A database error, re-raised with the statement that caused it."""


class Engine(ABC):
    """A SQL engine holding the workspace tables."""

    name: str = "base"

    @abstractmethod
    def execute(self, sql: str, params: Params = None) -> None: ...

    @abstractmethod
    def fetchall(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]: ...

    def fetchone(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else row[0]

    @abstractmethod
    def arrow(self, sql: str, params: Params = None) -> pa.Table: ...

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table as a temporary relation ``name``."""

    @abstractmethod
    def unregister(self, name: str) -> None: ...

    @abstractmethod
    def drop_relation(self, name: str) -> None:
        """Forget a registered table or temporary view/table, if it exists."""

    @abstractmethod
    def scan_csv(self, name: str, path: Path, options: CsvOptions) -> FileScan:
        """Expose a UTF-8 delimited file as relation ``name``: all columns VARCHAR,
        plus a 1-based data-row number column; malformed lines are returned."""

    @abstractmethod
    def scan_parquet(self, name: str, path: Path) -> FileScan:
        """Expose a Parquet file as relation ``name`` with a 1-based row column."""

    @abstractmethod
    def write_parquet(self, sql: str, path: Path) -> None: ...

    @abstractmethod
    def progress(self) -> float | None:
        """Progress of the running statement in percent, if the engine knows it."""

    @abstractmethod
    def begin(self) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    @contextmanager
    def doing(self, where: str) -> Iterator[None]:
        """Name the stage or detector whose SQL runs in this block, for an engine that checks each
        statement before running it (Spark: :mod:`tradetrace.engine.portability`)."""
        yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: commit when the block ends, roll back if it raises."""
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    @abstractmethod
    def table_exists(self, name: str) -> bool: ...

    @abstractmethod
    def table_columns(self, name: str) -> list[str]: ...

    @abstractmethod
    def tables(self) -> list[str]:
        """The workspace's own (not temporary) tables, by name."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
