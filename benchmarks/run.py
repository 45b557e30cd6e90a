"""`make bench`: time the tenure mix on the Vollsmose reference and on a national-scale stock.

    .venv/bin/python -m benchmarks.run [--runs 7] [--national-scale 3000000] [--explain]

Prints a table of median, min and max of N timed runs (after one untimed warm-up run) of
the public functions `gis.tenure.tenure_mix` and `trajectory`, as a caller sees them, and
ratios against peers run side by side: a naive per-building Python loop computing the same
figures, and one year against the 2020-2030 trajectory. Times are reported against the
targets, never asserted. The figures are also written to benchmarks/results/ (ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from benchmarks import databases, national
from benchmarks.naive import naive_tenure_mix, summary_of
from gis import migrate
from gis.db import SESSION_OPTIONS, versions
from gis.reference import default_reference_path, load_reference
from gis.tenure import _parameters, _statement, tenure_mix, trajectory

RESULTS = Path(__file__).resolve().parent / "results"
YEAR = 2030
FIRST, LAST = 2020, 2030
# The targets the figures are reported against (not asserted).
TARGET_VOLLSMOSE_YEAR_S = 0.020
TARGET_NATIONAL_YEAR_S = 10.0


@dataclass
class Case:
    dataset: str
    label: str
    seconds: list[float]
    target_s: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class Report:
    started: str
    machine: dict
    datasets: dict = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    ratios: list[tuple[str, float]] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def measure(fn: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """Seconds of each of `runs` timed calls after one untimed warm-up; and the last answer."""
    answer = fn()  # warm-up: plan caches, buffers, imports
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        answer = fn()
        times.append(time.perf_counter() - t)
    return times, answer


def _fmt(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _machine(conn: Connection) -> dict:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    settings = conn.execute(
        text(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers',"
            " 'work_mem', 'max_parallel_workers_per_gather', 'jit') ORDER BY name"
        )
    ).all()
    return {
        "cores": os.cpu_count(),
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions(conn),
        "settings": {s.name: s.setting + (s.unit or "") for s in settings},
    }


def _dataset_figures(conn: Connection, area_slug: str, quarter_set: str | None) -> dict:
    """What the area holds: its buildings (by anchor, as the tenure mix counts them)."""
    row = conn.execute(
        text(
            "WITH a AS (SELECT id, boundary FROM area WHERE slug = :a),"
            " b AS (SELECT b.id FROM building b, a WHERE ST_Covers(a.boundary, b.anchor))"
            " SELECT (SELECT count(*) FROM b) AS buildings,"
            " (SELECT count(*) FROM dwelling_stock s JOIN b ON b.id = s.building_id)"
            "  AS stock_rows,"
            " (SELECT count(*) FROM building) AS buildings_in_database,"
            " (SELECT count(*) FROM quarter q JOIN quarter_set s ON s.id = q.quarter_set_id"
            "  JOIN a ON a.id = s.area_id"
            "  WHERE (s.slug = :qs OR CAST(:qs AS text) IS NULL)) AS quarters"
        ),
        {"a": area_slug, "qs": quarter_set},
    ).one()
    mix = tenure_mix(conn, area_slug, YEAR, quarter_set).total
    return {
        "area": area_slug,
        "quarter_set": quarter_set,
        "quarters": row.quarters,
        "buildings": row.buildings,
        "stock_rows": row.stock_rows,
        "buildings_in_database": row.buildings_in_database,
        f"dwellings_{YEAR}": mix.total_dwellings,
        f"legal_share_{YEAR}": None if mix.legal_share is None else round(mix.legal_share, 4),
    }


def _time_area(
    report: Report,
    conn: Connection,
    dataset: str,
    area: str,
    quarter_set: str | None,
    runs: int,
    target_s: float | None,
    naive: str,
) -> Case:
    """Times one year and the trajectory; runs the naive peer to time it ("time"), or once to
    check its figures ("check"), or not ("no"). Returns the one-year case."""
    times, sql_year = measure(lambda: tenure_mix(conn, area, YEAR, quarter_set), runs)
    one = Case(dataset, f"tenure_mix {YEAR}", times, target_s)
    times, traj_answer = measure(lambda: trajectory(conn, area, FIRST, LAST, quarter_set), runs)
    traj = Case(dataset, f"trajectory {FIRST}-{LAST}", times)
    report.cases += [one, traj]
    report.ratios.append(
        (f"{dataset}: trajectory {FIRST}-{LAST} / one year", traj.median / one.median)
    )
    in_traj = traj_answer.years[YEAR - FIRST]
    report.checks.append(
        (f"{dataset}: trajectory's {YEAR} equals the one-year answer", in_traj == sql_year)
    )
    if naive == "check":
        same = naive_tenure_mix(conn, area, YEAR, quarter_set) == summary_of(sql_year)
        report.checks.append((f"{dataset}: naive loop gives the same figures as the SQL", same))
    elif naive == "time":
        times, naive_answer = measure(lambda: naive_tenure_mix(conn, area, YEAR, quarter_set), runs)
        peer = Case(dataset, f"naive Python loop {YEAR}", times, note="peer")
        report.cases.append(peer)
        report.ratios.append(
            (f"{dataset}: naive Python loop / tenure_mix, one year", peer.median / one.median)
        )
        same = naive_answer == summary_of(sql_year)
        report.checks.append((f"{dataset}: naive loop gives the same figures as the SQL", same))
    return one


def _vollsmose(report: Report, args: argparse.Namespace) -> None:
    """The bundled reference data, loaded into a database of this run's own."""
    dataset = "Vollsmose"
    with databases.throwaway("reference") as url:
        engine = _platform_engine(url)
        try:
            try:
                with engine.begin() as conn:
                    migrate.upgrade(conn)
                    load_reference(conn, default_reference_path())
            except Exception as exc:  # reported, and the national part still runs
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                report.errors.append(
                    f"{dataset}: the reference data did not load: {type(exc).__name__}:"
                    f" {first_line}"
                )
                return
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            with engine.connect() as conn:
                report.machine = report.machine or _machine(conn)
                area, quarter_set = _pick_area(conn)
                report.datasets[dataset] = _dataset_figures(conn, area, quarter_set)
                _time_area(
                    report,
                    conn,
                    dataset,
                    area,
                    quarter_set,
                    args.runs,
                    TARGET_VOLLSMOSE_YEAR_S,
                    naive="time",
                )
        finally:
            engine.dispose()


