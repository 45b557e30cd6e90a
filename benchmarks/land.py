"""The company's typical land query, in process and over HTTP.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.land [--runs 15]

"Which plots can we put on the market by 2026 for housing, at least 2,000 m², within 500 m
walk of a letbane stop?" = `GET /land/sellable?use=housing&available_by=2026&min_area=2000&
max_walk_to_stop=500`. Loads the bundled reference into a throwaway database and prints the
median (min, max) of N runs of: `gis.land.network.parcel_walks` for the year (what a cold
query pays once), the domain function `gis.land.sellable.sellable` cold (first call) and
warm (walks kept), and the same over HTTP against one uvicorn process (first request, then
the median). Goal: under 200 ms. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from benchmarks import databases
from benchmarks.serving import PLATFORM, serve
from gis.db import make_engine
from gis.land import sellable as land
from gis.land.network import parcel_walks
from gis.layers import LAYERS

QUERY = {"use": "housing", "available_by": "2026", "min_area": "2000", "max_walk_to_stop": "500"}
GOAL_S = 0.200


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _line(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    spread = f"  (min {min(ms):7.1f}, max {max(ms):7.1f}, n={len(ms)})" if len(ms) > 1 else ""
    verdict = (
        ""
        if len(ms) == 1
        else ("  under goal" if statistics.median(ms) < GOAL_S * 1000 else "  OVER goal")
    )
    return f"{label:<48} {statistics.median(ms):8.1f} ms{spread}{verdict}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=15)
    args = p.parse_args(argv)
    with databases.with_reference("land") as url:
        # As the app connects (jit off: PostgreSQL's JIT adds ~1.3 s to the walks' plan).
        engine = make_engine(url)
        q = land.SellableQuery.from_params({k: [v] for k, v in QUERY.items()})
        layer = LAYERS["plots"]
        with engine.connect() as conn:
            walks = [_timed(lambda: parcel_walks(conn, 2026)) for _ in range(3)]
            land._CACHE.clear()
            cold = [_timed(lambda: land.sellable(conn, layer, q))]
            warm = [_timed(lambda: land.sellable(conn, layer, q)) for _ in range(args.runs)]
            found = land.sellable(conn, layer, q)
        engine.dispose()
        env = {"DATABASE_URL": url}
        with (
            serve(PLATFORM, env) as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            first = [_timed(lambda: client.get("/land/sellable", params=QUERY))]
            http = [
                _timed(lambda: client.get("/land/sellable", params=QUERY).raise_for_status())
                for _ in range(args.runs)
            ]
    print(f"typical query: {QUERY}")
    print(
        f"answer: {found.summary['count']} plots, {found.summary['plot_area_m2']:,.0f} m² of plot, "
        f"{found.summary['building_right_m2']:,.0f} m² building right, "
        f"{found.summary['expected_dwellings']} dwellings"
    )
    print(_line("parcel_walks(2026), every parcel", walks))
    print(_line("sellable(), in process, cold (walks computed)", cold))
    print(_line("sellable(), in process, warm (walks kept)", warm))
    print(_line("GET /land/sellable, first request", first))
    print(_line("GET /land/sellable, later requests", http))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
