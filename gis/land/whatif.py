"""What a sale does to the 40 %: the tenure mix before and after proposed developments.

The answer comes from the tenure-mix function itself (`gis.tenure.trajectory`), so it can
never drift from `GET /areas/{area}/tenure-mix`: inside a SAVEPOINT the developments are
inserted as hypothetical buildings (footprint = the parcel, so the building is placed by the
parcel's point on surface, as every building is placed by its anchor) with their dwelling
stock, the mix is computed, and the savepoint is rolled back. The rows are never committed,
so no other session can see them (PostgreSQL shows a transaction's rows to itself only),
and their ids are chosen at random below zero rather than drawn from the sequences, which
are not transactional: nothing outlives the call.

A development dated year E is built during E and counts from the state of 1 January E+1,
the platform's one life rule (`gis.state`).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from gis import law
from gis.areas import AreaInfo, QuarterSetInfo, get_area, get_quarter_set
from gis.db import elevated
from gis.errors import InvalidParameter
from gis.land.keys import resolve_parcel
from gis.models import TENURES
from gis.tenure import Mix, TenureMix, check_year, trajectory

# More than this is a batch job, not a question; it also bounds the savepoint's size.
MAX_DEVELOPMENTS = 50
# Per tenure and development: Vollsmose holds about 5,000 dwellings in all.
MAX_DWELLINGS = 100_000
MAX_BUSINESS_M2 = 10_000_000.0
DEFAULT_YEARS = (law.DEADLINE_YEAR,)
LIFE_RULE = (
    "A development dated year E is built during E and counts from the state of 1 January "
    "E+1: one dated 2029 counts in 2030, one dated 2030 does not."
)
NOTHING_WRITTEN = (
    "Hypothetical: the developments were added inside a rolled-back savepoint; nothing is stored."
)


@dataclass(frozen=True)
class Development:
    """A proposed development: dwellings by tenure and business floor area on one parcel."""

    parcel: str
    year: int
    dwellings: Mapping[str, int] = field(default_factory=dict)
    business_m2: float = 0.0
    decided: bool = False


@dataclass(frozen=True)
class Placed:
    """A development on its parcel, with the quarter its parcel's point on surface lies in."""

    development: Development
    parcel_id: int
    matrikel: str
    plot_label: str | None
    quarter: str | None
    quarter_name: str | None

    @property
    def counts_from(self) -> int:
        return self.development.year + 1


@dataclass(frozen=True)
class YearEffect:
    year: int
    before: TenureMix
    after: TenureMix
    # The developments (indices into the request) that count in this year.
    counted: tuple[int, ...]


@dataclass(frozen=True)
class WhatIf:
    area: AreaInfo
    quarter_set: QuarterSetInfo | None
    developments: list[Placed]
    years: list[YearEffect]

    @property
    def quarters(self) -> list[str | None]:
        """The quarters (slugs) the developments lie in, in request order; None: in none."""
        seen: dict[str | None, None] = {}
        for p in self.developments:
            seen.setdefault(p.quarter)
        return list(seen)


@dataclass(frozen=True)
class Difference:
    dwellings: dict[str, int]
    total_dwellings: int
    business_floor_area_m2: float
    legal_denominator: float
    legal_share: float | None


def difference(before: Mix, after: Mix) -> Difference:
    share_before, share_after = before.legal_share, after.legal_share
    return Difference(
        dwellings={t: after.dwellings[t] - before.dwellings[t] for t in TENURES},
        total_dwellings=after.total_dwellings - before.total_dwellings,
        business_floor_area_m2=after.business_floor_area_m2 - before.business_floor_area_m2,
        legal_denominator=after.legal_denominator - before.legal_denominator,
        legal_share=(
            None if share_before is None or share_after is None else share_after - share_before
        ),
    )


def check_developments(developments: Sequence[Development]) -> None:
    """Raises InvalidParameter naming the first field that cannot be a development."""
    if not developments:
        raise InvalidParameter("developments", "Give at least one development.")
    if len(developments) > MAX_DEVELOPMENTS:
        raise InvalidParameter(
            "developments",
            f"At most {MAX_DEVELOPMENTS} developments at a time, not {len(developments)}.",
        )
    for i, d in enumerate(developments):
        at = f"developments[{i}]"
        if not d.parcel or not d.parcel.strip():
            raise InvalidParameter(f"{at}.parcel", f"'{at}.parcel' is empty.")
        check_year(d.year, f"{at}.year")
        for tenure, n in d.dwellings.items():
            name = f"{at}.dwellings.{tenure}"
            if tenure not in TENURES:
                raise InvalidParameter(
                    name, f"Unknown tenure '{tenure}'; one of {', '.join(TENURES)}."
                )
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DWELLINGS:
                raise InvalidParameter(
                    name, f"'{name}' must be a whole number from 0 to {MAX_DWELLINGS}, not {n}."
                )
        b = d.business_m2
        if not (isinstance(b, int | float) and math.isfinite(b) and 0 <= b <= MAX_BUSINESS_M2):
            raise InvalidParameter(
                f"{at}.business_m2",
                f"'{at}.business_m2' must be from 0 to {MAX_BUSINESS_M2:.0f} m², not {b}.",
            )


def check_years(years: Sequence[int] | None) -> list[int]:
    if years is None:
        return list(DEFAULT_YEARS)
    if not years:
        raise InvalidParameter("years", "Give at least one year.")
    for y in years:
        check_year(y, "years")
    return sorted(set(years))