def _platform_engine(url) -> Engine:
    """Sessions as the platform opens them (gis.db.SESSION_OPTIONS). NullPool: every
    connect() is a new server session (no prepared statements, no SET)."""
    return create_engine(url, poolclass=NullPool, connect_args={"options": SESSION_OPTIONS})


def _pick_area(conn: Connection) -> tuple[str, str | None]:
    """Vollsmose if the data has it, else the first area; with its first quarter set."""
    rows = conn.execute(
        text(
            "SELECT a.slug, (SELECT s.slug FROM quarter_set s WHERE s.area_id = a.id"
            " ORDER BY s.id LIMIT 1) AS qs FROM area a ORDER BY (a.slug <> 'vollsmose'), a.id"
        )
    ).all()
    return rows[0].slug, rows[0].qs


def _national(report: Report, args: argparse.Namespace) -> None:
    gen = national.ensure(args.national_scale, args.national_quarters, regenerate=args.regenerate)
    engine = _platform_engine(databases.url_of(national.DATABASE))
    runs = args.national_runs or args.runs
    cases = [
        # dataset, area, quarter set, runs, target, naive peer
        ("national", national.AREA_SLUG, national.QUARTER_SET, runs, TARGET_NATIONAL_YEAR_S,
         "time" if args.naive_national else "check"),
        # The small question asked of the big database: index-driven, so it stays local.
        ("national, local area", national.LOCAL_SLUG, national.LOCAL_QUARTER_SET, args.runs,
         TARGET_VOLLSMOSE_YEAR_S, "check"),
    ]  # fmt: skip
    try:
        with engine.connect() as conn:
            report.machine = report.machine or _machine(conn)
            for dataset, area, qs, *_ in cases:
                report.datasets[dataset] = _dataset_figures(conn, area, qs)
            report.datasets["national"].update(
                generated_dwellings=gen.dwellings,
                generation_s=round(gen.seconds, 1),
                reused=gen.reused,
            )
            if args.explain:
                _explain(conn)
        one_year = {}
        for dataset, area, qs, n, target, naive in cases:
            # A session of its own: psycopg prepares a statement run five times, and the
            # server may then plan it once for all areas (benchmarks/README.md).
            with engine.connect() as conn:
                one_year[dataset] = _time_area(
                    report, conn, dataset, area, qs, n, target, naive=naive
                )
        # Peer: the same one-year questions with the server's default JIT compilation on,
        # which the platform's sessions switch off.
        for dataset, area, qs, n, *_ in cases:
            with engine.connect() as conn:
                conn.execute(text("SET jit = on"))
                times, _ = measure(lambda a=area, q=qs: tenure_mix(conn, a, YEAR, q), n)
            on = Case(dataset, f"tenure_mix {YEAR}, jit on", times, note="peer")
            report.cases.append(on)
            report.ratios.append(
                (
                    f"{dataset}: one year, jit on (server default) / platform (jit off)",
                    on.median / one_year[dataset].median,
                )
            )
    finally:
        engine.dispose()


