"""Party keys of shipment lines: buyer, supplier (the maker) and exporter.

``key_parties`` makes them for any table of lines (``restricted_lines`` keys the
lines of restricted goods with it, ``misdeclaration`` its own), with the rules
described in :mod:`tradetrace.detect.shipment_keys`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from tradetrace.detect.keys.goods import model_key, placeholders
from tradetrace.engine import Engine
from tradetrace.resolve.normalize import name_key

DEST = "COALESCE(s.destination_country, s.importer_country, s.reporter_country)"
_STRING_MAP = pa.schema([("raw", pa.string()), ("key", pa.string())])


def canonical_keys(keys: list[tuple[str, int]], cutoff: float = 90.0) -> dict[str, str]:
    """Map spelling variants of a name key onto its most frequent form.

    ``keys`` are (key, count). A key joins an earlier, more frequent one when
    their first words are close (a typo, not another name) and either the
    whole keys are at least ``cutoff`` similar (rapidfuzz ratio) or one key's
    words all appear in the other ("norvida machine tools taiwan" joins
    "norvida machine tools"; "sino" alone joins nothing, one word being too
    little evidence).
    """
    from rapidfuzz import fuzz, process

    canon: list[tuple[str, set[str]]] = []
    firsts: list[str] = []  # first word of each canonical key, in the same order
    out: dict[str, str] = {}
    for key, _ in sorted(keys, key=lambda kc: (-kc[1], kc[0])):
        words = key.split()
        first = words[0] if words else ""
        # the canonical keys whose first word is close, earliest first (one C loop over all)
        close = sorted(
            i for _, _, i in process.extract(first, firsts, scorer=fuzz.ratio, score_cutoff=75, limit=None)
        )
        for i in close:
            c_key, c_words = canon[i]
            subset = (
                len(words) >= 2 and len(c_words) >= 2 and (set(words) <= c_words or c_words <= set(words))
            )
            if subset or fuzz.ratio(key, c_key) >= cutoff:
                out[key] = c_key
                break
        else:
            canon.append((key, set(words)))
            firsts.append(first)
            out[key] = key
    return out


def _register_map(engine: Engine, name: str, mapping: dict[str, str | None]) -> None:
    engine.register(name, pa.table({"raw": list(mapping), "key": list(mapping.values())}, schema=_STRING_MAP))


def _importer_clusters(engine: Engine, table: str) -> None:
    """``table``: (name, tax) of each importer mention -> its cluster and the cluster's tax id,
    from ``party_clusters``; empty when ``resolve`` has not run. A mention resolved after the
    data changed is simply not found, and the row falls back to tax id and name keys."""
    from tradetrace.graph.identity import clusters_available, tax_key_sql

    if not clusters_available(engine):
        engine.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} "
            "(name VARCHAR, tax VARCHAR, cluster_id VARCHAR, cluster_tax VARCHAR)"
        )
        return
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT m.name, {tax_key_sql("m.tax_id")} AS tax,
          arg_max(c.cluster_id, m.rows) AS cluster_id, arg_max({tax_key_sql("c.cluster_tax_id")}, m.rows) AS cluster_tax
        FROM party_mentions m JOIN party_clusters c ON c.mention_id = m.mention_id
        WHERE m.source_table = 'shipments' AND m.role = 'importer'
        GROUP BY ALL"""
    )


def _names(engine: Engine, source: str = "_ks", prefix: str = "_ks") -> None:
    """Name keys for every distinct name; manufacturer and brand keys folded onto canonical spellings."""
    raws = [
        r[0]
        for r in engine.fetchall(
            f"SELECT DISTINCT n FROM (SELECT importer_name AS n FROM {source} UNION SELECT manufacturer FROM {source} "
            f"UNION SELECT brand FROM {source} UNION SELECT exporter_name FROM {source}) WHERE n IS NOT NULL"
        )
    ]
    keys = {r: name_key(r) for r in raws}
    _register_map(engine, f"{prefix}_names", dict(keys))
    no_brand = placeholders()[0]
    # "ОТСУТСТВУЕТ", "N/A"...: a placeholder brand names no maker
    blank = {keys[r] for r in raws if keys[r] and model_key(r) in no_brand}
    for column, table in (("manufacturer", f"{prefix}_canon_m"), ("brand", f"{prefix}_canon_b")):
        counts = engine.fetchall(
            f"SELECT n.key, count(*) FROM {source} x JOIN {prefix}_names n ON n.raw = x.{column} "
            "WHERE n.key IS NOT NULL GROUP BY 1 ORDER BY 1"
        )
        canon: dict[str, str | None] = dict(canonical_keys([(k, int(c)) for k, c in counts]))
        if column == "brand":
            canon = {k: (None if k in blank else v) for k, v in canon.items()}
        _register_map(engine, table, canon)
    _importer_clusters(engine, f"{prefix}_icl")
    _model_keys(engine, source, f"{prefix}_models")


