"""Profiles: how a file's columns map to a table's canonical columns.

A profile is YAML (shipped ones live in ``tradetrace/data/profiles``; users
pass their own file). ``columns`` maps each canonical column to one source
column or to a list (the first non-empty wins); ``record_id`` may be a
template of source columns such as ``"{ND}/{G32}"``; ``defaults`` fill
columns the file does not carry; ``options`` set decimal mark, date formats,
delimiter and encoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


class ProfileError(ValueError):
    """A profile file that cannot be used, with the file and key at fault."""


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str = "shipments"
    description: str = ""
    identity: bool = False
    columns: dict[str, list[str]] = field(default_factory=dict)
    record_id: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    decimal: str = "auto"
    date_formats: tuple[str, ...] = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y%m%d")
    delimiter: str | None = None
    encoding: str = "auto"
    source: str = ""

    def template_fields(self) -> list[str]:
        return TEMPLATE_FIELD.findall(self.record_id or "")


def builtin_profiles() -> list[str]:
    folder = resources.files("tradetrace.data").joinpath("profiles")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (``canonical``, ``ru-dt``) or a user's YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise ProfileError(f"profile file {path} does not exist")
        text, source = path.read_text("utf-8"), str(path)
    else:
        res = resources.files("tradetrace.data").joinpath("profiles", f"{name_or_path}.yaml")
        if not res.is_file():
            raise ProfileError(
                f"unknown profile {name_or_path!r}; shipped profiles: {', '.join(builtin_profiles())}, "
                "or give the path of a YAML profile"
            )
        text, source = res.read_text("utf-8"), f"builtin:{name_or_path}"
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{source}: not valid YAML: {exc}") from exc
    return parse_profile(raw, source)


def parse_profile(raw: Any, source: str) -> Profile:
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: a profile is a mapping with at least 'name' and 'columns'")
    name = raw.get("name") or Path(source).stem
    columns: dict[str, list[str]] = {}
    for target, src in (raw.get("columns") or {}).items():
        if isinstance(src, str):
            columns[str(target)] = [src]
        elif isinstance(src, list) and src and all(isinstance(s, str) for s in src):
            columns[str(target)] = [str(s) for s in src]
        else:
            raise ProfileError(f"{source}: columns.{target}: expected a column name or a list of names")
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise ProfileError(f"{source}: options: expected a mapping")
    decimal = str(options.get("decimal", "auto"))
    if decimal not in ("auto", ".", ","):
        raise ProfileError(f"{source}: options.decimal: expected '.', ',' or 'auto', got {decimal!r}")
    formats = options.get("date_formats")
    if formats is not None and not (isinstance(formats, list) and all(isinstance(f, str) for f in formats)):
        raise ProfileError(f"{source}: options.date_formats: expected a list of strftime formats")
    defaults = {str(k): str(v) for k, v in (raw.get("defaults") or {}).items()}
    identity = bool(raw.get("identity", False))
    if not identity and not columns:
        raise ProfileError(f"{source}: 'columns' is empty; map at least the required columns")
    return Profile(
        name=str(name),
        kind=str(raw.get("kind", "shipments")),
        description=str(raw.get("description", "")),
        identity=identity,
        columns=columns,
        record_id=raw.get("record_id"),
        defaults=defaults,
        decimal=decimal,
        date_formats=tuple(formats) if formats else Profile.date_formats,
        delimiter=options.get("delimiter"),
        encoding=str(options.get("encoding", "auto")),
        source=source,
    )
