"""The one in-memory form every list reader returns, and small value helpers.

A reader turns a publisher's file into a :class:`ListData`: metadata about the
version (list, publisher, as-of date) and one :class:`Entry` per listed party,
vessel or aircraft. The store then writes it in one transaction. Keeping every
format on this one shape is what lets screening, diffs and reports treat an
OFAC entry and an EU entry alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

KINDS = ("person", "company", "vessel", "aircraft", "unknown")
NAME_TYPES = ("primary", "aka", "fka", "nka", "weak")

_SPACES = re.compile(r"\s+")
# Country spellings the list publishers use that are regions rather than
# countries; mapped to the country that contains them (or to nothing).
_REGIONS: dict[str, str | None] = {
    "gaza": "PS",
    "west bank": "PS",
    "crimea": "UA",
    "undetermined": None,
    "netherlands antilles": None,
    "kafia kingi": None,
    "commonwealth of independent states": None,
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def clean(value: object) -> str | None:
    """A trimmed single-spaced string, or None for empty values and ``-0-``."""
    if value is None:
        return None
    text = str(value).strip()
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\xa0" in text:
        text = _SPACES.sub(" ", text)
    if not text or text == "-0-":
        return None
    return text


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO alpha-2 for a country as a list writes it ('Russia', 'Region: Gaza', 'RU')."""
    text = clean(value)
    if text is None:
        return None
    if text.lower().startswith("region:"):
        text = text.split(":", 1)[1].strip()
    key = text.lower()
    if key in _REGIONS:
        return _REGIONS[key]
    from tradetrace.model.country import normalize_country

    code = normalize_country(text)
    return code.upper() if code else None


@lru_cache(maxsize=65536)
def script_of(text: str) -> str | None:
    """Unicode script(s) of a name, e.g. ``Latin``, ``Cyrillic``, ``Arabic+Latin``."""
    from rigour.text.scripts import text_scripts

    scripts = sorted(text_scripts(text))
    return "+".join(scripts) if scripts else None


def parse_date(text: str | None) -> str | None:
    """A date as lists write it, as an ISO partial date: YYYY, YYYY-MM or YYYY-MM-DD.

    Accepts ``1948-12-10``, ``10 Dec 1948``, ``Dec 1948``, ``1948``, ``10/12/1948``
    (day first, as the EU and UK write it), ``00/00/1948`` and ``circa 1951``.
    Returns None when nothing date-like is found.
    """
    value = clean(text)
    if value is None:
        return None
    value = re.sub(r"^(circa|approximately|approx\.?|c\.)\s+", "", value, flags=re.I)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", value):
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        return _iso(int(m[1]), int(m[2]), 0)
    if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", value):
        return _iso(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(?:(\d{1,2})[\s-]+)?([A-Za-z]{3})[a-z]*\.?,?[\s-]+(\d{4})", value):
        month = _MONTHS.get(m[2].lower())
        if month:
            return _iso(int(m[3]), month, int(m[1] or 0))
    if m := re.fullmatch(r"(\d{4})", value):
        return m[1]
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if not 1 <= month <= 12:
        return f"{year:04d}"
    if not 1 <= day <= 31:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"


def to_date(text: str | None) -> date | None:
    """A full date (or None): for listing and as-of dates, which must be exact."""
    iso = parse_date(text)
    if iso is None or len(iso) != 10:
        return None
    return date.fromisoformat(iso)


def us_date(text: str | None) -> date | None:
    """``MM/DD/YYYY`` as US publishers write it."""
    value = clean(text)
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%m/%d/%Y").date()
    except ValueError:
        return None


@dataclass(frozen=True)
class Name:
    name: str
    type: str = "aka"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "script": script_of(self.name)}


@dataclass(frozen=True)
class Identifier:
    type: str
    value: str
    country: str | None = None
    label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "value": self.value, "country": self.country}
        if self.label:
            out["label"] = self.label
        return out