def _explain(conn: Connection) -> None:
    from gis.areas import get_area, get_quarter_set

    area = get_area(conn, national.AREA_SLUG)
    qs = get_quarter_set(area, national.QUARTER_SET)
    params = _parameters(area, qs, YEAR, YEAR)
    conn.execute(_statement(), params).all()  # warm
    plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + _statement().text), params)
    print(f"\nEXPLAIN ANALYZE, national, {YEAR}:")
    for line in plan.scalars():
        print("  " + line)
    print()


def _print(report: Report) -> None:
    m = report.machine
    print(f"\nFremtidens Vollsmose benchmark, {report.started}")
    print(
        f"machine: {m.get('cores')} cores, {m.get('memory')}; PostgreSQL {m.get('postgresql')},"
        f" PostGIS {m.get('postgis')}; {m.get('settings')}"
    )
    print("\ndatasets:")
    for name, d in report.datasets.items():
        desc = ", ".join(
            f"{k} {v:,}" if isinstance(v, int) and not isinstance(v, bool) else f"{k} {v}"
            for k, v in d.items()
        )
        print(f"  {name}: {desc}")
    print(
        f"\n{'dataset':<26} {'case':<26} {'runs':>4} {'median':>10} {'min':>10} {'max':>10}"
        "   target"
    )
    print("-" * 100)
    for c in report.cases:
        target = ""
        if c.target_s is not None:
            verdict = "met" if c.median < c.target_s else "NOT met"
            target = f"< {_fmt(c.target_s)}: {verdict}"
        elif c.note:
            target = c.note
        print(
            f"{c.dataset:<26} {c.label:<26} {len(c.seconds):>4} {_fmt(c.median):>10}"
            f" {_fmt(min(c.seconds)):>10} {_fmt(max(c.seconds)):>10}   {target}"
        )
    print("\nratios (medians):")
    for label, ratio in report.ratios:
        print(f"  {label:<70} {ratio:8.1f} x")
    print("\nchecks:")
    for label, ok in report.checks:
        print(f"  {label:<70} {'yes' if ok else 'NO'}")
    for error in report.errors:
        print(f"\nERROR: {error}")


def _save(report: Report) -> Path:
    RESULTS.mkdir(exist_ok=True)
    data = asdict(report)
    for case, c in zip(data["cases"], report.cases, strict=True):
        case["median"] = c.median
    path = RESULTS / f"bench-{report.started.replace(':', '').replace(' ', 'T')}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    (RESULTS / "latest.json").write_text(path.read_text())
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    p.add_argument(
        "--national-scale",
        type=int,
        default=national.DEFAULT_SCALE,
        metavar="DWELLINGS",
        help="dwellings in the generated national stock (default 3,000,000)",
    )
    p.add_argument(
        "--national-quarters",
        type=int,
        default=national.DEFAULT_QUARTERS,
        metavar="N",
        help="quarters of the national grid (default 10,000)",
    )
    p.add_argument(
        "--national-runs",
        type=int,
        default=None,
        metavar="N",
        help="timed runs of the national cases (default: --runs)",
    )
    p.add_argument(
        "--regenerate",
        action="store_true",
        help="generate the national stock again even if a matching one is kept",
    )
    p.add_argument(
        "--naive-national",
        action="store_true",
        help="also run the naive Python loop on the national stock (slow)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN (ANALYZE, BUFFERS) of the national one-year query",
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="also run benchmarks.record: reads of a scenario and of a recorded time against"
        " the adopted plan (Server-Timing, its own defaults)",
    )
    p.add_argument(
        "--edits",
        action="store_true",
        help="also run benchmarks.edits: 8 concurrent editors against a real server, lost"
        " updates (must be 0) and a write's latency with its audit (its own defaults)",
    )
    p.add_argument("--skip-vollsmose", action="store_true")
    p.add_argument("--skip-national", action="store_true")
    args = p.parse_args(argv)
    if args.runs < 1 or (args.national_runs is not None and args.national_runs < 1):
        p.error("runs must be at least 1")
    if args.national_scale < 1 or args.national_quarters < 1:
        p.error("--national-scale and --national-quarters must be positive")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report(started=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), machine={})
    if not args.skip_vollsmose:
        _vollsmose(report, args)
    if not args.skip_national:
        _national(report, args)
    _print(report)
    print(f"\nsaved: {_save(report)}")
    if args.record:
        from benchmarks import record  # serves the API: only when asked

        print()
        record.main([])
    edits_failed = False
    if args.edits:
        from benchmarks import edits  # serves the API: only when asked

        print()
        edits_failed = edits.main([]) != 0  # a lost update or a broken history
    # Times are never asserted; wrong figures and failures are.
    if report.errors or edits_failed or not all(ok for _, ok in report.checks):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