def _model_keys(engine: Engine, source: str, table: str) -> None:
    """``table`` (raw, key): each distinct model designation of ``source`` as letters and digits,
    upper case, when it is distinctive enough to name its maker (four characters or more, a digit
    among them, not a "no model" placeholder); computed once per distinct value."""
    none = placeholders()[1]
    mapping: dict[str, str | None] = {}
    for (raw,) in engine.fetchall(f"SELECT DISTINCT model FROM {source} WHERE model IS NOT NULL"):
        key = model_key(str(raw))
        if len(key) >= 4 and any(c.isdigit() for c in key) and key not in none:
            mapping[str(raw)] = key
    _register_map(engine, table, mapping)


KEYED_COLUMNS = (
    "record_id", "date", "value", "combo", "origin", "dest", "hs_code", "hub", "from_origin",
    "importer_name", "exporter_name",
)  # fmt: skip


def key_parties(
    engine: Engine, source: str, target: str, carry: Sequence[str] = KEYED_COLUMNS, prefix: str = "_ks"
) -> tuple[str, ...]:
    """Create the table ``target``: the ``carry`` columns of ``source`` plus the keys
    ``ekey`` (exporter), ``buyer``, ``supplier`` (the maker) and ``supplier_name``.

    ``source`` needs the columns importer_name, tax (cleaned importer tax id),
    exporter_name, exporter_country, manufacturer, brand and origin. Returns the
    helper relations created (``prefix`` + _names, _canon_m, _canon_b, _icl, _models), for the
    caller to drop.
    """
    _names(engine, source, prefix)
    cols = ", ".join(f"k.{c}" for c in carry)
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {target} AS
        WITH k AS (
          SELECT x.*, ni.key AS ikey, cm.key AS mkey, cb.key AS bkey, ne.key AS ekey,
            ic.cluster_id AS icluster, ic.cluster_tax AS ictax, md.key AS mdk
          FROM {source} x
          LEFT JOIN {prefix}_models md ON md.raw = x.model
          LEFT JOIN {prefix}_icl ic ON ic.name = x.importer_name AND ic.tax IS NOT DISTINCT FROM NULLIF(x.tax, '')
          LEFT JOIN {prefix}_names ni ON ni.raw = x.importer_name
          LEFT JOIN {prefix}_names nm ON nm.raw = x.manufacturer
          LEFT JOIN {prefix}_canon_m cm ON cm.raw = nm.key
          LEFT JOIN {prefix}_names nb ON nb.raw = x.brand
          LEFT JOIN {prefix}_canon_b cb ON cb.raw = nb.key
          LEFT JOIN {prefix}_names ne ON ne.raw = x.exporter_name
        ),
        name_tax AS (
          SELECT ikey, min(tax) AS tax FROM k WHERE tax IS NOT NULL AND tax <> '' AND ikey IS NOT NULL
          GROUP BY ikey HAVING count(DISTINCT tax) = 1
        ),
        brand_maker AS (
          SELECT bkey, arg_max(mkey, n) AS mkey FROM (
            SELECT bkey, mkey, count(*) AS n FROM k WHERE bkey IS NOT NULL AND mkey IS NOT NULL GROUP BY ALL
          ) GROUP BY bkey
        ),
        exporter_maker AS (
          SELECT ekey, arg_max(mkey, n) AS mkey FROM (
            SELECT ekey, mkey, count(*) AS n FROM k
            WHERE ekey IS NOT NULL AND mkey IS NOT NULL AND exporter_country = origin GROUP BY ALL
          ) GROUP BY ekey
        ),
        model_maker AS (  -- a distinctive model number declared (almost) only with one maker
          SELECT mdk, arg_max(maker, n) AS mkey FROM (
            SELECT k.mdk, COALESCE(b.mkey, k.mkey) AS maker, count(*) AS n
            FROM k LEFT JOIN brand_maker b ON b.bkey = k.bkey
            WHERE k.mdk IS NOT NULL AND COALESCE(b.mkey, k.mkey) IS NOT NULL GROUP BY ALL
          ) GROUP BY mdk HAVING max(n) >= 0.8 * sum(n)
        )
        SELECT {cols}, COALESCE(k.ekey, k.exporter_name) AS ekey,
          COALESCE(NULLIF(k.tax, ''), k.ictax, nt.tax, k.icluster, 'name:' || k.ikey) AS buyer,
          COALESCE(bm.mkey, k.mkey, k.bkey, em.mkey, mm.mkey,
                   CASE WHEN k.exporter_country = k.origin THEN k.ekey END) AS supplier,
          COALESCE(k.manufacturer, k.brand, k.exporter_name) AS supplier_name
        FROM k
        LEFT JOIN name_tax nt ON nt.ikey = k.ikey
        LEFT JOIN brand_maker bm ON bm.bkey = k.bkey
        LEFT JOIN exporter_maker em ON em.ekey = k.ekey
        LEFT JOIN model_maker mm ON mm.mdk = k.mdk"""
    )
    return (f"{prefix}_names", f"{prefix}_canon_m", f"{prefix}_canon_b", f"{prefix}_icl", f"{prefix}_models")
