"""Reading list files strictly: text, delimited rows and XML, with positions in errors.

List files are small enough (the full SDN is 4 MB) to decode whole. Decoding
is strict: a byte that is not UTF-8 fails the load with its line and offset
instead of loading mojibake, and a CSV record with broken quoting or the
wrong number of fields fails with its line, so that a damaged download never
replaces a good version.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from tradetrace.ingest.base import IngestError

DOS_EOF = "\x1a"


def read_text(path: Path, required: bool = True) -> str:
    """The file as text: UTF-8 (BOM optional) or UTF-16 with a BOM; DOS EOF removed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read: {exc}") from exc
    if required and not data.strip(b"\x1a \r\n\t"):
        raise IngestError(f"{path}: the file is empty")
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(
            f"{path}: line {line}: byte 0x{data[exc.start]:02X} at offset {exc.start} is not "
            f"valid {encoding.removesuffix('-sig').upper()}; list files are read as UTF-8 "
            "(the publishers' encoding) - re-download the file or re-save it as UTF-8"
        ) from None
    return text.rstrip(DOS_EOF)


def csv_records(
    path: Path,
    text: str,
    delimiter: str = ",",
    fields: int | None = None,
    min_fields: int | None = None,
    start_line: int = 1,
) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) per record; quoting is strict and field counts are checked.

    ``line`` is the physical line the record starts on (1-based, counted in the
    file, so ``start_line`` shifts it when ``text`` begins later in the file).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            at = start_line + line - 1
            raise IngestError(
                f"{path}: line {at}: malformed CSV record ({exc}); the file may be truncated "
                "or a quote is not closed"
            ) from None
        first = start_line + line - 1
        line = reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if fields is not None and len(row) != fields:
            raise IngestError(
                f"{path}: line {first}: {len(row)} fields where the format has {fields}; "
                "the file may be truncated, or a field holds an unquoted delimiter"
            )
        if min_fields is not None and len(row) < min_fields:
            raise IngestError(
                f"{path}: line {first}: {len(row)} fields where the header has {min_fields}; "
                "the file may be truncated"
            )
        yield first, row


def csv_dicts(
    path: Path, text: str, delimiter: str = ",", start_line: int = 1
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) per record of a file with a header row; header names are trimmed."""
    records = csv_records(path, text, delimiter, start_line=start_line)
    try:
        _, header = next(records)
    except StopIteration:
        raise IngestError(f"{path}: no header row") from None
    names = [h.strip() for h in header]
    for line, row in records:
        if len(row) != len(names):
            raise IngestError(
                f"{path}: line {line}: {len(row)} fields where the header has {len(names)}; "
                "the file may be truncated, or a field holds an unquoted delimiter"
            )
        yield line, dict(zip(names, row, strict=True))


def local(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def iter_xml(path: Path, tags: set[str]) -> Iterator[ET.Element]:
    """Stream the elements named ``tags`` (namespaces ignored), freeing each after use.

    The root element is yielded last (its children cleared) so readers can
    read attributes such as a generation date. Malformed or truncated XML
    raises IngestError with line and column.
    """
    root: ET.Element | None = None
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = elem
                continue
            if local(elem.tag) in tags:
                yield elem
                elem.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r":? line \d+, column \d+$", "", str(exc))
        raise IngestError(
            f"{path}: line {line}, column {column}: malformed or truncated XML ({reason})"
        ) from None
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    if root is None:
        raise IngestError(f"{path}: the file is empty")
    yield root


def root_tag(path: Path) -> str | None:
    """The local name of the document element, or None when the file is not XML."""
    try:
        for _, elem in ET.iterparse(path, events=("start",)):
            return local(elem.tag)
    except ET.ParseError:
        return None
    return None


def text_of(elem: ET.Element | None, child: str | None = None) -> str | None:
    """Trimmed text of ``elem`` (or of its first child named ``child``), or None."""
    if elem is None:
        return None
    if child is not None:
        elem = first(elem, child)
        if elem is None:
            return None
    value = (elem.text or "").strip()
    return value or None


def first(elem: ET.Element, name: str) -> ET.Element | None:
    for child in elem:
        if local(child.tag) == name:
            return child
    return None


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if local(c.tag) == name]
