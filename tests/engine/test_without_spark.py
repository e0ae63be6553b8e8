"""tradetrace and its DuckDB path work where PySpark is not installed; asking for Spark there
says what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = r"""
import sys

class NoSpark:
    def find_spec(self, name, path=None, target=None):
        if name == "pyspark" or name.startswith("pyspark.") or name == "py4j":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, NoSpark())
from pathlib import Path
import tradetrace
from tradetrace.engine import open_engine
from tradetrace.engine.base import EngineError
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

ws_dir = Path(sys.argv[1])
with Workspace(Settings(workspace=ws_dir)) as ws:
    ws.engine.execute("INSERT INTO loads (load_id, kind) VALUES ('l1', 'shipments')")
    assert ws.engine.fetchall("SELECT load_id FROM loads") == [("l1",)]
try:
    open_engine(Settings(workspace=ws_dir / "other", engine="spark"))
except EngineError as exc:
    print("refused:", exc)
assert not any(m.startswith("pyspark") for m in sys.modules), sorted(m for m in sys.modules if "spark" in m)
print("ok")
"""


def test_import_and_the_duckdb_path_need_no_pyspark(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path / "ws")], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "refused: the Spark engine needs PySpark: pip install 'tradetrace[spark]'" in run.stdout
    assert run.stdout.strip().endswith("ok")
