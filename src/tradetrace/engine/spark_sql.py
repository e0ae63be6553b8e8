"""DuckDB-dialect statements read into what the Spark engine does with them.

The pipeline's SQL is written once, in DuckDB's dialect. The Spark engine
runs each statement in three steps, all here and none needing Spark:

1. :func:`bind` puts the statement's parameters (``?``) in as literals;
2. :func:`portability.lint <tradetrace.engine.portability.lint>` refuses what
   the engines would read differently;
3. :func:`plan` turns the statement into a :class:`Step`: a query to run, or a
   table operation (create, insert, delete, update, drop, add a column) whose
   queries are Spark SQL written by sqlglot. Spark has no ``UPDATE`` or
   ``DELETE`` on Parquet: they become a rewrite of the table from a query.

sqlglot writes NULL order explicitly (``NULLS LAST`` where DuckDB puts NULLs
last by default), so an ``ORDER BY`` means the same on both engines.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.time import format_time
from sqlglot.tokens import TokenType  # type: ignore[attr-defined]

__all__ = ["Step", "bind", "plan", "spark_sql", "spark_type"]

_READ = "duckdb"
_WRITE = "spark"


@dataclass
class Step:
    """What one statement asks of the engine.

    ``kind`` is one of ``query``, ``create_table``, ``create_as``, ``create_view``,
    ``insert``, ``delete``, ``update``, ``drop``, ``add_column``, ``begin``,
    ``commit``, ``rollback`` or ``ignore`` (a DuckDB setting).
    """

    kind: str
    name: str = ""
    temporary: bool = False
    replace: bool = False
    if_exists: bool = False  # IF NOT EXISTS on create, IF EXISTS on drop
    object_kind: str = "TABLE"  # what a DROP names: TABLE or VIEW
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, Spark type)
    insert_columns: list[str] | None = None
    query: str = ""  # Spark SQL: the query, or the rows to create, insert or keep
    assignments: dict[str, str] = field(default_factory=dict)  # UPDATE: column -> Spark expression
    source: str = ""  # UPDATE ... FROM: the Spark SQL relation and its alias
    condition: str = ""  # UPDATE's WHERE, DELETE's WHERE
    hit: str = ""  # UPDATE ... FROM: the column that is TRUE where a source row matched


def bind(sql: str, params: Sequence[object] | None) -> exp.Expr:
    """Parse ``sql`` (DuckDB dialect, one statement) with each ``?`` replaced by the matching
    parameter as a literal."""
    values = list(params or ())
    if values:
        tokens = sqlglot.Dialect.get_or_raise(_READ).tokenize(sql)
        places = [t.start for t in tokens if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
        if len(places) != len(values):
            raise ValueError(f"{len(values)} parameter(s) given for {len(places)} placeholder(s)")
        parts, last = [], 0
        for i, at in enumerate(places, 1):
            parts.append(sql[last:at] + f"${i}")
            last = at + 1
        sql = "".join(parts) + sql[last:]
    trees = [t for t in sqlglot.parse(sql, read=_READ) if t is not None]
    if len(trees) != 1:
        raise ValueError(f"expected one statement, got {len(trees)}")
    tree = trees[0]
    if values:

        def put(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Placeholder) and str(node.this).isdigit():
                return literal(values[int(str(node.this)) - 1])
            return node

        tree = tree.transform(put)
    return tree


def literal(value: object) -> exp.Expr:
    """A SQL literal for a Python value, typed as DuckDB would bind it."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | decimal.Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, float):
        if math.isfinite(value):
            return exp.Literal.number(repr(value))
        return exp.cast(exp.Literal.string(str(value)), "DOUBLE")
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    return exp.Literal.string(str(value))


def spark_sql(node: exp.Expr) -> str:
    """Spark SQL for a DuckDB-dialect tree, with the functions sqlglot does not carry over
    meaning the same (:func:`_same_meaning`) rewritten first."""
    return node.transform(_same_meaning).sql(dialect=_WRITE)


