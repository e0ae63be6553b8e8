"""Workspace tables of the party graph: who the parties are, how each spelling maps to one, and the ties."""

from __future__ import annotations

from tradetrace.engine import Engine
from tradetrace.model.records import CODE, NAME, TEXT, Column, TableSpec

GRAPH_MENTIONS = TableSpec(
    "graph_mentions",
    "Every distinct way a party is written (source table, role, name, tax id, country, address, "
    "registry id) and the graph node it belongs to. Rewritten by `graph`.",
    (
        Column(
            "source_table", "VARCHAR", "shipments, payments, parties, or relations (an id no party row has)"
        ),
        Column("role", "VARCHAR", "importer, exporter, payer, payee or party"),
        Column("name", "VARCHAR", "the name as written", max_len=NAME),
        Column("tax_id", "VARCHAR", "the tax id as written", max_len=CODE),
        Column("country", "VARCHAR", "ISO alpha-2, when the source gives one"),
        Column("address", "VARCHAR", "the address as written", max_len=NAME),
        Column("entity_id", "VARCHAR", "the registry's id of the party (parties and relations only)"),
        Column("is_alias", "BOOLEAN", "a registry alias rather than its main name"),
        Column("rows", "BIGINT", "source rows that write the party this way"),
        Column("tax_key", "VARCHAR", "tax id as letters and digits, upper case"),
        Column("name_key", "VARCHAR", "the name key compared (legal forms removed, transliterated)"),
        Column("node_key", "VARCHAR", "identity: tax:<id>, name:<cc>:<key>, party:<entity id>"),
        Column(
            "rule",
            "VARCHAR",
            "how the node was chosen: cluster, registry, tax_id, name_anchor (a name-only spelling "
            "that one tax id or registry entry also writes), or name",
        ),
        Column("node_id", "VARCHAR", "the node (see graph_nodes)", True, CODE),
    ),
)

GRAPH_NODES = TableSpec(
    "graph_nodes",
    "One node per party (entity-resolution cluster when `resolve` has run, else tax id, else "
    "name key and country). Rewritten by `graph`.",
    (
        Column("node_id", "VARCHAR", "stable id: the cluster id, or a hash of node_key", True, CODE),
        Column(
            "node_key", "VARCHAR", "identity: tax:<id>, name:<cc>:<key>, party:<entity id> or cluster:<id>"
        ),
        Column("kind", "VARCHAR", "company, person or unknown"),
        Column(
            "name",
            "VARCHAR",
            "registry main name, else cluster canonical name, else most written",
            max_len=NAME,
        ),
        Column("country", "VARCHAR", "ISO alpha-2: registry, else most written"),
        Column("tax_id", "VARCHAR", "registry tax id, else most written", max_len=CODE),
        Column("listed", "BOOLEAN", "an identifier of the party is an identifier of an active list entry"),
        Column(
            "list_entries",
            "VARCHAR",
            "JSON list of {list_id, version_id, entry_id, name, publisher, programs, listed_on, "
            "id_type, id_value}",
            max_len=TEXT,
        ),
        Column("component", "VARCHAR", "connected component: the smallest node_id in it", max_len=CODE),
        Column("component_size", "INTEGER", "nodes in the component"),
        Column("degree", "INTEGER", "edges at the node (any kind, either direction)"),
        Column("rows", "BIGINT", "source rows that write the party"),
        Column(
            "attributes",
            "VARCHAR",
            "JSON: names (most written first, with rows), roles, tax_ids, entity_ids, registry facts",
            max_len=TEXT,
        ),
    ),
    primary_key=("node_id",),
)

GRAPH_EDGES = TableSpec(
    "graph_edges",
    "Ties between nodes: register relations (one per relation and period), payments (one per payer "
    "and payee), trade (one per exporter, importer and route). Rewritten by `graph`.",
    (
        Column(
            "edge_id", "VARCHAR", "stable id: hash of kind, ends and what distinguishes the tie", True, CODE
        ),
        Column("source", "VARCHAR", "node_id of the owner / officer / payer / exporter", True, CODE),
        Column("target", "VARCHAR", "node_id of the company / payee / importer", True, CODE),
        Column(
            "kind",
            "VARCHAR",
            "owner, director, officer, employee, founder, representative, associate, payment or trade",
            True,
        ),
        Column("value_usd", "DOUBLE", "payments and trade: total in USD"),
        Column("count", "BIGINT", "payments and trade: records; relations: relation rows"),
        Column("first_date", "DATE", "payments and trade: first record date"),
        Column("last_date", "DATE", "payments and trade: last record date"),
        Column("share_pct", "DOUBLE", "owner: share in percent"),
        Column("start_date", "DATE", "relations: start"),
        Column("end_date", "DATE", "relations: end (NULL: current)"),
        Column("origin_country", "VARCHAR", "trade: country of origin of the goods"),
        Column("dispatch_country", "VARCHAR", "trade: country the goods were dispatched from"),
        Column(
            "attributes",
            "VARCHAR",
            "JSON: record_ids (a sample, earliest first), role, source, currencies, hs6 codes...",
            max_len=TEXT,
        ),
    ),
    primary_key=("edge_id",),
)

GRAPH_TABLES: tuple[TableSpec, ...] = (GRAPH_MENTIONS, GRAPH_NODES, GRAPH_EDGES)
RELATION_KINDS = ("owner", "director", "officer", "employee", "founder", "representative", "associate")
EDGE_KINDS = (*RELATION_KINDS, "payment", "trade")


def ensure_tables(engine: Engine) -> None:
    """Create the graph tables if the workspace does not have them yet."""
    for spec in GRAPH_TABLES:
        engine.execute(spec.ddl())
