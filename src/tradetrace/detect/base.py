"""The detector contract and the registry that finds detectors.

Built-in detectors register exactly as a third-party plugin would, in the
``tradetrace.detectors`` entry-point group of their package metadata::

    [project.entry-points."tradetrace.detectors"]
    route_switch = "tradetrace.detect.route_switch:RouteSwitch"

A detector declares its name and version, the red flags it raises, the
citations it rests on, its parameters as a dataclass whose fields carry
a ``doc`` in their metadata (rendered by ``tradetrace detectors``), and its
inputs: those it ``requires`` (without them the runner does not run it and
says why) and those it ``uses`` when present (without them it runs on less,
and says so); see :mod:`tradetrace.detect.inputs`.
"""

from __future__ import annotations

import dataclasses
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar

from tradetrace.detect.findings import Citation, Finding
from tradetrace.detect.inputs import INPUTS, Requirement
from tradetrace.engine import Engine
from tradetrace.progress import NullProgress, Progress

GROUP = "tradetrace.detectors"


def param(default: Any, doc: str) -> Any:
    """A detector parameter with its documentation."""
    return dataclasses.field(default=default, metadata={"doc": doc})


@dataclass
class DetectContext:
    engine: Engine
    rules: Any  # tradetrace.model.rules.RuleSet
    progress: Progress = dataclasses.field(default_factory=NullProgress)


class Detector(ABC):
    name: ClassVar[str]
    version: ClassVar[int]
    flags: ClassVar[tuple[str, ...]]
    citations: ClassVar[tuple[Citation, ...]] = ()
    Params: ClassVar[type[Any]]
    # inputs by name (tradetrace.detect.inputs.INPUTS); a tuple in ``requires``: any one of them
    requires: ClassVar[tuple[Requirement, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        fields = {f.name for f in dataclasses.fields(self.Params)}
        unknown = set(params or {}) - fields
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {sorted(unknown)}; known: {sorted(fields)}")
        self.params = self.Params(**(params or {}))

    @property
    def ident(self) -> str:
        return f"{self.name}@{self.version}"

    @abstractmethod
    def run(self, ctx: DetectContext) -> Sequence[Finding]: ...

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Name, version, docstring, flags, citations and parameters, for docs and the CLI."""
        return {
            "name": cls.name,
            "version": cls.version,
            "doc": inspect.cleandoc(cls.__doc__ or ""),
            "flags": list(cls.flags),
            "citations": [c.as_dict() for c in cls.citations],
            "requires": [
                " or ".join(INPUTS[n].label for n in ((r,) if isinstance(r, str) else r))
                for r in cls.requires
            ],
            "uses": [INPUTS[n].label for n in cls.uses],
            "params": [
                {"name": f.name, "default": f.default, "doc": f.metadata.get("doc", "")}
                for f in dataclasses.fields(cls.Params)
            ],
        }


def parse_params(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["route_switch.min_rerouted_usd=250000", ...]`` -> {detector: {name: typed value}}."""
    detectors = registered()
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        name, dot, field_name = key.strip().partition(".")
        if not sep or not dot:
            raise ValueError(f"parameter {item!r}: expected DETECTOR.NAME=VALUE")
        if name not in detectors:
            raise ValueError(
                f"parameter {item!r}: unknown detector {name!r}; available: {', '.join(detectors)}"
            )
        fields = {f.name: f for f in dataclasses.fields(detectors[name].Params)}
        if field_name not in fields:
            raise ValueError(
                f"parameter {item!r}: {name} has no parameter {field_name!r}; known: {', '.join(fields)}"
            )
        default: Any = fields[field_name].default
        try:
            value: Any = (
                type(default)(raw) if not isinstance(default, bool) else raw.lower() in ("1", "true", "yes")
            )
        except ValueError as exc:
            raise ValueError(f"parameter {item!r}: expected a {type(default).__name__}") from exc
        out.setdefault(name, {})[field_name] = value
    return out


def registered() -> dict[str, type[Detector]]:
    """Every detector installed, by name."""
    found: dict[str, type[Detector]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Detector)):
            raise TypeError(f"entry point {ep.name} = {ep.value} is not a Detector subclass")
        found[cls.name] = cls
    return dict(sorted(found.items()))
