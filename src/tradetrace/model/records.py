"""Record specs: the workspace tables, their columns and what each means.

These specs are the single source for the DDL, the ingest validation and the
table documentation (``tradetrace tables``), so analysts who query the
workspace with SQL read the same names as data-contracts.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradetrace.engine.dialect import quote_ident


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    required: bool = False
    max_len: int | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    doc: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def ddl(self) -> str:
        cols = [f"{quote_ident(c.name)} {c.type}" for c in self.columns]
        if self.primary_key:
            cols.append(f"PRIMARY KEY ({', '.join(quote_ident(k) for k in self.primary_key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(cols) + "\n)"


NAME = 2_000  # longest plausible party name or address
TEXT = 20_000  # longest plausible description or remark
CODE = 64  # identifiers, codes, units

PROVENANCE = (
    Column("_source", "VARCHAR", "path of the file the row was read from"),
    Column("_source_row", "BIGINT", "data row number in that file (1 = first row after the header)"),
    Column("_load_id", "VARCHAR", "the load that wrote the row (see `loads`)"),
)

SHIPMENTS = TableSpec(
    "shipments",
    "Customs declaration lines (data-contracts §1), one row per line, normalised: "
    "countries ISO alpha-2, HS codes digits only, values in USD.",
    (
        Column("record_id", "VARCHAR", "unique within the source file; findings cite it", True, CODE * 2),
        Column("declaration_no", "VARCHAR", "customs declaration number", max_len=CODE * 2),
        Column("date", "DATE", "declaration (or shipment) date", True),
        Column("direction", "VARCHAR", "`import` (default) or `export`"),
        Column("reporter_country", "VARCHAR", "country whose customs recorded the line"),
        Column("importer_name", "VARCHAR", "receiver / consignee", True, NAME),
        Column("importer_tax_id", "VARCHAR", "e.g. Russian INN", max_len=CODE),
        Column("importer_country", "VARCHAR", "importer's country"),
        Column("importer_address", "VARCHAR", "importer's address", max_len=NAME),
        Column("exporter_name", "VARCHAR", "sender / shipper", True, NAME),
        Column("exporter_tax_id", "VARCHAR", "exporter's tax or registration id", max_len=CODE),
        Column("exporter_country", "VARCHAR", "country of the sender's address"),
        Column("exporter_address", "VARCHAR", "exporter's address", max_len=NAME),
        Column("origin_country", "VARCHAR", "country of origin of the goods"),
        Column("dispatch_country", "VARCHAR", "country the goods were dispatched from"),
        Column("trading_country", "VARCHAR", "country of the seller in the contract"),
        Column("destination_country", "VARCHAR", "destination country"),
        Column("hs_code", "VARCHAR", "commodity code, 6 to 10 digits, as declared (cleaned)", True),
        Column("hs6", "VARCHAR", "first six digits of hs_code"),
        Column("description", "VARCHAR", "goods description, any language", max_len=TEXT),
        Column("manufacturer", "VARCHAR", "manufacturer", max_len=NAME),
        Column("brand", "VARCHAR", "trademark", max_len=NAME),
        Column("model", "VARCHAR", "model designation", max_len=NAME),
        Column("quantity", "DOUBLE", "quantity in `unit`"),
        Column("unit", "VARCHAR", "unit of quantity", max_len=CODE),
        Column("net_weight_kg", "DOUBLE", "net weight, kg"),
        Column("value", "DOUBLE", "invoice or statistical value in `currency`", True),
        Column("currency", "VARCHAR", "ISO 4217 code; USD when absent"),
        Column("value_usd", "DOUBLE", "value in USD: declared, or converted from `value`"),
        Column(
            "value_usd_source",
            "VARCHAR",
            "how the USD value was made: `declared` (the file's own), `declared:USD`, `converted:<currency>@<usd per unit> from <rate source>`, or `no rate:<currency>@<date>` (left empty)",
        ),
        *PROVENANCE,
    ),
)

QUARANTINE = TableSpec(
    "quarantine",
    "Rows that could not be loaded, with the reason; nothing is dropped silently.",
    (
        Column("load_id", "VARCHAR", "the load that met the row"),
        Column("kind", "VARCHAR", "what was being loaded: shipments, parties, ..."),
        Column("source", "VARCHAR", "file path"),
        Column("source_row", "BIGINT", "data row number (1 = first row after the header)"),
        Column("source_line", "BIGINT", "physical line, when the row could not be parsed at all"),
        Column("column_name", "VARCHAR", "first column at fault (NULL for a whole-row fault)"),
        Column("reason", "VARCHAR", "every problem found in the row"),
        Column("raw", "VARCHAR", "the row as read, as JSON (or the raw line)"),
    ),
)

LOADS = TableSpec(
    "loads",
    "One row per file loaded; a file whose hash is here is not loaded again.",
    (
        Column("load_id", "VARCHAR", "stable id: kind + file hash"),
        Column("kind", "VARCHAR", "shipments, parties, relations, payments, ftm, list"),
        Column("source", "VARCHAR", "path as given"),
        Column("sha256", "VARCHAR", "SHA-256 of the file bytes"),
        Column("size_bytes", "BIGINT", "file size"),
        Column("profile", "VARCHAR", "column profile used"),
        Column("encoding", "VARCHAR", "text encoding detected or given"),
        Column("rows_read", "BIGINT", "data rows met in the file"),
        Column("rows_loaded", "BIGINT", "rows written to the target table"),
        Column("rows_quarantined", "BIGINT", "rows written to `quarantine`"),
        Column("unused_columns", "VARCHAR", "JSON list of file columns the profile does not map"),
        Column("loaded_at", "TIMESTAMP", "when the load committed"),
    ),
    primary_key=("load_id",),
)

ALL_TABLES: tuple[TableSpec, ...] = (SHIPMENTS, QUARANTINE, LOADS)
