"""An engine that runs every call on DuckDB and on Spark and records where their answers differ.

The pipeline sees DuckDB's answers, so both engines get the same inputs at every step and the
first statement whose results differ is named, with the rows only one engine returned.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot

from tradetrace.engine.base import CsvOptions, Engine, FileScan, Params


@dataclass
class Difference:
    call: str
    sql: str
    detail: str

    def __str__(self) -> str:
        return f"{self.call}: {' '.join(self.sql.split())[:300]}\n    {self.detail[:1500]}"


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    if isinstance(v, decimal.Decimal):
        return round(float(v), 6)
    if isinstance(v, dt.datetime):
        return "<time>"  # TIMESTAMP columns hold when a step ran: each engine ran it at its own moment
    if isinstance(v, list | tuple):
        return tuple(_norm(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _norm(x)) for k, x in v.items()))
    return v


def _ordered(sql: str) -> bool:
    try:
        return sqlglot.parse_one(sql, read="duckdb").args.get("order") is not None
    except sqlglot.errors.ParseError:
        return False


class Lockstep(Engine):
    """DuckDB (``first``, whose answers are returned) and Spark (``second``) in step."""

    name = "duckdb"

    def __init__(self, first: Engine, second: Engine) -> None:
        self.first, self.second = first, second
        self.differences: list[Difference] = []
        self.calls = 0

    def _both(self, method: str, *args: Any) -> tuple[Any, Any]:
        self.calls += 1
        a = getattr(self.first, method)(*args)
        b = getattr(self.second, method)(*args)
        return a, b

    def _compare(self, call: str, sql: str, a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> None:
        x = [tuple(_norm(v) for v in r) for r in a]
        y = [tuple(_norm(v) for v in r) for r in b]
        if Counter(x) != Counter(y):
            only = (list((Counter(x) - Counter(y)).items())[:2], list((Counter(y) - Counter(x)).items())[:2])
            self.differences.append(Difference(call, sql, f"rows only DuckDB / only Spark gave: {only}"))
        elif _ordered(sql) and x != y:
            self.differences.append(Difference(call, sql, "same rows in another order"))

    def execute(self, sql: str, params: Params = None) -> None:
        self._both("execute", sql, params)

    def fetchall(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        a, b = self._both("fetchall", sql, params)
        self._compare("fetchall", sql, a, b)
        return list(a)

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        a, b = self._both("arrow", sql, params)
        rows = [tuple(r.values()) for r in a.to_pylist()]
        self._compare("arrow", sql, rows, [tuple(r.values()) for r in b.to_pylist()])
        if a.column_names != b.column_names:
            self.differences.append(Difference("arrow", sql, f"columns {a.column_names} / {b.column_names}"))
        return a  # type: ignore[no-any-return]

    def register(self, name: str, table: pa.Table) -> None:
        self._both("register", name, table)

    def unregister(self, name: str) -> None:
        self._both("unregister", name)

    def drop_relation(self, name: str) -> None:
        self._both("drop_relation", name)

    def scan_csv(self, name: str, path: Path, options: CsvOptions) -> FileScan:
        a, b = self._both("scan_csv", name, path, options)
        if (a.columns, [r.line for r in a.rejects]) != (b.columns, [r.line for r in b.rejects]):
            self.differences.append(Difference("scan_csv", str(path), f"{a} / {b}"))
        return a  # type: ignore[no-any-return]

    def scan_parquet(self, name: str, path: Path) -> FileScan:
        return self._both("scan_parquet", name, path)[0]  # type: ignore[no-any-return]

    def write_parquet(self, sql: str, path: Path) -> None:
        self.first.write_parquet(sql, path)

    def progress(self) -> float | None:
        return None

    def begin(self) -> None:
        self._both("begin")

    def commit(self) -> None:
        self._both("commit")

    def rollback(self) -> None:
        self._both("rollback")

    def _same(self, method: str, *args: Any) -> Any:
        a, b = self._both(method, *args)
        if a != b:
            self.differences.append(Difference(method, repr(args), f"{a!r} / {b!r}"))
        return a

    def table_exists(self, name: str) -> bool:
        return bool(self._same("table_exists", name))

    def table_columns(self, name: str) -> list[str]:
        return list(self._same("table_columns", name))

    def tables(self) -> list[str]:
        return list(self._same("tables"))

    def close(self) -> None:
        self.first.close()
        self.second.close()
