"""The OGC API against tipg, side by side on the same database and data.

    .venv/bin/pip install -e '.[bench]'      # tipg
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.ogc [--seconds 3] [--concurrency 1 16]

Loads the bundled reference data into a throwaway database, starts the platform
(`api.app:create_app`) and tipg (`tipg.main:app`) each as one uvicorn process with one
worker (the same for both) on a loopback port, and drives both with the same requests
from an asyncio httpx client: items (limit 10 and 1,000, with and without bbox) and
tiles (z13-z17 over Vollsmose, every tile in turn), at 1 and 16 concurrent clients.
Prints requests per second and p50/p95 latency, our throughput over tipg's, and the
API's time over the time of its own query called in process (`gis.features.items`,
`gis.tiles.tile`). Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import cycle

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from benchmarks import databases
from benchmarks.serving import PLATFORM, serve
from gis import features, migrate, tiles
from gis.layers import LAYERS
from gis.reference import default_reference_path, load_reference

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
    out = []
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
    p50: float
    p95: float
    errors: int


async def _load(base: str, paths: list[str], concurrency: int, seconds: float) -> Run:
    latencies: list[float] = []
    errors = 0
    order = cycle(paths)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for path in paths[:20]:  # warm-up: connections, plans, catalog
            await client.get(path)
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                path = next(order)
                t = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t)
                if r.status_code not in (200, 204):
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return Run(
        len(latencies) / elapsed,
        statistics.median(latencies),
        latencies[int(0.95 * (len(latencies) - 1))],
        errors,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per case and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()
    try:
        import tipg  # noqa: F401
    except ImportError:
        raise SystemExit("tipg is not installed: .venv/bin/pip install -e '.[bench]'") from None

    with databases.throwaway("ogc") as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            migrate.upgrade(conn)
            load_reference(conn, default_reference_path())
        engine.dispose()
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
                sql_ms = _in_process_ms(url, case)
                for c in args.concurrency:
                    a = asyncio.run(_load(ours, case.ours, c, args.seconds))
                    b = asyncio.run(_load(peer, case.tipg, c, args.seconds))
                    rows.append((case.name, c, a, b, sql_ms))
                    print(_row(*rows[-1]), flush=True)
    print()
    print(_table(rows))


def _row(name: str, c: int, a: Run, b: Run, sql_ms: float) -> str:
    return (
        f"| {name} | {c} | {a.rps:,.0f} | {a.p50 * 1000:.1f} / {a.p95 * 1000:.1f} | "
        f"{b.rps:,.0f} | {b.p50 * 1000:.1f} / {b.p95 * 1000:.1f} | {a.rps / b.rps:.2f}× | "
        + (f"{sql_ms:.2f} ms, {a.p50 * 1000 / sql_ms:.2f}×" if c == 1 else "")
        + (f" | errors {a.errors}/{b.errors}" if a.errors or b.errors else " |")
    )


def _table(rows: list) -> str:
    head = (
        "| case | clients | ours req/s | ours p50 / p95 ms | tipg req/s | tipg p50 / p95 ms "
        "| ours / tipg | query in process, API p50 / query |\n|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([head, *(_row(*r) for r in rows)])


if __name__ == "__main__":
    main()
