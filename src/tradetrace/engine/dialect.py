"""SQL fragments whose spelling differs between engines.

Stages write portable SQL and call these helpers for the few constructs that
each engine spells its own way. Only ``duckdb`` is implemented now; a second
engine adds its branch here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

SUPPORTED = ("duckdb",)


def _check(engine: str) -> None:
    if engine not in SUPPORTED:
        raise NotImplementedError(f"SQL dialect for engine {engine!r} is not implemented")


def quote_ident(name: str) -> str:
    """Quote an identifier (column or table name) safely."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def try_date(expr: str, fmt: str, engine: str = "duckdb") -> str:
    """Parse ``expr`` (VARCHAR) as a date in strftime format ``fmt``; NULL on failure."""
    _check(engine)
    return f"CAST(try_strptime({expr}, {quote_literal(fmt)}) AS DATE)"


def json_object(pairs: Sequence[tuple[str, str]], engine: str = "duckdb") -> str:
    """A JSON object text from (key, SQL expression) pairs."""
    _check(engine)
    inner = ", ".join(f"{quote_literal(k)}, {v}" for k, v in pairs)
    return f"CAST(json_object({inner}) AS VARCHAR)"


def join_present(separator: str, parts: Sequence[str]) -> str:
    """The texts of ``parts`` (SQL expressions) that are not NULL, joined by ``separator``; ''
    when all are NULL. Written without ``concat_ws``, whose NULL handling is each engine's own."""
    joined = " || ".join(f"coalesce(CAST({p} AS VARCHAR) || {quote_literal(separator)}, '')" for p in parts)
    pattern = "".join("\\" + ch if ch in _REGEX_SPECIAL else ch for ch in separator) + "$"
    return f"regexp_replace({joined}, {quote_literal(pattern)}, '')"


_REGEX_SPECIAL = frozenset(".^$*+?()[]{}|\\")
