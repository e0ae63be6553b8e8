"""The portability lint refuses SQL that DuckDB and Spark would read differently, naming the
construct and where it was found, and lets portable SQL through."""

from __future__ import annotations

import pytest

from tradetrace.engine.portability import PortabilityError, check, lint

REFUSED = {
    "ASOF JOIN": "SELECT * FROM a ASOF JOIN b ON a.k = b.k AND a.t >= b.t",
    "jaro_winkler_similarity": "SELECT jaro_winkler_similarity(a, b) AS s FROM t",
    "a RANGE window frame": (
        "SELECT sum(x) OVER (ORDER BY d NULLS LAST RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW) FROM t"
    ),
    "ANY_VALUE": "SELECT k, any_value(x) FROM t GROUP BY k",
    "IGNORE NULLS": "SELECT first_value(x IGNORE NULLS) OVER (ORDER BY d NULLS LAST) FROM t",
    "concat_ws": "SELECT concat_ws('-', a, b) FROM t",
    "POSEXPLODE": "SELECT posexplode(a) FROM t",
    "UNNEST WITH ORDINALITY": "SELECT * FROM unnest([1, 2]) WITH ORDINALITY",
    "a list subscript": "SELECT a[1] FROM t",
    "a lambda (list function)": "SELECT list_transform(a, x -> x + 1) FROM t",
    "the list function ARRAY_DISTINCT": "SELECT list_distinct(a) FROM t",
    "date_trunc": "SELECT date_trunc('month', d) AS m FROM t",
    "division by a value that may be zero": "SELECT a / b FROM t",
    "ORDER BY without NULLS FIRST or NULLS LAST": "SELECT * FROM t ORDER BY a",
    "a list aggregate without ORDER BY": "SELECT k, list(x) FROM t GROUP BY k",
    "list(DISTINCT ...)": "SELECT k, array_agg(DISTINCT x ORDER BY x) FROM t GROUP BY k",
    "a list aggregate ordered DESC": "SELECT k, list(x ORDER BY x DESC) FROM t GROUP BY k",
}


@pytest.mark.parametrize("construct", sorted(REFUSED))
def test_each_construct_is_refused_with_its_name_and_the_detector(construct: str) -> None:
    sql = REFUSED[construct]
    assert construct in {p.construct for p in lint(sql, explicit_nulls=True)}
    with pytest.raises(PortabilityError) as err:
        check(sql, "route_switch@3", explicit_nulls=True)
    message = str(err.value)
    assert message.startswith("route_switch@3: SQL not portable")
    assert construct in message
    assert err.value.where == "route_switch@3"


def test_portable_sql_passes() -> None:
    sql = """
        WITH monthly AS (
            SELECT exporter, strftime(declared, '%Y-%m') AS month, sum(value_usd) AS value
            FROM shipments WHERE value_usd > 0 GROUP BY exporter, strftime(declared, '%Y-%m')
        )
        SELECT exporter, month, value / NULLIF(sum(value) OVER (PARTITION BY exporter), 0) AS share,
               value / 2 AS half,
               row_number() OVER (PARTITION BY exporter ORDER BY month NULLS LAST, value DESC NULLS LAST) AS n
        FROM monthly
        ORDER BY exporter NULLS LAST, month NULLS LAST
    """
    assert lint(sql) == []
    check(sql, "a stage")  # does not raise


def test_every_implicit_null_order_is_named_once() -> None:
    sql = "SELECT * FROM t ORDER BY a, b NULLS LAST, c DESC, d DESC NULLS FIRST"
    problems = lint(sql, explicit_nulls=True)
    assert [p.snippet for p in problems] == ["a", "c"]


def test_translated_sql_carries_duckdbs_null_order_so_the_spark_engine_need_not_refuse_it() -> None:
    from tradetrace.engine.spark_sql import bind, plan

    sql = "SELECT a, row_number() OVER (ORDER BY b) AS n, string_agg(c, ',' ORDER BY c) FROM t ORDER BY a"
    assert lint(sql) == []  # by default the order is left to the translation
    spark = plan(bind(sql, None)).query
    assert spark.count("NULLS LAST") == 3, spark


def test_a_divisor_known_not_to_be_zero_passes_and_zero_does_not() -> None:
    assert lint("SELECT a / 100.0, a / NULLIF(b, 0), a / (NULLIF(b, 0)) FROM t") == []
    assert [p.construct for p in lint("SELECT a / 0 FROM t")] == ["division by a value that may be zero"]


def test_sql_that_does_not_parse_is_a_problem_not_a_crash() -> None:
    problems = lint("SELECT FROM WHERE (")
    assert [p.construct for p in problems] == ["unparsable SQL"]
    assert "could not parse" in problems[0].advice
