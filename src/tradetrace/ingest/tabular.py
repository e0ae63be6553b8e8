"""Load a tabular file into a workspace table: map, parse, validate, quarantine.

The work happens in the engine, in SQL, so that millions of rows load at
close to the speed of the engine's own reader:

1. the file is exposed as a relation of text columns with row numbers;
2. the profile maps its columns to the table's canonical columns;
3. one statement parses every column (numbers with either decimal mark,
   dates in the profile's formats, countries and currencies through small
   dictionaries built from the file's distinct values) and writes, per row,
   every problem found;
4. in one transaction, good rows go to the table, bad ones to ``quarantine``
   with the raw row as JSON, and the load is registered by file hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from rapidfuzz import process

from tradetrace.engine import Engine, FileScan, RejectedLine
from tradetrace.engine.base import runs_as
from tradetrace.engine.dialect import quote_ident, quote_literal
from tradetrace.ingest import parse
from tradetrace.ingest.base import (
    IngestError,
    LoadResult,
    already_loaded,
    load_id_for,
    open_file,
    record_load,
)
from tradetrace.ingest.normalise import TableLoad, decimal_comma, dictionary, normalise_sql, scan_is_text
from tradetrace.ingest.profiles import Profile
from tradetrace.ingest.textfile import digest_file
from tradetrace.progress import NullProgress, Progress, polling


@dataclass
class _Mapping:
    exprs: dict[str, str]
    unused: list[str]
    typed: dict[str, tuple[str, str]]  # canonical column -> (source column SQL, its engine type)


def _norm_header(name: str) -> str:
    return name.strip().lower()


def _closest(name: str, present: list[str]) -> str:
    if not present:
        return "none"
    best = process.extractOne(name, present)
    return repr(best[0]) if best else "none"


def map_columns(
    profile: Profile, load: TableLoad, columns: list[str], types: Mapping[str, str], source: str
) -> _Mapping:
    """SQL expressions (text) for each canonical column from the file's columns."""
    by_norm = {_norm_header(c): c for c in columns}
    used: set[str] = set()
    exprs: dict[str, str] = {}
    typed: dict[str, tuple[str, str]] = {}

    def text_of(col: str) -> str:
        ident = quote_ident(col)
        if types.get(col, "VARCHAR") == "VARCHAR":
            return f"NULLIF(trim({ident}), '')"
        return f"CAST({ident} AS VARCHAR)"

    for col in load.inputs:
        wanted = [col.name] if profile.identity else profile.columns.get(col.name, [])
        present = [by_norm[_norm_header(w)] for w in wanted if _norm_header(w) in by_norm]
        used.update(present)
        if col.name == "record_id" and profile.record_id:
            fields = profile.template_fields()
            missing = [f for f in fields if _norm_header(f) not in by_norm]
            if missing:
                raise IngestError(
                    f"{source}: column {missing[0]!r} needed for record_id ({profile.record_id}) is missing; "
                    f"closest column present: {_closest(missing[0], columns)} (profile {profile.name})"
                )
            parts = []
            rest = profile.record_id
            for f in fields:
                before, rest = rest.split("{" + f + "}", 1)
                if before:
                    parts.append(quote_literal(before))
                real = by_norm[_norm_header(f)]
                used.add(real)
                parts.append(text_of(real))
            if rest:
                parts.append(quote_literal(rest))
            exprs[col.name] = "(" + " || ".join(parts) + ")"
            continue
        if not present:
            default = profile.defaults.get(col.name)
            if default is not None:
                exprs[col.name] = quote_literal(default)
            elif col.required:
                target = wanted[0] if wanted else col.name
                raise IngestError(
                    f"{source}: required column {target!r} (for {col.name}) is missing; "
                    f"closest column present: {_closest(target, columns)} (profile {profile.name})"
                )
            else:
                exprs[col.name] = "CAST(NULL AS VARCHAR)"
            continue
        texts = [text_of(p) for p in present]
        expr = texts[0] if len(texts) == 1 else f"COALESCE({', '.join(texts)})"
        default = profile.defaults.get(col.name)
        exprs[col.name] = f"COALESCE({expr}, {quote_literal(default)})" if default else expr
        if len(present) == 1 and not default and types.get(present[0], "VARCHAR") != "VARCHAR":
            typed[col.name] = (quote_ident(present[0]), types[present[0]].upper())
    unused = [c for c in columns if c not in used]
    return _Mapping(exprs, unused, typed)


