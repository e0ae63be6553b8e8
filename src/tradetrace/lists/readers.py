"""List formats: the reader registry and format detection from names and content.

Each format is a :class:`ListFormat`: a name, a one-line description, a
``collect`` function (which files make up the version at a path) and a
``read`` function (files -> :class:`ListData`). Built-in formats register
here; others can be added through the ``tradetrace.list_readers`` entry-point
group, each entry point naming a ``ListFormat`` object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path

from tradetrace.ingest.base import IngestError
from tradetrace.lists import csl, dpl, eu, ftm, ofac_advanced, ofac_csv, ofac_xml, uk, un
from tradetrace.lists.model import ListData, ListSource
from tradetrace.lists.textio import root_tag

ENTRY_POINT_GROUP = "tradetrace.list_readers"


@dataclass(frozen=True)
class ListFormat:
    name: str
    description: str
    collect: Callable[[Path], ListSource]
    read: Callable[[ListSource], ListData]


BUILTIN = (
    ListFormat(
        "ofac-csv",
        "OFAC SDN / consolidated four-file CSV (sdn.csv, alt.csv, add.csv, sdn_comments.csv; cons_*.csv)",
        ofac_csv.collect,
        ofac_csv.read,
    ),
    ListFormat("ofac-xml", "OFAC sdn.xml / consolidated.xml (sdnList)", ofac_xml.collect, ofac_xml.read),
    ListFormat(
        "ofac-advanced-xml",
        "OFAC sdn_advanced.xml / cons_advanced.xml",
        ofac_advanced.collect,
        ofac_advanced.read,
    ),
    ListFormat("csl", "US Consolidated Screening List consolidated.csv", csl.collect, csl.read),
    ListFormat("un-xml", "UN Security Council consolidated.xml", un.collect, un.read),
    ListFormat("eu-xml", "EU Financial Sanctions File, XML", partial(eu.collect, fmt="eu-xml"), eu.read_xml),
    ListFormat(
        "eu-csv",
        "EU Financial Sanctions File, CSV (;-separated)",
        partial(eu.collect, fmt="eu-csv"),
        eu.read_csv,
    ),
    ListFormat("uk-csv", "UK Sanctions List CSV (FCDO) or OFSI ConList.csv", uk.collect, uk.read),
    ListFormat("dpl", "BIS Denied Persons List dpl.txt", dpl.collect, dpl.read),
    ListFormat("ftm", "FollowTheMoney / OpenSanctions JSON lines", ftm.collect, ftm.read),
)
XML_ROOTS = {
    "sdnList": "ofac-xml",
    "Sanctions": "ofac-advanced-xml",
    "CONSOLIDATED_LIST": "un-xml",
    "export": "eu-xml",
}
OFAC_NAMES = {n for fs in ofac_csv.SETS for n in (fs.main, fs.alt, fs.add, fs.comments)}


def formats() -> dict[str, ListFormat]:
    """Every known format by name: built-ins, then entry-point plugins."""
    out = {f.name: f for f in BUILTIN}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        fmt = ep.load()
        if isinstance(fmt, ListFormat):
            out.setdefault(fmt.name, fmt)
    return out


def sniff(path: Path) -> str | None:
    """The format of one file from its name and first bytes, or None."""
    name = path.name.lower()
    if name in OFAC_NAMES or name in ofac_csv.FIRST_SEEN:
        return "ofac-csv"
    with open(path, "rb") as fh:
        head_bytes = fh.read(8192)
    head = head_bytes.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    if head.startswith("<"):
        return XML_ROOTS.get(root_tag(path) or "")
    if head.startswith("{"):
        return "ftm"
    lines = head.splitlines()[:2]
    if not lines:
        return None
    if csl.is_csl_header(lines[0]):
        return "csl"
    if dpl.is_dpl_header(lines[0]):
        return "dpl"
    if eu.is_eu_csv_header(lines[0]):
        return "eu-csv"
    if uk.layout_of(lines) is not None:
        return "uk-csv"
    return None


def detect(path: Path, fmt: str | None = None, first_seen: Path | None = None) -> ListSource:
    """The source to read at ``path`` (a file, or a folder holding one list)."""
    known = formats()
    if fmt is not None and fmt not in known:
        raise IngestError(f"unknown list format {fmt!r}; known: {', '.join(sorted(known))}")
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder")
    if path.is_dir():
        if ofac_csv.file_set(path) is not None and fmt in (None, "ofac-csv"):
            return ofac_csv.collect(path, first_seen)
        found = [
            (p, f)
            for p in sorted(path.iterdir())
            if p.is_file() and (f := sniff(p)) and (fmt is None or f == fmt)
        ]
        if len(found) != 1:
            what = ", ".join(f"{p.name} ({f})" for p, f in found) or "no list file"
            raise IngestError(f"{path}: {what} found; name the file to load")
        path, fmt = found[0]
    if fmt is None:
        fmt = sniff(path)
    if fmt is None:
        raise IngestError(
            f"{path}: cannot tell which list format this is; pass --format, one of: "
            + ", ".join(sorted(known))
        )
    if fmt == "ofac-csv":
        return ofac_csv.collect(path, first_seen)
    return known[fmt].collect(path)


def read(source: ListSource) -> ListData:
    return formats()[source.fmt].read(source)