_PLACE = text(
    """
    SELECT p.id,
           p.ejerlavskode::text || '-' || p.matrikelnummer AS matrikel,
           l.plot_label,
           ST_Covers(a.boundary, ST_PointOnSurface(p.geom)) AS in_area,
           (SELECT q.id FROM quarter q
            WHERE q.quarter_set_id = :quarter_set_id
              AND ST_Covers(q.geom, ST_PointOnSurface(p.geom))
            ORDER BY q.id LIMIT 1) AS quarter_id
    FROM parcel p
    JOIN area a ON a.id = :area_id
    LEFT JOIN parcel_land l ON l.parcel_id = p.id
    WHERE p.id = :parcel_id
    """
)


def place(
    conn: Connection,
    area: AreaInfo,
    quarter_set: QuarterSetInfo | None,
    developments: Sequence[Development],
) -> list[Placed]:
    """Each development on its parcel; 404 for an unknown parcel, 422 for one outside."""
    quarters = {}
    if quarter_set is not None:
        rows = conn.execute(
            text("SELECT id, slug, name FROM quarter WHERE quarter_set_id = :qs"),
            {"qs": quarter_set.id},
        )
        quarters = {r.id: (r.slug, r.name) for r in rows}
    placed = []
    for i, d in enumerate(developments):
        parcel_id = resolve_parcel(conn, d.parcel)
        row = conn.execute(
            _PLACE,
            {
                "parcel_id": parcel_id,
                "area_id": area.id,
                "quarter_set_id": quarter_set.id if quarter_set else -1,
            },
        ).one()
        if not row.in_area:
            raise InvalidParameter(
                f"developments[{i}].parcel",
                f"Parcel '{d.parcel}' lies outside the area '{area.slug}' (by its point on "
                "surface, the rule that places every building).",
            )
        slug, name = quarters.get(row.quarter_id, (None, None))
        placed.append(Placed(d, parcel_id, row.matrikel, row.plot_label, slug, name))
    return placed


_INSERT_BUILDING = text(
    """
    INSERT INTO building (id, name, parcel_id, use, business_floor_area_m2, built_year,
                          built_decided, footprint)
    SELECT :id, :name, p.id, :use, :business_m2, :year, :decided, ST_Multi(p.geom)
    FROM parcel p WHERE p.id = :parcel_id
    """
)
_INSERT_STOCK = text(
    """
    INSERT INTO dwelling_stock (id, building_id, tenure, dwellings, floor_area_m2, decided)
    VALUES (:id, :building_id, :tenure, :dwellings, 0, :decided)
    """
)


def _use(d: Development) -> str:
    homes = any(n > 0 for n in d.dwellings.values())
    if homes and d.business_m2 > 0:
        return "mixed"
    return "housing" if homes else ("business" if d.business_m2 > 0 else "other")


def _negative_ids(n: int) -> list[int]:
    """Distinct ids below zero, at random so that concurrent what-ifs rarely pick the same
    (a clash would only make one wait for the other's savepoint to roll back)."""
    ids: set[int] = set()
    while len(ids) < n:
        ids.add(-1 - secrets.randbelow(2**31 - 2))
    return list(ids)


@contextmanager
def hypothetical(conn: Connection, placed: Sequence[Placed]) -> Iterator[None]:
    """The developments as buildings and dwelling stock, visible on `conn` only inside the
    block, and rolled back at its end whatever happens."""
    stock = [(i, t, n) for i, p in enumerate(placed) for t, n in p.development.dwellings.items()]
    building_ids = _negative_ids(len(placed))
    stock_ids = _negative_ids(len(stock))
    savepoint = conn.begin_nested()
    try:
        # Anyone may ask: the rows are written with the login role's rights, never kept, and
        # the question itself is answered with the reader's (gis.db.READER_ROLE).
        with elevated(conn):
            _insert(conn, placed, stock, building_ids, stock_ids)
        yield
    finally:
        savepoint.rollback()


def _insert(
    conn: Connection,
    placed: Sequence[Placed],
    stock: list[tuple[int, str, int]],
    building_ids: list[int],
    stock_ids: list[int],
) -> None:
    conn.execute(
        _INSERT_BUILDING,
        [
            {
                "id": building_ids[i],
                "name": f"what-if {i}",
                "parcel_id": p.parcel_id,
                "use": _use(p.development),
                "business_m2": float(p.development.business_m2),
                "year": p.development.year,
                "decided": p.development.decided,
            }
            for i, p in enumerate(placed)
        ],
    )
    rows = [
        {
            "id": stock_ids[k],
            "building_id": building_ids[i],
            "tenure": t,
            "dwellings": n,
            "decided": placed[i].development.decided,
        }
        for k, (i, t, n) in enumerate(stock)
        if n > 0
    ]
    if rows:
        conn.execute(_INSERT_STOCK, rows)


def what_if(
    conn: Connection,
    area_slug: str,
    developments: Sequence[Development],
    years: Sequence[int] | None = None,
    quarter_set: str | None = None,
) -> WhatIf:
    """The area's tenure mix in each of `years`, before and after the developments."""
    asked = check_years(years)
    check_developments(developments)
    area = get_area(conn, area_slug)
    qs = get_quarter_set(area, quarter_set)
    placed = place(conn, area, qs, developments)
    first, last = asked[0], asked[-1]
    # One statement for the span, as the trajectory endpoint answers it: a trajectory's year
    # equals that year asked alone (benchmarks/run.py checks it).
    before = trajectory(conn, area.slug, first, last, quarter_set)
    with hypothetical(conn, placed):
        after = trajectory(conn, area.slug, first, last, quarter_set)
    by_year_before = {tm.year: tm for tm in before.years}
    by_year_after = {tm.year: tm for tm in after.years}
    effects = [
        YearEffect(
            year=y,
            before=by_year_before[y],
            after=by_year_after[y],
            counted=tuple(i for i, p in enumerate(placed) if p.counts_from <= y),
        )
        for y in asked
    ]
    return WhatIf(area, qs, placed, effects)