def _same_meaning(node: exp.Expr) -> exp.Expr:
    """Spark spellings, as trees, of DuckDB functions whose plain transpilation differs."""
    if isinstance(node, exp.JSONObject):
        # DuckDB keeps NULL members ({"a":null}); Spark's to_json drops them unless told not to
        pairs: list[exp.Expr] = []
        for kv in node.expressions:
            pairs.extend([kv.this, kv.expression])
        struct = exp.Anonymous(this="named_struct", expressions=pairs)
        options = exp.Anonymous(
            this="map", expressions=[exp.Literal.string("ignoreNullFields"), exp.Literal.string("false")]
        )
        return exp.Anonymous(this="to_json", expressions=[struct, options])
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node = node.copy()
        node.set("materialized", None)  # a hint to DuckDB's planner; Spark has no such word
        return node
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg):
        where = node.expression
        return _array_agg(node.this, where.this if isinstance(where, exp.Where) else where)
    if isinstance(node, exp.ArrayAgg):
        return _array_agg(node)
    if isinstance(node, exp.Literal) and not node.is_string and not node.this.isdigit():
        # DuckDB reads 1.0 as a DECIMAL but averages and divides DECIMALs into DOUBLEs; Spark
        # keeps DECIMALs (avg(CASE ... 1.0 ...) has 5 places), so such literals are DOUBLEs
        return exp.cast(node.copy(), "DOUBLE")
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        # DuckDB's quantile_cont(x, q): exact, interpolated, as Spark's percentile(x, q)
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "to_json" and len(node.expressions) == 1:
        # as DuckDB writes it: NULL members kept
        options = exp.Anonymous(
            this="map", expressions=[exp.Literal.string("ignoreNullFields"), exp.Literal.string("false")]
        )
        return exp.Anonymous(this="to_json", expressions=[node.expressions[0], options])
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "try_strptime":
        # NULL where the text is not a date in the format (Spark's to_timestamp would fail)
        value, fmt = node.expressions
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            raise ValueError("try_strptime: the format must be a literal")
        java = format_time(fmt.this, Spark.INVERSE_TIME_MAPPING, Spark.INVERSE_TIME_TRIE)
        return exp.Anonymous(this="try_to_timestamp", expressions=[value, exp.Literal.string(java or "")])
    return node


def spark_type(kind: exp.DataType) -> str:
    """The Spark type for a DuckDB column type; TIMESTAMP stays without a time zone."""
    if kind.this in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.DATETIME):
        return "TIMESTAMP_NTZ"
    return kind.sql(dialect=_WRITE)


def _name(table: exp.Expr) -> str:
    if isinstance(table, exp.Schema):
        table = table.this
    assert isinstance(table, exp.Table), table
    return table.name.lower()


def plan(tree: exp.Expr) -> Step:
    """The :class:`Step` for a bound statement."""
    if isinstance(tree, exp.Query):
        return Step("query", query=spark_sql(tree))
    if isinstance(tree, exp.Create):
        return _create(tree)
    if isinstance(tree, exp.Insert):
        target = tree.this
        cols = (
            [c.name.lower() for c in target.expressions]
            if isinstance(target, exp.Schema) and target.expressions
            else None
        )
        rows = tree.expression
        query = _values_query(rows, cols) if isinstance(rows, exp.Values) else spark_sql(rows)
        return Step("insert", name=_name(target), insert_columns=cols, query=query)
    if isinstance(tree, exp.Delete):
        where = tree.args.get("where")
        return Step("delete", name=_name(tree.this), condition=spark_sql(where.this) if where else "")
    if isinstance(tree, exp.Update):
        return _update(tree)
    if isinstance(tree, exp.Drop):
        tables = tree.args.get("tables") or [tree.this]
        return Step(
            "drop",
            name=_name(tables[0]),
            if_exists=bool(tree.args.get("exists")),
            object_kind=str(tree.args.get("kind") or "TABLE").upper(),
        )
    if isinstance(tree, exp.Alter):
        cols = []
        for action in tree.args.get("actions") or []:
            if not isinstance(action, exp.ColumnDef):
                raise ValueError(f"ALTER TABLE: only ADD COLUMN is supported, not {action.sql(_READ)}")
            kind = action.args.get("kind")
            assert isinstance(kind, exp.DataType)
            cols.append((action.name.lower(), spark_type(kind)))
        return Step("add_column", name=_name(tree.this), columns=cols)
    if isinstance(tree, exp.Transaction):
        return Step("begin")
    if isinstance(tree, exp.Commit):
        return Step("commit")
    if isinstance(tree, exp.Rollback):
        return Step("rollback")
    if isinstance(tree, exp.Set | exp.Pragma | exp.Command):
        return Step("ignore")
    raise ValueError(f"the Spark engine cannot run {type(tree).__name__} statements")


