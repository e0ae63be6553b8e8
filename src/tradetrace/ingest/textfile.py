"""Text files as publishers write them: encodings, BOMs and delimiters.

The engine reads UTF-8 only, so a file in another encoding is transcoded,
streaming, to a UTF-8 copy in the workspace's tmp folder. Detection is
deliberately strict: a file that is neither valid UTF-8 nor plausible CP1251
is refused with the byte position of the first bad byte, rather than loaded
as mojibake.

Line endings: the engine's reader expects one convention per file, and a file
with several (CRLF rows followed by LF rows, as when exports are concatenated,
or bare CR from old Mac software) lost and merged records. The hashing pass
counts CRLF, bare LF and bare CR; a file that mixes them, or uses bare CR, is
copied with every line ending written as LF, inside quoted fields too (a line
break within a value is kept, as LF). A transcoded file is always written
with LF. Files with one convention, LF or CRLF, are read in place.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 22
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (",", ";", "\t", "|")
ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "cp1251": "cp1251",
    "windows-1251": "cp1251",
    "win1251": "cp1251",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
    "auto": "auto",
}

Progress = Callable[[int], None]


class EncodingError(ValueError):
    """The file's bytes are not text in any encoding we accept."""


@dataclass(frozen=True)
class TextInfo:
    encoding: str
    delimiter: str
    utf8_path: Path
    transcoded: bool


@dataclass(frozen=True)
class FileDigest:
    """What one read of the bytes tells: the content hash, the first invalid UTF-8
    byte anywhere in the file (a file cut inside a character names the first byte
    of that character), and the line endings."""

    sha256: str
    utf8_error: tuple[int, int, int] | None  # (byte offset, line, byte value)
    crlf: int = 0  # line endings of each kind (counted on the bytes: meaningful for ASCII-based encodings)
    lf: int = 0  # bare LF
    cr: int = 0  # bare CR

    @property
    def mixed_endings(self) -> bool:
        """More than one line-ending convention, or bare CR: the engine's reader needs LF copies."""
        return self.cr > 0 or (self.crlf > 0 and self.lf > 0)


def digest_file(path: Path, progress: Progress | None = None) -> FileDigest:
    """SHA-256 of the file, a UTF-8 check of all of it and its line endings, in one pass."""
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    error: tuple[int, int, int] | None = None
    crlf = lf = cr = 0
    last = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            pairs = chunk.count(b"\r\n")
            crlf, cr, lf = crlf + pairs, cr + chunk.count(b"\r") - pairs, lf + chunk.count(b"\n") - pairs
            if last == b"\r" and chunk[:1] == b"\n":  # a CRLF split between two chunks
                crlf, cr, lf = crlf + 1, cr - 1, lf - 1
            last = chunk[-1:]
            if error is None:
                pending = decoder.getstate()[0]  # bytes of a character begun in the last chunk
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    data = exc.object
                    error = (
                        offset - len(pending) + exc.start,
                        lines + data[: exc.start].count(b"\n"),
                        data[exc.start],
                    )
                else:
                    lines += chunk.count(b"\n")
            offset += len(chunk)
            if progress:
                progress(len(chunk))
    if error is None:
        pending = decoder.getstate()[0]
        if pending:  # the file ends inside a character
            error = (offset - len(pending), lines, pending[0])
    return FileDigest(h.hexdigest(), error, crlf, lf, cr)


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    return digest_file(path, progress).sha256


