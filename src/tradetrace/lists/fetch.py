"""Downloading the official list files and loading them as new list versions.

Where each list is published is data, in ``data/lists/sources.yaml``; this
module only knows how to download. ``fetch_lists`` streams every file of a
list to ``<name>.part`` beside its final place, hashing it (SHA-256) on the
way, checks that the whole body arrived, and only when every file of the list
has arrived renames them into place, writes ``fetch.json`` (publisher
address, retrieval time in UTC, HTTP ``Last-Modified``, size and SHA-256 of
each file) and loads the folder with :func:`tradetrace.lists.store.load_list`.

A list whose download fails keeps nothing of that attempt: the ``.part``
files are removed, files an earlier fetch left in the folder stay as they
were, and the loaded versions do not change. Each list is fetched on its
own, so one publisher being down does not stop the others; the failure is in
the list's :class:`FetchResult`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from http.client import HTTPException, IncompleteRead
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import Request, urlopen

import yaml

from tradetrace import __version__
from tradetrace.ingest.base import IngestError
from tradetrace.progress import NullProgress, Progress

if TYPE_CHECKING:
    from tradetrace.lists.store import ListLoadResult
    from tradetrace.workspace import Workspace

__all__ = [
    "FETCH_RECORD",
    "FetchError",
    "FetchResult",
    "FetchedFile",
    "OfficialList",
    "SourceFile",
    "fetch_lists",
    "known_lists",
    "resolve_lists",
    "source_url",
]

FETCH_RECORD = "fetch.json"
PART_SUFFIX = ".part"
CHUNK = 1 << 16
_HTML_STARTS = (b"<!doctype html", b"<html")


class FetchError(Exception):
    """A list that cannot be fetched; the message names the address and the cause."""


@dataclass(frozen=True)
class SourceFile:
    """One file of a list: the name it is saved under and its official address."""

    name: str
    url: str


@dataclass(frozen=True)
class OfficialList:
    """One entry of ``sources.yaml``."""

    id: str
    list_id: str
    title: str
    publisher: str
    format: str
    files: tuple[SourceFile, ...]
    page: str | None = None
    notes: str | None = None

    def describe(self) -> str:
        lines = [f"{self.id}: {self.title} ({self.publisher}) [{self.format}]"]
        if self.list_id != self.id:
            lines.append(f"  loads as list {self.list_id}")
        lines.extend(f"  {f.name}: {f.url}" for f in self.files)
        if self.page:
            lines.append(f"  page: {self.page}")
        if self.notes:
            lines.append(f"  note: {self.notes}")
        return "\n".join(lines)


@dataclass
class FetchedFile:
    """What arrived for one file (as written to ``fetch.json``)."""

    name: str
    url: str  # the publisher's address, from sources.yaml
    downloaded_from: str  # the address actually read: a mirror, or where a redirect led
    bytes: int
    sha256: str
    last_modified: datetime | None = None
    content_type: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "downloaded_from": self.downloaded_from,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "last_modified": self.last_modified.isoformat() if self.last_modified else None,
            "content_type": self.content_type,
        }


@dataclass
class FetchResult:
    """One list's fetch: the files, the folder, the load, or why it failed."""

    source_id: str
    list_id: str
    folder: Path
    retrieved_at: datetime
    files: list[FetchedFile] = field(default_factory=list)
    as_of: date | None = None
    as_of_basis: str | None = None
    load: ListLoadResult | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        if self.error is not None:
            return f"{self.source_id}: fetch failed: {self.error}"
        size = sum(f.bytes for f in self.files)
        lines = [
            f"{self.source_id}: {len(self.files)} file(s), {size:,} bytes, retrieved "
            f"{self.retrieved_at.isoformat(timespec='seconds')} into {self.folder}; "
            f"as of {self.as_of} ({self.as_of_basis})"
        ]
        if self.load is not None:
            lines.extend(f"  {line}" for line in self.load.summary().splitlines())
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)


def known_lists(path: Path | None = None) -> dict[str, OfficialList]:
    """The lists of ``sources.yaml`` (the shipped one unless ``path`` is given), by id."""
    if path is None:
        text = resources.files("tradetrace.data").joinpath("lists", "sources.yaml").read_text("utf-8")
        where = "sources.yaml"
    else:
        text = path.read_text("utf-8")
        where = str(path)
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("lists"), list):
        raise FetchError(f"{where}: expected a mapping with a 'lists' sequence")
    from tradetrace.lists.readers import formats

    known_formats = formats()
    out: dict[str, OfficialList] = {}
    list_ids: set[str] = set()
    for position, item in enumerate(raw["lists"], start=1):
        spec = _parse_entry(item, f"{where}: list {position}")
        if spec.format not in known_formats:
            raise FetchError(
                f"{where}: {spec.id}: unknown format {spec.format!r}; known: {', '.join(sorted(known_formats))}"
            )
        if spec.id in out or spec.id in list_ids or spec.list_id in list_ids:
            raise FetchError(f"{where}: {spec.id}: id or list_id used twice")
        out[spec.id] = spec
        list_ids.add(spec.list_id)
    return out


