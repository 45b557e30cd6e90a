"""The OGC API against tipg, side by side on the same database and data.

    apt-get install wrk                      # the load generator
    .venv/bin/pip install -e '.[bench]'      # tipg
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.ogc [--seconds 3] [--runs 3] [--concurrency 1 16]

Loads the bundled reference data into a throwaway database, starts the platform
(`api.app:create_app`) and tipg (`tipg.main:app`) each as one uvicorn process with one
worker (the same for both) on a loopback port, and drives both with the same requests
from wrk: items (limit 10 and 1,000, with and without bbox) and tiles (z13-z17 over
Vollsmose, every tile in turn), at 1 and 16 concurrent connections. Each cell is run
`--runs` times, ours and tipg's interleaved, after a one-second warm-up; the table shows
the medians: requests per second, p50/p95 latency, our throughput over tipg's, each
server's CPU time per request, and the API's p50 over the time of its own query called
in process (`gis.features.items`, `gis.tiles.tile`). Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from benchmarks import databases, national
from benchmarks.serving import PLATFORM, BaseURL, cpu_seconds, serve
from gis import tiles
from gis.ogc import features
from gis.layers import LAYERS

VOLLSMOSE = (10.418, 55.401, 10.446, 55.416)
BBOX = "10.425,55.403,10.435,55.410"  # the western half of the hard area
ZOOMS = range(13, 18)


def _tiles(z: int) -> list[tuple[int, int, int]]:
    """(z, x, y) of every tile over Vollsmose at zoom z."""
    n = 1 << z

    def col(lon: float) -> int:
        return int((lon + 180) / 360 * n)

    def row(lat: float) -> int:
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    x0, x1 = col(VOLLSMOSE[0]), col(VOLLSMOSE[2])
    y0, y1 = row(VOLLSMOSE[3]), row(VOLLSMOSE[1])
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


@dataclass
class Case:
    name: str
    ours: list[str]
    tipg: list[str]
    # The same request in process: what the API's own query costs.
    in_process: Callable[[object], object] | None = None


def cases() -> list[Case]:
    layer = LAYERS["buildings"]
    # The HTTP floor: a small answer without the database, what any request costs anyway.
    out = [Case("conformance (no database)", ["/conformance"], ["/conformance"])]
    for limit in (10, 1000):
        for bbox in (None, BBOX):
            query = f"limit={limit}" + (f"&bbox={bbox}" if bbox else "")
            params = {"limit": str(limit), **({"bbox": bbox} if bbox else {})}
            q = features.ItemsQuery.from_params(layer, params)
            out.append(
                Case(
                    f"items limit {limit}" + (" bbox" if bbox else ""),
                    [f"/collections/buildings/items?{query}"],
                    [f"/collections/public.building/items?{query}"],
                    lambda conn, q=q: features.items(conn, layer, q),
                )
            )
    for z in ZOOMS:
        grid = _tiles(z)
        out.append(
            Case(
                f"tiles z{z} ({len(grid)} tiles)",
                [f"/collections/buildings/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in grid],
                [
                    f"/collections/public.building/tiles/WebMercatorQuad/{z}/{x}/{y}"
                    for z, x, y in grid
                ],
                lambda conn, g=grid: [tiles.tile(conn, [layer], *t) for t in g],
            )
        )
    return out


@dataclass
class Run:
    rps: float
    p50: float  # seconds
    p95: float
    errors: int
    cpu_ms: float  # the server process's CPU time per request


# wrk (C, one thread, epoll) drives the load: a Python client on the same machine would
# spend more CPU per request than the servers it measures and flatten every ratio. Every
# pass cycles through the case's paths; what it reports is the hooks' doing.
_WRK_PATHS = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""
_WRK_LOAD = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""
# The timing pass: each answer's Server-Timing written out.
_WRK_TIMING = """
response = function(status, headers, body)
  local st = headers["server-timing"] or ""
  io.write("T ", st:match("app;dur=([0-9.]+)") or "nan", " ",
           st:match("db;dur=([0-9.]+)") or "nan", "\\n")
end
"""


def _wrk(base: str, paths: list[str], hooks: str, concurrency: int, seconds: int) -> str:
    """wrk's output for `seconds` of `concurrency` connections cycling through `paths`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_WRK_PATHS % ", ".join(json.dumps(p) for p in paths) + hooks)
    try:
        return subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s",
             "-s", f.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(f.name)


