"""The platform under load as it would be deployed: several workers, a streaming replica.

    .venv/bin/python -m benchmarks.load [--seconds 300] [--clients 64] [--workers 4]
                                        [--ramp-seconds 5]

Starts a PostgreSQL primary and a hot standby of its own (`scripts/pg.sh`, as the
replication tests do: initdb, the migrations and the reference data with a token per role,
then `pg_basebackup -R`), serves the platform with `vollsmose serve --workers N` reading from
the replica (`VOLLSMOSE_REPLICA_URLS`), and runs `--clients` clients (a pool of as many
connections; the clients start one after another over `--ramp-seconds`) for `--seconds` on a mix:

| kind | share | request |
| --- | --- | --- |
| tile | 40 % | `/tiles/WebMercatorQuad/{z}/{x}/{y}` over Vollsmose, z13–z16 |
| items | 25 % | `/collections/buildings/items?limit=10` with a bbox, or one building |
| tenure | 15 % | `/areas/vollsmose/tenure-mix?year=Y` |
| land | 10 % | `/land/sellable?use=housing&available_by=Y&max_walk_to_stop=500` |
| edit | 10 % | a building's life: `GET`, `PATCH` (If-Match), read back with `Vollsmose-Min-LSN` |

Each editing client edits a building of its own (no 412 from another), so every edit must
succeed, and reading it back must show it (a stale read-back counts as an error). Prints
throughput, p50/p99 per kind and in all, errors (must be 0), which server answered the reads,
and every platform process's memory (RSS and PSS) and the two PostgreSQL servers' at the
start and the end, with the machine's load average. Exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from benchmarks.serving import (
    PrimaryAndReplica,
    children,
    cpu_seconds,
    free_port,
    primary_and_replica,
)
from gis import auth, migrate
from gis.reference import default_reference_path, load_reference

MIX = (("tile", 40), ("items", 25), ("tenure", 15), ("land", 10), ("edit", 10))
# Vollsmose in WGS84, for tiles and bboxes.
WEST, SOUTH, EAST, NORTH = 10.418, 55.398, 10.448, 55.414
LSN = "Vollsmose-Min-LSN"


# -- the cluster -----------------------------------------------------------------------------
@dataclass
class Cluster:
    primary_url: str
    replica_url: str
    env: dict
    tokens: dict = field(default_factory=dict)


@contextmanager
def cluster() -> Iterator[Cluster]:
    tokens: dict = {}

    def prepare(pair: PrimaryAndReplica) -> None:
        engine = create_engine(pair.primary_url)
        with engine.begin() as conn:
            migrate.upgrade(conn)
            load_reference(conn, default_reference_path())
            tokens["planner"] = auth.create_token(conn, "load-planner", "planner")
        engine.dispose()

    with primary_and_replica("vollsmose-load-", prepare) as pair:
        yield Cluster(pair.primary_url, pair.replica_url, pair.env, tokens)


@contextmanager
def platform(c: Cluster, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": c.primary_url,
        "VOLLSMOSE_REPLICA_URLS": c.replica_url,
        "PORT": str(port),
        # info: the supervisor logs a worker it replaces ("Child process [...] died").
        "VOLLSMOSE_LOG_LEVEL": "info",
    }
    vollsmose = str(Path(sys.executable).with_name("vollsmose"))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [vollsmose, "serve", "--workers", str(workers)], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"serve exited: {log.read_text()[-2000:]}")
            try:
                # The workers and multiprocessing's resource tracker all started.
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200 and len(children(proc.pid)) > workers:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the platform did not start")
            time.sleep(0.3)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- memory ----------------------------------------------------------------------------------
def _tree(pid: int, depth: int = 0) -> list[tuple[int, int]]:
    """(pid, depth) of `pid` and all its descendants."""
    out = [(pid, depth)]
    for child in children(pid):
        out += _tree(child, depth + 1)
    return out


def _kb(pid: int, path: str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# The platform's processes by their place: `vollsmose serve` supervises uvicorn's workers,
# and a worker that drew a map has render processes of its own.
_ROLE = {0: "supervisor", 1: "worker", 2: "render process"}


def _role(pid: int, depth: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"resource_tracker" in f.read():
                return "resource tracker"  # multiprocessing's, beside spawned workers
    except OSError:
        pass
    return _ROLE.get(depth, "child")


def _cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return 0.0


def memory(platform_pid: int, c: Cluster) -> list[tuple[str, int, int, int, float]]:
    """(what, pid, RSS MB, PSS MB, CPU s) of every platform process, then each PostgreSQL
    server's processes summed (PSS: shared buffers counted once; CPU: the postmaster's
    children that live on, not the backends of closed connections)."""
    rows = [
        (_role(p, d), p, _kb(p, "status", "VmRSS:") // 1024,
         _kb(p, "smaps_rollup", "Pss:") // 1024, _cpu(p))
        for p, d in _tree(platform_pid)
    ]  # fmt: skip
    for label, d in (
        ("postgres primary", "PGDATA_DIR"),
        ("postgres replica", "PGREPLICA_DATA_DIR"),
    ):
        try:
            postmaster = int(Path(c.env[d], "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError):
            continue
        # The postmaster and its backends (the clients' connections come and go).
        pids = [p for p, _ in _tree(postmaster)]
        rss = sum(_kb(p, "status", "VmRSS:") for p in pids) // 1024
        pss = sum(_kb(p, "smaps_rollup", "Pss:") for p in pids) // 1024
        rows.append((label, postmaster, rss, pss, sum(_cpu(p) for p in pids)))
    return rows


# -- the clients -----------------------------------------------------------------------------
@dataclass
class Results:
    ms: dict = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    served: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {what}")


def _tile(rnd: random.Random) -> str:
    import math

    z = rnd.choice((13, 14, 15, 16))
    lon = rnd.uniform(WEST, EAST)
    lat = rnd.uniform(SOUTH, NORTH)
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/WebMercatorQuad/{z}/{x}/{y}"


def _items(rnd: random.Random, buildings: list[int]) -> str:
    if rnd.random() < 0.5:
        return f"/collections/buildings/items/{rnd.choice(buildings)}"
    w = rnd.uniform(WEST, EAST - 0.005)
    s = rnd.uniform(SOUTH, NORTH - 0.003)
    bbox = f"{w:.5f},{s:.5f},{w + 0.005:.5f},{s + 0.003:.5f}"
    return f"/collections/buildings/items?limit=10&bbox={bbox}"


async def _client(
    i: int,
    http: httpx.AsyncClient,
    until: float,
    res: Results,
    own: int,
    buildings,
    token,
    delay: float = 0.0,
) -> None:
    await asyncio.sleep(delay)
    rnd = random.Random(i)
    kinds = [k for k, w in MIX for _ in range(w)]
    year = 2030
    while time.monotonic() < until:
        kind = rnd.choice(kinds)
        start = time.perf_counter()
        try:
            if kind == "edit":
                await _edit(http, own, token, res, rnd)
            else:
                if kind == "tile":
                    path = _tile(rnd)
                elif kind == "items":
                    path = _items(rnd, buildings)
                elif kind == "tenure":
                    path = f"/areas/vollsmose/tenure-mix?year={rnd.randint(2020, 2035)}"
                else:
                    y = rnd.choice((2026, 2028, year))
                    path = f"/land/sellable?use=housing&available_by={y}&max_walk_to_stop=500"
                r = await http.get(path)
                if r.status_code not in (200, 204):
                    res.error(kind, f"{path}: {r.status_code} {r.text[:200]}")
                    continue
                res.served[r.headers.get("vollsmose-served-by", "?")] += 1
        except httpx.HTTPError as exc:
            res.error(kind, repr(exc))
            continue
        res.ms[kind].append((time.perf_counter() - start) * 1000)


async def _edit(http: httpx.AsyncClient, building: int, token: str, res: Results, rnd) -> None:
    auth_ = {"Authorization": f"Bearer {token}"}
    r = await http.get(f"/buildings/{building}/life")
    if r.status_code != 200:
        res.error("edit", f"GET life {r.status_code}")
        return
    # The next year after the one stored, within the renovation's start and 2060.
    life = r.json()
    lo = max(life.get("renovation_start_year") or 2020, 2001)
    now = life.get("renovation_end_year") or lo
    year = now + 1 if lo <= now < 2060 else lo
    w = await http.patch(
        f"/buildings/{building}/life",
        json={"renovation_end_year": year},
        headers={**auth_, "If-Match": r.headers["etag"]},
    )
    if w.status_code != 200:
        res.error("edit", f"PATCH life {w.status_code} {w.text[:200]}")
        return
    back = await http.get(f"/buildings/{building}/life", headers={LSN: w.headers[LSN]})
    if back.status_code != 200 or back.json().get("renovation_end_year") != year:
        res.error("edit", f"read-back: {back.status_code} {back.text[:120]} (wanted {year})")
        return
    res.served["after a write: " + back.headers.get("vollsmose-served-by", "?")] += 1


async def run_clients(
    base: str, clients: int, seconds: float, buildings, token, ramp: float = 0.0
) -> Results:
    res = Results()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        await asyncio.gather(
            *(
                _client(
                    i,
                    http,
                    until,
                    res,
                    buildings[i % len(buildings)],
                    buildings,
                    token,
                    ramp * i / clients,
                )
                for i in range(clients)
            )
        )
    return res


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument(
        "--ramp-seconds",
        type=float,
        default=5.0,
        help="clients start one after another over this long (0: all at once)",
    )
    args = p.parse_args(argv)
    print(f"load average before: {_loadavg()}")
    with cluster() as c:
        engine = create_engine(c.primary_url)
        with engine.connect() as conn:
            buildings = list(
                conn.execute(
                    text(
                        "SELECT id FROM building WHERE built_year IS NULL"
                        " AND demolished_year IS NULL ORDER BY id LIMIT :n"
                    ),
                    {"n": args.clients},
                ).scalars()
            )
        engine.dispose()
        log = Path(tempfile.gettempdir()) / "vollsmose-load-serve.log"
        with platform(c, args.workers, log) as (base, pid):
            # One warm-up pass of each kind, so the first figures are not start-up.
            asyncio.run(run_clients(base, 4, 3, buildings, c.tokens["planner"]))
            before = memory(pid, c)
            started = time.monotonic()
            client_cpu = time.process_time()
            res = asyncio.run(
                run_clients(
                    base,
                    args.clients,
                    args.seconds,
                    buildings,
                    c.tokens["planner"],
                    args.ramp_seconds,
                )
            )
            took = time.monotonic() - started
            client_cpu = time.process_time() - client_cpu
            after = memory(pid, c)
    total = sum(len(v) for v in res.ms.values())
    errors = sum(res.errors.values())
    print(
        f"\n{args.clients} clients (ramp {args.ramp_seconds:g} s), {args.workers} workers, "
        f"1 replica, {took:.0f} s: "
        f"{total} requests, {total / took:.1f} req/s, errors {errors}"
    )
    print(f"{'kind':8} {'n':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}")
    every = []
    for kind, _ in MIX:
        v = res.ms.get(kind, [])
        every += v
        print(f"{kind:8} {len(v):7} {len(v) / took:7.1f} {_pct(v, 0.5):8.1f} {_pct(v, 0.99):8.1f}")
    print(f"{'all':8} {len(every):7} {len(every) / took:7.1f} {_pct(every, 0.5):8.1f} "
          f"{_pct(every, 0.99):8.1f}")  # fmt: skip
    print("answered by: " + ", ".join(f"{k} {n}" for k, n in sorted(res.served.items())))
    for line in res.examples:
        print("error:", line)
    print(f"the clients' own process: {client_cpu:.0f} CPU s of {took:.0f} s")
    print("\nmemory (MB)       pid    RSS start  RSS end  PSS start  PSS end  CPU s in run")
    ends = {(name, pid_): (rss, pss, cpu) for name, pid_, rss, pss, cpu in after}
    for name, pid_, rss, pss, cpu in before:
        rss_end, pss_end, cpu_end = ends.get((name, pid_), (0, 0, cpu))
        cpu_run = cpu_end - cpu
        print(f"{name:24} {pid_:>7} {rss:9} {rss_end:8} {pss:10} {pss_end:8} {cpu_run:13.0f}")
    # A worker the supervisor replaced during the run (gone: its end is 0 above).
    started = {(name, pid_) for name, pid_, *_ in before}
    for name, pid_, rss, pss, _ in after:
        if (name, pid_) not in started:
            print(f"{name + ' (new)':24} {pid_:>7} {'-':>9} {rss:8} {'-':>10} {pss:8}")
    replaced = log.read_text(errors="replace").count(" died")
    print(f"workers the supervisor replaced during the run: {replaced} (log: {log})")
    print(f"load average after: {_loadavg()}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
