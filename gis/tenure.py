"""Tenure mix per quarter and the legal share, for one year or a trajectory of years.

All counting happens in PostGIS in one statement; this module checks the request, picks the
statement, fills in the tenure columns and shapes the rows into plain dataclasses. The
adopted plan as it stands now is summed from the derived state changes the database keeps
with the data (`sql/tenure_delta.sql`, migration 0019); a scenario or a recorded time sums
them corrected by the few buildings it has otherwise (`sql/tenure_version.sql`, migration
0027), and is computed from the plan version views (`sql/tenure_mix.sql`, the rule written
out in full) when those are many or a quarter is otherwise. A version's corrections are kept
per process by the data's stamp (`_version_rows`): read again before any write, it sums
them as kept (`sql/tenure_memo.sql`). All give the same figures
(tests/gis/test_tenure_derived.py, tests/gis/test_tenure_version.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import KW_ONLY, dataclass, field
from functools import cache
from importlib.resources import files
from typing import NamedTuple

from cachetools import LRUCache
from sqlalchemy import Connection, TextClause, text

from gis import data_version, law
from gis.areas import AreaInfo, QuarterSetInfo, get_area, get_quarter_set, list_areas
from gis.db import streamed
from gis.errors import InvalidParameter
from gis.models import TENURES
from gis.state import MAX_YEAR, MIN_YEAR, check_period

# A trajectory longer than this is a mistake, not a question.
MAX_TRAJECTORY_YEARS = MAX_YEAR - MIN_YEAR + 1


# Slotted: a national trajectory makes about 45,000 of these, and the cyclic garbage
# collector passes over each (benchmarks/README.md, "The trajectory's objects").
@dataclass(frozen=True, slots=True)
class Mix:
    """The figures for one quarter (or the whole area) in one year."""

    dwellings: dict[str, int]
    floor_area_m2: dict[str, float]
    business_floor_area_m2: float
    demolished_not_replaced: int

    @property
    def total_dwellings(self) -> int:
        return sum(self.dwellings.values())

    @property
    def total_floor_area_m2(self) -> float:
        return sum(self.floor_area_m2.values())

    @property
    def business_dwelling_equivalents(self) -> float:
        return self.business_floor_area_m2 / law.BUSINESS_M2_PER_DWELLING

    @property
    def shares(self) -> dict[str, float | None]:
        total = self.total_dwellings
        return {t: (n / total if total else None) for t, n in self.dwellings.items()}

    @property
    def legal_denominator(self) -> float:
        return law.legal_denominator(
            self.total_dwellings, self.business_floor_area_m2, self.demolished_not_replaced
        )

    @property
    def legal_share(self) -> float | None:
        return law.legal_share(
            self.dwellings["almen_family"],
            self.total_dwellings,
            self.business_floor_area_m2,
            self.demolished_not_replaced,
        )

    @property
    def compliant(self) -> bool | None:
        return law.is_compliant(self.legal_share)


@dataclass(frozen=True, slots=True)
class QuarterMix(Mix):
    """A quarter's figures in one year, under its slug and name: one object, not a name
    beside a Mix (half the objects a national trajectory makes and the collector passes
    over)."""

    _: KW_ONLY
    slug: str | None
    name: str

    @classmethod
    def of(cls, mix: Mix, slug: str | None, name: str) -> QuarterMix:
        return cls(
            mix.dwellings,
            mix.floor_area_m2,
            mix.business_floor_area_m2,
            mix.demolished_not_replaced,
            slug=slug,
            name=name,
        )

    @property
    def mix(self) -> Mix:
        """The figures (this object itself: a quarter's figures are a Mix)."""
        return self


@dataclass(frozen=True)
class TenureMix:
    area: AreaInfo
    year: int
    quarter_set: QuarterSetInfo | None
    total: Mix
    quarters: list[QuarterMix]
    # Buildings in the area that lie in none of the set's quarters; None when there are none.
    unassigned: Mix | None = None


@dataclass(frozen=True)
class Trajectory:
    area: AreaInfo
    first_year: int
    last_year: int
    quarter_set: QuarterSetInfo | None
    years: list[TenureMix] = field(default_factory=list)

    @property
    def first_compliant_year(self) -> int | None:
        return next((y.year for y in self.years if y.total.compliant), None)

    @property
    def has_share(self) -> bool:
        """Whether any year of the period has a legal share: an area the data holds no
        dwellings of (a criteria area, say) has none, which is not a limit missed."""
        return any(y.total.legal_share is not None for y in self.years)


def check_year(year: int, parameter: str = "year") -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidParameter(
            parameter, f"'{parameter}' must be a year from {MIN_YEAR} to {MAX_YEAR}, not {year}."
        )
    return year


def check_years(first_year: int, last_year: int) -> None:
    """A trajectory's years: each one `check_year` allows, the last not before the first."""
    check_year(first_year, "from")
    check_year(last_year, "to")
    check_period(first_year, last_year)


def _sql(name: str) -> str:
    return files("gis").joinpath(f"sql/{name}.sql").read_text()


# A version's answer is no row at all when its corrections cannot answer it (migration 0031).
_VERSION_COLUMNS = ",\n           bool_or(kind = 'x') AS unanswered"
_VERSION_FILTER = "\n  AND NOT EXISTS (SELECT FROM changes WHERE unanswered)"
# A version's answer from corrections it was handed (sql/tenure_memo.sql) is no row at all
# unless the data is still at the stamp they were computed at.
_MEMO_FILTER = (
    "\n  AND (SELECT d.public_version = :stamp_version AND d.public_stamp = :stamp_token"
    " FROM public.data_version d)"
)


@cache
def _statement(name: str = "tenure_mix") -> TextClause:
    """`tenure_mix` computes from the plan tables (or the plan version views on the
    search_path); `tenure_delta` sums the derived state changes of the adopted plan now;
    `tenure_version` sums them corrected by the buildings the version on the search_path
    has otherwise (`sql/tenure_version.sql`); `tenure_memo` the same from corrections
    computed before (`sql/tenure_memo.sql`, `_version_rows`). All answer every tenure's
    dwellings, then every tenure's floor area (`_mix_reader`)."""
    version = name in ("tenure_version", "tenure_memo")
    sql = _sql("tenure_delta" if version else name)
    # tenure_delta.sql's placeholders for a version: its corrections (migration 0027).
    computed = name == "tenure_version"
    for placeholder, value in (
        ("{version_ctes}", "\n" + _sql(name).rstrip() if version else ""),
        ("{deltas}", "deltas" if version else "derived.tenure_delta"),
        ("{version_columns}", _VERSION_COLUMNS if computed else ""),
        ("{version_filter}", _VERSION_FILTER if computed else _MEMO_FILTER if version else ""),
    ):
        sql = sql.replace(placeholder, value)

    def as_float(figure: str) -> str:
        return f"CAST({figure} AS float8)" if version else figure

    def each(template: str, sep: str = ",\n           ") -> str:
        return sep.join(template.format(t=t, k=k) for k in ("d", "fa") for t in TENURES)

    sum_of = {"d": "dwellings", "fa": "floor_area"}
    placeholders = {
        "{tenure_columns}": ",\n           ".join(
            f"coalesce(sum({sum_of[k]}) FILTER (WHERE tenure = '{t}'), 0) AS {k}_{t}"
            for k in ("d", "fa")
            for t in TENURES
        ),
        # Exact sums (numeric) handed over as plain bigint and float8: cheap to read.
        "{tenure_sums}": ",\n       ".join(
            [f"CAST(coalesce(sum(sw.d_{t}), 0) AS bigint) AS d_{t}" for t in TENURES]
            + [f"CAST(coalesce(sum(sw.fa_{t}), 0) AS float8) AS fa_{t}" for t in TENURES]
        ),
        # tenure_delta.sql: a cell's changes in a year, their running sums, the answer.
        "{change_columns}": ",\n           ".join(
            [
                f"CAST(coalesce(sum(dwellings) FILTER (WHERE tenure = '{t}'), 0) AS integer)"
                f" AS d_{t}"
                for t in TENURES
            ]
            + [
                f"coalesce(sum(floor_area) FILTER (WHERE tenure = '{t}'), 0) AS fa_{t}"
                for t in TENURES
            ]
        ),
        "{running_columns}": each("sum(c.{k}_{t}) OVER w AS {k}_{t}", ", "),
        # The floor areas' exact sums (numeric): the adopted plan's statement, which
        # `gis.db.streamed` reads, hands them over as they are, for the client to parse as
        # float (a CAST to float8 makes the server write each one out as text and read it
        # back); a version's, read whole (`_run`), as float8.
        "{output_columns}": ", ".join(
            [f"coalesce(d_{t}, 0) AS d_{t}" for t in TENURES]
            + [as_float(f"coalesce(fa_{t}, 0)") + f" AS fa_{t}" for t in TENURES]
        ),
        "{business_output}": as_float("coalesce(business_m2, 0)"),
    }
    for placeholder, value in placeholders.items():
        sql = sql.replace(placeholder, value)
    return text(sql)


# Above this many buildings that a version has otherwise than the adopted plan now, its
# tenure mix is computed from the plan views (tenure_mix.sql) rather than as the derived
# state changes corrected by theirs (tenure_version.sql): measured break-even,
# benchmarks/README.md ("The tenure mix of a version").
MAX_CORRECTED = 2000


# Whether the connection reads the plan tables themselves (the adopted plan now), or the
# plan version views `gis.record.enter` put first on the search_path, which the derived
# state changes (migration 0019) do not follow.
_READS_TABLES = text("SELECT to_regclass('building') = CAST('public.building' AS regclass)")


# The same question, and which version the connection reads: everything the plan version
# views and derived.tenure_version_changes() read of the session (migration 0010's
# vm_scenario(), vm_recorded(), vm_base_recorded(), and the views' schema), and the
# database, so that a version's corrections are kept per version (`_version_rows`); and for
# a version only (a CASE evaluates its subqueries only when taken), the data's stamp: its
# public pair (migration 0035), as the tenure mix is the same whoever reads it.
_PROBE = text(
    f"""{_READS_TABLES.text} AS reads_tables,
           current_database() AS db, current_setting('search_path') AS search_path,
           current_setting('vm.scenario', true) AS scenario,
           current_setting('vm.recorded', true) AS recorded,
           current_setting('vm.base_recorded', true) AS base_recorded,
           CASE WHEN to_regclass('building') <> CAST('public.building' AS regclass)
                THEN (SELECT public_version FROM public.data_version) END AS stamp_version,
           CASE WHEN to_regclass('building') <> CAST('public.building' AS regclass)
                THEN (SELECT public_stamp FROM public.data_version) END AS stamp_token"""
)


class _Corrections(NamedTuple):
    """A version's corrections (derived.tenure_version_changes' rows, as JSON) and the stamp
    of the data they were computed from."""

    stamp: data_version.Stamp
    rows: str


# A version's corrections, kept per process so that reads of one version at one state of the
# data (a planner's scenario, a recorded time) compute them once: they were most of what such
# a read cost the database beyond the adopted plan's (benchmarks/README.md, "Scenario and
# recorded reads").
# Keyed by the version and the read's area and sets; used only while the data is at their
# stamp, which the statement that uses them checks in its own snapshot
# (sql/tenure_memo.sql), so a write since is never answered past. They are kept at a
# version's second read at one stamp (the first keeps only the stamp): keeping them costs a
# statement of its own, which a read after every write (a planner editing a scenario and
# watching its share) would pay each time for nothing. Bounded by the JSON's size (least
# recently used out); the lock: sync routes read from a thread pool.
MEMO_BYTES = 8 * 1024 * 1024
_memo: LRUCache = LRUCache(
    MEMO_BYTES, getsizeof=lambda kept: len(kept.rows) + 100 if type(kept) is _Corrections else 100
)
_memo_lock = threading.Lock()

_CORRECTIONS = text(
    """
    SELECT d.public_version AS version, d.public_stamp AS stamp, c.rows, c.unanswered
    FROM public.data_version d,
    (
        SELECT CAST(coalesce(json_agg(c), '[]') AS text) AS rows,
               coalesce(bool_or(c.kind = 'x'), false) AS unanswered
        FROM derived.tenure_version_changes(
            :area_id, :place_set_id, :quarter_set_id, :max_corrected) c
    ) c
    """
)


def _mix_reader(
    columns: Sequence[str],
) -> tuple[Callable[[Sequence], Mix], Callable[[Sequence, str | None, str], QuarterMix]]:
    """Read a Mix, and a quarter's QuarterMix, from a result row by position (a national
    trajectory has 45,000 rows): every tenure's dwellings (bigint, read as int) side by
    side, then their floor areas (read as float)."""
    at = {name: i for i, name in enumerate(columns)}
    n = len(TENURES)
    d0, fa0 = at[f"d_{TENURES[0]}"], at[f"fa_{TENURES[0]}"]
    assert [at[f"d_{t}"] for t in TENURES] == list(range(d0, d0 + n))
    assert [at[f"fa_{t}"] for t in TENURES] == list(range(fa0, fa0 + n))
    business, demolished = at["business_m2"], at["demolished_not_replaced"]

    dwellings = tuple(zip(TENURES, range(d0, d0 + n), strict=True))
    floor_areas = tuple(zip(TENURES, range(fa0, fa0 + n), strict=True))

    def figures(row: Sequence) -> tuple:
        return (
            {t: row[i] for t, i in dwellings},
            {t: row[i] for t, i in floor_areas},
            row[business],
            row[demolished],
        )

    def read(row: Sequence) -> Mix:
        return Mix(*figures(row))

    def read_quarter(row: Sequence, slug: str | None, name: str) -> QuarterMix:
        return QuarterMix(*figures(row), slug=slug, name=name)

    return read, read_quarter


_QUARTER_NAMES = "SELECT id, slug, name FROM {table} WHERE quarter_set_id = :qs ORDER BY id"
# The version's quarters (the plan views on the search_path), or today's: a version's answer
# from the derived state changes is one whose quarters are today's (migration 0027), and
# reading the table plans no version view.
_NAMES = {
    True: text(_QUARTER_NAMES.format(table="public.quarter")),
    False: text(_QUARTER_NAMES.format(table="quarter")),
}


def _quarter_names(
    conn: Connection, quarter_set: QuarterSetInfo | None, *, today: bool = False
) -> dict[int, tuple]:
    if quarter_set is None:
        return {}
    rows = conn.execute(_NAMES[today], {"qs": quarter_set.id})
    return {r.id: (r.slug, r.name) for r in rows}


def _parameters(
    area: AreaInfo, quarter_set: QuarterSetInfo | None, first_year: int, last_year: int
) -> dict:
    return {
        "area_id": area.id,
        "quarter_set_id": quarter_set.id if quarter_set else -1,
        # The derived placements of the area as a whole are quarter set 0.
        "place_set_id": quarter_set.id if quarter_set else 0,
        "first_year": first_year,
        "last_year": last_year,
        "demolition_from": law.DEMOLITION_COUNTED_FROM,
    }


def _run(conn: Connection, statement: str, parameters: dict) -> tuple[list[str], list[tuple]]:
    """The statement's columns and all its rows, for a read that picks its statement by
    whether one answers (`_version_rows`), so it cannot shape them as they come
    (`_compute`)."""
    result = conn.execute(_statement(statement), parameters)
    # Plain tuples, read by position.
    return list(result.keys()), result.tuples().all()


def _version_rows(conn: Connection, parameters: dict, probe) -> tuple[str, list[str], list[tuple]]:
    """The statement that answered a version's read, its columns and rows: the derived state
    changes corrected by the version's corrections, kept (`_memo`) while the data is at their
    stamp, else computed; the plan views (`tenure_mix`) when the corrections cannot answer
    (too many buildings otherwise, or a quarter: migration 0031), or the area holds nothing.
    `probe`: `_PROBE`'s row on the connection."""
    version = (probe.db, probe.search_path, probe.scenario, probe.recorded, probe.base_recorded)
    key = (version, *(parameters[k] for k in ("area_id", "place_set_id", "quarter_set_id")))
    key += (parameters["max_corrected"],)
    kept = None
    if probe.stamp_version is not None:  # else no data_version row to stamp them with
        now = data_version.Stamp(probe.stamp_version, probe.stamp_token)
        with _memo_lock:
            kept = _memo.get(key)
            if kept is None or (kept if type(kept) is data_version.Stamp else kept.stamp) != now:
                kept = None
                _memo[key] = now  # the first read at this stamp keeps only the stamp
    if kept is not None:
        if type(kept) is data_version.Stamp:  # the second: the corrections, kept with their stamp
            row = conn.execute(_CORRECTIONS, parameters).one()
            if row.unanswered:
                return ("tenure_mix", *_run(conn, "tenure_mix", parameters))
            kept = _Corrections(data_version.Stamp(row.version, row.stamp), row.rows)
            # (Larger than the whole memo: used once, computed again at the next read.)
            if _memo.getsizeof(kept) <= MEMO_BYTES:
                with _memo_lock:
                    _memo[key] = kept
        stamped = {
            **parameters,
            "corrections": kept.rows,
            "stamp_version": kept.stamp.version,
            "stamp_token": kept.stamp.token,
        }
        columns, rows = _run(conn, "tenure_memo", stamped)
        if rows:
            return "tenure_version", columns, rows
        # No row: the data moved since the probe, or the area holds nothing. As ever:
    columns, rows = _run(conn, "tenure_version", parameters)
    if rows:
        return "tenure_version", columns, rows
    # No row: the corrections cannot answer, or the area holds nothing; the plan views
    # answer each.
    return ("tenure_mix", *_run(conn, "tenure_mix", parameters))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Keeps Python's cyclic garbage collector out of the shaping: a national trajectory
    makes about a million small objects, none in a cycle, and the collector passed over
    every live object again and again while they were made (1.4-3.8 s of a 5 s trajectory,
    measured on the national stock). The process-wide switch only postpones collections;
    another thread that turns it on again meanwhile costs only time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(
    conn: Connection,
    area: AreaInfo,
    quarter_set: QuarterSetInfo | None,
    first_year: int,
    last_year: int,
    *,
    derived: bool | None = None,
    statement: str | None = None,
) -> list[TenureMix]:
    """`statement`: `tenure_delta` (the derived state changes: the adopted plan now),
    `tenure_version` (those corrected by what the version on the search_path has
    otherwise, migration 0027) or `tenure_mix` (computed from the plan tables or views);
    None: the first when the connection reads the tables, else the second, which falls back
    on the third. `derived` True or False names the first or the last."""
    if derived is not None:
        statement = "tenure_delta" if derived else "tenure_mix"
    probe = None
    if statement is None:
        probe = conn.execute(_PROBE).one()
        statement = "tenure_delta" if probe.reads_tables else "tenure_version"
    parameters = {
        **_parameters(area, quarter_set, first_year, last_year),
        "max_corrected": MAX_CORRECTED,
    }
    # Allocation-heavy and acyclic: see _no_cycle_collection.
    with _no_cycle_collection(), ExitStack() as stack:
        if statement == "tenure_version":
            if probe is None:
                probe = conn.execute(_PROBE).one()
            statement, columns, rows = _version_rows(conn, parameters, probe)
            names = _quarter_names(conn, quarter_set, today=statement != "tenure_mix")
        else:
            # The statement is known: its rows are shaped as they come, while the server
            # makes the next (`gis.db.streamed`); the names are read first, for nothing else
            # runs on the connection meanwhile.
            names = _quarter_names(conn, quarter_set, today=statement != "tenure_mix")
            rows = stack.enter_context(streamed(conn, _statement(statement).text, parameters))
            columns = rows.columns
        return _shape(
            rows,
            columns,
            area,
            quarter_set,
            names,
            first_year,
            last_year,
            changes_only=statement != "tenure_mix",
        )


def _shape(
    rows: Iterable[Sequence],
    columns: Sequence[str],
    area: AreaInfo,
    quarter_set: QuarterSetInfo | None,
    names: dict[int, tuple],
    first_year: int,
    last_year: int,
    *,
    changes_only: bool,
) -> list[TenureMix]:
    """The answer's years from its rows. `changes_only`: a row holds a cell's state from its
    year until the cell's next row (tenure_delta.sql), and a quarter of the set without a
    row yet holds nothing; otherwise every year's rows are all there is of it
    (tenure_mix.sql). A Mix is immutable, so the years a state lasts share one object."""
    _mix, _quarter_mix = _mix_reader(columns)
    empty = Mix({t: 0 for t in TENURES}, {t: 0.0 for t in TENURES}, 0.0, 0)
    year_at, total_at, quarter_at = (columns.index(c) for c in ("year", "is_total", "quarter_id"))
    present_at = columns.index("present") if changes_only else None
    n = last_year - first_year + 1
    # Each cell's figures by year, from the first of the years: the total's and the
    # unassigned part's a Mix, a quarter's a QuarterMix; None where a row is not listed.
    total: list = [None] * n
    unassigned: list = [None] * n
    quarters: dict[int, list] = {}
    cell: list = total
    key = None
    for row in rows:
        is_total, quarter_id = row[total_at], row[quarter_at]
        if (is_total, quarter_id) != key:
            key = (is_total, quarter_id)
            if is_total:
                cell = total
            elif quarter_id == 0:
                cell = unassigned
            else:
                # tenure_mix.sql's rows come by year, tenure_delta.sql's by cell
                cell = quarters.setdefault(quarter_id, [None] * n)
        if cell is unassigned and present_at is not None and row[present_at] <= 0:
            # The part outside every quarter is listed only while something there counts.
            figures = None
        elif cell is total or cell is unassigned:
            figures = _mix(row)
        else:
            slug, name = names[quarter_id]
            figures = _quarter_mix(row, slug, name)
        i = row[year_at] - first_year
        if present_at is None:
            cell[i] = figures
        else:
            # The state holds until the cell's next row, which overwrites the years it holds.
            cell[i:] = [figures] * (n - i)
    # Each quarter's figures over the years, in the set's order, then turned to each year's
    # quarters (a national trajectory: 10,000 quarters by 16 years).
    by_quarter = []
    for quarter_id, (slug, name) in names.items():
        figures = quarters.get(quarter_id)
        if figures is None:
            figures = [QuarterMix.of(empty, slug, name) if changes_only else None] * n
        elif changes_only and figures[0] is None:
            # No figures before the quarter's first change: nothing there yet.
            nothing = QuarterMix.of(empty, slug, name)
            figures = [f or nothing for f in figures]
        by_quarter.append(figures)
    listed = [list(year) for year in zip(*by_quarter, strict=True)] or [[] for _ in range(n)]
    if not changes_only:
        # The plan tables' statement lists what a year holds: no row, no entry.
        listed = [[f for f in year if f is not None] for year in listed]
    return [
        TenureMix(
            area=area,
            year=first_year + i,
            quarter_set=quarter_set,
            total=total[i] or empty,
            quarters=listed[i],
            # Without a quarter set there is nothing to be outside of: the total says it all.
            unassigned=unassigned[i] if quarter_set else None,
        )
        for i in range(n)
    ]


def tenure_mix(
    conn: Connection, area_slug: str, year: int, quarter_set: str | None = None
) -> TenureMix:
    """The area's tenure mix in `year` (as of 1 January), per quarter of `quarter_set`."""
    check_year(year)
    area = get_area(conn, area_slug)
    qs = get_quarter_set(area, quarter_set)
    return _compute(conn, area, qs, year, year)[0]


def trajectory(
    conn: Connection,
    area_slug: str,
    first_year: int,
    last_year: int,
    quarter_set: str | None = None,
) -> Trajectory:
    """The tenure mix for every year from `first_year` to `last_year`, both included."""
    check_years(first_year, last_year)
    area = get_area(conn, area_slug)
    qs = get_quarter_set(area, quarter_set)
    years = _compute(conn, area, qs, first_year, last_year)
    return Trajectory(area, first_year, last_year, qs, years)


def every_area(
    conn: Connection,
    first_year: int,
    last_year: int,
    kinds: Iterable[str] | None = None,
) -> list[Trajectory]:
    """Every area's trajectory as a whole (no quarters), in the areas' order: the national
    question, the legal share of each area year by year, asked once. `kinds`: only areas of
    these kinds (`gis.models.AREA_KINDS`); None: all. Each area is its own statement, the
    same one `trajectory` runs (so a scenario or a recorded time answers as there); run on a
    connection in REPEATABLE READ they read one snapshot."""
    check_years(first_year, last_year)
    wanted = None if kinds is None else set(kinds)
    return [
        Trajectory(
            area, first_year, last_year, None, _compute(conn, area, None, first_year, last_year)
        )
        for area in list_areas(conn)
        if wanted is None or area.kind in wanted
    ]
