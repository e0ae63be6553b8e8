"""One typed settings object, built at the edge (CLI, web app, tests) and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_WORKSPACE = Path("tradetrace-work")
ENV_WORKSPACE = "TRADETRACE_WORKSPACE"
ENV_LOCK_WAIT = "TRADETRACE_LOCK_WAIT"


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and how the engine runs.

    Nothing reads the environment except :meth:`from_env`, which the CLI calls
    once; library code receives a ``Settings`` and never looks elsewhere.
    """

    workspace: Path = DEFAULT_WORKSPACE
    engine: str = "duckdb"  # or "spark" (pip install 'tradetrace[spark]')
    # a Spark master URL (local[N], spark://host:7077, yarn, k8s://...); None: spark-submit's, else local[*]
    spark_master: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()  # Spark settings passed through (key, value)
    threads: int | None = None
    memory_limit: str | None = None
    progress: bool = True
    rates_file: Path | None = None
    rule_files: tuple[Path, ...] = field(default_factory=tuple)
    lock_wait: float = 5.0  # seconds a verb waits for a workspace another process holds (e.g. a web read)

    @property
    def database_path(self) -> Path:
        return self.workspace / "tradetrace.duckdb"

    @property
    def spark_path(self) -> Path:
        """The Spark engine's tables and catalog."""
        return self.workspace / "spark"

    def has_database(self) -> bool:
        """Whether the workspace holds this engine's data already."""
        if self.engine == "spark":
            return (self.spark_path / "catalog.json").is_file()
        return self.database_path.is_file()

    @property
    def manifest_path(self) -> Path:
        return self.workspace / "manifest.json"

    @classmethod
    def from_env(
        cls, workspace: Path | None = None, env: Mapping[str, str] | None = None, **kw: object
    ) -> Settings:
        """Build settings: an explicit ``workspace`` wins over ``TRADETRACE_WORKSPACE``."""
        env = os.environ if env is None else env
        if workspace is None:
            raw = env.get(ENV_WORKSPACE)
            workspace = Path(raw) if raw else DEFAULT_WORKSPACE
        base = cls(workspace=workspace)
        raw_wait = env.get(ENV_LOCK_WAIT)
        if raw_wait:
            try:
                base = replace(base, lock_wait=max(0.0, float(raw_wait)))
            except ValueError:
                raise ValueError(f"{ENV_LOCK_WAIT}={raw_wait!r}: expected a number of seconds") from None
        return replace(base, **kw)  # type: ignore[arg-type]
