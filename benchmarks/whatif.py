"""What a sale does to the 40 %, timed: the what-if and the gap, in process and over HTTP.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.whatif [--runs 21]

Loads the bundled reference data into a throwaway database (vollsmose_bench_whatif_*,
dropped afterwards), then times N runs (after one untimed warm-up) of
- a what-if of two developments on two parcels of Vollsmose, years 2025 and 2030
  (`gis.land.whatif.what_if`; `POST /land/what-if`), and
- the gap to 38 % in 2030 (`gis.land.gap.area_gap`; `GET /areas/vollsmose/tenure-mix/gap`),
in this process on one connection opened as the platform opens them (jit off), and over
HTTP against the platform started as one uvicorn process on a loopback port. Prints the
medians against the goal of 200 ms, never asserting them. Parcels are named by plot label
where the reference data has one, else by matrikel key.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx
from sqlalchemy import Connection, create_engine, text

from benchmarks import databases
from benchmarks.serving import PLATFORM, serve
from gis.db import make_engine
from gis.land.gap import area_gap
from gis.land.whatif import Development, what_if

GOAL_S = 0.200
AREA = "vollsmose"
YEARS = [2025, 2030]


def _parcels(conn: Connection) -> list[str]:
    """Two housing parcels of the area, by plot label if they have one."""
    rows = conn.execute(
        text(
            """
            SELECT coalesce(l.plot_label, p.ejerlavskode || '-' || p.matrikelnummer)
            FROM parcel p
            JOIN area a ON a.slug = :area AND ST_Covers(a.boundary, ST_PointOnSurface(p.geom))
            LEFT JOIN parcel_land l ON l.parcel_id = p.id
            WHERE p.planned_use = 'housing'
            ORDER BY l.plot_label IS NULL, p.id
            LIMIT 2
            """
        ),
        {"area": AREA},
    ).scalars()
    return list(rows)


def _developments(keys: list[str]) -> list[Development]:
    return [
        Development(keys[0], 2027, {"owner_occupied": 240, "private_rental": 60}),
        Development(keys[1], 2024, {"cooperative": 80}, business_m2=1_500),
    ]


def _body(developments: list[Development]) -> dict:
    return {
        "area": AREA,
        "years": YEARS,
        "developments": [
            {"parcel": d.parcel, "year": d.year, "dwellings": dict(d.dwellings),
             "business_m2": d.business_m2}
            for d in developments
        ],
    }  # fmt: skip


def _measure(fn: Callable[[], object], runs: int) -> list[float]:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _line(label: str, times: list[float]) -> str:
    med = statistics.median(times)
    verdict = "met" if med < GOAL_S else "NOT met"
    return (
        f"  {label:<34} median {med * 1000:7.1f} ms "
        f"({min(times) * 1000:.1f}-{max(times) * 1000:.1f}); goal < 200 ms: {verdict}"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=21)
    args = p.parse_args(argv)

    with databases.with_reference("whatif") as url:
        engine = create_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
        lines = []
        engine.dispose()
        # Sessions as the platform opens them (jit off, gis.db.SESSION_OPTIONS).
        engine = make_engine(url)
        with engine.connect() as c:
            keys = _parcels(c)
            developments = _developments(keys)

            # Each call in a transaction of its own, as each request gets one.
            def in_process(fn):
                def run():
                    try:
                        return fn()
                    finally:
                        c.rollback()

                return run

            lines.append(
                _line(
                    "what-if, in process",
                    _measure(in_process(lambda: what_if(c, AREA, developments, YEARS)), args.runs),
                )
            )
            lines.append(
                _line(
                    "gap, in process",
                    _measure(in_process(lambda: area_gap(c, AREA, 2030, 0.38)), args.runs),
                )
            )
        engine.dispose()
        body = _body(developments)
        with (
            serve(PLATFORM, {"DATABASE_URL": url}) as base,
            httpx.Client(base_url=base, timeout=30) as http,
        ):

            def post():
                r = http.post("/land/what-if", json=body)
                r.raise_for_status()

            def get():
                r = http.get(f"/areas/{AREA}/tenure-mix/gap", params={"year": 2030, "target": 0.38})
                r.raise_for_status()

            lines.append(_line("what-if, POST /land/what-if", _measure(post, args.runs)))
            lines.append(_line("gap, GET .../tenure-mix/gap", _measure(get, args.runs)))

    print(
        f"what-if and gap, vollsmose reference data, {args.runs} runs; what-if: 2 developments "
        f"({', '.join(keys)}), years {YEARS[0]} and {YEARS[1]}; gap: 2030, target 0.38"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