@dataclass(frozen=True)
class Address:
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_name: str | None = None
    full: str | None = None

    @classmethod
    def of(cls, country_name: str | None = None, **parts: str | None) -> Address | None:
        """An address from raw parts (cleaned); None when every part is empty."""
        values = {k: clean(v) for k, v in parts.items()}
        cname = clean(country_name)
        if not any(values.values()) and cname is None:
            return None
        return cls(country=country_code(cname), country_name=cname, **values)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v is not None}
        if "full" not in out:
            parts = [self.street, self.city, self.region, self.postal_code, self.country_name]
            out["full"] = ", ".join(p for p in parts if p)
        return out


@dataclass(frozen=True)
class Relation:
    relation: str
    target_name: str
    target_entry_id: str | None = None


@dataclass
class Entry:
    """One listed party, vessel or aircraft, with everything the file says about it."""

    entry_id: str
    kind: str
    name: str
    source_file: str
    source_row: int
    programs: list[str] = field(default_factory=list)
    names: list[Name] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    listed_on: date | None = None
    remarks: str | None = None
    sublist: str | None = None
    relations: list[Relation] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if not self.names:
            self.names.append(Name(self.name, "primary"))

    def add_name(self, name: str | None, type_: str = "aka", dedupe: bool = True) -> None:
        value = clean(name)
        if value is None:
            return
        if dedupe and any(n.name == value for n in self.names):
            return
        self.names.append(Name(value, type_))

    def add_country(self, value: str | None, is_code: bool = False) -> str | None:
        code = clean(value)
        code = code.upper() if (is_code and code and len(code) == 2) else country_code(code)
        if code and code not in self.countries:
            self.countries.append(code)
        return code

    def add_identifier(self, ident: Identifier) -> None:
        if ident not in self.identifiers:
            self.identifiers.append(ident)

    def add_address(self, address: Address | None) -> None:
        if address is None or address in self.addresses:
            return
        self.addresses.append(address)
        if address.country and address.country not in self.countries:
            self.countries.append(address.country)

    def add_birth_date(self, value: str | None) -> None:
        if value and value not in self.birth_dates:
            self.birth_dates.append(value)

    def add_program(self, value: str | None) -> None:
        program = clean(value)
        if program and program not in self.programs:
            self.programs.append(program)

    def add_extra(self, key: str, value: Any) -> None:
        """Keep a fact that has no column of its own (gender, vessel type, ...)."""
        if value is None or value == "" or value == []:
            return
        current = self.extra.get(key)
        if current is None:
            self.extra[key] = value
        elif isinstance(current, list):
            if value not in current:
                current.append(value)
        elif current != value:
            self.extra[key] = [current, value]


@dataclass
class ListData:
    """A whole list version as read from its files, before it is stored."""

    list_id: str
    publisher: str
    format: str
    files: list[Path]
    entries: list[Entry] = field(default_factory=list)
    as_of: date | None = None
    as_of_basis: str | None = None
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0

    def note(self, text: str) -> None:
        self.notes.append(text)


def resolve_relations(entries: list[Entry]) -> int:
    """Point relations at entries of the same version by exact primary name.

    A name held by exactly one entry resolves; a case- and space-folded match is
    the fallback. Returns the number of relations resolved.
    """
    exact: dict[str, set[str]] = {}
    folded: dict[str, set[str]] = {}
    for e in entries:
        exact.setdefault(e.name, set()).add(e.entry_id)
        folded.setdefault(_fold(e.name), set()).add(e.entry_id)
    resolved = 0
    for e in entries:
        for i, rel in enumerate(e.relations):
            if rel.target_entry_id is not None:
                resolved += 1
                continue
            name = rel.target_name.rstrip(".").strip()
            hits = exact.get(name) or exact.get(rel.target_name) or folded.get(_fold(name))
            if hits and len(hits) == 1:
                e.relations[i] = Relation(rel.relation, rel.target_name, next(iter(hits)))
                resolved += 1
    return resolved


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip(" .")


@dataclass(frozen=True)
class ListSource:
    """What a reader is asked to read: the format, the path given and its files."""

    fmt: str
    path: Path
    files: tuple[Path, ...]
    first_seen: Path | None = None
