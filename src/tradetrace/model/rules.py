"""Restriction rules and transshipment-hub lists, loaded from YAML.

The shipped rules live in ``data/rules/default.yaml`` and the hub lists in
``data/reference/hubs.yaml``; both files document their fields. Users add
their own YAML files of the same shape: a rule or hub list with an existing
``id`` replaces it, ``disable: [id, ...]`` removes rules, and ``groups``
adds or replaces country groups (``EU``). Every validation error names the
file, the rule (or list) id and the field.

A rule applies to a shipment line when its goods match the HS code, the
destination is one of its destinations, the origin is one of its
restricting countries (groups expanded, ``"*"`` for any; an unknown origin
matches any) and, when a date is given, the rule is in force on that date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tradetrace.model.country import iso_countries, normalize_country
from tradetrace.model.hs import CHPL_TIERS, ChplItem, chpl, clean_hs

__all__ = [
    "ANY_ORIGIN",
    "RULE_KINDS",
    "Citation",
    "HubList",
    "Rule",
    "RuleError",
    "RuleSet",
    "load_rules",
]

RULE_KINDS = ("prohibition", "licence_requirement", "priority_list")
ANY_ORIGIN = "*"

_ID_RE = re.compile(r"[a-z0-9][a-z0-9.-]*")
_GROUP_RE = re.compile(r"[A-Z][A-Z0-9_]+")
_PREFIX_RE = re.compile(r"[0-9]{2,10}")
_RANGE_RE = re.compile(r"([0-9]{2,10})-([0-9]{2,10})")
_CHPL_RE = re.compile(r"chpl:(\*|tier=(\S+))")
_RULE_KEYS = frozenset(
    {"id", "title", "kind", "restricting", "destinations", "goods", "effective_date",
     "end_date", "citation", "url", "notes"}
)  # fmt: skip
_HUB_KEYS = frozenset({"id", "title", "issuer", "date", "url", "countries", "notes"})
_FILE_KEYS = frozenset({"version", "groups", "rules", "disable", "hub_lists"})


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so that bad dates get our errors."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class RuleError(ValueError):
    """A rule or hub file that cannot be used."""


@dataclass(frozen=True)
class Citation:
    document: str
    article: str


@dataclass(frozen=True)
class Rule:
    """One restriction: goods from restricting countries to destinations, from a date."""

    id: str
    title: str
    kind: str
    restricting: tuple[str, ...]
    destinations: tuple[str, ...]
    goods: tuple[str, ...]
    effective_date: date
    citation: Citation
    url: str
    notes: str = ""
    end_date: date | None = None
    source: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_date <= on and (self.end_date is None or on < self.end_date)


@dataclass(frozen=True)
class HubList:
    """An official list of transshipment-hub countries, with its date."""

    id: str
    title: str
    issuer: str
    date: date
    url: str
    countries: tuple[str, ...]
    notes: str = ""
    source: str = ""


class _Where:
    """Formats errors as ``file: rule 'id': field 'name': problem``."""

    def __init__(self, source: str, what: str, ident: str | None = None) -> None:
        self.prefix = f"{source}: {what} {ident!r}" if ident else f"{source}: {what}"

    def error(self, name: str, problem: str) -> RuleError:
        return RuleError(f"{self.prefix}: field {name!r}: {problem}")

    def text(self, data: Mapping[str, Any], name: str, required: bool = True) -> str:
        value = data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, "must be a non-empty string")
        return value.strip()

    def texts(self, data: Mapping[str, Any], name: str) -> tuple[str, ...]:
        value = data.get(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, "must be a non-empty list")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(name, "must hold non-empty strings only")
        return tuple(v.strip() for v in value)

    def day(self, data: Mapping[str, Any], name: str) -> date:
        value = data.get(name)
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise self.error(name, f"must be a date YYYY-MM-DD, got {value!r}") from None

    def keys(self, data: Mapping[str, Any], allowed: frozenset[str]) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.error(unknown[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _check_goods(where: _Where, goods: tuple[str, ...]) -> None:
    for item in goods:
        if _PREFIX_RE.fullmatch(item):
            continue
        if m := _RANGE_RE.fullmatch(item):
            low, high = m.groups()
            if len(low) != len(high) or int(low) > int(high) or int(high) - int(low) > 999:
                raise where.error("goods", f"bad range {item!r}: equal lengths, low <= high")
            continue
        if m := _CHPL_RE.fullmatch(item):
            if m.group(2) is not None and m.group(2) not in CHPL_TIERS:
                raise where.error("goods", f"unknown CHPL tier in {item!r} ({', '.join(CHPL_TIERS)})")
            continue
        raise where.error("goods", f"{item!r} is not an HS prefix, a range or a chpl: reference")


def _start(raw: Any, source: str, what: str, allowed: frozenset[str]) -> tuple[_Where, str]:
    """Check an entry's shape and id; return its error formatter and id."""
    if not isinstance(raw, dict):
        raise RuleError(f"{source}: each {what} must be a mapping")
    ident = raw.get("id")
    where = _Where(source, what, ident if isinstance(ident, str) else None)
    entry_id = where.text(raw, "id")
    if not _ID_RE.fullmatch(entry_id):
        raise where.error("id", "use lowercase letters, digits, dots and dashes")
    where.keys(raw, allowed)
    return where, entry_id


