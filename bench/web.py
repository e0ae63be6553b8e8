"""Throughput and latency of the web app, loaded from a second process with locust.

    python bench/web.py [--rows 200000] [--workspace DIR] [--users 8] [--seconds 20]

Builds the demo workspace (``tradetrace demo`` at ROWS shipment rows) unless --workspace names
one, starts ``tradetrace serve`` on it in its own process, and runs locust headless in another
process against three endpoints in turn, each for SECONDS with USERS concurrent users:

- ``/static/app.css``: a static file, the floor the server cannot beat (baseline, same run);
- ``/api/match?name=...``: one screening request, names drawn from the list and from the data;
- ``/cases/<top case>``: the demo's top case page (first request uncached, the rest from the
  server's memory of it, which holds until the workspace changes).

Prints requests/s, median, p95 and p99 for each, and the ratios to the baseline. The issue's
targets: /api/match at least 300 requests/s on 2 cores with p99 under 50 ms; the case page under
300 ms at p95. For comparison the issue quotes yente (OpenSanctions' matching API) at about 4 match
requests/s per vCPU; that figure is the issue's, not measured here. Absolute numbers depend on
the machine and its load; nothing here gates CI.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

LOCUSTFILE = textwrap.dedent(
    """
    import os, random
    from locust import FastHttpUser, constant, task

    NAMES = os.environ["BENCH_NAMES"].split("\\n")
    PATH = os.environ["BENCH_PATH"]

    class Client(FastHttpUser):
        wait_time = constant(0)

        @task
        def hit(self):
            if PATH == "match":
                self.client.get("/api/match", params={"name": random.choice(NAMES)}, name="/api/match")
            else:
                self.client.get(PATH, name=PATH)
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def run_locust(
    host: str, path: str, names: list[str], users: int, seconds: int, tmp: Path
) -> dict[str, float]:
    locustfile = tmp / "locustfile.py"
    locustfile.write_text(LOCUSTFILE, "utf-8")
    prefix = tmp / f"stats-{abs(hash(path))}"
    env = {**os.environ, "BENCH_NAMES": "\n".join(names), "BENCH_PATH": path}
    cmd = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", host,
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
    ]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Name"] == "Aggregated"]
    row = rows[0]
    return {
        "requests": float(row["Request Count"]),
        "failures": float(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=20)
    args = ap.parse_args()
    tradetrace = [sys.executable, "-m", "tradetrace", "-q"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ws = args.workspace
        if ws is None:
            ws = tmp / "ws"
            print(f"building the demo workspace at {args.rows:,} rows ...", flush=True)
            subprocess.run([*tradetrace, "--workspace", str(ws), "demo", "--out", str(tmp / "out"),
                            "--rows", str(args.rows)], check=True, capture_output=True)  # fmt: skip
        import duckdb

        con = duckdb.connect(str(ws / "tradetrace.duckdb"), read_only=True)
        rows = con.execute("SELECT count(*) FROM shipments").fetchone()
        top = con.execute("SELECT case_id FROM cases ORDER BY rank LIMIT 1").fetchone()
        names = [r[0] for r in con.execute(
            "(SELECT name FROM listings LIMIT 200) UNION ALL "
            "(SELECT DISTINCT importer_name FROM shipments WHERE importer_name IS NOT NULL LIMIT 300)"
        ).fetchall()]  # fmt: skip
        con.close()
        assert top and rows, "the workspace has no cases"
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*tradetrace, "--workspace", str(ws), "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            wait_up(host + "/static/app.css")
            t = time.perf_counter()
            with urllib.request.urlopen(f"{host}/cases/{top[0]}", timeout=120) as r:
                r.read()
            cold_ms = (time.perf_counter() - t) * 1000
            results = {}
            for label, path in (("static file (baseline)", "/static/app.css"), ("/api/match", "match"),
                                ("case page", f"/cases/{top[0]}")):  # fmt: skip
                results[label] = run_locust(host, path, names, args.users, args.seconds, tmp)
        finally:
            server.terminate()
            server.wait(timeout=30)
        base = results["static file (baseline)"]
        print(f"\nworkspace: {rows[0]:,} shipment rows; {args.users} users for {args.seconds} s per endpoint; "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        print(
            f"{'endpoint':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'fail':>6}{'rps / baseline':>16}"
        )
        for label, r in results.items():
            print(f"{label:<24}{r['rps']:>9.1f}{r['p50_ms']:>9.0f}{r['p95_ms']:>9.0f}{r['p99_ms']:>9.0f}"
                  f"{r['failures']:>6.0f}{r['rps'] / base['rps']:>16.2f}")  # fmt: skip
        match = results["/api/match"]
        per_cpu = match["rps"] / (os.cpu_count() or 1)
        print(f"\ncase page, first (uncached) request: {cold_ms:.0f} ms")
        print(f"/api/match: {per_cpu:.0f} requests/s per CPU; the issue quotes yente at ~4 per vCPU "
              f"(ratio {per_cpu / 4:.0f}x, not measured here)")  # fmt: skip
        out = Path("bench/out")
        out.mkdir(parents=True, exist_ok=True)
        (out / "web.json").write_text(
            json.dumps({"rows": rows[0], "cold_case_ms": cold_ms, **results}, indent=1)
        )
        shutil.rmtree(tmp / "out", ignore_errors=True)


if __name__ == "__main__":
    main()