@dataclass
class Staged:
    """A file parsed into a temporary table, ready to commit."""

    load: TableLoad
    source: str
    norm: str
    relation: str
    rejects: list[RejectedLine]
    unused: list[str]


def stage(
    engine: Engine,
    scan: FileScan,
    load: TableLoad,
    profile: Profile,
    source: str,
    delimiter: str = ",",
    rates: pa.Table | None = None,
    progress: Progress | None = None,
) -> Staged:
    """Parse and validate a scanned file into ``_tt_norm_<kind>`` (nothing is written yet)."""
    progress = progress or NullProgress()
    mapping = map_columns(profile, load, scan.columns, scan.types, source)
    ex = mapping.exprs
    kinds = {c.name: load.parser(c) for c in load.inputs}
    src = scan.relation
    numbers = [ex[c] for c, k in kinds.items() if k == "number" and scan_is_text(ex[c])]
    comma = decimal_comma(engine, src, profile, numbers, delimiter)
    dicts: dict[str, str] = {}
    country_cols = [c for c, k in kinds.items() if k == "country"]
    if country_cols:
        dicts["country"] = dictionary(
            engine, src, "_tt_dict_country", [ex[c] for c in country_cols], parse.country
        )
    currency_cols = [c for c, k in kinds.items() if k == "currency"]
    if currency_cols:
        dicts["currency"] = dictionary(
            engine, src, "_tt_dict_currency", [ex[c] for c in currency_cols], parse.currency
        )
    sql = normalise_sql(
        load, profile, ex, kinds, dicts, comma, src, scan.columns, rates is not None, mapping.typed
    )
    if rates is not None:
        from tradetrace.model.money import rates_by_day

        engine.register("_tt_fx_days", rates_by_day(rates))
        engine.execute("CREATE OR REPLACE TEMP TABLE _tt_fx AS SELECT * FROM _tt_fx_days")
    norm = f"_tt_norm_{load.kind}"
    task = progress.task(f"parsing {Path(source).name} ({load.kind})", total=100)
    with polling(task, engine.progress):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {norm} AS {sql}")
    _mark_duplicates(engine, load, norm)
    return Staged(load, source, norm, src, list(scan.rejects), mapping.unused)


def commit(engine: Engine, staged: Staged, result: LoadResult) -> None:
    """Write a staged file: good rows to its table, bad ones to quarantine (call inside a transaction)."""
    _commit(engine, staged, result)


def cleanup(engine: Engine, staged: Staged) -> None:
    for name in (
        staged.norm,
        staged.relation,
        "_tt_raw_" + staged.relation,
        "_tt_dup",
        "_tt_old",
        "_tt_fx",
        "_tt_fx_ranges",
        "_tt_dict_country",
        "_tt_dict_currency",
    ):
        engine.drop_relation(name)


@runs_as("ingest")
def load_table(
    engine: Engine,
    path: Path,
    load: TableLoad,
    profile: Profile,
    tmp_dir: Path,
    rates: pa.Table | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> LoadResult:
    """Load ``path`` into ``load.spec``; all or nothing; a file already loaded is skipped.

    ``sheet``: the sheet of a workbook to read (default: the first)."""
    progress = progress or NullProgress()
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    task = progress.task(f"reading {path.name}", total=path.stat().st_size)
    digest = digest_file(path, task.advance)
    task.done()
    sha = digest.sha256
    part = None
    if sheet is not None:
        from tradetrace.ingest.xlsx import sheet_names

        names = sheet_names(path)
        part = sheet if names and sheet != names[0] else None
    result = LoadResult(load.kind, str(path), load_id_for(load.kind, sha, part), sha, profile=profile.name)
    if already_loaded(engine, result.load_id, load.spec.name):
        result.skipped = True
        return result
    opened = open_file(
        engine,
        path,
        f"_tt_src_{load.kind}",
        tmp_dir,
        encoding or profile.encoding,
        profile.delimiter,
        digest,
        progress,
        sheet,
    )
    result.encoding = opened.encoding
    result.warnings.extend(opened.notes)
    staged = stage(engine, opened.scan, load, profile, str(path), opened.delimiter, rates, progress)
    result.unused_columns = staged.unused
    task = progress.task(f"writing {load.spec.name}", total=100)
    with polling(task, engine.progress), engine.transaction():
        _commit(engine, staged, result)
        record_load(engine, result, path)
    cleanup(engine, staged)
    return result


def _mark_duplicates(engine: Engine, load: TableLoad, norm: str) -> None:
    """Flag repeated keys within the file, and keys already in the table."""
    if not load.key:
        return
    norm_t = norm
    key = quote_ident(load.key)
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE _tt_dup AS SELECT {key} AS k, min(_source_row) AS first_row "
        f"FROM {norm_t} WHERE _reason IS NULL GROUP BY {key} HAVING count(*) > 1"
    )
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE _tt_old AS SELECT t.{key} AS k, min(t._source) AS src, "
        f"min(t._source_row) AS row FROM {load.spec.name} t SEMI JOIN {norm_t} n ON n.{key} = t.{key} "
        f"GROUP BY t.{key}"
    )
    engine.execute(
        f"UPDATE {norm_t} SET _reason = '{load.key}: ''' || {norm_t}.{key} || ''' repeats row ' || d.first_row, "
        f"_column = '{load.key}' FROM _tt_dup d WHERE d.k = {norm_t}.{key} "
        f"AND {norm_t}._source_row <> d.first_row AND {norm_t}._reason IS NULL"
    )
    engine.execute(
        f"UPDATE {norm_t} SET _reason = '{load.key}: ''' || {norm_t}.{key} || ''' already loaded from ' "
        f"|| o.src || ' row ' || o.row, _column = '{load.key}' FROM _tt_old o "
        f"WHERE o.k = {norm_t}.{key} AND {norm_t}._reason IS NULL"
    )


