"""Reads of another version of the plan (`scenario=`, `recorded=`) against the same reads
of the adopted plan: the server's own time (`Server-Timing: app`).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.record [--runs 5] [--requests 30] [--explain]

Loads the bundled reference data into a throwaway database, adds a scenario that overrides
a few buildings (written straight into the version tables, as an edit in a scenario leaves
them: the building rows and their dwellings, demolitions moved two years), `VACUUM
ANALYZE`s, and serves the platform from one uvicorn process with one worker. Each case
(items limit 10, one item, a z15 tile at Vollsmose Torv, the tenure mix 2030, the
trajectory 2020-2035) is asked of the adopted plan, of the scenario and of
`recorded=2021-06-01`, the three interleaved within every run so drift hits them alike;
a run is `--requests` requests back to back on one keep-alive connection, and the table
shows the medians over the runs of each run's median (a ratio: the median over the runs of each
run's ratio, the two measured a moment apart). Beside them: the same read in
process (the query on a connection that entered the version, no HTTP), the HTTP floor
(`/conformance`, no database) and the machine's load average. The issue's goal is at most
1.2× the adopted read; figures are reported, never asserted. Then the same requests with
the versions asked one after another (a pooled connection answering the adopted plan and
the others in turn, as under a real mix of readers). Last, the tenure cases' CPU
per read when every read comes after a write (another connection bumps the data stamp), so
a version computes the tenure corrections it would otherwise have kept (gis.tenure).
`--explain` prints `EXPLAIN (ANALYZE, BUFFERS)` of every statement of one case in each
version.

`--national DATABASE` times the tenure mix of the national stock instead (a year and the
trajectory of the generated `danmark`, in process), adopted, a scenario overriding 5
buildings and a recorded time just before an edit of 5 others, on a throwaway copy of
DATABASE (one `benchmarks/national.py` generated at the schema's head), and checks each
version's answer against the plan views'.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Connection, create_engine, event, text

from benchmarks import databases
from benchmarks.serving import PLATFORM, serve
from gis import data_version, record, tenure
from gis.areas import get_area, get_quarter_set
from gis.db import READER_ROLE, close_read, make_engine
from gis.layers import LAYERS
from gis.ogc import features, tiles
from gis.ogc.crs import CRS84

SCENARIO = "benchmark-scenario"
RECORDED = "2021-06-01"
OVERRIDDEN = 5  # buildings the scenario overrides
TORV = (10.4413, 55.4068)
ZOOM = 15
GOAL = 1.2
VERSIONS = {
    "adopted": {},
    "scenario": {"scenario": SCENARIO},
    "recorded": {"recorded": RECORDED},
}


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@dataclass
class Case:
    name: str
    path: str
    params: dict
    in_process: Callable[[Connection], object]


def cases(building_id: int) -> list[Case]:
    layer = LAYERS["buildings"]
    q = features.ItemsQuery.from_params(layer, {"limit": "10"})
    z, x, y = _tile_at(*TORV, ZOOM)
    return [
        Case(
            "items limit 10",
            "/collections/buildings/items",
            {"limit": 10},
            lambda c: features.items(c, layer, q),
        ),
        Case(
            "one item",
            f"/collections/buildings/items/{building_id}",
            {},
            lambda c: features.item(c, layer, str(building_id), CRS84),
        ),
        Case(
            f"tile z{z} at the torv",
            f"/collections/buildings/tiles/WebMercatorQuad/{z}/{x}/{y}",
            {},
            lambda c: tiles.tile(c, [layer], z, x, y),
        ),
        Case(
            "tenure mix 2030",
            "/areas/vollsmose/tenure-mix",
            {"year": 2030},
            lambda c: tenure.tenure_mix(c, "vollsmose", 2030),
        ),
        Case(
            "trajectory 2020-2035",
            "/areas/vollsmose/tenure-mix/trajectory",
            {"from": 2020, "to": 2035},
            lambda c: tenure.trajectory(c, "vollsmose", 2020, 2035),
        ),
    ]


def _columns(conn: Connection, table: str) -> str:
    """The table's columns a scenario row copies (its version table's trigger stamps the
    change and computes generated columns)."""
    names = conn.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
            " AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
            " AND attname NOT IN ('recorded_from', 'change_id') ORDER BY attnum"
        ),
        {"t": table},
    ).scalars()
    return ", ".join(f'"{n}"' for n in names)


def make_scenario(url: str) -> int:
    """A scenario overriding `OVERRIDDEN` demolished buildings (demolition two years later),
    as an edit in it leaves the version tables; returns one overridden building's id."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            sid = conn.execute(
                text(
                    "INSERT INTO scenario (slug, name, description, created_by)"
                    " VALUES (:s, 'Benchmark', 'A few demolitions moved (benchmark)',"
                    " 'benchmark') RETURNING id"
                ),
                {"s": SCENARIO},
            ).scalar_one()
            record.begin_change(
                conn, actor="benchmark", role=None, kind="edit", note=SCENARIO, scenario_id=sid
            )
            ids = list(
                conn.execute(
                    text(
                        "SELECT b.id FROM building b WHERE b.demolished_year IS NOT NULL"
                        " AND EXISTS (SELECT 1 FROM dwelling_stock s WHERE s.building_id = b.id)"
                        " ORDER BY b.id LIMIT :n"
                    ),
                    {"n": OVERRIDDEN},
                ).scalars()
            )
            for table, key in (("building", "id"), ("dwelling_stock", "building_id")):
                cols = _columns(conn, table)
                conn.execute(
                    text(
                        f"INSERT INTO {table}_version (scenario_id, {cols})"
                        f" SELECT :sid, {cols} FROM {table} WHERE {key} = ANY(:ids)"
                    ),
                    {"sid": sid, "ids": ids},
                )
            conn.execute(
                text(
                    "UPDATE building_version SET demolished_year = demolished_year + 2"
                    " WHERE scenario_id = :sid"
                ),
                {"sid": sid},
            )
        vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
        with vacuum.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        vacuum.dispose()
        return ids[0]
    finally:
        engine.dispose()


