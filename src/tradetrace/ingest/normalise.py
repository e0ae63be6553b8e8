"""SQL that parses and validates a scanned file: one layered SELECT per load.

``normalise_sql`` turns the raw text of each canonical column into typed,
normalised values and collects, per row, every problem found; the small
dictionaries for countries and currencies are built here from the file's
distinct values. ``TableLoad`` says what is particular to each table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from tradetrace.engine import Engine
from tradetrace.engine.dialect import join_present, json_object, quote_ident, try_date
from tradetrace.ingest import parse
from tradetrace.ingest.profiles import Profile
from tradetrace.model.records import PROVENANCE, Column, TableSpec


@dataclass(frozen=True)
class TableLoad:
    """How one table is loaded: its spec and the few rules that are its own."""

    spec: TableSpec
    kind: str
    key: str | None = None
    money: tuple[str, str, str] | None = None  # (value, currency, value in USD)
    derived: Mapping[str, str] = field(default_factory=dict)  # column -> SQL on parsed columns
    parsers: Mapping[str, str] = field(default_factory=dict)  # column -> parser kind
    nonnegative: tuple[str, ...] = ()

    @property
    def inputs(self) -> list[Column]:
        skip = {c.name for c in PROVENANCE} | set(self.derived)
        if self.money:
            skip.add(self.money[2] + "_source")
        return [c for c in self.spec.columns if c.name not in skip]

    def parser(self, col: Column) -> str:
        if col.name in self.parsers:
            return self.parsers[col.name]
        if col.type == "DATE":
            return "date"
        if col.type == "DOUBLE":
            return "number"
        if col.name == "country" or col.name.endswith("_country"):
            return "country"
        if col.name == "currency":
            return "currency"
        return "text"


def dictionary(engine: Engine, src: str, name: str, sql_values: list[str], fn: parse.Normaliser) -> str:
    """Map the file's distinct raw values through ``fn`` into a small lookup relation."""
    union = " UNION ".join(f"SELECT {v} AS raw FROM {src}" for v in sql_values)
    raws = [r[0] for r in engine.fetchall(f"SELECT DISTINCT raw FROM ({union}) WHERE raw IS NOT NULL")]
    table = pa.table(
        {"raw": pa.array(raws, pa.string()), "norm": pa.array([fn(r) for r in raws], pa.string())}
    )
    engine.register(name, table)
    return name


def decimal_comma(
    engine: Engine, src: str, profile: Profile, number_exprs: list[str], delimiter_hint: str
) -> bool:
    if profile.decimal != "auto":
        return profile.decimal == ","
    if not number_exprs:
        return False
    union = " UNION ALL ".join(
        f"SELECT {e} AS v FROM (SELECT * FROM {src} LIMIT 200000)" for e in number_exprs
    )
    comma, point = engine.fetchone(
        "SELECT count(*) FILTER (WHERE regexp_matches(v, '^[+-]?[0-9 ]*,([0-9]{1,2}|[0-9]{4,})$') "
        "OR regexp_matches(v, '^[+-]?[0-9]{1,3}([.][0-9]{3})+,[0-9]+$')), "
        "count(*) FILTER (WHERE regexp_matches(v, '^[+-]?[0-9 ]*[.]([0-9]{1,2}|[0-9]{4,})$') "
        f"OR regexp_matches(v, '^[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+[.][0-9]+$')) FROM ({union})"
    ) or (0, 0)
    if comma == point:
        return delimiter_hint != ","
    return bool(comma > point)


def scan_is_text(expr: str) -> bool:
    return not expr.startswith("CAST(") or expr.startswith("CAST(NULL")


NUMERIC_TYPES = frozenset(
    {"DOUBLE", "FLOAT", "REAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
     "USMALLINT", "UTINYINT", "INT64", "INT32", "INT16", "INT8", "UINT64", "UINT32"}
) | frozenset(f"DECIMAL({p},{s})" for p in range(1, 39) for s in range(0, 39) if s <= p)  # fmt: skip


def _check_sql(
    kind: str, name: str, raw: str, value: str, col: Column, load: TableLoad, profile: Profile
) -> list[tuple[str, str]]:
    """(condition, message) pairs for one column; ``raw`` is its text, ``value`` its parsed value."""
    shown = f"left({raw}, 60)"
    bad = f"{raw} IS NOT NULL AND {value} IS NULL"
    quoted = f"'{name}: ''' || {shown} || '''"
    out: list[tuple[str, str]] = []
    if kind == "number":
        out.append((bad, f"{quoted} is not a number'"))
        if name in load.nonnegative:
            out.append((f"{value} < 0", f"{quoted} is negative'"))
    elif kind == "date":
        fmts = ", ".join(profile.date_formats).replace("'", "''")
        out.append((bad, f"{quoted} is not a date (expected {fmts})'"))
        out.append((f"year({value}) NOT BETWEEN 1900 AND 2100", f"{quoted} is outside 1900-2100'"))
    elif kind == "country":
        out.append((bad, f"{quoted} is not a known country (ISO code or English/Russian name)'"))
    elif kind == "currency":
        out.append((bad, f"{quoted} is not an ISO 4217 currency'"))
    elif kind == "hs":
        out.append((bad, f"{quoted} is not an HS code (expected 6 to 10 digits)'"))
    elif kind in parse.VOCABULARIES:
        expected = parse.vocabulary_sql(kind, raw)[1]
        out.append((bad, f"{quoted} is not one of {expected}'"))
    elif col.max_len:
        out.append(
            (
                f"length({raw}) > {col.max_len}",
                f"'{name}: ' || length({raw}) || ' characters long (limit {col.max_len})'",
            )
        )
    if col.required:
        out.append((f"{raw} IS NULL", f"'{name}: missing (required)'"))
    return out