def _commit(engine: Engine, staged: Staged, result: LoadResult) -> None:
    """Insert good rows and quarantine the rest; add the counts to ``result``."""
    load, source, rejects, norm_t = staged.load, staged.source, staged.rejects, staged.norm
    target = [c.name for c in load.spec.columns if c.name not in ("_source", "_source_row", "_load_id")]
    cols = ", ".join(quote_ident(c) for c in target)
    engine.execute(
        f"INSERT INTO {load.spec.name} ({cols}, _source, _source_row, _load_id) "
        f"SELECT {cols}, ?, _source_row, ? FROM {norm_t} WHERE _reason IS NULL",
        [source, result.load_id],
    )
    engine.execute(
        "INSERT INTO quarantine SELECT ?, ?, ?, _source_row, NULL, _column, _reason, COALESCE(_raw, '{}') "
        f"FROM {norm_t} WHERE _reason IS NOT NULL ORDER BY _source_row",
        [result.load_id, load.kind, source],
    )
    for r in rejects:
        engine.execute(
            "INSERT INTO quarantine VALUES (?, ?, ?, NULL, ?, NULL, ?, ?)",
            [result.load_id, load.kind, source, r.line, f"line {r.line}: {r.error}", r.text],
        )
    good, bad = engine.fetchone(
        f"SELECT count(*) FILTER (WHERE _reason IS NULL), count(*) FILTER (WHERE _reason IS NOT NULL) FROM {norm_t}"
    ) or (0, 0)
    result.rows_loaded += int(good)
    result.rows_quarantined += int(bad) + len(rejects)
    result.rows_read = result.rows_loaded + result.rows_quarantined
    reasons = result.reasons
    for reason, n in engine.fetchall(
        f"SELECT regexp_replace(regexp_replace(_reason, '''[^'']*''', '…', 'g'), 'row [0-9]+', 'row …', 'g') AS r, count(*) FROM {norm_t} "
        "WHERE _reason IS NOT NULL GROUP BY r ORDER BY 2 DESC, 1 LIMIT 20"
    ):
        reasons[str(reason)] = reasons.get(str(reason), 0) + int(n)
    if load.money:
        usd = load.money[2]
        unrated = engine.scalar(
            f"SELECT count(*) FROM {norm_t} WHERE _reason IS NULL AND {usd}_source LIKE 'no rate:%'"
        )
        if unrated:
            result.warnings.append(
                f"{unrated:,} {load.kind} rows loaded without {usd}: no exchange rate for their currency "
                "and date (see {usd}_source); pass --rates with rates for them (tradetrace's FX CSV, an ECB "
                "eurofxref-hist file or a Bank of Russia XML_dynamic file)".replace("{usd}", usd)
            )
    if rejects:
        key = "malformed line (wrong number of fields or bad quoting)"
        reasons[key] = reasons.get(key, 0) + len(rejects)
