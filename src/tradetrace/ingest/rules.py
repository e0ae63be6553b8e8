"""User restriction rules kept in the workspace.

``tradetrace rules load FILE`` checks a rule file (data/rules/default.yaml
documents the shape), then keeps a copy in ``<workspace>/rules/`` and a row
in ``rule_files``. Detectors read the shipped rules, then every kept file in
load order (a rule with an existing id replaces it), then files given with
``--rules`` for one run. Loading the same content again changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tradetrace.model.records import Column, TableSpec
from tradetrace.model.rules import RuleError, RuleSet, load_rules
from tradetrace.workspace import Workspace

RULE_FILES = TableSpec(
    "rule_files",
    "Restriction-rule files loaded by the user (copies kept in <workspace>/rules/), in load order.",
    (
        Column("sha256", "VARCHAR", "SHA-256 of the file content"),
        Column("source", "VARCHAR", "path the file was loaded from"),
        Column("stored_as", "VARCHAR", "copy inside the workspace"),
        Column("rules", "INTEGER", "rules the file defines"),
        Column("loaded_at", "TIMESTAMP", "when it was loaded"),
    ),
    primary_key=("sha256",),
)


@dataclass(frozen=True)
class RulesLoad:
    source: str
    stored_as: Path
    rules: int
    skipped: bool

    def summary(self) -> str:
        if self.skipped:
            return f"{self.source}: already loaded ({self.stored_as}); nothing changed"
        return f"{self.source}: {self.rules} rule(s) checked and kept as {self.stored_as}"


def stored_rule_files(ws: Workspace) -> list[Path]:
    return [
        Path(r[0]) for r in ws.engine.fetchall("SELECT stored_as FROM rule_files ORDER BY loaded_at, sha256")
    ]


def workspace_rules(ws: Workspace) -> RuleSet:
    """Shipped rules, then the workspace's rule files, then the run's --rules files."""
    return load_rules([*stored_rule_files(ws), *ws.settings.rule_files])


def load_rule_file(ws: Workspace, path: Path) -> RulesLoad:
    """Check ``path`` against the rules already in force and keep it in the workspace."""
    if not path.exists():
        raise RuleError(f"{path}: no such file")
    content = path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    old = ws.engine.fetchone("SELECT stored_as, rules FROM rule_files WHERE sha256 = ?", [sha])
    if old:
        return RulesLoad(str(path), Path(old[0]), int(old[1]), skipped=True)
    load_rules([*stored_rule_files(ws), path])  # raises RuleError naming file, rule and field
    import yaml

    data = yaml.safe_load(content.decode("utf-8")) or {}
    count = len(data.get("rules") or []) if isinstance(data, dict) else 0
    folder = ws.path / "rules"
    folder.mkdir(exist_ok=True)
    stored = folder / f"{sha[:12]}-{path.name}"
    stored.write_bytes(content)
    with ws.engine.transaction():
        ws.engine.execute(
            "INSERT INTO rule_files VALUES (?, ?, ?, ?, current_timestamp)",
            [sha, str(path), str(stored), count],
        )
    return RulesLoad(str(path), stored, count, skipped=False)
