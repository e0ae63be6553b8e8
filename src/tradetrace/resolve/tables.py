"""Workspace tables of screening: scored matches and the analysts' decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradetrace.model.records import CODE, NAME, TEXT, Column, TableSpec

if TYPE_CHECKING:
    from tradetrace.engine import Engine

PARTY_MATCHES = TableSpec(
    "party_matches",
    "One row per party and list entry that matched above the threshold in the last "
    "`screen` run, with the score, a per-feature explanation and the analyst's status. "
    "Rewritten by every run; decisions live in match_decisions and are re-applied.",
    (
        Column("match_id", "VARCHAR", "stable id: hash of party_key, list_id and entry_id", True, CODE),
        Column("party_key", "VARCHAR", "stable id of the party: hash of name, tax id, country, kind", True),
        Column("party_name", "VARCHAR", "the name screened, as written", True, NAME),
        Column("party_tax_id", "VARCHAR", "the party's tax id, when known", max_len=CODE),
        Column("party_country", "VARCHAR", "the party's country (ISO alpha-2), when known"),
        Column("party_kind", "VARCHAR", "person, company or NULL (unknown)"),
        Column(
            "sources", "VARCHAR", "JSON list of {table, role, rows}: where the party appears", max_len=TEXT
        ),
        Column("list_id", "VARCHAR", "the list", True),
        Column("version_id", "VARCHAR", "the list version screened against", True, CODE),
        Column("entry_id", "VARCHAR", "the publisher's id of the entry (OFAC ent_num...)", True),
        Column("entry_name", "VARCHAR", "the entry's primary name", True, NAME),
        Column("matched_name", "VARCHAR", "the entry name that matched best", True, NAME),
        Column(
            "name_type",
            "VARCHAR",
            "primary, aka, fka, nka, weak, or derived (a shorter form of a listed person name: resolve/short_names.py)",
        ),
        Column("entry_kind", "VARCHAR", "person, company, vessel, aircraft or unknown"),
        Column("entry_hash", "VARCHAR", "hash of the entry's identifying content (names, ids, dates...)"),
        Column("score", "DOUBLE", "calibrated probability that party and entry are the same", True),
        Column("decisive", "BOOLEAN", "true when an identifier matched exactly"),
        Column("rank", "INTEGER", "1 = the party's best match"),
        Column("explanation", "VARCHAR", "JSON: per-feature evidence and log-odds", max_len=TEXT),
        Column(
            "status", "VARCHAR", "open, confirmed, dismissed, or changed (entry changed since decided)", True
        ),
        Column("decided_by", "VARCHAR", "who made the current decision"),
        Column("decided_at", "TIMESTAMP", "when"),
        Column("decision_note", "VARCHAR", "the analyst's note", max_len=TEXT),
        Column("run_id", "VARCHAR", "the screening run"),
        Column("screened_at", "TIMESTAMP", "when the run wrote the row"),
    ),
    primary_key=("match_id",),
)

MATCH_DECISIONS = TableSpec(
    "match_decisions",
    "Append-only audit log of analyst decisions on matches. The latest row of a "
    "(party_key, list_id, entry_id) pair is its current decision; it applies to later runs "
    "and list versions while the entry's content hash is unchanged.",
    (
        Column("decision_id", "VARCHAR", "stable id of the decision row", True, CODE),
        Column("match_id", "VARCHAR", "the match decided", True, CODE),
        Column("party_key", "VARCHAR", "the party", True),
        Column("party_name", "VARCHAR", "the party's name at the time", max_len=NAME),
        Column("list_id", "VARCHAR", "the list", True),
        Column("entry_id", "VARCHAR", "the entry", True),
        Column("version_id", "VARCHAR", "the list version the analyst saw"),
        Column("entry_hash", "VARCHAR", "the entry's content hash the analyst saw", True),
        Column("score", "DOUBLE", "the score the analyst saw"),
        Column("decision", "VARCHAR", "confirm, dismiss or reopen", True),
        Column("previous_status", "VARCHAR", "the match's status before the decision"),
        Column("note", "VARCHAR", "the analyst's note", max_len=TEXT),
        Column("decided_by", "VARCHAR", "who", True),
        Column("decided_at", "TIMESTAMP", "when", True),
    ),
    primary_key=("decision_id",),
)

RESOLVE_TABLES: tuple[TableSpec, ...] = (PARTY_MATCHES, MATCH_DECISIONS)


def ensure_tables(engine: Engine) -> None:
    """Create the screening tables if the workspace does not have them yet."""
    for spec in RESOLVE_TABLES:
        engine.execute(spec.ddl())
