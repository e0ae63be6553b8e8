"""SQL constructs that DuckDB and Spark SQL read differently, found before a query runs.

The pipeline's SQL is written once, in DuckDB's dialect; a Spark engine is to
run it transpiled by sqlglot. Some constructs transpile into SQL that runs on
both engines and gives other answers, or does not transpile at all. :func:`lint`
parses a statement with sqlglot and names each such construct, with what to
write instead; :func:`check` raises :class:`PortabilityError` naming the
stage or detector (``where``) and every construct found, so that a job is
refused before it starts rather than giving different findings on a cluster.

The constructs and why they are refused:

* ``ASOF JOIN``: Spark SQL has none;
* ``jaro_winkler_similarity``: Spark has no such function (compare names in
  Python, once per distinct value);
* ``RANGE`` window frames: interval frames over dates are counted differently
  (off by one at the bounds); use ``ROWS`` or a join on a date range;
* ``ANY_VALUE`` and ``IGNORE NULLS``: which row's value is taken, and whether
  NULLs are skipped, differ; use ``min``/``max`` or an explicit filter;
* ``concat_ws``: its NULL handling is each engine's own; write ``coalesce``
  on each argument;
* ``list``/``array_agg`` without ``ORDER BY`` (or with ``DISTINCT``, or ordered
  ``DESC``): the order of the elements is each engine's own; the Spark engine
  keeps DuckDB's order and NULL elements for ascending keys;
* ``POSEXPLODE`` and ``UNNEST ... WITH ORDINALITY``: the order and base of the
  positions differ;
* list functions, lambdas and subscripts (``list_*``, ``array_*``,
  ``a[1]``): DuckDB counts from 1, Spark from 0, and the functions differ in
  NULL handling;
* ``date_trunc``: DuckDB returns a DATE for a DATE, Spark a TIMESTAMP;
  compare or group by ``strftime`` months or by year and month;
* division by anything but a non-zero literal or ``NULLIF(x, 0)``: division
  by zero is infinite or NULL depending on the engine;
* ``ORDER BY`` without ``NULLS FIRST``/``NULLS LAST``: DuckDB puts NULLs last,
  Spark first, so "first" rows and ids assigned in order would differ. sqlglot
  writes DuckDB's order into the Spark SQL it makes, so this is checked only
  when asked (``explicit_nulls``), for SQL that reaches Spark untranslated.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ParseError

__all__ = ["PortabilityError", "Problem", "check", "lint", "lint_tree"]


@dataclass(frozen=True)
class Problem:
    """One construct that the engines read differently."""

    construct: str
    snippet: str
    advice: str

    def __str__(self) -> str:
        return f"{self.construct} in `{self.snippet}`: {self.advice}"


class PortabilityError(ValueError):
    """A statement uses constructs that DuckDB and Spark read differently."""

    def __init__(self, where: str, problems: list[Problem]) -> None:
        self.where = where
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{where}: SQL not portable between DuckDB and Spark:\n{lines}")


class _NullsSmall(DuckDB):
    """DuckDB's grammar with NULLs sorted as the smallest values (Spark's default)."""

    NULL_ORDERING = "nulls_are_small"


class _NullsLarge(DuckDB):
    """DuckDB's grammar with NULLs sorted as the largest values: an ORDER BY item that comes out
    differently under the two did not say where its NULLs go."""

    NULL_ORDERING = "nulls_are_large"


_FUNCTIONS: dict[type[exp.Expr], tuple[str, str]] = {
    exp.JarowinklerSimilarity: (
        "jaro_winkler_similarity",
        "Spark has no such function; compare names in Python once per distinct value",
    ),
    exp.AnyValue: ("ANY_VALUE", "the row whose value is taken differs; use min() or max()"),
    exp.IgnoreNulls: ("IGNORE NULLS", "NULL skipping differs; filter the NULLs explicitly"),
    exp.ConcatWs: ("concat_ws", "NULL arguments are handled differently; coalesce each argument"),
    exp.Posexplode: ("POSEXPLODE", "positions differ in base and order; number the rows explicitly"),
    exp.Lambda: ("a lambda (list function)", "list functions differ; unnest and aggregate instead"),
    exp.Transform: ("a list transform", "list functions differ; unnest and aggregate instead"),
    exp.ArraySort: ("a list sort", "list functions differ in NULL placement; sort rows instead"),
    exp.ArraySize: ("a list length", "list functions differ; count unnested rows instead"),
    exp.Bracket: ("a list subscript", "DuckDB counts from 1, Spark from 0; unnest instead"),
    exp.DateTrunc: ("date_trunc", "DuckDB returns a DATE, Spark a TIMESTAMP; group by year and month"),
    exp.TimestampTrunc: ("date_trunc", "DuckDB returns a DATE, Spark a TIMESTAMP; group by year and month"),
}
_LIST_PREFIXES = ("list_", "array_")
_LIST_OK = frozenset({"Array", "ArrayAgg"})  # a literal list; aggregation into a list


def lint(sql: str, explicit_nulls: bool = False) -> list[Problem]:
    """Every construct in ``sql`` (DuckDB dialect, one or more statements) that DuckDB and Spark
    read differently; empty when the statement is portable. SQL that does not parse is a problem.

    ``explicit_nulls`` also asks every ``ORDER BY`` item to say where its NULLs go. The Spark
    engine does not need it: sqlglot writes DuckDB's NULL order into the Spark SQL it makes
    (``NULLS LAST``), so it is for SQL that reaches Spark without that translation."""
    try:
        # parsed under two NULL orderings: the constructs are the same in both, the implicit orders not
        small = [t for t in sqlglot.parse(sql, read=_NullsSmall) if t is not None]
        large = (
            [t for t in sqlglot.parse(sql, read=_NullsLarge) if t is not None] if explicit_nulls else small
        )
    except ParseError as exc:
        why = exc.errors[0].get("description") if exc.errors else str(exc)
        return [Problem("unparsable SQL", sql[:80], f"sqlglot could not parse it ({why})")]
    out: list[Problem] = []
    for tree, twin in zip(small, large, strict=True):
        out.extend(lint_tree(tree))
        if explicit_nulls:
            out.extend(_implicit_null_order(tree, twin))
    return out


def lint_tree(tree: exp.Expr) -> list[Problem]:
    """The constructs of :func:`lint` in a statement already parsed (DuckDB dialect)."""
    out: list[Problem] = []
    for node in tree.walk():
        out.extend(_node_problems(node))
    return out


def check(sql: str, where: str, explicit_nulls: bool = False) -> None:
    """Raise :class:`PortabilityError` naming ``where`` (a stage or detector) when ``sql`` uses a
    construct the engines read differently."""
    problems = lint(sql, explicit_nulls)
    if problems:
        raise PortabilityError(where, problems)


def _snippet(node: exp.Expr) -> str:
    text = node.sql(dialect="duckdb")
    return text if len(text) <= 80 else text[:77] + "..."


def _node_problems(node: exp.Expr) -> list[Problem]:
    if isinstance(node, exp.Join) and str(node.args.get("method") or "").upper() == "ASOF":
        return [Problem("ASOF JOIN", _snippet(node), "Spark SQL has none; join on a range and rank")]
    if isinstance(node, exp.WindowSpec) and str(node.args.get("kind") or "").upper() == "RANGE":
        return [Problem("a RANGE window frame", _snippet(node), "bounds are counted differently; use ROWS")]
    if isinstance(node, exp.Unnest) and node.args.get("offset") is not None:
        return [Problem("UNNEST WITH ORDINALITY", _snippet(node), "positions differ; number rows explicitly")]
    if isinstance(node, exp.Anonymous) and str(node.this).lower().startswith(_LIST_PREFIXES):
        return [
            Problem(f"the list function {node.this}", _snippet(node), "list functions differ; unnest instead")
        ]
    if isinstance(node, exp.Div | exp.IntDiv) and not _safe_divisor(node.expression):
        return [
            Problem(
                "division by a value that may be zero",
                _snippet(node),
                "DuckDB and Spark answer x/0 differently; divide by NULLIF(divisor, 0)",
            )
        ]
    if isinstance(node, exp.ArrayAgg):
        inner = node.this.this if isinstance(node.this, exp.Order) else node.this
        if isinstance(inner, exp.Distinct):
            return [
                Problem("list(DISTINCT ...)", _snippet(node), "aggregate a subquery's distinct rows instead")
            ]
        if not isinstance(node.this, exp.Order):
            return [
                Problem(
                    "a list aggregate without ORDER BY",
                    _snippet(node),
                    "its order is each engine's own; say ORDER BY (ascending keys)",
                )
            ]
        if any(o.args.get("desc") for o in node.this.expressions):
            return [Problem("a list aggregate ordered DESC", _snippet(node), "order it by ascending keys")]
    if isinstance(node, exp.ArrayContains) and isinstance(node.this, exp.Array | exp.Placeholder):
        return []  # membership in a list the caller gives: the same on both engines
    if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
        return []  # DuckDB's any_value skips NULLs: one problem, ANY_VALUE
    known = _FUNCTIONS.get(type(node))
    if known is not None:
        return [Problem(known[0], _snippet(node), known[1])]
    name = type(node).__name__
    if isinstance(node, exp.Func) and name.startswith(("Array", "List")) and name not in _LIST_OK:
        return [
            Problem(
                f"the list function {node.sql_name()}",
                _snippet(node),
                "list functions differ; unnest instead",
            )
        ]
    return []


def _safe_divisor(divisor: exp.Expr) -> bool:
    while isinstance(divisor, exp.Paren | exp.Cast):
        divisor = divisor.this
    if isinstance(divisor, exp.Nullif):
        return True
    if isinstance(divisor, exp.Literal) and divisor.is_number:
        return float(divisor.this) != 0.0
    return False


def _implicit_null_order(tree: exp.Expr, twin: exp.Expr) -> list[Problem]:
    """ORDER BY items whose NULL placement comes from the engine's default: parsed under two
    defaults, they come out differently."""
    out = []
    for mine, theirs in zip(tree.find_all(exp.Ordered), twin.find_all(exp.Ordered), strict=False):
        if bool(mine.args.get("nulls_first")) != bool(theirs.args.get("nulls_first")):
            out.append(
                Problem(
                    "ORDER BY without NULLS FIRST or NULLS LAST",
                    _snippet(mine.this),
                    "DuckDB puts NULLs last, Spark first in ascending order; say which",
                )
            )
    return out
