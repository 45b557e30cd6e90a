"""Plots at a recorded time on the land views of migration 0026 against those of 0010.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.record_land [--runs 11]

Migration 0026 gives a reader who may not read sale data the land tables' rows (parcel,
parcel_land) at the end of the year asked for, with opaque change ids (issue 15). This loads
the reference data into a throwaway database and times, in process on a connection that
entered `recorded=2021-06-01` (as `benchmarks.record` does), plots items limit 100, one
plot with its version and a z15 plots tile, as the public (the reader role) and as the login
role, with the views as 0026 makes them and as 0010's generator made them (0026 keeps it as
its downgrade; the SQL is read from the migration file), the two alternated within every
run. Medians over the runs of 40 reads each; the load average beside them. Figures are
reported, never asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from benchmarks import databases
from benchmarks.record import RECORDED, TORV, ZOOM, _load, _ms, _tile_at
from gis import record
from gis.layers import LAYERS
from gis.ogc import features, tiles
from gis.ogc.crs import CRS84

MIGRATION = (
    Path(__file__).resolve().parent.parent / "migrations/versions/0026_land_year_granularity.py"
)
ROLES = ("public", "login")


def generators() -> tuple[str, str, tuple[str, ...]]:
    """(0010's view generator, 0026's, the land tables) as migration 0026 has them."""
    spec = importlib.util.spec_from_file_location("land_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.OLD_REFRESH, module.REFRESH, module.LAND


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.record_land", description=__doc__.splitlines()[0]
    )
    p.add_argument("--runs", type=int, default=11, help="runs; medians shown")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    old, new, tables = generators()
    layer = LAYERS["plots"]
    q = features.ItemsQuery.from_params(layer, {"limit": "100"})
    view = record.PlanView(recorded=record.parse_recorded(RECORDED))
    z, x, y = _tile_at(*TORV, ZOOM)
    with databases.with_reference("record-land") as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            fid = conn.execute(text("SELECT min(parcel_id) FROM parcel_land")).scalar_one()
        reads: dict[str, Callable[[Connection], object]] = {
            "plots items limit 100": lambda c: features.items(c, layer, q),
            "one plot (with its version)": lambda c: features.item_version(
                c, layer, str(fid), CRS84
            ),
            f"plots tile z{z} at the torv": lambda c: tiles.tile(c, [layer], z, x, y),
        }

        def views(generator: str) -> None:
            with engine.begin() as conn:
                conn.execute(text(generator))
                for t in tables:
                    conn.execute(text(f"SELECT vm_version_table_refresh('{t}')"))

        def timed(role: str, read: Callable[[Connection], object], n: int = 40) -> float:
            with engine.connect() as conn, conn.begin():
                if role == "public":
                    conn.exec_driver_sql("SET LOCAL ROLE vm_public")
                record.enter(conn, view)
                start = time.perf_counter()
                for _ in range(n):
                    read(conn)
                return (time.perf_counter() - start) / n * 1000

        print(f"load average (1 / 5 / 15 min): {_load()} before")
        found: dict = {}
        try:
            for _ in range(args.runs):
                for label, generator in (("0010", old), ("0026", new)):
                    views(generator)
                    for role in ROLES:
                        for name, read in reads.items():
                            timed(role, read, 5)  # statements prepared, caches warm
                            found.setdefault((name, role, label), []).append(timed(role, read))
        finally:
            views(new)
            engine.dispose()
        print(f"load average (1 / 5 / 15 min): {_load()} after")
    print(f"\nrecorded={RECORDED}, in process, medians of {args.runs} runs of 40 reads (ms)\n")
    print("| read | role | 0010 views | 0026 views | 0026 / 0010 |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name in reads:
        for role in ROLES:
            a = statistics.median(found[(name, role, "0010")])
            b = statistics.median(found[(name, role, "0026")])
            print(f"| {name} | {role} | {_ms(a)} | {_ms(b)} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
