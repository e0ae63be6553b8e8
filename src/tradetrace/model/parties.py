"""Parties, relations and payments (data-contracts §2) as workspace tables."""

from __future__ import annotations

from tradetrace.model.records import CODE, NAME, PROVENANCE, TEXT, Column, TableSpec

PARTIES = TableSpec(
    "parties",
    "Companies and people from registers, FtM files or parties.csv.",
    (
        Column("entity_id", "VARCHAR", "id unique within the source", True, CODE * 4),
        Column("kind", "VARCHAR", "`company` or `person`"),
        Column("name", "VARCHAR", "main name", True, NAME),
        Column("aliases", "VARCHAR", "other names, `;`-separated", max_len=TEXT),
        Column("country", "VARCHAR", "ISO alpha-2"),
        Column("tax_id", "VARCHAR", "tax id, e.g. INN", max_len=CODE),
        Column("registration_no", "VARCHAR", "registration number, e.g. OGRN", max_len=CODE),
        Column("incorporation_date", "DATE", "date of incorporation"),
        Column("address", "VARCHAR", "address", max_len=NAME),
        Column("phone", "VARCHAR", "phone", max_len=CODE * 2),
        Column("email", "VARCHAR", "e-mail", max_len=NAME),
        Column("website", "VARCHAR", "website", max_len=NAME),
        Column("schema", "VARCHAR", "FtM schema when read from FtM"),
        *PROVENANCE,
    ),
)

RELATIONS = TableSpec(
    "relations",
    "Ties between parties: owners, directors, officers... with start and end dates. "
    "A former co-owner is a relation with an end date; it still counts.",
    (
        Column("source_id", "VARCHAR", "entity_id of the owner / officer / person", True, CODE * 4),
        Column("target_id", "VARCHAR", "entity_id of the company", True, CODE * 4),
        Column(
            "relation",
            "VARCHAR",
            "owner, director, officer, employee, founder, representative, associate",
            True,
        ),
        Column("role", "VARCHAR", "role as written, e.g. 'Sales Director'", max_len=NAME),
        Column("share_pct", "DOUBLE", "ownership share in percent"),
        Column("start_date", "DATE", "start of the relation"),
        Column("end_date", "DATE", "end of the relation (NULL: current)"),
        Column("source", "VARCHAR", "where the relation is documented", max_len=TEXT),
        *PROVENANCE,
    ),
)

PAYMENTS = TableSpec(
    "payments",
    "Payments between parties (bank or tax records).",
    (
        Column("record_id", "VARCHAR", "unique within the source file", True, CODE * 2),
        Column("date", "DATE", "payment date", True),
        Column("payer_name", "VARCHAR", "who paid", True, NAME),
        Column("payer_tax_id", "VARCHAR", "payer's tax id", max_len=CODE),
        Column("payee_name", "VARCHAR", "who was paid", True, NAME),
        Column("payee_tax_id", "VARCHAR", "payee's tax id", max_len=CODE),
        Column("amount", "DOUBLE", "amount in `currency`", True),
        Column("currency", "VARCHAR", "ISO 4217; USD when absent"),
        Column("amount_usd", "DOUBLE", "amount in USD: declared or converted"),
        Column(
            "amount_usd_source",
            "VARCHAR",
            "how the USD value was made: `declared` (the file's own), `declared:USD`, `converted:<currency>@<usd per unit> from <rate source>`, or `no rate:<currency>@<date>` (left empty)",
        ),
        Column("purpose", "VARCHAR", "payment purpose text", max_len=TEXT),
        *PROVENANCE,
    ),
)

PARTY_TABLES = (PARTIES, RELATIONS, PAYMENTS)
