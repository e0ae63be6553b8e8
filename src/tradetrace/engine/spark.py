"""Apache Spark, the scale-out engine: the same SQL as DuckDB, transpiled, on Parquet tables.

Storage. Each workspace table is a Parquet dataset under ``<workspace>/spark/tables/<name>/
v<N>/``; tables with a ``date`` column are partitioned by month (``_month=YYYY-MM``), so that a
cluster reads only the months a query needs. ``<workspace>/spark/catalog.json`` names each
table's columns, types and current version. A cluster reads the same layout from shared
storage; the DuckDB engine reads it with :meth:`DuckDBEngine.scan_parquet` (hive partitions).

Writes. Appends add files to the current version. Spark has no ``UPDATE`` or ``DELETE`` on
Parquet, so those (and ``CREATE TABLE AS``) write a new version from a query and switch the
catalog to it; the old version is removed once nothing can roll back to it.

Transactions. :meth:`begin` notes the catalog and each table's files; :meth:`rollback` removes
the files and versions written since and restores the catalog, so a load is all or nothing as
on DuckDB. Only one process writes a workspace at a time (the CLI's workspace lock).

Every statement is checked by :mod:`tradetrace.engine.portability` before Spark sees it; a
construct the engines read differently stops the job, naming it and the stage (:meth:`doing`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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
from tradetrace.engine.portability import PortabilityError, lint_tree
from tradetrace.engine.spark_sql import Step, bind, plan

MONTH = "_month"  # the partition column of tables that have a date
_DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.sources.partitionOverwriteMode": "static",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.sql.files.maxRecordsPerFile": "2000000",
    # a correlated scalar subquery (a party's key through its name's cluster) as an aggregate and a
    # hash join; Spark 4's single join for it runs as a nested loop over both sides
    "spark.sql.optimizer.scalarSubqueryUseSingleJoin": "false",
}
INSTALL_HINT = "the Spark engine needs PySpark: pip install 'tradetrace[spark]' (and Java 17 or newer)"


class SparkEngine(Engine):
    """A Spark session (local or a cluster's master) over the workspace's Parquet tables."""

    name = "spark"

    def __init__(
        self,
        workspace: Path,
        master: str | None = "local[*]",
        conf: Mapping[str, str] | None = None,
        read_only: bool = False,
    ) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EngineError(INSTALL_HINT) from exc
        self.root = Path(workspace) / "spark"
        self.read_only = read_only
        self._lock_file: Any = None
        if not read_only:
            (self.root / "tables").mkdir(parents=True, exist_ok=True)
            self._lock_file = _hold(self.root / ".writer.lock")
        settings = {**_DEFAULT_CONF, **(conf or {})}
        builder = SparkSession.builder.appName("tradetrace")
        if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
            master = "local[*]"  # not started by spark-submit, which names the master itself
        if master is not None:
            builder = builder.master(master)
        for key, value in settings.items():
            builder = builder.config(key, value)
        for noisy in ("py4j", "pyspark", "SQLQueryContextLogger"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        # one workspace per Spark session at a time: views left by an engine opened before go
        for table in self.spark.catalog.listTables():
            if table.isTemporary:
                self.spark.catalog.dropTempView(table.name)
        self._lock = threading.Lock()
        self._temp: dict[str, str] = {}  # temporary relation -> "table" | "view" | "arrow"
        self._txn: dict[str, Any] | None = None
        self._where = "tradetrace"
        self.catalog: dict[str, dict[str, Any]] = self._read_catalog()
        for name in self.catalog:
            self._expose(name)

    # -- catalog and storage ------------------------------------------------------------
    @property
    def _catalog_path(self) -> Path:
        return self.root / "catalog.json"

    def _read_catalog(self) -> dict[str, dict[str, Any]]:
        if self._catalog_path.is_file():
            data: dict[str, dict[str, Any]] = json.loads(self._catalog_path.read_text("utf-8"))
            return data
        return {}

    def _save_catalog(self) -> None:
        tmp = self._catalog_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.catalog, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, self._catalog_path)

    def _dir(self, name: str, version: int | None = None) -> Path:
        v = self.catalog[name]["version"] if version is None else version
        return self.root / "tables" / name / f"v{v}"

    def _schema(self, name: str) -> Any:
        return _struct(self.catalog[name]["columns"])

    def _expose(self, name: str) -> None:
        """(Re-)register table ``name`` as a view over its current files."""
        entry = self.catalog[name]
        cols = [c for c, _ in entry["columns"]]
        where = self._dir(name)
        files = list(where.rglob("*.parquet")) if where.is_dir() else []
        if files:
            from pyspark.sql.types import StringType, StructField

            schema = self._schema(name)
            if entry.get("partition"):
                schema = schema.add(StructField(MONTH, StringType()))
            df = self.spark.read.schema(schema).option("basePath", str(where)).parquet(str(where))
            df = df.select(*[f"`{c}`" for c in cols])
        else:
            df = self.spark.createDataFrame([], self._schema(name))
        df.createOrReplaceTempView(name)

    def _write(self, name: str, df: Any, mode: str) -> None:
        """Write ``df`` (already in the table's columns and types) to table ``name``: ``append``
        to the current version, or ``new`` for a new version that replaces it."""
        entry = self.catalog[name]
        if mode == "new":
            version = int(entry["version"]) + 1
            while self._dir(name, version).exists():
                version += 1
            target = self._dir(name, version)
        else:
            target = self._dir(name)
        writer = df
        if entry.get("partition"):
            from pyspark.sql import functions as sf

            writer = df.withColumn(MONTH, sf.date_format(sf.col(f"`{entry['partition']}`"), "yyyy-MM"))
            # rows of a month together, so that each month gets its own files rather than a file from
            # every task (maxRecordsPerFile splits a large month)
            writer.repartition(MONTH).write.mode("append").partitionBy(MONTH).parquet(str(target))
        else:
            writer.write.mode("append").parquet(str(target))
        if mode == "new":
            old = self._dir(name)
            entry["version"] = version
            self._save_catalog()
            if self._txn is None:
                shutil.rmtree(old, ignore_errors=True)
        self._expose(name)

    # -- statements ---------------------------------------------------------------------
    @contextlib.contextmanager
    def doing(self, where: str) -> Iterator[None]:
        before, self._where = self._where, where
        try:
            yield
        finally:
            self._where = before

    def _step(self, sql: str, params: Params) -> Step:
        try:
            tree = bind(sql, params)
        except Exception as exc:
            raise EngineError(f"{self._where}: the Spark engine could not read this SQL ({exc})\n  in SQL: "
                              f"{_short(sql)}") from exc  # fmt: skip
        problems = lint_tree(tree)
        if problems:
            raise PortabilityError(self._where, problems)
        try:
            return plan(tree)
        except ValueError as exc:
            raise EngineError(f"{self._where}: {exc}\n  in SQL: {_short(sql)}") from exc

    def _sql(self, query: str, original: str) -> Any:
        from pyspark.errors import PySparkException

        try:
            return self.spark.sql(query)
        except PySparkException as exc:
            raise EngineError(
                f"{exc}\n  in SQL: {_short(original)}\n  as Spark SQL: {_short(query)}"
            ) from exc

    def _collect(self, df: Any, original: str) -> pa.Table:
        from pyspark.errors import PySparkException

        try:
            table = df.toArrow()
        except PySparkException as exc:
            raise EngineError(f"{exc}\n  in SQL: {_short(original)}") from exc
        return _naive_times(table)

    def execute(self, sql: str, params: Params = None) -> None:
        with self._lock:
            self._apply(self._step(sql, params), sql)

    def _apply(self, step: Step, sql: str) -> None:
        kind = step.kind
        if kind in ("ignore", "query"):
            if kind == "query":
                self._sql(step.query, sql)
            return
        if kind == "begin":
            self.begin()
        elif kind == "commit":
            self.commit()
        elif kind == "rollback":
            self.rollback()
        elif kind == "create_table":
            self._create_table(step)
        elif kind == "create_as":
            self._create_as(step, sql)
        elif kind == "create_view":
            if not step.temporary:
                raise EngineError(f"{self._where}: the Spark engine keeps no permanent views ({step.name})")
            self._forget_temp(step.name)
            self._sql(step.query, sql).createOrReplaceTempView(step.name)
            self._temp[step.name] = "view"
        elif kind == "insert":
            self._insert(step, sql)
        elif kind in ("delete", "update"):
            self._rewrite(step, sql)
        elif kind == "drop":
            self._drop(step)
        elif kind == "add_column":
            self._add_column(step)
        else:  # pragma: no cover - plan() returns only the kinds above
            raise EngineError(f"unknown step {kind}")

    def _create_table(self, step: Step) -> None:
        if step.name in self.catalog or step.name in self._temp:
            if step.if_exists:
                return
            if not step.replace:
                raise EngineError(f"table {step.name} already exists")
        if step.temporary:
            self._forget_temp(step.name)
            self._materialise(step.name, self.spark.createDataFrame([], _struct(step.columns)))
            return
        self._drop_table(step.name)
        date = next((c for c, t in step.columns if c == "date" and t == "DATE"), None)
        self.catalog[step.name] = {
            "columns": [list(c) for c in step.columns],
            "version": 1,
            "partition": date,
        }
        self._dir(step.name).mkdir(parents=True, exist_ok=True)
        self._save_catalog()
        self._expose(step.name)

    def _create_as(self, step: Step, sql: str) -> None:
        exists = step.name in self.catalog or step.name in self._temp
        if exists and step.if_exists:
            return
        if exists and not step.replace:
            raise EngineError(f"table {step.name} already exists")
        df = self._sql(step.query, sql)
        if step.temporary:
            self._forget_temp(step.name)
            self._materialise(step.name, df)
            return
        columns = [(f.name, f.dataType.simpleString()) for f in df.schema.fields]
        previous = self.catalog.get(step.name)
        date = next((c for c, t in columns if c == "date" and t == "date"), None)
        self.catalog[step.name] = {
            "columns": [[c, t] for c, t in columns],
            "version": int(previous["version"]) if previous else 0,
            "partition": date,
        }
        self._write(step.name, df, "new")

    def _materialise(self, name: str, df: Any) -> None:
        """A temporary table: computed once now, kept by Spark, its lineage cut."""
        df = df.localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        self._temp[name] = "table"

    def _insert(self, step: Step, sql: str) -> None:
        df = self._sql(step.query, sql)
        if step.name in self._temp:
            if self._temp[step.name] != "table":
                raise EngineError(f"cannot insert into {step.name}: it is a view")
            current = self.spark.table(step.name)
            df = _conform(step.name, df, current.dtypes, step.insert_columns)
            self._materialise(step.name, current.unionByName(df))
            return
        if step.name not in self.catalog:
            raise EngineError(f"INSERT INTO {step.name}: no such table")
        self._write(
            step.name,
            _conform(step.name, df, self.catalog[step.name]["columns"], step.insert_columns),
            "append",
        )

    def _rewrite(self, step: Step, sql: str) -> None:
        """DELETE and UPDATE: the table's rows as they are to be, written as its new version."""
        if step.name in self._temp:
            columns = [c for c, _ in self.spark.table(step.name).dtypes]
        elif step.name in self.catalog:
            columns = [c for c, _ in self.catalog[step.name]["columns"]]
        else:
            raise EngineError(f"{step.kind.upper()} {step.name}: no such table")
        target = f"`{step.name}` AS _t"
        if step.kind == "delete":
            keep = f"WHERE NOT coalesce({step.condition}, FALSE)" if step.condition else "WHERE FALSE"
            query = f"SELECT * FROM {target} {keep}"
        else:
            hit = step.hit or (f"coalesce({step.condition}, FALSE)" if step.condition else "TRUE")
            items = []
            for col in columns:
                if col in step.assignments:
                    items.append(
                        f"CASE WHEN {hit} THEN {step.assignments[col]} ELSE _t.`{col}` END AS `{col}`"
                    )
                else:
                    items.append(f"_t.`{col}`")
            join = f" LEFT JOIN {step.source} ON {step.condition}" if step.source else ""
            query = f"SELECT {', '.join(items)} FROM {target}{join}"
        df = self._sql(query, sql)
        if step.name in self._temp:
            self._materialise(step.name, _conform(step.name, df, self.spark.table(step.name).dtypes, columns))
            return
        self._write(step.name, _conform(step.name, df, self.catalog[step.name]["columns"], columns), "new")

    def _drop(self, step: Step) -> None:
        if step.name in self._temp:
            self._forget_temp(step.name)
            return
        if step.name in self.catalog and step.object_kind == "TABLE":
            self._drop_table(step.name)
            return
        if not step.if_exists:
            raise EngineError(f"DROP {step.object_kind} {step.name}: no such {step.object_kind.lower()}")

    def _drop_table(self, name: str) -> None:
        if name not in self.catalog:
            return
        del self.catalog[name]
        self._save_catalog()
        self.spark.catalog.dropTempView(name)
        if self._txn is None:
            shutil.rmtree(self.root / "tables" / name, ignore_errors=True)

    def _add_column(self, step: Step) -> None:
        entry = self.catalog.get(step.name)
        if entry is None:
            raise EngineError(f"ALTER TABLE {step.name}: no such table")
        have = {c for c, _ in entry["columns"]}
        entry["columns"] = entry["columns"] + [[c, t] for c, t in step.columns if c not in have]
        self._save_catalog()
        self._expose(step.name)  # old files lack the column: it reads as NULL

    def _forget_temp(self, name: str) -> None:
        if self._temp.pop(name, None) is not None:
            self.spark.catalog.dropTempView(name)
            if name in self.catalog:
                self._expose(name)

    # -- the Engine interface -----------------------------------------------------------
    def fetchall(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        table = self.arrow(sql, params)
        columns = [c.to_pylist() for c in table.columns]
        return list(zip(*columns, strict=True)) if columns else []

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        with self._lock:
            step = self._step(sql, params)
            if step.kind != "query":
                self._apply(step, sql)
                return pa.table({})
            return self._collect(self._sql(step.query, sql), sql)

    def register(self, name: str, table: pa.Table) -> None:
        name = name.lower()
        with self._lock:
            self._forget_temp(name)
            df = self.spark.createDataFrame(_spark_friendly(table))
            df.createOrReplaceTempView(name)
            self._temp[name] = "arrow"

    def unregister(self, name: str) -> None:
        with self._lock:
            self._forget_temp(name.lower())

    def drop_relation(self, name: str) -> None:
        with self._lock:
            name = name.lower()
            self._forget_temp(name)
            self._drop_table(name)

    def scan_csv(self, name: str, path: Path, options: CsvOptions) -> FileScan:
        """Read the file in this process with Arrow's CSV reader (every value a string), number its
        records and keep the lines that do not split into the header's columns, as DuckDB's reader
        does; expose the rest to Spark. A file Arrow cannot split at all (an unclosed quote) is
        read again, line by line, by Python's reader."""
        import pyarrow.csv as pacsv

        header = csv_header(path, options)
        rejects: list[RejectedLine] = []

        def bad(row: Any) -> str:
            text = str(row.text)
            why = "TOO MANY COLUMNS" if row.actual_columns > row.expected_columns else "MISSING COLUMNS"
            found = f"{why}: expected {row.expected_columns} fields, found {row.actual_columns}"
            rejects.append(RejectedLine(int(row.number), found, text))
            return "skip"

        if _odd_quotes(path, options.quote):  # an unclosed quote: Arrow would read to the end of the file
            return self._scan_csv_python(name, path, options, header)
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    use_threads=False,
                    column_names=header,
                    skip_rows=1 if options.header else 0,
                    block_size=1 << 24,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=options.delimiter,
                    quote_char=options.quote,
                    double_quote=True,
                    newlines_in_values=True,
                    invalid_row_handler=bad,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={h: pa.string() for h in header},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid:
            return self._scan_csv_python(name, path, options, header)
        first = 1 if options.header else 0
        table = table.append_column(
            ROW_COLUMN, _record_numbers(table.num_rows, [r.line - first for r in rejects])
        )
        self.register(name, table)
        return FileScan(name.lower(), header, {c: "VARCHAR" for c in header}, ROW_COLUMN, rejects)

    def _scan_csv_python(self, name: str, path: Path, options: CsvOptions, header: list[str]) -> FileScan:
        name = name.lower()
        columns: list[list[str | None]] = [[] for _ in header]
        rows: list[int] = []
        rejects: list[RejectedLine] = []
        csv.field_size_limit(max(options.max_line_size, 1 << 21))
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter=options.delimiter, quotechar=options.quote, strict=True)
            if options.header:
                next(reader, None)
            record = 0
            first = 1 if options.header else 0  # lines are counted by record, the header first (as DuckDB)
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    record += 1
                    why = "UNQUOTED VALUE: unterminated quote" if "end of data" in str(exc) else "INVALID CSV"
                    rejects.append(RejectedLine(record + first, f"{why} ({exc})", ""))
                    continue
                record += 1
                if len(fields) != len(header):
                    text = options.delimiter.join(fields)
                    why = "TOO MANY COLUMNS" if len(fields) > len(header) else "MISSING COLUMNS"
                    found = f"{why}: expected {len(header)} fields, found {len(fields)}"
                    rejects.append(RejectedLine(record + first, found, text))
                    continue
                for col, value in zip(columns, fields, strict=True):
                    col.append(value if value != "" else None)
                rows.append(record)
        data = {h: pa.array(c, pa.string()) for h, c in zip(header, columns, strict=True)}
        data[ROW_COLUMN] = pa.array(rows, pa.int64())
        self.register(name, pa.table(data))
        return FileScan(name, header, {c: "VARCHAR" for c in header}, ROW_COLUMN, rejects)

    def scan_parquet(self, name: str, path: Path) -> FileScan:
        table = _number(_read_parquet(path))
        self.register(name, table)
        types = {f.name: str(f.type) for f in table.schema if f.name != ROW_COLUMN}
        return FileScan(relation=name.lower(), columns=list(types), types=types, row_column=ROW_COLUMN)

    def write_parquet(self, sql: str, path: Path) -> None:
        import pyarrow.parquet as pq

        pq.write_table(self.arrow(sql), path)

    def progress(self) -> float | None:
        tracker = self.spark.sparkContext.statusTracker()
        done = total = 0
        for stage_id in tracker.getActiveStageIds():
            info = tracker.getStageInfo(stage_id)
            if info is not None:
                done += info.numCompletedTasks
                total += info.numTasks
        return 100.0 * done / total if total else None

    def begin(self) -> None:
        if self._txn is not None:
            raise EngineError("cannot start a transaction within a transaction")
        files = {n: {str(p) for p in self._dir(n).rglob("*")} for n in self.catalog}
        self._txn = {"catalog": json.loads(json.dumps(self.catalog)), "files": files}

    def commit(self) -> None:
        if self._txn is None:
            raise EngineError("no transaction is active")
        self._txn = None
        self._collect_garbage()

    def rollback(self) -> None:
        txn, self._txn = self._txn, None
        if txn is None:
            return
        for name, entry in txn["catalog"].items():
            where = self.root / "tables" / name / f"v{entry['version']}"
            for p in sorted(where.rglob("*"), reverse=True):
                if str(p) not in txn["files"].get(name, set()):
                    if p.is_dir():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)
        for name in self.catalog:
            if name not in txn["catalog"]:
                self.spark.catalog.dropTempView(name)
        self.catalog = txn["catalog"]
        self._save_catalog()
        self._collect_garbage()
        for name in self.catalog:
            self._expose(name)

    def _collect_garbage(self) -> None:
        """Remove table folders and versions the catalog no longer names."""
        base = self.root / "tables"
        if not base.is_dir():
            return
        for folder in base.iterdir():
            entry = self.catalog.get(folder.name)
            if entry is None:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            for version in folder.iterdir():
                if version.name != f"v{entry['version']}":
                    shutil.rmtree(version, ignore_errors=True)

    def table_exists(self, name: str) -> bool:
        name = name.lower()
        return name in self.catalog or name in self._temp

    def table_columns(self, name: str) -> list[str]:
        name = name.lower()
        if name in self.catalog:
            return [c for c, _ in self.catalog[name]["columns"]]
        if name in self._temp:
            return list(self.spark.table(name).columns)
        return []

    def tables(self) -> list[str]:
        return sorted(self.catalog)

    def close(self) -> None:
        if self._txn is not None:
            self.rollback()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the writer's lock
            self._lock_file = None
        for name in [*self._temp, *self.catalog]:
            with contextlib.suppress(Exception):
                self.spark.catalog.dropTempView(name)
        self._temp.clear()


def _hold(path: Path) -> Any:
    """Take the workspace's writer lock (one writing process at a time, as DuckDB's file lock
    gives the DuckDB engine); the open file holds it until closed."""
    import fcntl

    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the engine's life
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise EngineError(
            f"{path.parent.parent}: another tradetrace process is writing this Spark workspace (lock)"
        ) from None
    return fh


def _odd_quotes(path: Path, quote: str) -> bool:
    """Whether the file holds an odd number of quote characters: some quote is never closed."""
    mark = quote.encode("utf-8")
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            count += chunk.count(mark)
    return count % 2 == 1


def _record_numbers(parsed: int, rejected: list[int]) -> pa.Array:
    """The data-record number of each parsed row, counting the rejected records (1-based)."""
    import numpy as np

    skips = np.sort(np.asarray(rejected, dtype=np.int64))
    thresholds = skips - np.arange(len(skips))
    index = np.arange(1, parsed + 1, dtype=np.int64)
    return pa.array(index + np.searchsorted(thresholds, index, side="right"), pa.int64())


def _conform(name: str, df: Any, table: Any, given: list[str] | None) -> Any:
    """``df``'s columns in the order and types of ``table`` ((name, type) pairs); the columns
    ``given`` are taken by position, the table's other columns are NULL."""
    from pyspark.sql import functions as sf

    given = given or [c for c, _ in table][: len(df.columns)]
    if len(given) != len(df.columns):
        raise EngineError(f"INSERT INTO {name}: {len(df.columns)} values for {len(given)} columns")
    df = df.toDF(*[f"_c{i}" for i in range(len(df.columns))])
    position = {c: i for i, c in enumerate(given)}
    return df.select(
        *[(sf.col(f"_c{position[c]}") if c in position else sf.lit(None)).cast(t).alias(c) for c, t in table]
    )


def _struct(columns: list[tuple[str, str]] | list[list[str]]) -> Any:
    """A Spark schema for (name, Spark type) pairs."""
    from pyspark.sql.types import StructType

    return StructType.fromDDL(", ".join(f"`{c}` {t}" for c, t in columns))


def _short(sql: str) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= 600 else text[:600] + " …"


def _naive_times(table: pa.Table) -> pa.Table:
    """Spark's TIMESTAMP (with the session's UTC zone) as a naive UTC timestamp, as DuckDB gives."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            table = table.set_column(i, f.name, pc.cast(table.column(i), pa.timestamp(f.type.unit)))
    return table


def _spark_friendly(table: pa.Table) -> pa.Table:
    """Arrow types Spark reads: views of strings and large strings as plain strings."""
    fields = []
    changed = False
    for f in table.schema:
        if pa.types.is_string_view(f.type) or pa.types.is_large_string(f.type) or pa.types.is_null(f.type):
            fields.append(pa.field(f.name, pa.string()))
            changed = True
        else:
            fields.append(f)
    return table.cast(pa.schema(fields)) if changed else table


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _number(table: pa.Table) -> pa.Table:
    return table.append_column(ROW_COLUMN, pa.array(range(1, table.num_rows + 1), pa.int64()))