def _parse_entry(item: object, where: str) -> OfficialList:
    if not isinstance(item, dict):
        raise FetchError(f"{where}: expected a mapping")

    def text(key: str, required: bool = True) -> str | None:
        value = item.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise FetchError(f"{where}: '{key}' must be a non-empty string")
        return value.strip()

    list_key = text("id")
    assert list_key is not None
    where = f"{where} ({list_key})"
    files_raw = item.get("files")
    if not isinstance(files_raw, list) or not files_raw:
        raise FetchError(f"{where}: 'files' must be a non-empty sequence")
    files: list[SourceFile] = []
    for f in files_raw:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not isinstance(f.get("url"), str):
            raise FetchError(f"{where}: each file needs a 'name' and a 'url'")
        name, url = f["name"].strip(), f["url"].strip()
        if name in ("", ".", "..", FETCH_RECORD) or "/" in name or "\\" in name or name.endswith(PART_SUFFIX):
            raise FetchError(f"{where}: {name!r} cannot be a file name here")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise FetchError(f"{where}: {url!r} is not an http(s) address")
        files.append(SourceFile(name, url))
    if len({f.name.lower() for f in files}) != len(files):
        raise FetchError(f"{where}: two files with the same name")
    title, publisher, fmt = text("title"), text("publisher"), text("format")
    assert title is not None and publisher is not None and fmt is not None
    return OfficialList(
        id=list_key,
        list_id=text("list_id", required=False) or list_key,
        title=title,
        publisher=publisher,
        format=fmt,
        files=tuple(files),
        page=text("page", required=False),
        notes=" ".join((text("notes", required=False) or "").split()) or None,
    )


def resolve_lists(ids: Iterable[str], known: dict[str, OfficialList]) -> list[OfficialList]:
    """The lists named by ``ids`` (an id or the loaded list's id), in order; all when empty."""
    by_name = {s.id: s for s in known.values()} | {s.list_id: s for s in known.values()}
    chosen: list[OfficialList] = []
    unknown: list[str] = []
    for name in ids:
        spec = by_name.get(name.strip())
        if spec is None:
            unknown.append(name)
        elif spec not in chosen:
            chosen.append(spec)
    if unknown:
        raise FetchError(
            f"unknown list {', '.join(repr(u) for u in unknown)}; known: {', '.join(sorted(known))}"
        )
    return chosen or list(known.values())


def source_url(file: SourceFile, base_url: str | None = None) -> str:
    """Where to download ``file``: its official address, or ``base_url``/name for a mirror."""
    if base_url is None:
        return file.url
    return f"{base_url.rstrip('/')}/{quote(file.name)}"


def user_agent() -> str:
    return f"tradetrace/{__version__} (sanctions list fetch; Python urllib)"


def fetch_lists(
    ws: Workspace,
    ids: Sequence[str] = (),
    *,
    dest: Path | None = None,
    base_url: str | None = None,
    timeout: float = 60,
    load: bool = True,
    progress: Progress | None = None,
) -> list[FetchResult]:
    """Download the lists named by ``ids`` (all known lists when empty) and load them.

    Files go to ``dest`` (with several lists: ``dest/<id>/``); by default to
    ``<workspace>/lists/<id>/<UTC date>/``. ``base_url`` replaces every
    address by ``base_url/<file name>``. The as-of date given to the store is
    the newest HTTP ``Last-Modified`` date of the list's files, else the
    retrieval date (UTC). Unknown ids raise :class:`FetchError` before any
    download; a list that fails is returned with ``error`` set and leaves
    the store and earlier files as they were.
    """
    if isinstance(ids, str):
        ids = (ids,)
    chosen = resolve_lists(ids, known_lists())
    bar: Progress = progress if progress is not None else NullProgress()
    results: list[FetchResult] = []
    for spec in chosen:
        retrieved = datetime.now(UTC)
        if dest is None:
            folder = ws.path / "lists" / spec.id / retrieved.date().isoformat()
        else:
            folder = dest if len(chosen) == 1 else dest / spec.id
        results.append(_fetch_one(ws, spec, folder, retrieved, base_url, timeout, load, bar))
    return results


