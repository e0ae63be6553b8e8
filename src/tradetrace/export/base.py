"""What every export returns, and reading a relation in batches."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from tradetrace.engine import Engine

__all__ = ["ExportResult", "batches", "rows"]

BATCH = 50_000
_TEMP = itertools.count(1)


@dataclass
class ExportResult:
    """Where an export went, what it holds (rows per table or entities per schema) and what to know."""

    format: str
    path: Path
    scope: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unit: str = "rows"

    def summary(self) -> str:
        total = sum(self.counts.values())
        lines = [f"{self.format}: {total:,} {self.unit} from {self.scope} → {self.path}"]
        lines += [f"  {k:<24} {v:>12,}" for k, v in self.counts.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def batches(engine: Engine, relation: str, size: int = BATCH, order: str = "") -> Iterator[pa.Table]:
    """``SELECT * FROM relation`` in batches of ``size`` rows (in table order, or ``order``)."""
    offset = 0
    order_by = f" ORDER BY {order}" if order else ""
    while True:
        table = engine.arrow(f"SELECT * FROM {relation}{order_by} LIMIT {int(size)} OFFSET {int(offset)}")
        if table.num_rows == 0:
            return
        yield table
        if table.num_rows < size:
            return
        offset += size


def rows(
    engine: Engine, sql: str, order: str, limit: int | None = None, size: int = BATCH
) -> Iterator[dict[str, Any]]:
    """The rows of ``sql`` as dicts, sorted by ``order`` (a total order), at most ``limit``.

    The sorted result is numbered once into a temporary table and read in batches of ``size``
    rows by number, so a long result is sorted once rather than once per batch.
    """
    name = f"_rows_{next(_TEMP)}"
    cap = f" QUALIFY _rn <= {int(limit)}" if limit is not None else ""
    engine.execute(
        f"CREATE TEMP TABLE {name} AS SELECT *, row_number() OVER (ORDER BY {order}) AS _rn FROM ({sql}) q{cap}"
    )
    try:
        low = 0
        while True:
            table = engine.arrow(
                f"SELECT * EXCLUDE (_rn) FROM {name} WHERE _rn > ? AND _rn <= ? ORDER BY _rn",
                [low, low + size],
            )
            yield from table.to_pylist()
            if table.num_rows < size:
                return
            low += size
    finally:
        engine.execute(f"DROP TABLE IF EXISTS {name}")
