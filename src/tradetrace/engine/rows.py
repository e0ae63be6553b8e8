"""Rows made in Python written to a table in one statement (on Spark, a statement per row would
cost a job and a file each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyarrow as pa

from tradetrace.engine.base import Engine
from tradetrace.engine.dialect import quote_ident

_ARROW = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def _value(value: object, kind: str) -> object:
    if kind == "DATE" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def insert_rows(
    engine: Engine, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[object]]
) -> None:
    """Insert ``rows`` (one value per column, in the order of ``columns``: (name, SQL type)) into
    ``table``, in their order, as one ``INSERT ... SELECT`` from an Arrow table."""
    if not rows:
        return
    data = {
        name: pa.array([_value(r[i], kind) for r in rows], _ARROW.get(kind.upper(), pa.string()))
        for i, (name, kind) in enumerate(columns)
    }
    data["_tt_order"] = pa.array(range(len(rows)), pa.int64())
    relation = f"_tt_rows_{table}"
    engine.register(relation, pa.table(data))
    try:
        cols = ", ".join(quote_ident(n) for n, _ in columns)
        engine.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {relation} ORDER BY _tt_order")
    finally:
        engine.unregister(relation)
