"""Find the shipment and payment rows of given parties without keying every row.

The network detectors key a party by its cleaned tax id, else its name
(:func:`tradetrace.detect.listed.party_key_sql`). Computing that key on
every row of a large ``shipments`` table (a regular expression and a Unicode
upper-casing per row and side) costs far more than reading the table, while
the detectors only ever look for a few thousand keys. So the key is computed
once per distinct raw value instead, into two small tables, and rows are
selected by their raw tax id and name:

- ``_tt_pk_tax(raw, key)``: every tax id written on shipments (importer,
  exporter) and payments (payer, payee), with its cleaned form, NULL when
  nothing is left of it;
- ``_tt_pk_name(raw, key)``: every name written there (and every
  manufacturer), with ``'name:' || upper(trim(raw))``; or, when ``resolve``
  has clustered the parties, the tax key of the name's cluster (``_tt_pk_canon``):
  a party written without its tax id, in another script or spelling, is then the
  party with that tax id.

A row's party key is in a set exactly when its tax id's key is, or when its
tax id has no key and its name's key is (:func:`rows_sql`). The tables are
built on first use and kept for the session, rebuilt when the loaded
shipment or payment files change.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradetrace.engine import Engine
from tradetrace.engine.dialect import quote_literal

TAX = "_tt_pk_tax"
NAME = "_tt_pk_name"
CANON = "_tt_pk_canon"
_META = "_tt_pk_meta"
_SOURCES = {
    "shipments": (("importer_tax_id", "importer_name"), ("exporter_tax_id", "exporter_name")),
    "payments": (("payer_tax_id", "payer_name"), ("payee_tax_id", "payee_name")),
}


def _fingerprint(engine: Engine, tables: list[str]) -> str:
    from tradetrace.graph.identity import clusters_fingerprint

    parts = [f"{t}:{engine.scalar(f'SELECT count(*) FROM {t}')}" for t in tables]
    parts.append(clusters_fingerprint(engine))  # name keys go through the clusters
    if engine.table_exists("loads"):
        parts += [
            str(r[0])
            for r in engine.fetchall(
                "SELECT load_id FROM loads WHERE kind IN ('shipments', 'payments') ORDER BY load_id"
            )
        ]
    return ",".join(parts)


def ensure_key_maps(engine: Engine) -> None:
    """Build (or reuse) ``_tt_pk_tax`` and ``_tt_pk_name`` for the workspace as it is."""
    tables = [t for t in _SOURCES if engine.table_exists(t)]
    fp = _fingerprint(engine, tables)
    if engine.table_exists(_META) and engine.scalar(f"SELECT fp FROM {_META}") == fp:
        return
    taxes = [f"SELECT {tax} AS raw FROM {t}" for t in tables for tax, _ in _SOURCES[t]]
    names = [f"SELECT {name} AS raw FROM {t}" for t in tables for _, name in _SOURCES[t]]
    if "shipments" in tables:
        names.append("SELECT manufacturer FROM shipments")
    if not tables:
        taxes = names = ["SELECT CAST(NULL AS VARCHAR) AS raw"]
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {TAX} AS
        SELECT raw, nullif(regexp_replace(upper(raw), '[^0-9A-Z]', '', 'g'), '') AS key
        FROM ({" UNION ".join(taxes)}) WHERE raw IS NOT NULL"""
    )
    _canonical_names(engine)
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {NAME} AS
        SELECT n.raw, coalesce(c.canon, n.key) AS key FROM (
          SELECT raw, 'name:' || upper(trim(raw)) AS key FROM ({" UNION ".join(names)}) WHERE raw IS NOT NULL
        ) n LEFT JOIN {CANON} c ON c.key = n.key"""
    )
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {_META} AS SELECT CAST({quote_literal(fp)} AS VARCHAR) AS fp"
    )


def _canonical_names(engine: Engine) -> None:
    """``_tt_pk_canon(key, canon)``: a name key written without a tax id -> the tax key of its
    entity-resolution cluster, when every cluster of that name agrees on one; empty before
    ``resolve``."""
    from tradetrace.graph.identity import clusters_available, tax_key_sql

    if not clusters_available(engine):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {CANON} (key VARCHAR, canon VARCHAR)")
        return
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {CANON} AS
        SELECT key, min(canon) AS canon FROM (
          SELECT 'name:' || upper(trim(m.name)) AS key, {tax_key_sql("c.cluster_tax_id")} AS canon
          FROM party_mentions m JOIN party_clusters c ON c.mention_id = m.mention_id
          WHERE m.tax_id IS NULL AND m.source_table IN ('shipments', 'payments')
        ) GROUP BY key HAVING count(DISTINCT canon) = 1 AND count(canon) = count(*)"""
    )


def rows_sql(table: str, sides: Sequence[tuple[str | None, str]], keys: str, columns: str) -> str:
    """SQL selecting ``columns`` (``s.``-qualified) of the rows of ``table`` whose party key on
    one of ``sides`` is a ``key`` of the relation ``keys``, and for each side ``i`` whether it
    is (``_tt_hit<i>``). A side is a (tax id, name) pair of columns; with no tax column the
    name alone is the key (as for makers).

    One pass over the table, looking each row's tax ids and names up among the few raw
    values that carry such a key. Needs :func:`ensure_key_maps`.
    """
    wanted = f"key IN (SELECT key FROM {keys})"
    joins: list[str] = []
    found: list[str] = []
    for i, (tax, name) in enumerate(sides):
        joins.append(f"LEFT JOIN (SELECT raw FROM {NAME} WHERE {wanted}) n{i} ON n{i}.raw = s.{name}")
        if tax is None:
            found.append(f"n{i}.raw IS NOT NULL")
            continue
        joins.append(f"LEFT JOIN (SELECT raw FROM {TAX} WHERE {wanted}) t{i} ON t{i}.raw = s.{tax}")
        joins.append(f"LEFT JOIN (SELECT raw FROM {TAX} WHERE key IS NULL) e{i} ON e{i}.raw = s.{tax}")
        # the tax id's key decides; a row whose tax id has none goes by its name
        found.append(
            f"t{i}.raw IS NOT NULL OR (n{i}.raw IS NOT NULL AND (s.{tax} IS NULL OR e{i}.raw IS NOT NULL))"
        )
    hits = ", ".join(f"({f}) AS _tt_hit{i}" for i, f in enumerate(found))
    where = " OR ".join(f"({f})" for f in found)
    return f"SELECT {columns}, {hits} FROM {table} s {' '.join(joins)} WHERE {where}"
