"""Engines: the only code that talks to a database. DuckDB is the default."""

from __future__ import annotations

from tradetrace.engine.base import CsvOptions, Engine, EngineError, FileScan, RejectedLine
from tradetrace.settings import Settings

__all__ = ["CsvOptions", "Engine", "EngineError", "FileScan", "RejectedLine", "open_engine"]


def open_engine(settings: Settings, read_only: bool = False) -> Engine:
    """Open the engine named in settings on the workspace database.

    ``read_only`` opens an existing database for reading only: other processes
    may read it too, and none may write while it is open.
    """
    if settings.engine == "duckdb":
        from tradetrace.engine.duckdb import DuckDBEngine

        if not read_only:
            settings.workspace.mkdir(parents=True, exist_ok=True)
        return DuckDBEngine(settings.database_path, settings.threads, settings.memory_limit, read_only)
    if settings.engine == "spark":
        from tradetrace.engine.spark import SparkEngine

        return SparkEngine(settings.workspace, settings.spark_master, dict(settings.spark_conf), read_only)
    raise ValueError(f"unknown engine {settings.engine!r}; available: duckdb, spark")
