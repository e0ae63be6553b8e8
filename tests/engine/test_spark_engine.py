"""The Spark engine keeps DuckDB's meaning for each kind of statement the stages run (tables,
inserts, updates, deletes, transactions), and refuses unportable SQL naming the stage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.engine.lockstep import Lockstep
from tradetrace.engine.base import CsvOptions
from tradetrace.engine.duckdb import DuckDBEngine
from tradetrace.engine.portability import PortabilityError
from tradetrace.engine.spark import SparkEngine

HOSTILE = '=HYPERLINK("x");\'<script>alert(1)</script> ООО «Ромашка» 株式会社'


@pytest.fixture
def spark(tmp_path: Path) -> SparkEngine:
    engine = SparkEngine(tmp_path / "spark-ws", "local[1]")
    yield engine
    engine.close()


def test_statements_answer_the_same_on_both_engines(tmp_path: Path, spark: SparkEngine) -> None:
    e = Lockstep(DuckDBEngine(tmp_path / "duck.duckdb"), spark)
    e.execute(
        "CREATE TABLE IF NOT EXISTS t (id VARCHAR, date DATE, v DOUBLE, n BIGINT, ok BOOLEAN, seen TIMESTAMP)"
    )
    e.execute("CREATE TABLE IF NOT EXISTS t (id VARCHAR)")  # exists: nothing happens
    e.execute(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, current_timestamp)", ["a", dt.date(2023, 1, 5), 1.5, 2, True]
    )
    e.execute("INSERT INTO t (id, v) VALUES ('b', 2.25), (?, NULL)", [HOSTILE])
    e.execute("INSERT INTO t (n, id, date) SELECT 7, 'c', DATE '2024-02-29'")
    assert HOSTILE in [r[0] for r in e.fetchall("SELECT id, date, v, n, ok FROM t ORDER BY id NULLS LAST")]
    e.execute("UPDATE t SET v = v * 2, ok = false WHERE id = 'a'")
    e.execute("CREATE TEMP TABLE d AS SELECT 'b' AS k, 40 AS x UNION ALL SELECT 'zz', 1")
    e.execute("UPDATE t SET n = d.x FROM d WHERE d.k = t.id")
    e.execute("DELETE FROM t WHERE n = 7")
    e.execute("ALTER TABLE t ADD COLUMN note VARCHAR")
    e.execute("INSERT INTO t (id, note) VALUES ('e', 'new')")
    e.execute("CREATE TABLE u AS SELECT id, coalesce(v, 0) / NULLIF(n, 0) AS r FROM t")
    rows = e.fetchall("SELECT * EXCLUDE (seen) FROM t ORDER BY id NULLS LAST")
    e.fetchall("SELECT id, r FROM u ORDER BY id")
    e.fetchall(
        "SELECT list(id ORDER BY id) FILTER (WHERE v IS NOT NULL), count(*) FILTER (WHERE note IS NULL) FROM t"
    )
    e.fetchall("SELECT id, json_object('id', id, 'note', note) FROM t ORDER BY id")
    e.execute("DROP TABLE u")
    assert not e.table_exists("u") and e.table_columns("t")[-1] == "note"
    assert e.tables() == ["t"]
    assert not e.differences, "\n".join(map(str, e.differences))
    assert [r[0] for r in rows] == sorted(["a", "b", "e", HOSTILE])
    by_id = {r[0]: r for r in rows}
    assert by_id["b"][3] == 40 and by_id["a"][2] == 3.0


def test_a_transaction_is_all_or_nothing_and_tables_outlive_the_session(
    tmp_path: Path, spark: SparkEngine
) -> None:
    spark.execute("CREATE TABLE loads (id VARCHAR, date DATE)")
    spark.execute("INSERT INTO loads VALUES ('kept', DATE '2023-03-01')")
    with pytest.raises(RuntimeError), spark.transaction():
        spark.execute("INSERT INTO loads VALUES ('lost', DATE '2023-04-01')")
        spark.execute("DELETE FROM loads WHERE id = 'kept'")
        spark.execute("CREATE TABLE extra (x BIGINT)")
        raise RuntimeError("the load failed half way")
    assert spark.fetchall("SELECT id FROM loads") == [("kept",)]
    assert not spark.table_exists("extra")
    with spark.transaction():
        spark.execute("INSERT INTO loads VALUES ('second', DATE '2023-04-01')")
    spark.close()
    again = SparkEngine(tmp_path / "spark-ws", "local[1]")
    assert again.fetchall("SELECT id, date FROM loads ORDER BY date") == [
        ("kept", dt.date(2023, 3, 1)),
        ("second", dt.date(2023, 4, 1)),
    ]
    # one folder per month, and nothing left of the rolled-back writes
    version = next((tmp_path / "spark-ws" / "spark" / "tables" / "loads").iterdir())
    assert sorted(p.name for p in version.iterdir() if p.is_dir()) == ["_month=2023-03", "_month=2023-04"]
    assert not (tmp_path / "spark-ws" / "spark" / "tables" / "extra").exists()


def test_unportable_sql_is_refused_before_it_runs_naming_the_detector(spark: SparkEngine) -> None:
    spark.execute("CREATE TABLE t (a DOUBLE, b DOUBLE)")
    with pytest.raises(PortabilityError) as err, spark.doing("detector price_anomaly@3"):
        spark.fetchall("SELECT a / b FROM t")
    assert str(err.value).startswith("detector price_anomaly@3: SQL not portable")
    assert "division by a value that may be zero" in str(err.value)


def test_a_csv_file_is_read_with_the_same_rows_and_rejected_lines(tmp_path: Path, spark: SparkEngine) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        f'id,name\n1,"multi\nline"\n2,too,many\n3,{HOSTILE.replace(",", " ")}\n4,\n5\n6,""\n7,"a ""b"""\n',
        "utf-8",
    )
    e = Lockstep(DuckDBEngine(tmp_path / "duck.duckdb"), spark)
    scan = e.scan_csv("src", path, CsvOptions())
    assert [r.line for r in scan.rejects] == [3, 6]  # records are counted, the header first
    e.fetchall(f"SELECT id, name, {scan.row_column} FROM src ORDER BY {scan.row_column}")
    assert not e.differences, "\n".join(map(str, e.differences))


def test_a_csv_file_with_an_unclosed_quote_is_read_as_duckdb_reads_it(
    tmp_path: Path, spark: SparkEngine
) -> None:
    path = tmp_path / "open.csv"
    path.write_text('id,name\n1,a\n2,"never closed\n3,c\n', "utf-8")
    e = Lockstep(DuckDBEngine(tmp_path / "duck.duckdb"), spark)
    scan = e.scan_csv("src", path, CsvOptions())
    e.fetchall(f"SELECT id, name, {scan.row_column} FROM src ORDER BY {scan.row_column}")
    assert not e.differences, "\n".join(map(str, e.differences))


def test_one_process_writes_a_spark_workspace_at_a_time(tmp_path: Path, spark: SparkEngine) -> None:
    from tradetrace.engine.base import EngineError

    with pytest.raises(EngineError, match="another tradetrace process is writing"):
        SparkEngine(tmp_path / "spark-ws", "local[1]")
    spark.close()
    SparkEngine(tmp_path / "spark-ws", "local[1]").close()  # free again once the first closed
