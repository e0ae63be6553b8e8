"""Files with any mix of CRLF, LF and CR line endings lose no record and merge none.

Concatenated exports are common: a CRLF file from one system followed by an LF file
from another, or an old Mac export with bare CR. Every record must end up in exactly
one of ``shipments`` or ``quarantine``, and ``rows_read`` must count the records.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.ingest.test_shipments import GOOD, HEADER
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.workspace import Workspace

ENDINGS = ("\r\n", "\n", "\r")


def _record(i: int, quoted: bool, multiline: bool) -> list[str]:
    base = list(GOOD[i % len(GOOD)])
    base[0] = f"REC{i:04d}"
    base[9] = f"lot {i:04d}" + (" first line\nsecond line" if multiline else "")
    if i % 17 == 5:
        base[11] = "not a number"  # a bad value: quarantined, not lost
    if not quoted:  # a file without any quote character: no value holds the delimiter
        return [v.replace(",", "") for v in base]
    return [f'"{v}"' for v in base]


def _mixed_file(path: Path, n: int, seed: int, quoted: bool, multiline: bool, pattern: str) -> list[str]:
    """A file of n records whose line endings follow ``pattern`` (what publishers do)."""
    rng = random.Random(seed)
    ids = [f"REC{i:04d}" for i in range(n)]
    header = ",".join(f'"{h}"' if quoted else h for h in HEADER)
    lines = [header] + [",".join(_record(i, quoted, multiline and i % 7 == 3)) for i in range(n)]
    out = []
    for k, line in enumerate(lines):
        if pattern == "crlf-then-lf":  # two files concatenated
            eol = "\r\n" if k < len(lines) // 3 else "\n"
        elif pattern == "lf-then-crlf":
            eol = "\n" if k < len(lines) // 2 else "\r\n"
        elif pattern == "cr":
            eol = "\r"
        else:  # every line its own
            eol = rng.choice(ENDINGS)
        if "\n" in line:  # a newline inside a quoted field follows the same convention
            line = line.replace("\n", eol)
        out.append(line + eol)
    path.write_bytes("".join(out).encode("utf-8"))
    return ids


@pytest.mark.parametrize("pattern", ["crlf-then-lf", "lf-then-crlf", "cr", "random"])
@pytest.mark.parametrize(("quoted", "multiline"), [(True, False), (False, False), (True, True)])
def test_every_record_lands_once(
    ws: Workspace, tmp_path: Path, pattern: str, quoted: bool, multiline: bool
) -> None:
    path = tmp_path / f"mixed-{pattern}.csv"
    ids = _mixed_file(path, 120, seed=len(pattern), quoted=quoted, multiline=multiline, pattern=pattern)
    result = ingest_shipments(ws, path)
    assert result.rows_read == len(ids), result.summary()
    assert result.rows_loaded + result.rows_quarantined == len(ids), result.summary()
    loaded = [r for (r,) in ws.engine.fetchall("SELECT record_id FROM shipments")]
    raw = [str(r) for (r,) in ws.engine.fetchall("SELECT raw FROM quarantine")]
    quarantined = [i for i in ids if any(i in text for text in raw)]
    assert sorted(loaded + quarantined) == sorted(ids)  # each record once: none lost, none merged
    assert all(sum(i in text for i in ids) == 1 for text in raw)  # a quarantined row holds one record
    assert len(quarantined) == sum(1 for i in range(120) if i % 17 == 5)
    if multiline:
        (desc,) = ws.engine.fetchone("SELECT description FROM shipments WHERE record_id = 'REC0003'") or ("",)
        assert desc == "lot 0003 first line\nsecond line"  # the field's line break, as LF