def edit_adopted(url: str, n: int = OVERRIDDEN) -> str:
    """An edit of the adopted plan now (the demolitions of `n` buildings moved two years,
    one change); returns a recorded time just before it, which differs from now by those."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            before = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
            record.begin_change(conn, actor="benchmark", role=None, kind="edit", note="benchmark")
            conn.execute(
                text(
                    "UPDATE building SET demolished_year = demolished_year + 2 WHERE id IN ("
                    " SELECT b.id FROM building b WHERE b.demolished_year IS NOT NULL"
                    " ORDER BY b.id DESC LIMIT :n)"
                ),
                {"n": n},
            )
        return before.isoformat()
    finally:
        engine.dispose()


def national(template: str, runs: int) -> None:
    """The tenure mix of the national stock (benchmarks/national.py) for the adopted plan, a
    scenario overriding `OVERRIDDEN` buildings and a recorded time just before an edit of
    `OVERRIDDEN` others, in process; on a throwaway copy of the database `template` names
    (generated at the schema's head), so the edits touch no one else's. Each version's
    answer is checked against the plan views' (tenure_mix.sql) once."""
    from benchmarks.national import AREA_SLUG, QUARTER_SET

    copy = f"{databases.PREFIX}record_national_{os.getpid()}"
    admin = create_engine(
        databases.server_url().set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"'))
    url = databases.url_of(copy)
    try:
        make_scenario(url)
        recorded = edit_adopted(url)
        versions = {
            "adopted": {},
            "scenario": {"scenario": SCENARIO},
            "recorded": {"recorded": recorded},
        }
        years = {"one year 2030": (2030, 2030), "trajectory 2020-2035": (2020, 2035)}
        national_cases = [
            Case(
                "one year 2030",
                "",
                {},
                lambda c: tenure.tenure_mix(c, AREA_SLUG, 2030, QUARTER_SET),
            ),
            Case(
                "trajectory 2020-2035",
                "",
                {},
                lambda c: tenure.trajectory(c, AREA_SLUG, 2020, 2035, QUARTER_SET),
            ),
        ]
        print(f"load average (1 / 5 / 15 min): {_load()} before")
        print(
            "| case (national, in process) | adopted s | scenario s | scenario / adopted"
            " | recorded s | recorded / adopted | equals the plan views' |"
        )
        print("|---|---|---|---|---|---|---|")
        for case in national_cases:
            ms = {v: _in_process(url, case, version, runs) for v, version in versions.items()}
            first, last = years[case.name]
            same = all(
                _equals_full(url, version, first, last) for version in list(versions.values())[1:]
            )
            a = ms["adopted"] / 1000
            print(
                f"| {case.name} | {a:.3f} | {ms['scenario'] / 1000:.3f}"
                f" | {ms['scenario'] / ms['adopted']:.2f}× | {ms['recorded'] / 1000:.3f}"
                f" | {ms['recorded'] / ms['adopted']:.2f}× | {'yes' if same else 'NO'} |"
            )
        print(f"load average (1 / 5 / 15 min): {_load()} after")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def _equals_full(url: str, version: dict, first: int, last: int) -> bool:
    """Whether the version's national answer (as a read picks it) is the one computed from
    its plan views."""
    from benchmarks.national import AREA_SLUG, QUARTER_SET

    engine = create_engine(url, connect_args={"options": "-c jit=off"})
    view = record.plan_view(version.get("scenario"), version.get("recorded"))
    try:
        with engine.connect() as conn, conn.begin():
            record.enter(conn, view)
            area = get_area(conn, AREA_SLUG)
            qs = get_quarter_set(area, QUARTER_SET)
            answers = [
                tenure._compute(conn, area, qs, first, last, statement=statement)
                for statement in (None, "tenure_mix")
            ]
            return answers[0] == answers[1]
    finally:
        engine.dispose()


class Client:
    """One keep-alive HTTP connection; each GET's Server-Timing `app` and round trip (ms)."""

    def __init__(self, base: str) -> None:
        u = urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def get(self, path: str, params: dict) -> tuple[int, float, float, float]:
        target = path + ("?" + urlencode(params) if params else "")
        try:
            return self._get(target)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # uvicorn closes a keep-alive connection idle for 5 s: the in-process pass
            # between runs can take that long on a busy machine. Connect again.
            self.conn.close()
            return self._get(target)

    def _get(self, target: str) -> tuple[int, float, float, float]:
        t = time.perf_counter()
        self.conn.request("GET", target, headers={"Accept": "application/json"})
        r = self.conn.getresponse()
        r.read()
        elapsed = (time.perf_counter() - t) * 1000
        timing = r.getheader("server-timing") or ""

        def dur(name: str) -> float:
            parts = [p for p in timing.split(",") if p.strip().startswith(name + ";")]
            return float(parts[0].split("dur=")[1]) if parts else math.nan

        return r.status, dur("app"), dur("db"), elapsed

    def close(self) -> None:
        self.conn.close()


def _run(client: Client, path: str, params: dict, requests: int) -> tuple[float, float, float, set]:
    """Medians of app, db (OGC reads only) and round trip over `requests` back-to-back
    GETs; their statuses."""
    apps, dbs, trips, statuses = [], [], [], set()
    for _ in range(requests):
        status, app, db, trip = client.get(path, params)
        apps.append(app)
        dbs.append(db)
        trips.append(trip)
        statuses.add(status)
    return statistics.median(apps), statistics.median(dbs), statistics.median(trips), statuses


def _in_turn(client: Client, path: str, params: dict, requests: int) -> dict[str, float]:
    """Median Server-Timing `app` of each version when the versions are asked one after
    another, `requests` rounds: a pooled connection then answers the adopted plan and the
    others in turn, as it does under a real mix of readers."""
    apps: dict[str, list[float]] = {v: [] for v in VERSIONS}
    for _ in range(requests):
        for vname, version in VERSIONS.items():
            status, app, _db, _trip = client.get(path, {**params, **version})
            if status == 200:
                apps[vname].append(app)
    return {v: statistics.median(a) if a else math.nan for v, a in apps.items()}


def _in_process(url: str, case: Case, version: dict, runs: int = 30) -> float:
    """Median ms of the case's read in process, in a transaction that entered the version
    (as the API's reads of another version run), the transaction included."""
    engine = create_engine(url, connect_args={"options": "-c jit=off"})
    view = record.plan_view(version.get("scenario"), version.get("recorded"))
    times = []
    try:
        with engine.connect() as conn:
            for i in range(runs + 1):
                t = time.perf_counter()
                with conn.begin():
                    record.enter(conn, view)
                    case.in_process(conn)
                if i:  # the first is a warm-up
                    times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)
    finally:
        engine.dispose()


def _backend_cpu_ms(pid: int) -> float:
    """The CPU time (user + system) the server process `pid` has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


# A write to the map data, as far as a version's kept tenure corrections can tell (a new data
# stamp, gis.tenure._version_rows), with no change to the data itself.
_BUMP = text(
    "UPDATE data_version SET version = version + 1, changed_at = clock_timestamp(),"
    f" stamp = {data_version.TOKEN_SQL}, public_version = public_version + 1,"
    f" public_stamp = {data_version.TOKEN_SQL}"
)


def _cpu_per_read(
    url: str, case: Case, version: dict, reads: int = 40, *, after_write: bool = False
) -> float:
    """Mean CPU ms of the case's read as a sync route reads it (a pooled connection of the
    reader role per read, READ ONLY, the version's session settings kept from the last read,
    ended by a COMMIT, which keeps what psycopg prepared: api.deps.get_connection): this
    process's and the database backend's.
    Unlike the clock, CPU time does not count waiting for the scheduler, which on a shared
    machine can be most of a read's time. The database runs on this machine (its backend is
    read from /proc); the resolution is the kernel's tick over all the reads. `after_write`:
    each read comes after a write (another connection's, not counted), so a version's read
    computes its tenure corrections again instead of summing those it kept."""
    engine = make_engine(url, role=READER_ROLE)
    writer = create_engine(url, isolation_level="AUTOCOMMIT")
    view = record.plan_view(version.get("scenario"), version.get("recorded"))

    def read() -> int:
        with record.taking_to_keep():
            conn = engine.connect().execution_options(postgresql_readonly=True)
        pid = conn.connection.driver_connection.info.backend_pid
        record.keep(conn, view)
        case.in_process(conn)
        close_read(conn, commit=True)
        return pid

    try:
        pid = [read() for _ in range(5)][-1]  # warm-up: plans, the pool (one connection)
        with writer.connect() as bump:
            spent, pids = 0.0, set()
            for _ in range(reads):
                if after_write:
                    bump.execute(_BUMP)
                backend, client = _backend_cpu_ms(pid), time.process_time()
                pids.add(read())
                spent += _backend_cpu_ms(pid) - backend + (time.process_time() - client) * 1000
        assert pids == {pid}, "reads one after the other use one pooled connection"
        return spent / reads
    finally:
        engine.dispose()
        writer.dispose()


def explain(url: str, case: Case) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the case's read runs, per version."""
    engine = create_engine(url, connect_args={"options": "-c jit=off"})
    try:
        for name, version in VERSIONS.items():
            statements: list[tuple[str, object]] = []
            with engine.connect() as conn:
                with conn.begin():
                    record.enter(
                        conn, record.plan_view(version.get("scenario"), version.get("recorded"))
                    )
                    grab = lambda *a, into=statements: into.append((a[2], a[3]))  # noqa: E731
                    event.listen(conn, "before_cursor_execute", grab)
                    case.in_process(conn)
                    event.remove(conn, "before_cursor_execute", grab)
                    for sql, params in statements:
                        raw = conn.connection.driver_connection
                        with raw.cursor() as cur:
                            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                            plan = "\n".join(r[0] for r in cur.fetchall())
                        print(f"\n=== {case.name}, {name} ===\n{plan}")
                conn.rollback()
    finally:
        engine.dispose()


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def _ms(v: float) -> str:
    return f"{v:.2f}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.record", description=__doc__.splitlines()[0]
    )
    p.add_argument("--runs", type=int, default=5, help="runs per cell; medians shown")
    p.add_argument("--requests", type=int, default=30, help="requests per run")
    p.add_argument(
        "--explain", metavar="CASE", help="print EXPLAIN ANALYZE of the case named (e.g. 'one')"
    )
    p.add_argument(
        "--national",
        metavar="DATABASE",
        help="time the tenure mix of the national stock instead, on a copy of DATABASE"
        " (benchmarks/national.py generates one: vollsmose_bench_national)",
    )
    args = p.parse_args(argv)
    if args.runs < 1 or args.requests < 1:
        p.error("--runs and --requests must be at least 1")
    if args.national:
        national(args.national, args.runs)
        return

    with databases.with_reference("record") as url:
        building_id = make_scenario(url)
        all_cases = cases(building_id)
        if args.explain:
            for case in all_cases:
                if case.name.startswith(args.explain):
                    explain(url, case)
            return
        load_before = _load()
        # (case, version) -> per-run medians of app and round trip; and the statuses.
        app: dict = {}
        db: dict = {}
        trip: dict = {}
        in_process: dict = {}
        cpu: dict = {}
        cpu_after: dict = {}  # the same, each read after a write (gis.tenure's kept corrections)
        in_turn: dict = {}  # app per run, the versions asked one after another (_in_turn)
        statuses: dict = {}
        with serve(PLATFORM, {"DATABASE_URL": url}) as base:
            client = Client(base)
            try:
                floor = [("HTTP floor (/conformance)", "/conformance", {})]
                targets = [(c.name, c.path, c.params) for c in all_cases] + floor
                for _name, path, params in targets:  # warm-up: plans, caches, the pool
                    for version in VERSIONS.values():
                        _run(client, path, {**params, **version}, 5)
                for _ in range(args.runs):
                    for name, path, params in targets:
                        versions = VERSIONS if path != "/conformance" else {"adopted": {}}
                        for vname, version in versions.items():
                            a, d, t, s = _run(client, path, {**params, **version}, args.requests)
                            app.setdefault((name, vname), []).append(a)
                            db.setdefault((name, vname), []).append(d)
                            trip.setdefault((name, vname), []).append(t)
                            statuses.setdefault((name, vname), set()).update(s)
                        if path != "/conformance":
                            for vname, a in _in_turn(client, path, params, args.requests).items():
                                in_turn.setdefault((name, vname), []).append(a)
                    # The same reads in process, once per run too, between the HTTP passes:
                    # a single pass at the end was caught by other work on the machine.
                    for c in all_cases:
                        for vname, version in VERSIONS.items():
                            ms = _in_process(url, c, version, runs=10)
                            in_process.setdefault((c.name, vname), []).append(ms)
                            cpu.setdefault((c.name, vname), []).append(
                                _cpu_per_read(url, c, version)
                            )
                            if c.name.startswith(("tenure", "trajectory")):
                                cpu_after.setdefault((c.name, vname), []).append(
                                    _cpu_per_read(url, c, version, after_write=True)
                                )
            finally:
                client.close()
        load_after = _load()

    def med(d: dict, key) -> float:
        return statistics.median(d[key])

    def cell(name: str, vname: str) -> str:
        bad = statuses[(name, vname)] - {200}
        if bad:
            return f"answers {', '.join(map(str, sorted(bad)))}"
        return _ms(med(app, (name, vname)))

    def ratio(name: str, vname: str) -> str:
        if statuses[(name, vname)] - {200} or statuses[(name, "adopted")] - {200}:
            return "–"
        # Paired: each run's version median over the same run's adopted median (measured a
        # moment apart), then the median of those; load that drifts between runs (other
        # work on a shared machine) cancels out of each pair.
        pairs = zip(app[(name, vname)], app[(name, "adopted")], strict=True)
        r = statistics.median(v / a for v, a in pairs)
        return f"**{r:.2f}×**" if r <= GOAL else f"{r:.2f}× (over {GOAL}×)"

    def cpus(name: str, cpu: dict = cpu) -> str:
        pairs = {
            v: statistics.median(
                x / a for x, a in zip(cpu[(name, v)], cpu[(name, "adopted")], strict=True)
            )
            for v in VERSIONS
        }
        values = " / ".join(_ms(med(cpu, (name, v))) for v in VERSIONS)
        return f"{values} ({pairs['scenario']:.2f}× / {pairs['recorded']:.2f}×)"

    def dbs(name: str) -> str:
        values = [med(db, (name, v)) for v in VERSIONS]
        if any(math.isnan(v) for v in values):
            return "– (a sync route)"
        return " / ".join(_ms(v) for v in values)

    lines = [
        f"load average (1 / 5 / 15 min): {load_before} before, {load_after} after",
        f"runs {args.runs} × {args.requests} requests; Server-Timing app in ms (medians);"
        " ratios: the median of each run's ratio;"
        " in process: the read in a transaction that entered the version;"
        " CPU: client and database backend per read as a sync route reads, READ ONLY and"
        " committed (ratios paired)",
        "",
        "| case | adopted | scenario | scenario / adopted | recorded | recorded / adopted "
        "| db (Server-Timing): adopted / scenario / recorded ms "
        "| in process: adopted / scenario / recorded ms "
        "| CPU per read: adopted / scenario / recorded ms | round trip adopted ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in all_cases:
        n = c.name
        lines.append(
            f"| {n} | {cell(n, 'adopted')} | {cell(n, 'scenario')} | {ratio(n, 'scenario')} "
            f"| {cell(n, 'recorded')} | {ratio(n, 'recorded')} "
            f"| {dbs(n)} "
            f"| {' / '.join(_ms(med(in_process, (n, v))) for v in VERSIONS)} "
            f"| {cpus(n)} "
            f"| {_ms(med(trip, (n, 'adopted')))} |"
        )
    n = "HTTP floor (/conformance)"
    lines.append(f"| {n} | {cell(n, 'adopted')} | | | | | | | | {_ms(med(trip, (n, 'adopted')))} |")

    def turn_ratio(name: str, vname: str) -> str:
        pairs = zip(in_turn[(name, vname)], in_turn[(name, "adopted")], strict=True)
        return f"{statistics.median(v / a for v, a in pairs):.2f}×"

    lines += [
        "",
        "| the versions asked in turn (adopted, scenario, recorded, ...) "
        "| Server-Timing app: adopted / scenario / recorded ms | scenario / adopted "
        "| recorded / adopted |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {c.name} | {' / '.join(_ms(med(in_turn, (c.name, v))) for v in VERSIONS)} "
        f"| {turn_ratio(c.name, 'scenario')} | {turn_ratio(c.name, 'recorded')} |"
        for c in all_cases
    ]
    lines += [
        "",
        "| each read after a write (a version computes its tenure corrections again) "
        "| CPU per read: adopted / scenario / recorded ms |",
        "|---|---|",
    ]
    lines += [
        f"| {c.name} | {cpus(c.name, cpu_after)} |"
        for c in all_cases
        if c.name in {n for n, _v in cpu_after}
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
