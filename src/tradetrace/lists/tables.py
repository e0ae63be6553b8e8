"""Workspace tables of sanctions and export-control lists, one version per load."""

from __future__ import annotations

from tradetrace.model.records import CODE, NAME, TEXT, Column, TableSpec

LIST_VERSIONS = TableSpec(
    "list_versions",
    "One row per loaded version of a list. The newest as_of of a list_id is active for "
    "screening; older versions stay queryable. Loading the same content again is a no-op.",
    (
        Column("version_id", "VARCHAR", "stable id: hash of list_id and content", True, CODE),
        Column("list_id", "VARCHAR", "which list, e.g. us-ofac-sdn, un-sc-consolidated", True),
        Column("publisher", "VARCHAR", "who publishes the list"),
        Column("format", "VARCHAR", "reader used, e.g. ofac-csv, un-xml, eu-csv"),
        Column("as_of", "DATE", "date of the version (publication or generation date)"),
        Column("as_of_basis", "VARCHAR", "where as_of comes from (the file, a name, mtime)"),
        Column("sha256", "VARCHAR", "SHA-256 over every file of the version (name + hash)"),
        Column("source", "VARCHAR", "path given to `lists load` (file or folder)", max_len=NAME),
        Column("source_files", "VARCHAR", "JSON list of {path, sha256, bytes}", max_len=TEXT),
        Column("entries", "BIGINT", "number of listings"),
        Column("relations", "BIGINT", "number of listing_relations"),
        Column("rows_read", "BIGINT", "records read from the files"),
        Column("notes", "VARCHAR", "JSON list of what the reader reported (orphan rows...)"),
        Column("loaded_at", "TIMESTAMP", "when the load committed"),
        Column("active", "BOOLEAN", "true for the version screening uses"),
    ),
    primary_key=("version_id",),
)

LISTINGS = TableSpec(
    "listings",
    "One row per entry of a list version: a listed person, company, vessel or aircraft. "
    "JSON columns are VARCHAR holding JSON text.",
    (
        Column("version_id", "VARCHAR", "the list version (see list_versions)", True, CODE),
        Column("list_id", "VARCHAR", "which list", True),
        Column("entry_id", "VARCHAR", "the publisher's id (OFAC ent_num, UN reference...)", True),
        Column("kind", "VARCHAR", "person, company, vessel, aircraft or unknown", True),
        Column("name", "VARCHAR", "primary name as written", True, NAME),
        Column("programs", "VARCHAR", "JSON list of program / regime codes"),
        Column(
            "names",
            "VARCHAR",
            "JSON list of {name, type, script}; type primary, aka, "
            "fka, nka or weak; script e.g. Latin, Cyrillic",
            max_len=TEXT,
        ),
        Column(
            "addresses",
            "VARCHAR",
            "JSON list of {full, street, city, region, postal_code, country (ISO2), country_name}",
            max_len=TEXT,
        ),
        Column(
            "countries",
            "VARCHAR",
            "JSON list of ISO alpha-2 codes (addresses, nationality, citizenship, flag)",
        ),
        Column(
            "identifiers",
            "VARCHAR",
            "JSON list of {type, value, country, label}; type "
            "tax_id, registration_no, imo, passport, email, website...",
            max_len=TEXT,
        ),
        Column("birth_dates", "VARCHAR", "JSON list of ISO partial dates (YYYY[-MM[-DD]])"),
        Column("listed_on", "DATE", "listing date, where the file (or a first-seen file) gives it"),
        Column("remarks", "VARCHAR", "remarks as published", max_len=TEXT),
        Column("sublist", "VARCHAR", "constituent list (CSL `source`), else NULL"),
        Column(
            "extra",
            "VARCHAR",
            "JSON object of other facts: gender, title, vessel data, places of birth, sanctions notes...",
            max_len=TEXT,
        ),
        Column("source_file", "VARCHAR", "file name the entry was read from"),
        Column("source_row", "BIGINT", "line (CSV) or position (XML, JSON) in that file"),
    ),
    primary_key=("version_id", "entry_id"),
)

LISTING_RELATIONS = TableSpec(
    "listing_relations",
    "Links between entries stated by the list: OFAC 'Linked To', advanced-XML relations, "
    "UK parent companies, FtM ownerships.",
    (
        Column("version_id", "VARCHAR", "the list version", True, CODE),
        Column("list_id", "VARCHAR", "which list", True),
        Column("entry_id", "VARCHAR", "the entry the relation is stated on", True),
        Column("relation", "VARCHAR", "e.g. linked_to, owns, owned_by, parent_company", True),
        Column("target_name", "VARCHAR", "the other party's name as written", True, NAME),
        Column("target_entry_id", "VARCHAR", "its entry_id in the same version, when resolved"),
    ),
)

LISTING_NAMES = TableSpec(
    "listing_names",
    "Every name of every entry, one per row, for blocking and screening in SQL.",
    (
        Column("version_id", "VARCHAR", "the list version", True, CODE),
        Column("entry_id", "VARCHAR", "the entry", True),
        Column("name", "VARCHAR", "the name as written", True, NAME),
        Column("type", "VARCHAR", "primary, aka, fka, nka or weak", True),
        Column("script", "VARCHAR", "Unicode script(s) of the name"),
    ),
)

LISTING_IDENTIFIERS = TableSpec(
    "listing_identifiers",
    "Every identifier of every entry, one per row, for exact matching (tax ids, IMO...).",
    (
        Column("version_id", "VARCHAR", "the list version", True, CODE),
        Column("entry_id", "VARCHAR", "the entry", True),
        Column("type", "VARCHAR", "tax_id, registration_no, imo, passport, email...", True),
        Column("value", "VARCHAR", "as written (trimmed)", True),
        Column("value_key", "VARCHAR", "letters and digits only, upper case: the join key"),
        Column("country", "VARCHAR", "ISO alpha-2 of the issuing country, when given"),
        Column("label", "VARCHAR", "the label as the list wrote it, e.g. 'Tax ID No.'"),
    ),
)

LIST_TABLES: tuple[TableSpec, ...] = (
    LIST_VERSIONS,
    LISTINGS,
    LISTING_RELATIONS,
    LISTING_NAMES,
    LISTING_IDENTIFIERS,
)
