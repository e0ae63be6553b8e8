"""DuckDB, the embedded default engine."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tradetrace.engine.base import (
    ROW_COLUMN,
    CsvOptions,
    Engine,
    EngineError,
    FileScan,
    Params,
    RejectedLine,
    csv_header,
)
from tradetrace.engine.dialect import quote_ident, quote_literal


class DuckDBEngine(Engine):
    """A DuckDB database file (or ``:memory:``)."""

    name = "duckdb"

    def __init__(
        self,
        path: Path | str,
        threads: int | None = None,
        memory_limit: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        self._con = duckdb.connect(self.path, read_only=read_only)
        self._lock = threading.Lock()
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self._con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
        self._con.execute("SET preserve_insertion_order = true")

    def _run(self, sql: str, params: Params) -> duckdb.DuckDBPyConnection:
        try:
            return self._con.execute(sql, list(params) if params is not None else None)
        except duckdb.Error as exc:
            short = " ".join(sql.split())
            if len(short) > 600:
                short = short[:600] + " …"
            raise EngineError(f"{exc}\n  in SQL: {short}") from exc

    def execute(self, sql: str, params: Params = None) -> None:
        self._run(sql, params)

    def fetchall(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        return list(self._run(sql, params).fetchall())

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        try:
            rel = self._con.sql(sql, params=list(params) if params is not None else None)
            table = rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise EngineError(f"{exc}\n  in SQL: {' '.join(sql.split())[:600]}") from exc
        assert isinstance(table, pa.Table)
        return table

    def register(self, name: str, table: pa.Table) -> None:
        self.drop_relation(name)
        self._con.register(name, table)

    def drop_relation(self, name: str) -> None:
        """Forget a registered table or temporary view/table called ``name``, if any."""
        self._con.unregister(name)
        for kind in ("VIEW", "TABLE"):
            with contextlib.suppress(duckdb.CatalogException):
                self._con.execute(f"DROP {kind} IF EXISTS {quote_ident(name)}")

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    def scan_csv(self, name: str, path: Path, options: CsvOptions) -> FileScan:
        self._run("SET VARIABLE _tt_scan = NULL", None)
        size = max(options.max_line_size, 1 << 21)
        reader = (
            f"read_csv({quote_literal(str(path))}, all_varchar = true, header = {str(options.header).lower()}, "
            f"delim = {quote_literal(options.delimiter)}, quote = {quote_literal(options.quote)}, "
            f"escape = {quote_literal(options.quote)}, max_line_size = {size}, "
            f"buffer_size = {max(size * 2, 1 << 25)}, strict_mode = true, null_padding = false, "
            "store_rejects = true, rejects_scan = '_tt_reject_scans', rejects_table = '_tt_reject_errors', "
            "auto_detect = false, columns = {cols})"
        )
        header = csv_header(path, options)
        cols = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in header) + "}"
        table = f"_tt_raw_{name}"
        self._run(f"DROP TABLE IF EXISTS {table}", None)
        self._run(f"CREATE TEMP TABLE {table} AS SELECT * FROM {reader.format(cols=cols)}", None)
        rejects = [
            RejectedLine(int(line), f"{etype}: {msg}", str(text))
            for line, etype, msg, text in self.fetchall(
                "SELECT line, error_type, error_message, csv_line FROM _tt_reject_errors "
                "ORDER BY line, column_idx"
            )
        ]
        rejects = _one_per_line(rejects)
        self._number_rows(name, table, header, [r.line - (2 if options.header else 1) + 1 for r in rejects])
        return FileScan(
            relation=name,
            columns=header,
            types={c: "VARCHAR" for c in header},
            row_column=ROW_COLUMN,
            rejects=rejects,
        )

    def _number_rows(self, name: str, table: str, columns: list[str], reject_records: list[int]) -> None:
        """Give each parsed row its data-record number, counting rejected records.

        Rows keep file order (insertion order is preserved); a row whose
        position among parsed rows is k (1-based) is record k + s, where s is
        the number of rejected records that come before it.
        """
        thresholds = sorted(rec - i for i, rec in enumerate(sorted(reject_records)))
        self._run("DROP TABLE IF EXISTS _tt_reject_thresholds", None)
        self._run("CREATE TEMP TABLE _tt_reject_thresholds (t BIGINT)", None)
        if thresholds:
            self._con.executemany("INSERT INTO _tt_reject_thresholds VALUES (?)", [[t] for t in thresholds])
        select = ", ".join(quote_ident(c) for c in columns)
        shift = (
            "0"
            if not thresholds
            else "(SELECT count(*) FROM _tt_reject_thresholds t WHERE t.t <= r.rowid + 1)"
        )
        self._run(f"DROP VIEW IF EXISTS {quote_ident(name)}", None)
        self._run(
            f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT {select}, "
            f"CAST(r.rowid + 1 + {shift} AS BIGINT) AS {ROW_COLUMN} FROM {table} r",
            None,
        )

    def scan_parquet(self, name: str, path: Path) -> FileScan:
        self._run(f"DROP VIEW IF EXISTS {quote_ident(name)}", None)
        self._run(
            f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT * EXCLUDE (file_row_number), "
            f"CAST(file_row_number + 1 AS BIGINT) AS {ROW_COLUMN} "
            f"FROM read_parquet({quote_literal(str(path))}, file_row_number = true)",
            None,
        )
        described = self.fetchall(f"DESCRIBE {quote_ident(name)}")
        types = {str(r[0]): str(r[1]) for r in described if r[0] != ROW_COLUMN}
        return FileScan(relation=name, columns=list(types), types=types, row_column=ROW_COLUMN)

    def write_parquet(self, sql: str, path: Path) -> None:
        self._run(f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT parquet)", None)

    def progress(self) -> float | None:
        try:
            value = float(self._con.query_progress())
        except duckdb.Error:
            return None
        return value if value >= 0 else None

    def begin(self) -> None:
        self._run("BEGIN TRANSACTION", None)

    def commit(self) -> None:
        self._run("COMMIT", None)

    def rollback(self) -> None:
        with contextlib.suppress(EngineError):
            self._run("ROLLBACK", None)

    def table_exists(self, name: str) -> bool:
        return bool(
            self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
        )

    def table_columns(self, name: str) -> list[str]:
        return [
            str(r[0])
            for r in self.fetchall(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [name],
            )
        ]

    def tables(self) -> list[str]:
        return sorted(
            str(r[0])
            for r in self.fetchall(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_catalog <> 'temp' AND table_schema = 'main'"
            )
        )

    def close(self) -> None:
        self._con.close()


def _one_per_line(rejects: list[RejectedLine]) -> list[RejectedLine]:
    out: dict[int, RejectedLine] = {}
    for r in rejects:
        if r.line in out:
            prev = out[r.line]
            out[r.line] = RejectedLine(r.line, f"{prev.error}; {r.error}", prev.text)
        else:
            out[r.line] = r
    return [out[k] for k in sorted(out)]