def _parse_rule(raw: Any, source: str) -> Rule:
    where, rule_id = _start(raw, source, "rule", _RULE_KEYS)
    kind = where.text(raw, "kind", required=False) or "prohibition"
    if kind not in RULE_KINDS:
        raise where.error("kind", f"must be one of {', '.join(RULE_KINDS)}")
    goods = where.texts(raw, "goods")
    _check_goods(where, goods)
    cite = raw.get("citation")
    if not isinstance(cite, dict):
        raise where.error("citation", "must be a mapping with 'document' and 'article'")
    extra = sorted(set(cite) - {"document", "article"})
    if extra:
        raise where.error("citation", f"unknown key {extra[0]!r}")
    prefixed = {f"citation.{key}": value for key, value in cite.items()}
    citation = Citation(
        document=where.text(prefixed, "citation.document"),
        article=where.text(prefixed, "citation.article", required=False),
    )
    effective = where.day(raw, "effective_date")
    end = where.day(raw, "end_date") if raw.get("end_date") is not None else None
    if end is not None and end <= effective:
        raise where.error("end_date", "must be after effective_date")
    return Rule(
        id=rule_id,
        title=where.text(raw, "title"),
        kind=kind,
        restricting=where.texts(raw, "restricting"),
        destinations=where.texts(raw, "destinations"),
        goods=goods,
        effective_date=effective,
        citation=citation,
        url=where.text(raw, "url"),
        notes=" ".join(where.text(raw, "notes", required=False).split()),
        end_date=end,
        source=source,
    )


def _parse_hub_list(raw: Any, source: str) -> HubList:
    where, list_id = _start(raw, source, "hub list", _HUB_KEYS)
    countries = tuple(c.upper() for c in where.texts(raw, "countries"))
    unknown = [c for c in countries if c not in iso_countries()]
    if unknown:
        raise where.error("countries", f"unknown ISO alpha-2 code {unknown[0]!r}")
    return HubList(
        id=list_id,
        title=where.text(raw, "title"),
        issuer=where.text(raw, "issuer"),
        date=where.day(raw, "date"),
        url=where.text(raw, "url"),
        countries=countries,
        notes=" ".join(where.text(raw, "notes", required=False).split()),
        source=source,
    )


def _country(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    return code if code in iso_countries() else normalize_country(value)


def _field(rule: Rule, name: str) -> str:
    return f"{rule.source}: rule {rule.id!r}: field {name!r}"


class RuleSet:
    """Loaded rules, country groups, hub lists and the CHPL they refer to."""

    def __init__(
        self,
        rules: Iterable[Rule],
        groups: Mapping[str, Sequence[str]],
        hub_lists: Iterable[HubList] = (),
        chpl_items: Sequence[ChplItem] = (),
    ) -> None:
        self._rules = tuple(sorted(rules, key=lambda r: (r.effective_date, r.id)))
        self._groups = {name: tuple(members) for name, members in groups.items()}
        self._hubs = tuple(sorted(hub_lists, key=lambda h: (h.date, h.id)))
        self._chpl = tuple(chpl_items)
        self._by_id = {r.id: r for r in self._rules}
        self._prefixes = {r.id: self.goods_prefixes(r) for r in self._rules}
        self._origins = {
            r.id: self.expand(r.restricting, _field(r, "restricting"), True) for r in self._rules
        }
        self._dests = {r.id: self.expand(r.destinations, _field(r, "destinations")) for r in self._rules}

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    @property
    def groups(self) -> Mapping[str, tuple[str, ...]]:
        return dict(self._groups)

    @property
    def hub_lists(self) -> tuple[HubList, ...]:
        return self._hubs

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, rule_id: str) -> Rule:
        """Return the rule with this id (KeyError if there is none)."""
        return self._by_id[rule_id]

    def expand(
        self, names: Iterable[str], context: str = "countries", allow_any: bool = False
    ) -> frozenset[str]:
        """Expand country codes and group names into alpha-2 codes.

        ``*`` is kept when ``allow_any``; error messages start with ``context``.
        """
        out: set[str] = set()
        stack: list[tuple[str, tuple[str, ...]]] = [(name, ()) for name in names]
        while stack:
            name, seen = stack.pop()
            if name == ANY_ORIGIN and allow_any:
                out.add(ANY_ORIGIN)
            elif name in self._groups:
                if name in seen:
                    raise RuleError(f"{context}: group {name!r} contains itself")
                stack.extend((member, (*seen, name)) for member in self._groups[name])
            elif name.upper() in iso_countries() and len(name) == 2:
                out.add(name.upper())
            else:
                raise RuleError(f"{context}: unknown country or group {name!r}")
        return frozenset(out)

    def goods_prefixes(self, rule: Rule) -> tuple[str, ...]:
        """Resolve a rule's goods (prefixes, ranges, chpl: references) into HS prefixes."""
        out: set[str] = set()
        for item in rule.goods:
            if m := _CHPL_RE.fullmatch(item):
                tier = m.group(2)
                out.update(c.hs6 for c in self._chpl if tier is None or c.tier == tier)
            elif m := _RANGE_RE.fullmatch(item):
                low, high = m.groups()
                out.update(str(n).zfill(len(low)) for n in range(int(low), int(high) + 1))
            else:
                out.add(item)
        return tuple(sorted(out))

    def prefix_rows(self) -> list[tuple[str, str]]:
        """Return ``(rule_id, hs_prefix)`` pairs, e.g. to join shipments in SQL."""
        return [(rid, p) for rid, prefixes in self._prefixes.items() for p in prefixes]

    def applicable(
        self,
        hs_code: str,
        origin: str | None,
        destination: str | None,
        on: date | None = None,
    ) -> list[Rule]:
        """Return the rules that apply to one shipment line, oldest first."""
        code = clean_hs(hs_code)
        dest = _country(destination)
        if code is None or dest is None:
            return []
        org = _country(origin)
        out: list[Rule] = []
        for rule in self._rules:
            if on is not None and not rule.in_force(on):
                continue
            origins = self._origins[rule.id]
            if dest not in self._dests[rule.id]:
                continue
            if org is not None and ANY_ORIGIN not in origins and org not in origins:
                continue
            if code.startswith(self._prefixes[rule.id]):
                out.append(rule)
        return out

    def hub_countries(self, as_of: date | None = None) -> dict[str, list[str]]:
        """Return hub country -> ids of the lists naming it (published by ``as_of``)."""
        out: dict[str, list[str]] = {}
        for hub in self._hubs:
            if as_of is not None and hub.date > as_of:
                continue
            for country in hub.countries:
                out.setdefault(country, []).append(hub.id)
        return dict(sorted(out.items()))


