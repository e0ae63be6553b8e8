"""Check an FtM JSON lines file the way followthemoney itself would read it.

For every line: the schema exists; ``model.get_proxy(data, cleaned=False)`` keeps every value
(FtM's type cleaning neither drops nor changes it); ``Schema.validate`` (FtM's own validator)
passes; required properties are present; no value is longer than its type allows; ids are
unique. Then every entity reference points at an entity of the file whose schema fits the
property's range. The counts per schema are what loading the file back gives.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.types import registry

__all__ = ["FtmCheck", "validate_ftm"]


@dataclass
class FtmCheck:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, line: int, text: str, limit: int) -> None:
        self.error_count += 1
        if len(self.errors) < limit:
            self.errors.append(f"line {line}: {text}")


def validate_ftm(path: Path, max_errors: int = 50) -> FtmCheck:
    """Read ``path`` back with followthemoney and report every problem (up to ``max_errors`` listed)."""
    check = FtmCheck()
    schemas: dict[str, str] = {}
    refs: list[tuple[int, str, str, str]] = []  # line, property, target id, range schema
    with Path(path).open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            try:
                data = json.loads(line)
            except ValueError as exc:
                check.error(no, f"not JSON: {exc}", max_errors)
                continue
            try:
                proxy = model.get_proxy(data, cleaned=False)
            except (ValueError, InvalidData) as exc:
                check.error(no, f"not an entity (schema {data.get('schema')!r}): {exc}", max_errors)
                continue
            schema = proxy.schema
            try:
                schema.validate(data)
            except InvalidData as exc:
                details = getattr(exc, "errors", None) or {}
                check.error(no, f"{schema.name}: {details.get('properties', details) or exc}", max_errors)
            if not proxy.id or proxy.id != data.get("id"):
                check.error(no, f"bad id {data.get('id')!r}", max_errors)
            elif proxy.id in schemas:
                check.error(no, f"duplicate id {proxy.id}", max_errors)
            schemas[str(proxy.id)] = schema.name
            check.counts[schema.name] += 1
            props = data.get("properties", {})
            for missing in sorted(set(schema.required) - set(props)):
                check.error(no, f"{schema.name} lacks required {missing}", max_errors)
            for name, values in props.items():
                prop = schema.get(name)
                if prop is None or prop.stub:
                    check.error(no, f"{schema.name} has no property {name}", max_errors)
                    continue
                kept = set(proxy.get(prop))
                for value in values:
                    if value not in kept:
                        check.error(no, f"{name}: {value!r} is not a valid {prop.type.name}", max_errors)
                    elif prop.type.max_length and len(value) > prop.type.max_length:
                        check.error(no, f"{name}: value longer than {prop.type.max_length}", max_errors)
                    if prop.type == registry.entity and prop.range is not None:
                        refs.append((no, name, value, prop.range.name))
    for no, name, target, range_name in refs:
        found = schemas.get(target)
        target_schema = model.get(found) if found else None
        if target_schema is None:
            check.error(no, f"{name} points to {target}, which the file does not hold", max_errors)
        elif not target_schema.is_a(range_name):
            check.error(no, f"{name} points to a {found}, not a {range_name}", max_errors)
    return check