def normalise_sql(
    load: TableLoad,
    profile: Profile,
    ex: Mapping[str, str],
    kinds: Mapping[str, str],
    dicts: Mapping[str, str],
    comma: bool,
    src: str,
    raw_columns: list[str],
    convert: bool,
    typed: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """One SELECT in layers, so that each expression is computed once per row:

    t: the raw text of each canonical column (``r__x``) and the file's own columns;
    p: parsed values (dictionary joins for countries and currencies);
    q: every problem of the row in ``_reason``;
    then the raw row as JSON for bad rows only, derived columns and USD values.
    Columns that arrive typed (Parquet numbers and dates) are cast, not parsed.
    """
    typed = typed or {}
    raw_cols = [f"s.{quote_ident(c)} AS raw__{i}" for i, c in enumerate(raw_columns)]
    t_cols = [f"{ex[c.name]} AS r__{c.name}" for c in load.inputs]
    t_extra: list[str] = []
    parsed: list[str] = []
    joins: list[str] = []
    checks: list[tuple[str, str]] = []
    for col in load.inputs:
        name, kind = col.name, kinds[col.name]
        raw = f"t.r__{name}"
        source_type = typed.get(name, ("", ""))[1]
        if kind == "number" and source_type in NUMERIC_TYPES:
            t_extra.append(f"CAST({typed[name][0]} AS DOUBLE) AS v__{name}")
            value = f"t.v__{name}"
        elif kind == "date" and source_type.startswith(("DATE", "TIMESTAMP")):
            t_extra.append(f"CAST({typed[name][0]} AS DATE) AS v__{name}")
            value = f"t.v__{name}"
        elif kind == "number":
            t_extra.append(f"{parse.clean_number_sql(ex[name])} AS c__{name}")
            value = parse.number_sql(f"t.c__{name}", comma)
        elif kind == "date":
            value = parse.date_sql(raw, profile.date_formats, try_date)
        elif kind in ("country", "currency"):
            alias = f"_d_{name}"
            joins.append(f"LEFT JOIN {dicts[kind]} {alias} ON {alias}.raw = {raw}")
            value = f"{alias}.norm"
        elif kind == "hs":
            value = parse.hs_sql(raw)
        elif kind in parse.VOCABULARIES:
            value = parse.vocabulary_sql(kind, raw)[0]
        else:
            value = raw
        parsed.append(f"{value} AS {quote_ident(name)}")
        checks.extend(_check_sql(kind, name, f"p.r__{name}", f"p.{quote_ident(name)}", col, load, profile))
    reason = f"NULLIF({join_present('; ', [f'CASE WHEN {c} THEN {m} END' for c, m in checks])}, '')"
    keep = [f"t.raw__{i}" for i in range(len(raw_columns))] + [f"t.r__{c.name}" for c in load.inputs]
    t = f"SELECT {', '.join([*raw_cols, *t_cols, *t_extra])}, s._source_row FROM {src} s"
    p = f"SELECT {', '.join([*parsed, *keep])}, t._source_row FROM ({t}) t {' '.join(joins)}"
    names = ", ".join(f"p.{quote_ident(c.name)}" for c in load.inputs)
    raws = "".join(f"p.raw__{i}, " for i in range(len(raw_columns)))
    q = f"SELECT {names}, {raws}p._source_row, {reason} AS _reason FROM ({p}) p"
    raw_json = json_object([(c, f"q.raw__{i}") for i, c in enumerate(raw_columns)])
    out_cols = ", ".join(f"q.{quote_ident(c.name)}" for c in load.inputs)
    inner = (
        f"SELECT {out_cols}, q._source_row, q._reason, split_part(q._reason, ':', 1) AS _column, "
        f"CASE WHEN q._reason IS NOT NULL THEN {raw_json} END AS _raw FROM ({q}) q"
    )
    derived = [f"{sql} AS {quote_ident(name)}" for name, sql in load.derived.items()]
    if load.money:
        value, currency, usd = load.money
        fx = "LEFT JOIN _tt_fx fx ON fx.currency = n.currency AND fx.day = n.date" if convert else ""
        rate = "fx.usd_per_unit" if convert else "CAST(NULL AS DOUBLE)"
        cite = "' from ' || fx.source" if convert else "''"
        conv = (
            f"CASE WHEN n.{usd} IS NOT NULL THEN n.{usd} "
            f"WHEN COALESCE(n.{currency}, 'USD') = 'USD' THEN n.{value} "
            f"ELSE n.{value} * {rate} END"
        )
        how = (
            f"CASE WHEN n.{usd} IS NOT NULL THEN 'declared' "
            f"WHEN COALESCE(n.{currency}, 'USD') = 'USD' THEN 'declared:USD' "
            f"WHEN {rate} IS NOT NULL THEN 'converted:' || n.{currency} || '@' || CAST({rate} AS VARCHAR) || {cite} "
            f"WHEN n.{value} IS NOT NULL THEN 'no rate:' || n.{currency} || '@' || CAST(n.date AS VARCHAR) END"
        )
        cols = ", ".join(f"n.{quote_ident(c.name)}" for c in load.inputs if c.name != usd)
        return (
            f"SELECT {cols}, {conv} AS {usd}, {how} AS {usd}_source"
            f"{', ' if derived else ''}{', '.join(derived)}, n._source_row, n._reason, n._column, n._raw "
            f"FROM ({inner}) n {fx}"
        )
    if derived:
        return f"SELECT n.*, {', '.join(derived)} FROM ({inner}) n"
    return inner