def _fetch_one(
    ws: Workspace,
    spec: OfficialList,
    folder: Path,
    retrieved: datetime,
    base_url: str | None,
    timeout: float,
    load: bool,
    progress: Progress,
) -> FetchResult:
    result = FetchResult(spec.id, spec.list_id, folder, retrieved)
    parts: list[Path] = []
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file in spec.files:
            part = folder / f"{file.name}{PART_SUFFIX}"
            parts.append(part)
            result.files.append(_download(file, source_url(file, base_url), part, timeout, progress, spec.id))
        for file, part in zip(spec.files, parts, strict=True):
            os.replace(part, folder / file.name)
    except (FetchError, OSError) as exc:
        for part in parts:
            part.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: nothing of an earlier fetch is there
        result.files.clear()
        message = str(exc) if isinstance(exc, FetchError) else f"{folder}: {exc}"
        result.error = f"{message}; nothing of {spec.id} was kept or loaded"
        return result
    stamps = [f.last_modified for f in result.files if f.last_modified is not None]
    if stamps:
        result.as_of, result.as_of_basis = max(stamps).astimezone(UTC).date(), "HTTP Last-Modified"
    else:
        result.as_of, result.as_of_basis = retrieved.date(), "retrieval date (no Last-Modified)"
    try:
        _write_record(spec, result, base_url)
    except OSError as exc:
        result.error = f"downloaded into {folder}, but {FETCH_RECORD} cannot be written: {exc}"
        return result
    if not load:
        return result
    from tradetrace.lists.store import load_list

    target = folder if len(spec.files) > 1 else folder / spec.files[0].name
    try:
        result.load = load_list(ws, target, spec.format, as_of=result.as_of)
    except IngestError as exc:
        result.error = f"downloaded into {folder}, but the files cannot be loaded: {exc}"
        if spec.notes:
            result.error += f" (note on {spec.id}: {spec.notes})"
        return result
    if result.load.list_id != spec.list_id:
        result.notes.append(
            f"loaded as list {result.load.list_id}, not {spec.list_id} as sources.yaml expects: "
            "has the publisher changed the file?"
        )
    return result


def _download(
    file: SourceFile, url: str, part: Path, timeout: float, progress: Progress, list_key: str
) -> FetchedFile:
    """Stream ``url`` into ``part``; raise :class:`FetchError` unless the whole body arrived."""
    request = Request(url, headers={"User-Agent": user_agent(), "Accept": "*/*"})
    digest = hashlib.sha256()
    size = 0
    expected: int | None = None
    try:
        with urlopen(request, timeout=timeout) as response:
            headers = response.headers
            final_url: str = response.geturl()
            expected = _int_or_none(headers.get("Content-Length"))
            task = progress.task(f"{list_key} {file.name}", total=expected)
            with part.open("wb") as out:
                while chunk := response.read(CHUNK):
                    if size == 0 and _is_html(chunk) and not file.name.lower().endswith((".html", ".htm")):
                        raise FetchError(
                            f"{url}: the server sent an HTML page (HTTP {response.status}), not the "
                            f"list file; the address may have moved"
                        )
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    task.advance(len(chunk))
            task.done()
            last_modified = _http_date(headers.get("Last-Modified"))
            content_type = headers.get("Content-Type")
    except HTTPError as exc:
        exc.close()
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except URLError as exc:
        raise FetchError(f"{url}: network error: {exc.reason}") from exc
    except (HTTPException, OSError) as exc:
        if isinstance(exc, IncompleteRead):
            cause = "the connection closed before the end of the body"
        else:
            cause = str(exc) or type(exc).__name__
        raise FetchError(f"{url}: download failed after {size:,} bytes: {cause}") from exc
    if expected is not None and size != expected:
        raise FetchError(f"{url}: the connection closed after {size:,} of {expected:,} bytes")
    return FetchedFile(file.name, file.url, final_url, size, digest.hexdigest(), last_modified, content_type)


def _write_record(spec: OfficialList, result: FetchResult, base_url: str | None) -> None:
    record = {
        "source": spec.id,
        "list_id": spec.list_id,
        "title": spec.title,
        "publisher": spec.publisher,
        "format": spec.format,
        "page": spec.page,
        "retrieved_at": result.retrieved_at.isoformat(timespec="seconds"),
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "as_of_basis": result.as_of_basis,
        "base_url": base_url,
        "user_agent": user_agent(),
        "files": [f.as_dict() for f in result.files],
    }
    target = result.folder / FETCH_RECORD
    part = target.with_name(FETCH_RECORD + PART_SUFFIX)
    part.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", "utf-8")
    os.replace(part, target)


def _is_html(head: bytes) -> bool:
    start = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(_HTML_STARTS)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        stamp = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
