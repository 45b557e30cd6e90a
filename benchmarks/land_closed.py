"""The adopted plan's land reads with the land times closed to the reader role (migration 0032)
against the same reads without it.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.land_closed [--runs 7]

Migration 0032 closes the land tables' `recorded_from` and `change_id` to the reader role,
which then reads the adopted plan's `parcel` and `parcel_land` through views (schema
`vm_public`) that give those columns by the year and opaque. This loads the reference data
into a throwaway database and reads, in process, parcels and plots items limit 100 and one
plot and one parcel with their versions (as `gis.ogc.features.item_version` read them before
and reads them now), as the public (the reader role) and as the login role, with the
migration applied and undone (its own SQL, read from the migration file), the two alternated
within every run. The figure is CPU time per read, this process's and the
database backend's (from /proc: the database must run on this machine), which on a shared
machine the scheduler's waits do not inflate as they do the clock (1000 reads a figure: the
kernel counts CPU in ticks of 10 ms); medians over the runs, the load average beside them.
Reported, never asserted.
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
from benchmarks.record import _backend_cpu_ms, _load, _ms
from gis.layers import LAYERS
from gis.ogc import features
from gis.ogc.crs import CRS84

MIGRATION = Path(__file__).resolve().parent.parent / "migrations/versions/0032_land_times_closed.py"
ROLES = ("public", "login")


def migration_sql() -> tuple[str, str]:
    """(upgrade, downgrade) SQL of migration 0032."""
    spec = importlib.util.spec_from_file_location("land_closed_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UPGRADE, module.DOWNGRADE


def item_version_before(conn: Connection, layer, fid: str) -> tuple[str, int | None]:
    """`features.item_version` as it was before migration 0032: the table's change id made
    opaque for the reader by `vm_land_change` in the statement (now the reader's `parcel`
    is a view that gives it opaque)."""
    table = features.versioned_table(layer)
    feature = features._feature_sql(layer, features.ItemsQuery(crs=CRS84))
    sql = (
        f"SELECT {feature} AS feature,"
        f" (SELECT vm_land_change(v.change_id) FROM {table} v WHERE v.id = t.id) AS version"
        f" FROM {layer.source} WHERE t.id = :id"
    )
    found = conn.execute(text(sql), {"id": int(fid)}).one()
    return found.feature, found.version


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.land_closed", description=__doc__.splitlines()[0]
    )
    p.add_argument("--runs", type=int, default=7, help="runs; medians shown")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    upgrade, downgrade = migration_sql()
    plots, parcels = LAYERS["plots"], LAYERS["parcels"]
    q_plots = features.ItemsQuery.from_params(plots, {"limit": "100"})
    q_parcels = features.ItemsQuery.from_params(parcels, {"limit": "100"})
    with databases.with_reference("land-closed") as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            fid = str(conn.execute(text("SELECT min(parcel_id) FROM parcel_land")).scalar_one())
        # (name, the read before 0032, the read with it): the items are read as before;
        # one item's version is read from the reader's view now.
        reads: dict[str, tuple[Callable[[Connection], object], ...]] = {
            "parcels items limit 100": (lambda c: features.items(c, parcels, q_parcels),) * 2,
            "plots items limit 100": (lambda c: features.items(c, plots, q_plots),) * 2,
            "one plot (with its version)": (
                lambda c: item_version_before(c, plots, fid),
                lambda c: features.item_version(c, plots, fid, CRS84),
            ),
            "one parcel (with its version)": (
                lambda c: item_version_before(c, parcels, fid),
                lambda c: features.item_version(c, parcels, fid, CRS84),
            ),
        }

        def apply(sql: str) -> None:
            with engine.begin() as conn:
                conn.execute(text(sql))

        def cpu(role: str, read: Callable[[Connection], object], n: int = 1000) -> float:
            with engine.connect() as conn, conn.begin():
                pid = conn.connection.driver_connection.info.backend_pid
                if role == "public":
                    conn.exec_driver_sql("SET LOCAL ROLE vm_public")
                for _ in range(5):  # statements prepared, caches warm
                    read(conn)
                backend, client = _backend_cpu_ms(pid), time.process_time()
                for _ in range(n):
                    read(conn)
                spent = _backend_cpu_ms(pid) - backend + (time.process_time() - client) * 1000
                return spent / n

        print(f"load average (1 / 5 / 15 min): {_load()} before")
        found: dict = {}
        try:
            for _ in range(args.runs):
                for i, (label, sql) in enumerate((("without", downgrade), ("0032", upgrade))):
                    apply(sql)
                    for role in ROLES:
                        for name, read in reads.items():
                            found.setdefault((name, role, label), []).append(cpu(role, read[i]))
        finally:
            engine.dispose()
        print(f"load average (1 / 5 / 15 min): {_load()} after")
    print(
        f"\nadopted plan now, in process, CPU per read, medians of {args.runs} runs of 1000 (ms)\n"
    )
    print("| read | role | without 0032 | with 0032 | with / without |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name in reads:
        for role in ROLES:
            a = statistics.median(found[(name, role, "without")])
            b = statistics.median(found[(name, role, "0032")])
            print(f"| {name} | {role} | {_ms(a)} | {_ms(b)} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
