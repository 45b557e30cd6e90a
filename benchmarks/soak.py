"""Soak: the platform under a mixed load for a long while; does its memory stay put?

    apt-get install wrk
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.soak [--seconds 600] [--clients 64]

The bundled reference data in a throwaway database (vollsmose_bench_soak_*), the platform as
one uvicorn process with its default settings. `--clients` connections at once for
`--seconds`: all but four are wrk's (OGC items of several layers, with bbox, a scenario or a
recorded time; vector tiles z13-z17; the tenure mix and its trajectory), cycling through the
paths; the other four are Python clients: one asks for a print map, GeoTIFF or report PDF every
few seconds, three edit (GET a building's item, then a merge-patch PATCH of its storeys with
the ETag in If-Match, a 412 retried on the next round).

Prints the server's resident memory (its own, and its render workers') at the start, every
minute and at the end, and once more after the render workers' idle time; the answers by
status; and the load average before and after. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter

import httpx
from sqlalchemy import create_engine, text

from benchmarks import databases
from benchmarks.ogc import BBOX, _tiles
from benchmarks.serving import PLATFORM, children, rss_mb, serve
from gis import auth

PYTHON_CLIENTS = 4
RENDER_EVERY_S = 5.0
EDIT_PAUSE_S = 0.5
RENDERS = (
    "/maps/fremtidsbillede/2030.png",
    "/maps/fremtidsbillede/2025.tif",
    "/maps/fremtidsbillede/2020.pdf?dpi=150",
    "/areas/vollsmose/report?year=2025&f=pdf",
)
MERGE = "application/merge-patch+json"

# Counts every answer by status, and wrk's socket errors, for the whole run.
_WRK = """
local paths = {%s}
local i = 0
counts = {}
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("ERRORS connect=%%d read=%%d write=%%d timeout=%%d\\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("LATENCY p50=%%.1f p99=%%.1f max=%%.1f\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      io.write(string.format("STATUS %%d %%d\\n", status, n))
    end
  end
end
"""


def read_paths() -> list[str]:
    paths = []
    for layer in ("buildings", "parcels", "roads", "facilities"):
        paths.append(f"/collections/{layer}/items?limit=50")
    paths += [
        f"/collections/buildings/items?limit=100&bbox={BBOX}",
        "/collections/buildings/items?limit=20&recorded=2021-03-01",
        "/collections/buildings/items?limit=20&datetime=2030-01-01",
        "/areas/vollsmose/tenure-mix?year=2030&quarters=kvarterer",
        "/areas/vollsmose/tenure-mix?year=2025",
        "/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2030",
    ]
    for z in range(13, 18):
        for _, x, y in _tiles(z)[:6]:
            paths.append(f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
    return paths


def memory(pid: int) -> str:
    kids = children(pid)
    workers = sum(rss_mb(k) for k in kids)
    return f"server {rss_mb(pid):.0f} MB, its {len(kids)} child processes {workers:.0f} MB"


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " / ".join(f.read().split()[:3])


class Python:
    """The Python clients' answers by status, and their exceptions (connections reset)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.errors: Counter = Counter()

    def note(self, what: str, r: httpx.Response | Exception) -> None:
        with self.lock:
            if isinstance(r, Exception):
                self.errors[f"{what} {type(r).__name__}"] += 1
            else:
                self.counts[f"{what} {r.status_code}"] += 1


def renderer(base: str, stop: threading.Event, out: Python) -> None:
    with httpx.Client(base_url=base, timeout=180) as c:
        n = 0
        while not stop.wait(RENDER_EVERY_S):
            try:
                out.note("render", c.get(RENDERS[n % len(RENDERS)]))
            except httpx.HTTPError as exc:
                out.note("render", exc)
            n += 1


def editor(base: str, building: int, headers: dict, stop: threading.Event, out: Python) -> None:
    url = f"/collections/buildings/items/{building}"
    with httpx.Client(base_url=base, timeout=60) as c:
        while not stop.wait(EDIT_PAUSE_S):
            try:
                got = c.get(url)
                out.note("edit GET", got)
                if got.status_code != 200:
                    continue
                storeys = (got.json()["properties"].get("storeys") or 1) % 12 + 1
                r = c.patch(
                    url,
                    content=json.dumps({"properties": {"storeys": storeys}}),
                    headers={**headers, "Content-Type": MERGE, "If-Match": got.headers["etag"]},
                )
                out.note("edit PATCH", r)
            except httpx.HTTPError as exc:
                out.note("edit", exc)


def wrk(base: str, connections: int, seconds: int) -> str:
    paths = ", ".join(json.dumps(p) for p in read_paths())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_WRK % paths)
    try:
        return subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
             "-s", f.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(f.name)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--clients", type=int, default=64)
    args = p.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    print(f"load average before: {loadavg()}")
    with databases.with_reference("soak") as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            token = auth.create_token(conn, "soak-planner", "planner")
            buildings = (
                conn.execute(text("SELECT id FROM building ORDER BY id LIMIT :n"), {"n": 3})
                .scalars()
                .all()
            )
        engine.dispose()
        headers = {"Authorization": f"Bearer {token}"}
        env = {"DATABASE_URL": url, "VOLLSMOSE_LOG_LEVEL": "warning"}
        with serve(PLATFORM, env) as base:
            print(f"start: {memory(base.pid)}", flush=True)
            stop = threading.Event()
            py = Python()
            threads = [threading.Thread(target=renderer, args=(base, stop, py))]
            threads += [
                threading.Thread(target=editor, args=(base, b, headers, stop, py))
                for b in buildings
            ]
            for t in threads:
                t.start()

            def report() -> None:
                started = time.monotonic()
                while not stop.wait(60):
                    print(f"{time.monotonic() - started:5.0f} s: {memory(base.pid)}", flush=True)

            ticker = threading.Thread(target=report, daemon=True)
            ticker.start()
            began = time.monotonic()
            out = wrk(base, args.clients - PYTHON_CLIENTS, args.seconds)
            stop.set()
            for t in threads:
                t.join(timeout=200)
            print(f"end ({time.monotonic() - began:.0f} s): {memory(base.pid)}")
            idle = float(os.environ.get("VOLLSMOSE_RENDER_IDLE_SECONDS", "30")) + 5
            time.sleep(idle)
            print(f"after {idle:.0f} s idle: {memory(base.pid)}")
    wrk_counts = Counter()
    for line in out.splitlines():
        if line.startswith("STATUS "):
            _, status, n = line.split()
            wrk_counts[int(status)] += int(n)
        elif line.startswith(("ERRORS", "LATENCY")):
            print("wrk", line.lower())
    print(f"wrk answers by status: {dict(sorted(wrk_counts.items()))}")
    print(f"python clients' answers: {dict(sorted(py.counts.items()))}")
    print(f"python clients' errors: {dict(py.errors) or 'none'}")
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()