def _create(tree: exp.Create) -> Step:
    props = tree.args.get("properties")
    temporary = bool(props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions))
    kind = str(tree.args.get("kind") or "TABLE").upper()
    step = Step(
        "create_view" if kind == "VIEW" else "create_table",
        name=_name(tree.this),
        temporary=temporary,
        replace=bool(tree.args.get("replace")),
        if_exists=bool(tree.args.get("exists")),
    )
    body = tree.expression
    if body is not None:
        step.query = spark_sql(body)
        if kind != "VIEW":
            step.kind = "create_as"
        return step
    if kind == "VIEW":
        raise ValueError("CREATE VIEW without a query")
    schema = tree.this
    assert isinstance(schema, exp.Schema)
    for col in schema.expressions:
        if isinstance(col, exp.ColumnDef):
            kind_ = col.args.get("kind")
            assert isinstance(kind_, exp.DataType)
            step.columns.append((col.name.lower(), spark_type(kind_)))
    return step


def _array_agg(node: exp.ArrayAgg, where: exp.Expr | None = None) -> exp.Expr:
    """DuckDB's ``list``/``array_agg``: keeps NULL elements, and follows its ORDER BY. Spark's
    collect_list drops NULLs and has no order, so each value travels in a struct, behind its sort
    keys (each key led by a flag that puts its NULLs where DuckDB does), and the sorted structs
    give back the values."""
    inner = node.this
    keys: list[exp.Expr] = []
    if isinstance(inner, exp.Order):
        keys = list(inner.expressions)
        inner = inner.this
    if isinstance(inner, exp.Distinct):  # refused by the portability lint before this
        raise ValueError("list/array_agg(DISTINCT ...): aggregate the distinct rows of a subquery instead")
    fields: list[str] = []
    for i, key in enumerate(keys):
        assert isinstance(key, exp.Ordered)
        if key.args.get("desc"):
            raise ValueError("list/array_agg ORDER BY ... DESC: write the keys ascending")
        expr = spark_sql(key.this)
        first = bool(key.args.get("nulls_first"))
        fields.append(f"'n{i}', ({expr}) IS {'NOT ' if first else ''}NULL, 'k{i}', {expr}")
    fields.append(f"'v', {spark_sql(inner)}")
    collected = f"collect_list(named_struct({', '.join(fields)}))"
    if where is not None:
        collected += f" FILTER (WHERE {spark_sql(where)})"
    if keys:
        collected = f"array_sort({collected})"
    # DuckDB's list of no rows is NULL, Spark's an empty array
    return sqlglot.parse_one(
        f"CASE WHEN size({collected}) > 0 THEN transform({collected}, _e -> _e.v) END", read=_WRITE
    )


def _values_query(values: exp.Values, columns: list[str] | None) -> str:
    """``VALUES (...), (...)`` as a Spark query, one SELECT per row (so that expressions such as
    ``current_timestamp`` are allowed in a row)."""
    selects = []
    for row in values.expressions:
        items = row.expressions if isinstance(row, exp.Tuple) else [row]
        names = columns or [f"col{i + 1}" for i in range(len(items))]
        selects.append(
            "SELECT " + ", ".join(f"{spark_sql(v)} AS `{n}`" for v, n in zip(items, names, strict=True))
        )
    return " UNION ALL ".join(selects)


def _update(tree: exp.Update) -> Step:
    """``UPDATE t SET c = e [FROM s] WHERE w``. With a FROM, the target is joined to the source on
    ``w`` (each target row meets at most one source row, as DuckDB requires for a defined result)."""
    target = tree.this
    assert isinstance(target, exp.Table)
    step = Step("update", name=_name(target))
    alias = target.alias_or_name
    for eq in tree.expressions:
        assert isinstance(eq, exp.EQ)
        step.assignments[eq.this.name.lower()] = spark_sql(_qualify(eq.expression, alias, target.name))
    where = tree.args.get("where")
    if where is not None:
        step.condition = spark_sql(_qualify(where.this, alias, target.name))
    source = tree.args.get("from_") or tree.args.get("from")
    if source is not None:
        rel = source.this
        if not isinstance(rel, exp.Table):
            raise ValueError("UPDATE ... FROM: the source must be a table or view")
        # every source row carries a mark, so that the rewrite knows which target rows matched
        step.source = (
            f"(SELECT *, TRUE AS _tt_hit FROM {spark_sql(exp.table_(rel.name))}) AS {rel.alias_or_name}"
        )
        step.condition = step.condition or "TRUE"
        step.hit = f"{rel.alias_or_name}._tt_hit"
    return step


def _qualify(node: exp.Expr, alias: str, name: str) -> exp.Expr:
    """Columns of the target named by the table's name are named ``_t`` (the rewrite's alias)."""

    def rename(n: exp.Expr) -> exp.Expr:
        if isinstance(n, exp.Column) and n.table and n.table.lower() in (alias.lower(), name.lower()):
            return exp.column(n.name, table="_t", quoted=True)
        return n

    return node.copy().transform(rename)
