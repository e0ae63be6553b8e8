"""Streaming writers for the shipment files: canonical CSV, Parquet and ru-dt (CP1251)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tradetrace.simulate.render import Rendered

FORMATS = ("csv", "parquet", "ru-dt")
FILE_NAMES = {"csv": "shipments.csv", "parquet": "shipments.parquet", "ru-dt": "shipments_ru-dt.csv"}
LOGICAL_NAMES = {"csv": "shipments_csv", "parquet": "shipments_parquet", "ru-dt": "shipments_ru_dt"}


class ShipmentWriters:
    """Writes rendered chunks to every requested format; use as a context manager."""

    def __init__(self, out_dir: Path, formats: Sequence[str]) -> None:
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown format(s) {unknown}; choose from {FORMATS}")
        self.formats = tuple(dict.fromkeys(formats))
        self.paths = {f: out_dir / FILE_NAMES[f] for f in self.formats}
        self._csv: pa_csv.CSVWriter | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._ru: BinaryIO | None = None
        self._ru_header = True

    @property
    def needs_typed(self) -> bool:
        return "parquet" in self.formats

    def write(self, chunk: Rendered) -> None:
        if "csv" in self.formats:
            assert chunk.canonical is not None
            if self._csv is None:
                self._csv = pa_csv.CSVWriter(str(self.paths["csv"]), chunk.canonical.schema)
            self._csv.write_table(chunk.canonical)
        if "parquet" in self.formats:
            assert chunk.typed is not None
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(
                    str(self.paths["parquet"]),
                    _plain(chunk.typed.slice(0, 0)).schema,
                    compression="zstd",
                    store_schema=False,
                )
            self._parquet.write_table(_plain(chunk.typed))
        if "ru-dt" in self.formats:
            assert chunk.ru_dt is not None
            if self._ru is None:
                self._ru = self.paths["ru-dt"].open("wb")
            self._ru.write(_cp1251_csv(chunk.ru_dt, header=self._ru_header))
            self._ru_header = False

    def close(self) -> None:
        if self._csv is not None:
            self._csv.close()
        if self._parquet is not None:
            self._parquet.close()
        if self._ru is not None:
            self._ru.close()

    def __enter__(self) -> ShipmentWriters:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _cp1251_csv(table: pa.Table, header: bool) -> bytes:
    """Semicolon CSV whose text columns hold CP1251 bytes viewed as Latin-1 characters.

    Arrow writes those characters as UTF-8; decoding that and encoding as Latin-1 yields
    the CP1251 bytes exactly, much faster than a CP1251 codec over the whole chunk.
    """
    buf = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=header, delimiter=";")
    pa_csv.write_csv(table, buf, write_options=options)
    return buf.getvalue().decode("utf-8").encode("latin-1")


def _plain(table: pa.Table) -> pa.Table:
    """Decode dictionary columns: Parquet then encodes them itself, byte-for-byte reproducibly."""
    cols = [pc.cast(c, c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)
