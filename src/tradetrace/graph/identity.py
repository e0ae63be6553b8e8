"""Which node each way of writing a party belongs to (``graph_mentions``).

A *mention* is one distinct (source table, role, name, tax id, country, address, registry id).
Its node is, in order:

1. the entity-resolution cluster, when ``resolve`` has written ``party_clusters`` (and
   ``party_mentions``) and the mention is in them;
2. a registry row (``parties``, aliases included): the entry's tax id, else its name key and
   country when no other entry shares them, else the entry id;
3. its tax id (``tax:<key>``);
4. a name-only mention takes the node of the one tax id or registry entry that writes the same
   name key in the same country (any country when the mention has none): ``name_anchor``;
5. else its name key and country (``name:<cc>:<key>``).

So "NORVIDA MACHINE TOOLS CO LTD" without a tax id joins the firm that declares tax id 67079005
under that name, and a registry person's ownership reaches the same node as the customs lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from rigour.names import normalize_name, remove_org_types

from tradetrace.engine import Engine
from tradetrace.graph.tables import GRAPH_MENTIONS
from tradetrace.resolve.normalize import name_key

__all__ = [
    "IdentityStats",
    "build_mentions",
    "clusters_available",
    "clusters_fingerprint",
    "mention_join",
    "tax_key_sql",
]

MENTIONS = "_g_mentions"
NAMES = "_g_names"
CLUSTER_COLUMNS = {
    "party_mentions": {
        "mention_id",
        "source_table",
        "role",
        "name",
        "tax_id",
        "country",
        "address",
        "entity_id",
    },
    "party_clusters": {"cluster_id", "mention_id", "canonical_name"},
}


def tax_key_sql(expr: str) -> str:
    """SQL for :func:`tradetrace.resolve.normalize.tax_key`: letters and digits, upper case, NULL if none."""
    return f"nullif(upper(regexp_replace(coalesce({expr}, ''), '[^0-9A-Za-z]', '', 'g')), '')"


_MENTIONS_SQL = f"""
CREATE OR REPLACE TEMP TABLE {MENTIONS} AS
SELECT source_table, role, name, tax_id, country, address, entity_id, is_alias, CAST(sum(n) AS BIGINT) AS rows
FROM (
  SELECT 'shipments' AS source_table, 'importer' AS role, importer_name AS name, importer_tax_id AS tax_id,
         importer_country AS country, importer_address AS address, CAST(NULL AS VARCHAR) AS entity_id,
         false AS is_alias, count(*) AS n
  FROM shipments GROUP BY ALL
  UNION ALL
  SELECT 'shipments', 'exporter', exporter_name, exporter_tax_id, exporter_country, exporter_address,
         NULL, false, count(*)
  FROM shipments GROUP BY ALL
  UNION ALL
  SELECT 'payments', 'payer', payer_name, payer_tax_id, NULL, NULL, NULL, false, count(*) FROM payments GROUP BY ALL
  UNION ALL
  SELECT 'payments', 'payee', payee_name, payee_tax_id, NULL, NULL, NULL, false, count(*) FROM payments GROUP BY ALL
  UNION ALL
  SELECT 'parties', 'party', name, tax_id, country, address, entity_id, false, count(*) FROM parties GROUP BY ALL
  UNION ALL
  SELECT 'parties', 'party', trim(alias), tax_id, country, address, entity_id, true, count(*)
  FROM (SELECT unnest(string_split(aliases, ';')) AS alias, * FROM parties WHERE aliases IS NOT NULL)
  WHERE trim(alias) <> '' GROUP BY ALL
  UNION ALL
  SELECT 'relations', 'party', e, NULL, NULL, NULL, e, false, count(*)
  FROM (SELECT source_id AS e FROM relations UNION ALL SELECT target_id FROM relations)
  WHERE e NOT IN (SELECT entity_id FROM parties WHERE entity_id IS NOT NULL) GROUP BY ALL
)
WHERE name IS NOT NULL AND trim(name) <> ''
GROUP BY ALL
"""

# Node keys without clusters (rules 2-5 of the module docstring).
_KEYED_SQL = f"""
WITH m AS (
  SELECT m.*, {tax_key_sql("m.tax_id")} AS tk,
         coalesce(k.nk, lower(trim(m.name))) AS nk, k.org
  FROM {MENTIONS} m LEFT JOIN {NAMES} k ON k.name = m.name
),
entry AS (  -- one line per registry entry: its main name's keys
  SELECT entity_id, min(tk) AS tk, min(nk) AS nk, min(country) AS country
  FROM m WHERE source_table = 'parties' AND NOT is_alias GROUP BY entity_id
),
entry_key AS (
  SELECT entity_id,
         CASE WHEN tk IS NOT NULL THEN 'tax:' || tk
              WHEN count(*) OVER (PARTITION BY coalesce(country, ''), nk) = 1
                THEN 'name:' || coalesce(country, '') || ':' || nk
              ELSE 'party:' || entity_id END AS key
  FROM entry
),
anchor AS (
  SELECT nk, country, 'tax:' || tk AS key FROM m WHERE tk IS NOT NULL AND source_table <> 'parties'
  UNION
  SELECT m.nk, m.country, e.key FROM m JOIN entry_key e USING (entity_id) WHERE m.source_table = 'parties'
),
by_country AS (SELECT nk, country, min(key) AS key, count(DISTINCT key) AS n FROM anchor GROUP BY nk, country),
by_name AS (SELECT nk, min(key) AS key, count(DISTINCT key) AS n FROM anchor GROUP BY nk)
SELECT m.source_table, m.role, m.name, m.tax_id, m.country, m.address, m.entity_id, m.is_alias, m.rows,
       m.tk AS tax_key, m.nk AS name_key, m.org,
       CASE WHEN m.source_table = 'relations' THEN 'party:' || m.entity_id
            WHEN m.source_table = 'parties' THEN e.key
            WHEN m.tk IS NOT NULL THEN 'tax:' || m.tk
            WHEN m.country IS NOT NULL AND c.n = 1 THEN c.key
            WHEN m.country IS NULL AND a.n = 1 THEN a.key
            ELSE 'name:' || coalesce(m.country, '') || ':' || m.nk END AS node_key,
       CASE WHEN m.source_table IN ('parties', 'relations') THEN 'registry'
            WHEN m.tk IS NOT NULL THEN 'tax_id'
            WHEN (m.country IS NOT NULL AND c.n = 1) OR (m.country IS NULL AND a.n = 1) THEN 'name_anchor'
            ELSE 'name' END AS rule