def _bom(head: bytes) -> str | None:
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def _plausible_cp1251(path: Path, at: int = 0) -> bool:
    """Non-ASCII bytes of a CP1251 text are overwhelmingly Cyrillic letters, and
    they form words of their own: a Cyrillic letter glued to Latin letters
    ("Cafй") is what Latin-1 or CP1252 text looks like when read as CP1251.
    The sample is the start of the file and the stretch around offset ``at``
    (the first byte that is not UTF-8), so a late non-ASCII byte is judged too."""
    with open(path, "rb") as fh:
        sample = fh.read(CHUNK)
        if at >= CHUNK:
            fh.seek(max(CHUNK, at - CHUNK // 2))
            sample += b"\n" + fh.read(CHUNK)
    high = [i for i, b in enumerate(sample) if b >= 0x80]
    if not high:
        return True
    if 0x98 in sample:  # undefined in CP1251
        return False
    letters = [i for i in high if sample[i] >= 0xC0 or sample[i] in (0xA8, 0xB8)]
    if len(letters) / len(high) < 0.8:
        return False

    def ascii_letter(j: int) -> bool:
        return 0 <= j < len(sample) and (65 <= sample[j] <= 90 or 97 <= sample[j] <= 122)

    glued = sum(1 for i in letters if ascii_letter(i - 1) or ascii_letter(i + 1))
    return glued / len(letters) < 0.2


def detect_encoding(path: Path, digest: FileDigest | None = None) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4)
    bom = _bom(head)
    if bom:
        return bom
    err = (digest or digest_file(path)).utf8_error
    if err is None:
        return "utf-8"
    offset, line, byte = err
    if _plausible_cp1251(path, offset):
        return "cp1251"
    raise EncodingError(
        f"{path}: line {line}: byte 0x{byte:02X} at offset {offset} is not valid UTF-8, "
        "and the file does not look like CP1251 either; expected UTF-8 (with or without BOM) "
        "or CP1251 - re-save the file as UTF-8 or pass --encoding"
    )


def detect_delimiter(first_line: str) -> str:
    """The candidate that splits the header into the most fields (outside quotes)."""
    best, best_n = ",", 0
    for d in DELIMITERS:
        try:
            n = len(next(csv.reader(io.StringIO(first_line), delimiter=d)))
        except (csv.Error, StopIteration):
            continue
        if n > best_n:
            best, best_n = d, n
    return best


def prepare_text(
    path: Path,
    tmp_dir: Path,
    encoding: str = "auto",
    delimiter: str | None = None,
    progress: Progress | None = None,
    digest: FileDigest | None = None,
) -> TextInfo:
    """Detect encoding and delimiter; give a UTF-8 path the engine can read."""
    digest = digest or digest_file(path)
    enc = ENCODING_ALIASES.get(encoding.lower())
    if enc is None:
        raise EncodingError(
            f"{path}: unknown encoding {encoding!r}; use one of utf-8, cp1251, latin-1, utf-16"
        )
    if enc == "utf-16":
        with open(path, "rb") as fh:
            if _bom(fh.read(4)) != "utf-16":
                raise EncodingError(
                    f"{path}: --encoding utf-16 needs a byte-order mark at the start of the file, and this "
                    "file has none; re-save it as UTF-16 with BOM or as UTF-8, or give its real encoding"
                )
    if enc == "auto":
        enc = detect_encoding(path, digest)
    elif enc == "utf-8":
        err = digest.utf8_error
        if err:
            raise EncodingError(
                f"{path}: line {err[1]}: byte 0x{err[2]:02X} at offset {err[0]} is not valid UTF-8"
            )
    if enc == "utf-8" and not digest.mixed_endings:
        target, transcoded = path, False
    else:
        target = tmp_dir / f"{digest.sha256[:16]}.utf8.csv"
        _transcode(path, target, enc, progress)
        transcoded = True
    with open(target, encoding="utf-8", newline="") as fh:
        first = fh.readline()
    return TextInfo(enc, delimiter or detect_delimiter(first), target, transcoded)


def _transcode(src: Path, dst: Path, encoding: str, progress: Progress | None) -> None:
    """A UTF-8 copy of ``src`` with LF line endings; the partial file is removed on any failure."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    tmp = dst.with_suffix(".part")
    offset = 0
    held = ""  # a CR at the end of a chunk may be the first half of a CRLF
    try:
        with open(src, "rb") as fin, open(tmp, "w", encoding="utf-8", newline="") as fout:
            while chunk := fin.read(CHUNK):
                try:
                    text = held + decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise EncodingError(
                        f"{src}: byte 0x{chunk[exc.start]:02X} at offset {offset + exc.start} "
                        f"is not valid {encoding}"
                    ) from exc
                held = "\r" if text.endswith("\r") else ""
                fout.write(_lf(text[:-1] if held else text))
                offset += len(chunk)
                if progress:
                    progress(len(chunk))
            try:
                fout.write(_lf(held + decoder.decode(b"", final=True)))
            except UnicodeDecodeError as exc:
                raise EncodingError(f"{src}: the file ends inside a character: not valid {encoding}") from exc
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