def _section(data: Mapping[str, Any], source: str, name: str, kind: type) -> Any:
    value = data.get(name) or kind()
    if not isinstance(value, kind):
        raise RuleError(f"{source}: field {name!r}: must be a {'mapping' if kind is dict else 'list'}")
    return value


def _shipped(*parts: str) -> tuple[str, str]:
    ref = resources.files("tradetrace").joinpath("data", *parts)
    return "tradetrace/data/" + "/".join(parts), ref.read_text("utf-8")


def load_rules(paths: Sequence[Path] = ()) -> RuleSet:
    """Load the shipped rules and hub lists, then each user file in order."""
    docs = [_shipped("rules", "default.yaml"), _shipped("reference", "hubs.yaml")]
    docs += [(str(p), Path(p).read_text("utf-8")) for p in paths]
    rules: dict[str, Rule] = {}
    groups: dict[str, tuple[str, ...]] = {}
    group_sources: dict[str, str] = {}
    hubs: dict[str, HubList] = {}
    disabled: dict[str, str] = {}
    for source, text in docs:
        try:
            data = yaml.load(text, Loader=_Loader) or {}
        except yaml.YAMLError as exc:
            raise RuleError(f"{source}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise RuleError(f"{source}: must be a mapping with 'rules', 'groups' or 'hub_lists'")
        _Where(source, "file").keys(data, _FILE_KEYS)
        if data.get("version", 1) != 1:
            raise RuleError(f"{source}: field 'version': only version 1 is supported")
        for name, members in _section(data, source, "groups", dict).items():
            where = _Where(source, "group", str(name))
            if not isinstance(name, str) or not _GROUP_RE.fullmatch(name):
                raise where.error("groups", "group names are capitals, digits and '_'")
            if name in iso_countries():
                raise where.error("groups", "a group name must not be a country code")
            groups[name] = where.texts({"members": members}, "members")
            group_sources[name] = source
        seen: set[str] = set()
        for raw in _section(data, source, "rules", list):
            rule = _parse_rule(raw, source)
            if rule.id in seen:
                raise RuleError(f"{source}: rule {rule.id!r}: field 'id': duplicate in this file")
            seen.add(rule.id)
            rules[rule.id] = rule
        for raw in _section(data, source, "hub_lists", list):
            hub = _parse_hub_list(raw, source)
            hubs[hub.id] = hub
        for rule_id in _section(data, source, "disable", list):
            disabled[str(rule_id)] = source
    for rule_id, source in disabled.items():
        if rules.pop(rule_id, None) is None:
            raise RuleError(f"{source}: field 'disable': unknown rule id {rule_id!r}")
    probe = RuleSet((), groups)
    for name, source in group_sources.items():
        probe.expand([name], f"{source}: group {name!r}: field 'members'", allow_any=True)
    return RuleSet(rules.values(), groups, hubs.values(), chpl())