FROM m
LEFT JOIN entry_key e ON m.source_table = 'parties' AND e.entity_id = m.entity_id
LEFT JOIN by_country c ON c.nk = m.nk AND c.country = m.country
LEFT JOIN by_name a ON a.nk = m.nk
"""

_CLUSTER_JOIN = """
LEFT JOIN (
  SELECT pm.source_table, pm.role, pm.name, pm.tax_id, pm.country, pm.address, pm.entity_id,
         min(pc.cluster_id) AS cluster_id
  FROM party_mentions pm JOIN party_clusters pc ON pc.mention_id = pm.mention_id
  GROUP BY ALL
) cl ON cl.source_table = k.source_table AND cl.role = k.role AND cl.name = trim(k.name)
   AND cl.tax_id IS NOT DISTINCT FROM k.tax_id AND cl.country IS NOT DISTINCT FROM k.country
   AND cl.address IS NOT DISTINCT FROM k.address AND cl.entity_id IS NOT DISTINCT FROM k.entity_id
"""


@dataclass(frozen=True)
class IdentityStats:
    mentions: int
    by_rule: dict[str, int]
    clusters: bool  # party_clusters was used
    missing_entities: int  # relation ends with no parties row (placeholder nodes)


def clusters_available(engine: Engine) -> bool:
    """True when ``resolve`` has written party clusters this code can join on."""
    for table, needed in CLUSTER_COLUMNS.items():
        if not engine.table_exists(table) or not needed <= set(engine.table_columns(table)):
            return False
    return bool(engine.scalar("SELECT count(*) > 0 FROM party_clusters"))


def clusters_fingerprint(engine: Engine) -> str:
    """What changes when ``resolve`` rewrites the clusters ("" before it has run): for caches of
    tables keyed through them."""
    if not clusters_available(engine):
        return ""
    # md5 of the sorted pairs: the same text on every engine (hash() is each engine's own)
    return str(
        engine.fetchone(
            "SELECT count(*), md5(string_agg(cluster_id || '|' || mention_id, ',' "
            "ORDER BY cluster_id, mention_id)) FROM party_clusters"
        )
    )


def _is_org(name: str) -> bool:
    norm = normalize_name(name)
    return norm is not None and norm != "" and remove_org_types(norm) != norm


def _register_name_keys(engine: Engine) -> None:
    names = [str(r[0]) for r in engine.fetchall(f"SELECT DISTINCT name FROM {MENTIONS} ORDER BY name")]
    table = pa.table(
        {
            "name": pa.array(names, pa.string()),
            "nk": pa.array([name_key(n) for n in names], pa.string()),
            "org": pa.array([_is_org(n) for n in names], pa.bool_()),
        }
    )
    engine.register(NAMES, table)


def build_mentions(engine: Engine) -> IdentityStats:
    """Rewrite ``graph_mentions``: every mention of a party and its node."""
    engine.execute(_MENTIONS_SQL)
    _register_name_keys(engine)
    use_clusters = clusters_available(engine)
    if use_clusters:
        node = "coalesce(cl.cluster_id, 'pn_' || substr(sha256(k.node_key), 1, 16))"
        rule = "CASE WHEN cl.cluster_id IS NOT NULL THEN 'cluster' ELSE k.rule END"
        node_key = "CASE WHEN cl.cluster_id IS NOT NULL THEN 'cluster:' || cl.cluster_id ELSE k.node_key END"
        join = _CLUSTER_JOIN
    else:
        node, rule, node_key, join = "'pn_' || substr(sha256(k.node_key), 1, 16)", "k.rule", "k.node_key", ""
    cols = [c for c in GRAPH_MENTIONS.names if c not in ("node_key", "rule", "node_id")]
    select = ", ".join(f"k.{c}" for c in cols)
    engine.execute("DELETE FROM graph_mentions")
    engine.execute(
        f"INSERT INTO graph_mentions ({', '.join(GRAPH_MENTIONS.names)}) "
        f"SELECT {select}, {node_key}, {rule}, {node} FROM ({_KEYED_SQL}) k {join} "
        "ORDER BY k.source_table, k.role, k.name, k.tax_id, k.country, k.address, k.entity_id, k.is_alias"
    )
    engine.execute(f"CREATE OR REPLACE TEMP TABLE _g_org AS SELECT name, org FROM {NAMES}")
    engine.unregister(NAMES)
    engine.execute(f"DROP TABLE IF EXISTS {MENTIONS}")
    by_rule = {
        str(r): int(n) for r, n in engine.fetchall("SELECT rule, count(*) FROM graph_mentions GROUP BY 1")
    }
    missing = int(engine.scalar("SELECT count(*) FROM graph_mentions WHERE source_table = 'relations'"))
    return IdentityStats(sum(by_rule.values()), by_rule, use_clusters, missing)


def mention_join(alias: str, relation: str, role: str, prefix: str, has_place: bool = True) -> str:
    """A LEFT JOIN of ``graph_mentions`` as ``alias`` onto rows of ``relation`` written as ``role``.

    ``prefix`` names the row's columns (``importer_`` gives importer_name, importer_tax_id...);
    payments have no country or address (``has_place=False``).
    """
    place = (
        f" AND {alias}.country IS NOT DISTINCT FROM {relation}.{prefix}country"
        f" AND {alias}.address IS NOT DISTINCT FROM {relation}.{prefix}address"
        if has_place
        else f" AND {alias}.country IS NULL AND {alias}.address IS NULL"
    )
    source = "payments" if role in ("payer", "payee") else "shipments"
    return (
        f"LEFT JOIN graph_mentions {alias} ON {alias}.source_table = '{source}' AND {alias}.role = '{role}'"
        f" AND {alias}.name = {relation}.{prefix}name"
        f" AND {alias}.tax_id IS NOT DISTINCT FROM {relation}.{prefix}tax_id{place}"
    )