def _load(base: BaseURL, paths: list[str], concurrency: int, seconds: int) -> Run:
    _wrk(base, paths, _WRK_LOAD, concurrency, 1)  # warm-up: connections, pool, plans
    cpu = cpu_seconds(base.pid)
    out = _wrk(base, paths, _WRK_LOAD, concurrency, seconds)
    cpu = cpu_seconds(base.pid) - cpu
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, duration_us, p50_us, p95_us, errors = (int(v) for v in line.split()[1:])
    return Run(
        requests / (duration_us / 1e6),
        p50_us / 1e6,
        p95_us / 1e6,
        errors,
        cpu * 1000 / max(requests, 1),
    )


def _median_run(runs: list[Run]) -> Run:
    def med(attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    return Run(med("rps"), med("p50"), med("p95"), sum(r.errors for r in runs), med("cpu_ms"))


def _server_timing(base: str, paths: list[str], seconds: int = 2) -> tuple[float, float]:
    """Medians of our Server-Timing `app` and `db` (ms), one connection, back to back."""
    out = _wrk(base, paths, _WRK_TIMING, 1, seconds)
    pairs = [line.split()[1:] for line in out.splitlines() if line.startswith("T ")]
    return (
        statistics.median(float(a) for a, _ in pairs),
        statistics.median(float(d) for _, d in pairs),
    )


def _in_process_ms(url: str, case: Case, runs: int = 30) -> float:
    """Median ms of the case's query called in process, per request of the case."""
    engine = create_engine(url, connect_args={"options": "-c jit=off"})
    try:
        with engine.connect() as conn:
            case.in_process(conn)
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                case.in_process(conn)
                times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000 / len(case.ours)
    finally:
        engine.dispose()


@contextmanager
def _database(use_national: bool) -> Iterator[str]:
    """The database both servers read: a throwaway one holding the reference data, or the
    national stock (only read here, so used as kept)."""
    if use_national:
        national.ensure(national.DEFAULT_SCALE, national.DEFAULT_QUARTERS)
        yield databases.url_of(national.DATABASE)
        return
    with databases.with_reference("ogc") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="per run (wrk takes whole seconds)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--runs", type=int, default=3, help="runs per cell; medians shown")
    parser.add_argument(
        "--national",
        action="store_true",
        help="serve the generated national stock (benchmarks/national.py: 562,645 buildings; "
        "made, or reused when kept) instead of the reference data",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    try:
        import tipg  # noqa: F401
    except ImportError:
        raise SystemExit("tipg is not installed: .venv/bin/pip install -e '.[bench]'") from None

    with _database(args.national) as url:
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        ours_env = {"DATABASE_URL": url, "VOLLSMOSE_DB_POOL_SIZE": "16"}
        tipg_env = {"DATABASE_URL": plain, "TIPG_DB_SCHEMAS": '["public"]',
                    "TIPG_DB_MAX_CONN_SIZE": "16"}  # fmt: skip
        rows = []
        with (
            serve(PLATFORM, ours_env) as ours,
            serve(["tipg.main:app"], tipg_env, "/collections") as peer,
        ):
            for case in cases():
                sqls, timings = [], []
                for c in args.concurrency:
                    ours_runs, peer_runs = [], []
                    for _ in range(args.runs):  # interleaved, so drift hits both alike
                        if c == 1:
                            # The overhead's two views once per run too, between the loads:
                            # a single pass was now and then caught by a slow spell.
                            if case.in_process:
                                sqls.append(_in_process_ms(url, case))
                            timings.append(_server_timing(ours, case.ours))
                        ours_runs.append(_load(ours, case.ours, c, args.seconds))
                        peer_runs.append(_load(peer, case.tipg, c, args.seconds))
                    a, b = _median_run(ours_runs), _median_run(peer_runs)
                    sql_ms = statistics.median(sqls) if sqls else None
                    app_db = (
                        tuple(statistics.median(t[i] for t in timings) for i in (0, 1))
                        if timings
                        else None
                    )
                    rows.append((case.name, c, a, b, sql_ms, app_db))
                    print(_row(*rows[-1]), flush=True)
    print()
    print(_table(rows))
    print()
    print(_goals(rows))


def _overhead(sql_ms: float | None, api_p50_ms: float, app_db: tuple[float, float]) -> str:
    """End to end (API p50 over the query in process) | on the server (Server-Timing)."""
    app_ms, db_ms = app_db
    outside = f"{sql_ms:.2f} ms, {api_p50_ms / sql_ms:.2f}×" if sql_ms else "–"
    if math.isnan(db_ms):
        return f"{outside} | {app_ms:.2f} ms, no database"
    return f"{outside} | {app_ms:.2f} / {db_ms:.2f} ms, {app_ms / db_ms:.2f}×"


def _row(name: str, c: int, a: Run, b: Run, sql_ms: float | None, app_db) -> str:
    overhead = _overhead(sql_ms, a.p50 * 1000, app_db) if c == 1 else " | "
    return (
        f"| {name} | {c} | {a.rps:,.0f} | {a.p50 * 1000:.2f} / {a.p95 * 1000:.2f} | "
        f"{b.rps:,.0f} | {b.p50 * 1000:.2f} / {b.p95 * 1000:.2f} | **{a.rps / b.rps:.2f}×** | "
        f"{a.cpu_ms:.2f} / {b.cpu_ms:.2f} | {overhead}"
        + (f" | errors {a.errors}/{b.errors}" if a.errors or b.errors else " |")
    )


# Issue 3's goals: at least tipg's throughput on every case (aim 1.5×), and the API's time
# within 1.2× of its query's own.
THROUGHPUT_GOAL, THROUGHPUT_AIM, OVERHEAD_GOAL = 1.0, 1.5, 1.2


def _goals(rows: list) -> str:
    """Each goal, counted cell by cell from the table's rows. The floor (a case without a
    query) is not one of the issue's cases; the overhead is read at 1 client, both views."""
    # A case with a query has its in-process time on both of its rows; the floor has none.
    loads = [(f"{r[0]}, {r[1]} client(s)", r[2].rps / r[3].rps) for r in rows if r[4]]
    end_to_end, server = [], []
    for name, c, a, _b, sql_ms, app_db in rows:
        if c == 1 and sql_ms:
            end_to_end.append((name, a.p50 * 1000 / sql_ms))
            server.append((name, app_db[0] / app_db[1]))

    def line(what: str, cells: list[tuple[str, float]], ok) -> str:
        # Judged as printed: a 1.204× shown as 1.20× counts as within 1.2×.
        met = [f"{n} {v:.2f}×" for n, v in cells if ok(round(v, 2))]
        values = [v for _, v in cells]
        spread = f"{min(values):.2f}–{max(values):.2f}×" if values else "no cells"
        return f"- {what}: {len(met)} of {len(cells)} cells ({spread})" + (
            f"; met: {', '.join(met)}" if met and len(met) < len(cells) else ""
        )

    floor = [r[2].p50 * 1000 for r in rows if r[1] == 1 and not r[4]]
    return "\n".join(
        [
            "Goals, cell by cell:",
            line("throughput at least tipg's", loads, lambda v: v >= THROUGHPUT_GOAL),
            line(
                f"throughput at least {THROUGHPUT_AIM}× tipg's",
                loads,
                lambda v: v >= THROUGHPUT_AIM,
            ),
            line(
                f"API p50 within {OVERHEAD_GOAL}× its query in process (end to end)",
                end_to_end,
                lambda v: v <= OVERHEAD_GOAL,
            ),
            line(
                f"Server-Timing app within {OVERHEAD_GOAL}× its db (on the server)",
                server,
                lambda v: v <= OVERHEAD_GOAL,
            ),
            *(f"- HTTP floor (no database), p50 at 1 client: {ms:.2f} ms" for ms in floor),
        ]
    )


def _table(rows: list) -> str:
    head = (
        "| case | clients | ours req/s | ours p50 / p95 ms | tipg req/s | tipg p50 / p95 ms "
        "| ours / tipg | server CPU ms/req, ours / tipg | query in process; API p50 / query "
        "| Server-Timing app / db; app / db |"
        "\n|---|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([head, *(_row(*r) for r in rows)])


if __name__ == "__main__":
    main()
