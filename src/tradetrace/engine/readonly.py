"""One read-only query on a workspace database, streamed in record batches.

What ``tradetrace sql`` (and anything else that lets a person type SQL) runs on:
a connection opened ``read_only`` with external access off (no files read or
written, no ATTACH, no COPY), extension installs and loads off, and the
configuration locked so that the query cannot switch any of it back on. The
text must be exactly one statement, a query (``SELECT``, ``WITH``, ``DESCRIBE``,
``SHOW``, ``SUMMARIZE``, ``EXPLAIN``); writing goes through the verbs, which keep
``loads`` and the data in step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
QUERY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class QueryRefusedError(ValueError):
    """The text is not one read-only query."""


@dataclass
class QueryStream:
    columns: list[str]
    batches: Iterator[pa.RecordBatch]
    connection: duckdb.DuckDBPyConnection

    def close(self) -> None:
        self.connection.close()


def check_query(query: str) -> str:
    """The one query statement in ``query``, or :class:`QueryRefusedError` saying why not."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryRefusedError(_first_line(exc)) from None
    if len(statements) != 1:
        raise QueryRefusedError(
            f"{len(statements)} statements given; `tradetrace sql` runs exactly one query"
        )
    (statement,) = statements
    if statement.type not in QUERY_TYPES:
        kind = statement.type.name.replace("_", " ")
        raise QueryRefusedError(
            f"{kind} statements are refused: `tradetrace sql` is read-only (SELECT, WITH, DESCRIBE, SHOW, "
            "SUMMARIZE, EXPLAIN); data changes only through the verbs (ingest, lists load, decide ...)"
        )
    return query


def stream_query(database: Path, query: str, batch_rows: int = 1_000) -> QueryStream:
    """Run one read-only query on ``database``; the caller closes the stream."""
    check_query(query)
    if not database.exists():
        raise QueryRefusedError(
            f"{database}: no workspace database here; load data first (`tradetrace ingest ...`)"
        )
    con = duckdb.connect(str(database), read_only=True, config=dict(READ_ONLY_CONFIG))
    try:
        relation = con.sql(query)
        if relation is None:  # not a query after all
            raise QueryRefusedError("the statement returns no rows")
        columns = list(relation.columns)
        reader = relation.to_arrow_reader(batch_rows)
    except (duckdb.Error, QueryRefusedError):
        con.close()
        raise
    return QueryStream(columns, iter(reader), con)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
