"""Neo4j: bulk-import CSV files and a LOAD CSV script.

The folder gets

* ``nodes.csv``: ``node_id:ID``, properties, ``:LABEL`` (``Party`` plus ``Company``/``Person`` and
  ``Listed``);
* ``relationships.csv``: ``:START_ID``, ``:END_ID``, ``:TYPE`` (``OWNER``, ``DIRECTOR``, ...,
  ``PAYMENT``, ``TRADE``), ``edge_id`` and typed properties (``value_usd:double``,
  ``count:long``, ``first_date:date``...);
* ``load.cypher``: the same files through ``LOAD CSV`` into a running database (copy the CSVs
  into its import folder), idempotent (MERGE on ids);
* ``import.sh``: the offline ``neo4j-admin database import full`` command.

CSV fields are quoted by Python's csv module (quotes doubled, embedded newlines kept, hence
``--multiline-fields=true``); empty fields are NULL. A text value that a spreadsheet would run
as a formula (first character ``= + - @``, tab or CR) is written with a leading apostrophe, as
people open these CSVs in spreadsheets too (``safe_text.csv_safe``). Relationship types and labels come from a
fixed vocabulary and are backtick-quoted; no data value is ever spliced into the Cypher text.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from tradetrace.export.base import ExportResult, rows
from tradetrace.export.safe_text import csv_safe
from tradetrace.export.scope import Scope

__all__ = ["NODE_HEADER", "REL_HEADER", "rel_type", "write_cypher"]

NODE_HEADER = [
    "node_id:ID", "name", "kind", "country", "tax_id", "listed:boolean", "list_entries", "component",
    "component_size:int", "degree:int", "rows:long", "attributes", ":LABEL",
]  # fmt: skip
REL_HEADER = [
    ":START_ID", ":END_ID", ":TYPE", "edge_id", "kind", "value_usd:double", "count:long", "first_date:date",
    "last_date:date", "share_pct:double", "start_date:date", "end_date:date", "origin_country",
    "dispatch_country", "attributes",
]  # fmt: skip
_CONVERT = {"boolean": "toBoolean({})", "int": "toInteger({})", "long": "toInteger({})",
            "double": "toFloat({})", "date": "date({})"}  # fmt: skip


def rel_type(kind: str) -> str:
    """Relationship type of an edge kind: upper case letters, digits and underscores."""
    return re.sub(r"[^A-Z0-9_]", "_", kind.upper()) or "RELATED"


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else csv_safe(value)


def _labels(r: dict[str, Any]) -> str:
    labels = ["Party"]
    if r["kind"] in ("company", "person"):
        labels.append(r["kind"].capitalize())
    if r["listed"]:
        labels.append("Listed")
    return ";".join(labels)


def _sets(var: str, header: list[str], skip: set[str]) -> str:
    parts = []
    for column in header:
        name, _, kind = column.partition(":")
        if not name or column in skip:
            continue
        value = f"row.{_ident(column)}"
        parts.append(
            f"{var}.{_ident(name)} = " + (_CONVERT[kind].format(value) if kind in _CONVERT else value)
        )
    return ", ".join(parts)


def _script(base_url: str, types: list[str]) -> str:
    nodes_url, rels_url = _string(base_url + "nodes.csv"), _string(base_url + "relationships.csv")
    node_sets = _sets("p", NODE_HEADER, {"node_id:ID", ":LABEL"})
    lines = [
        "// tradetrace graph export: copy nodes.csv and relationships.csv into Neo4j's import folder,",
        "// then run with cypher-shell -f load.cypher (re-running updates, MERGE on ids).",
        "CREATE CONSTRAINT tradetrace_party IF NOT EXISTS FOR (p:Party) REQUIRE p.node_id IS UNIQUE;",
        f"LOAD CSV WITH HEADERS FROM {nodes_url} AS row",
        "CALL { WITH row",
        f"  MERGE (p:Party {{node_id: row.{_ident('node_id:ID')}}})",
        f"  SET {node_sets}",
        "} IN TRANSACTIONS OF 10000 ROWS;",
        "MATCH (p:Party {kind: 'company'}) SET p:Company;",
        "MATCH (p:Party {kind: 'person'}) SET p:Person;",
        "MATCH (p:Party {listed: true}) SET p:Listed;",
    ]
    rel_sets = _sets("r", REL_HEADER, {":START_ID", ":END_ID", ":TYPE", "edge_id"})
    for t in types:
        lines += [
            f"LOAD CSV WITH HEADERS FROM {rels_url} AS row",
            f"WITH row WHERE row.{_ident(':TYPE')} = {_string(t)}",
            "CALL { WITH row",
            f"  MATCH (a:Party {{node_id: row.{_ident(':START_ID')}}}), (b:Party {{node_id: row.{_ident(':END_ID')}}})",
            f"  MERGE (a)-[r:{_ident(t)} {{edge_id: row.edge_id}}]->(b)",
            f"  SET {rel_sets}",
            "} IN TRANSACTIONS OF 10000 ROWS;",
        ]
    return "\n".join(lines) + "\n"


def write_cypher(scope: Scope, out: Path, base_url: str = "file:///") -> ExportResult:
    """Write nodes.csv, relationships.csv, load.cypher and import.sh into the folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(
        "cypher", out, scope.describe(), notes=list(scope.notes), unit="nodes and relationships"
    )
    nodes, edges = scope.relation("graph_nodes"), scope.relation("graph_edges")
    n_nodes = n_rels = 0
    types: set[str] = set()
    with (out / "nodes.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(NODE_HEADER)
        for r in rows(scope.engine, f"SELECT * FROM {nodes}", "node_id") if nodes else []:
            names = [c.partition(":")[0] for c in NODE_HEADER[:-1]]
            w.writerow([_cell(r[c]) for c in names] + [_labels(r)])
            n_nodes += 1
    with (out / "relationships.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REL_HEADER)
        for r in rows(scope.engine, f"SELECT * FROM {edges}", "edge_id") if edges else []:
            t = rel_type(r["kind"])
            types.add(t)
            props = [_cell(r[c.partition(":")[0]]) for c in REL_HEADER[3:]]
            w.writerow([r["source"], r["target"], t, *props])
            n_rels += 1
    (out / "load.cypher").write_text(_script(base_url, sorted(types)), "utf-8")
    (out / "import.sh").write_text(
        "#!/bin/sh\n# offline import into an empty database (stop Neo4j first); DATABASE defaults to neo4j\n"
        'neo4j-admin database import full --nodes="$(dirname "$0")/nodes.csv" '
        '--relationships="$(dirname "$0")/relationships.csv" --multiline-fields=true "${DATABASE:-neo4j}"\n',
        "utf-8",
    )
    result.counts = {"nodes": n_nodes, "relationships": n_rels}
    result.notes.append("relationship types: " + ", ".join(sorted(types)) if types else "no relationships")
    return result
