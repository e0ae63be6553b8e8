"""What every load shares: results, errors, the load registry and file scans."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tradetrace.engine import CsvOptions, Engine, FileScan
from tradetrace.ingest.textfile import EncodingError, FileDigest, TextInfo, digest_file, prepare_text
from tradetrace.progress import NullProgress, Progress


class IngestError(ValueError):
    """A file that cannot be loaded at all; the message names file, row and column."""


@dataclass
class LoadResult:
    kind: str
    source: str
    load_id: str
    sha256: str
    profile: str = ""
    encoding: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    unused_columns: list[str] = field(default_factory=list)
    skipped: bool = False
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped:
            return f"{self.source}: already loaded (load {self.load_id}); nothing changed"
        lines = [
            f"{self.source}: {self.rows_loaded:,} {self.kind} rows loaded, "
            f"{self.rows_quarantined:,} quarantined (of {self.rows_read:,} read; "
            f"profile {self.profile}, encoding {self.encoding or 'n/a'})"
        ]
        if self.unused_columns:
            lines.append(f"  unused columns: {', '.join(self.unused_columns)}")
        for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:8]:
            lines.append(f"  quarantined {n:,}× {reason}")
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def load_id_for(kind: str, sha256: str, part: str | None = None) -> str:
    """``kind:hash``; a part of a file other than its default one (a workbook's second
    sheet) is a load of its own: ``kind:hash:part``."""
    return f"{kind}:{sha256[:16]}" + (f":{part}" if part else "")


def already_loaded(engine: Engine, load_id: str, table: str | None = None) -> bool:
    """Is this load recorded, with its rows still in ``table``?

    A load whose loaded rows are gone (the table was dropped or emptied outside the
    verbs) does not block a reload: its ``loads`` entry and quarantined rows are
    removed here, and the file loads again."""
    row = engine.fetchone("SELECT rows_loaded FROM loads WHERE load_id = ?", [load_id])
    if row is None:
        return False
    if table is None or not int(row[0] or 0):
        return True
    if engine.table_exists(table) and engine.scalar(
        f"SELECT count(*) FROM {table} WHERE _load_id = ? LIMIT 1", [load_id]
    ):
        return True
    with engine.transaction():
        engine.execute("DELETE FROM quarantine WHERE load_id = ?", [load_id])
        engine.execute("DELETE FROM loads WHERE load_id = ?", [load_id])
    return False


def record_load(engine: Engine, result: LoadResult, source: Path) -> None:
    engine.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            result.load_id,
            result.kind,
            result.source,
            result.sha256,
            source.stat().st_size,
            result.profile,
            result.encoding,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            json.dumps(result.unused_columns, ensure_ascii=False),
        ],
    )


def detect_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return "xlsx"
        raise IngestError(f"{path}: a ZIP archive; tradetrace reads .xlsx workbooks, CSV and Parquet")
    if path.suffix.lower() in (".xls",):
        raise IngestError(f"{path}: legacy .xls workbooks are not supported; save as .xlsx or CSV")
    return "csv"


@dataclass
class OpenedFile:
    scan: FileScan
    sha256: str
    encoding: str
    fmt: str
    delimiter: str = ","
    notes: tuple[str, ...] = ()


def open_file(
    engine: Engine,
    path: Path,
    relation: str,
    tmp_dir: Path,
    encoding: str = "auto",
    delimiter: str | None = None,
    digest: FileDigest | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> OpenedFile:
    """Expose a CSV, Parquet or .xlsx file as an engine relation with row numbers."""
    progress = progress or NullProgress()
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path}: the file is empty (0 bytes); expected a header row and data rows")
    if digest is None:
        task = progress.task(f"reading {path.name}", total=size)
        digest = digest_file(path, task.advance)
        task.done()
    sha256 = digest.sha256
    fmt = detect_format(path)
    if fmt == "parquet":
        try:
            scan = engine.scan_parquet(relation, path)
        except Exception as exc:
            raise IngestError(f"{path}: not a readable Parquet file: {exc}") from exc
        return OpenedFile(scan, sha256, "", fmt)
    if fmt == "xlsx":
        from tradetrace.ingest.xlsx import read_xlsx

        table, used, others = read_xlsx(path, sheet)
        notes = (
            (f"read sheet {used!r} only; not read: {', '.join(repr(n) for n in others)} (--sheet NAME)",)
            if others
            else ()
        )
        return OpenedFile(register_arrow(engine, relation, table), sha256, "", fmt, notes=notes)
    try:
        task = progress.task(f"decoding {path.name}", total=size)
        info: TextInfo = prepare_text(path, tmp_dir, encoding, delimiter, task.advance, digest)
        task.done()
    except EncodingError as exc:
        raise IngestError(str(exc)) from exc
    scan = engine.scan_csv(relation, info.utf8_path, CsvOptions(delimiter=info.delimiter))
    invalid = [r for r in scan.rejects if "INVALID ENCODING" in r.error.upper()]
    if invalid:
        raise IngestError(
            f"{path}: line {invalid[0].line}: not valid {info.encoding} ({len(invalid)} line(s) affected); "
            "the file mixes encodings or is not UTF-8 - re-save it as UTF-8 or pass --encoding"
        )
    if not scan.columns:
        raise IngestError(f"{path}: the file has no header row; expected column names on line 1")
    return OpenedFile(scan, sha256, info.encoding, fmt, info.delimiter)


def register_arrow(engine: Engine, relation: str, table: pa.Table) -> FileScan:
    """An in-memory table (e.g. read from a workbook) as a relation with row numbers."""
    from tradetrace.engine.base import ROW_COLUMN

    if ROW_COLUMN not in table.column_names:
        table = table.append_column(ROW_COLUMN, pa.array(range(1, table.num_rows + 1), pa.int64()))
    engine.register(relation, table)
    names = [n for n in table.column_names if n != ROW_COLUMN]
    types = {name: str(table.schema.field(name).type) for name in names}
    sql_types = {k: ("VARCHAR" if v in ("string", "large_string") else v.upper()) for k, v in types.items()}
    return FileScan(relation, names, sql_types, ROW_COLUMN)
