"""The gap to a target legal share, checked at its exact boundary with the real tenure mix.

For each number the gap gives (n dwellings, m m² of business, k almene family dwellings to
convert) the test really stores that change, in a savepoint of the test's transaction, and
asks `gis.tenure.tenure_mix`: with n the share is at or below the target, with n - 1 it is
not. The hand-built area is 1000 m x 1000 m of metres in EPSG:25832 near Odense.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from gis.errors import InvalidQuery
from gis.land.gap import area_gap, check_target, gap
from gis.tenure import tenure_mix
from tests.api.conftest import make_client

X0, Y0 = 590_000, 6_139_000
AREA = "gap-area"
YEAR = 2030


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    x0, x1, y0, y1 = X0 + x0, X0 + x1, Y0 + y0, Y0 + y1
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def _add_building(
    conn: Connection,
    x: float,
    y: float,
    stock: dict[str, int] | None = None,
    *,
    built: int | None = None,
    demolished: int | None = None,
    business_m2: float = 0,
) -> int:
    building = conn.execute(
        text(
            "INSERT INTO building (use, built_year, demolished_year, business_floor_area_m2,"
            " footprint) VALUES ('mixed', :b, :d, :m2, ST_GeomFromText(:wkt, 25832))"
            " RETURNING id"
        ),
        {"b": built, "d": demolished, "m2": business_m2, "wkt": _box(x, y, x + 10, y + 10)},
    ).scalar_one()
    for tenure, n in (stock or {}).items():
        _add_stock(conn, building, tenure, n)
    return building


def _add_stock(conn, building: int, tenure: str, n: int, start=None, end=None) -> None:
    conn.execute(
        text(
            "INSERT INTO dwelling_stock (building_id, tenure, dwellings, start_year, end_year)"
            " VALUES (:b, :t, :n, :s, :e)"
        ),
        {"b": building, "t": tenure, "n": n, "s": start, "e": end},
    )


def _area(conn: Connection, quarters: bool = False) -> None:
    area = conn.execute(
        text(
            "INSERT INTO area (slug, name, kind, boundary)"
            " VALUES (:s, :n, 'other', ST_GeomFromText(:wkt, 25832)) RETURNING id"
        ),
        {"s": AREA, "n": AREA, "wkt": _box(0, 0, 1000, 1000)},
    ).scalar_one()
    if quarters:
        qs = conn.execute(
            text(
                "INSERT INTO quarter_set (area_id, slug, name) VALUES (:a, 'q', 'q') RETURNING id"
            ),
            {"a": area},
        ).scalar_one()
        for slug, bounds in (("west", (0, 0, 500, 1000)), ("east", (500, 0, 1000, 1000))):
            conn.execute(
                text(
                    "INSERT INTO quarter (quarter_set_id, slug, name, geom)"
                    " VALUES (:qs, :s, :n, ST_GeomFromText(:wkt, 25832))"
                ),
                {"qs": qs, "s": slug, "n": slug, "wkt": _box(*bounds)},
            )


def _share_with(conn: Connection, change: Callable[[], object], quarter: str | None = None):
    """The legal share in YEAR with `change` really stored, then undone."""
    savepoint = conn.begin_nested()
    try:
        change()
        tm = tenure_mix(conn, AREA, YEAR)
        if quarter is None:
            return tm.total.legal_share
        return next(q.mix.legal_share for q in tm.quarters if q.slug == quarter)
    finally:
        savepoint.rollback()


def _assert_smallest(conn, n: int, target: float, apply: Callable[[int], object], quarter=None):
    """n is the smallest count whose change, really stored, brings the share to the target."""
    assert _share_with(conn, lambda: apply(n), quarter) <= target
    if n > 0:
        assert _share_with(conn, lambda: apply(n - 1), quarter) > target


def _add_private(conn, n: int, x: float = 500, y: float = 500) -> Callable[[int], object]:
    return lambda n: _add_building(conn, x, y, {"private_rental": n}, built=YEAR - 1)


def _check_all(conn: Connection, target: float) -> None:
    g = area_gap(conn, AREA, YEAR, target).total
    _assert_smallest(conn, g.dwellings, target, _add_private(conn, 0))
    _assert_smallest(
        conn,
        g.business_m2_minimum,
        target,
        lambda m: _add_building(conn, 600, 600, built=YEAR - 1, business_m2=m),
    )
    assert (
        _share_with(
            conn,
            lambda: _add_building(
                conn, 600, 600, built=YEAR - 1, business_m2=g.business_m2_as_dwellings
            ),
        )
        <= target
    )

    # The family dwellings that count: in buildings standing in YEAR, taken in a fixed order
    # (in the heap's order a demolished building's rows could come first, and converting
    # those changes nothing).
    family = conn.execute(
        text(
            "SELECT s.id, s.building_id, s.dwellings FROM dwelling_stock s"
            " JOIN building b ON b.id = s.building_id"
            " WHERE s.tenure = 'almen_family'"
            " AND (b.demolished_year IS NULL OR b.demolished_year > :y) ORDER BY s.id"
        ),
        {"y": YEAR},
    ).all()

    def convert(k: int) -> None:
        # Sold off (or made youth dwellings) in YEAR - 1: the rows' figures change from YEAR.
        left = k
        for row in family:
            moved = min(left, row.dwellings)
            left -= moved
            conn.execute(
                text("UPDATE dwelling_stock SET end_year = :y WHERE id = :id"),
                {"y": YEAR - 1, "id": row.id},
            )
            _add_stock(conn, row.building_id, "almen_family", row.dwellings - moved, YEAR - 1)
            _add_stock(conn, row.building_id, "owner_occupied", moved, YEAR - 1)
        assert left == 0

    _assert_smallest(conn, g.almen_family_to_go, target, convert)


# --- the exact boundary, worked by hand --------------------------------------------------------


def test_38_family_of_88_dwellings_need_12_more_for_38_percent(conn):
    # 38 / (88 + n) <= 0.38  <=>  n >= 100 - 88 = 12, and at 12 the share is exactly 0.38.
    _area(conn)
    _add_building(conn, 100, 100, {"almen_family": 38, "owner_occupied": 50})
    g = area_gap(conn, AREA, YEAR, 0.38).total
    assert (g.almen_family, g.all_dwellings, g.denominator) == (38, 88, 88)
    assert g.dwellings == 12
    assert g.business_m2_as_dwellings == 900
    assert g.business_m2_minimum == 900
    # 38 - k <= 0.38 * 88 = 33.44  <=>  k >= 4.56
    assert g.almen_family_to_go == 5
    assert _share_with(conn, lambda: _add_private(conn, 0)(12)) == 0.38
    assert "D = 88 + 0 / 75 + 0 = 88.00; share = A / D = 38 / 88.00" in g.explain()
    assert "n = ceil(38 / 0.38 - 88.00) = 12 more" in g.explain()
    _check_all(conn, 0.38)


@pytest.mark.parametrize("target", [0.40, 0.38, 0.35, 0.3, 0.123])
def test_smallest_numbers_with_business_and_demolitions_in_the_denominator(conn, target):
    # A denominator that is not whole: 1,234 m² of business is 16.45 dwellings.
    _area(conn)
    _add_building(conn, 100, 100, {"almen_family": 700, "almen_youth": 30})
    _add_building(conn, 200, 100, {"almen_family": 300, "cooperative": 120})
    _add_building(conn, 300, 100, {"almen_family": 90}, demolished=2021)
    _add_building(conn, 400, 100, business_m2=1234)
    _check_all(conn, target)


def test_already_at_or_below_the_target_needs_nothing(conn):
    _area(conn)
    _add_building(conn, 100, 100, {"almen_family": 40, "owner_occupied": 60})
    for target in (0.40, 0.5, 0.99):
        g = area_gap(conn, AREA, YEAR, target).total
        assert g.met
        assert (g.dwellings, g.business_m2_minimum, g.almen_family_to_go) == (0, 0, 0)
    assert not area_gap(conn, AREA, YEAR, 0.399).total.met


def test_an_area_with_nothing_to_count_needs_nothing(conn):
    _area(conn)
    g = area_gap(conn, AREA, YEAR, 0.4).total
    assert g.share is None
    assert (g.dwellings, g.almen_family_to_go) == (0, 0)


def test_the_year_is_the_state_as_of_1_january(conn):
    # Family homes built in 2030 are not in the 2030 state; built in 2029 they are.
    _area(conn)
    _add_building(conn, 100, 100, {"almen_family": 40, "owner_occupied": 60})
    _add_building(conn, 200, 100, {"almen_family": 60}, built=2030)
    assert area_gap(conn, AREA, 2030, 0.4).total.met
    assert area_gap(conn, AREA, 2031, 0.4).total.dwellings == 100 / 0.4 - 160


def test_each_quarter_against_the_target(conn):
    _area(conn, quarters=True)
    _add_building(conn, 100, 100, {"almen_family": 90, "private_rental": 10})  # west
    _add_building(conn, 700, 100, {"almen_family": 10, "private_rental": 190})  # east
    result = area_gap(conn, AREA, YEAR, 0.4)
    by_slug = {q.slug: q.gap for q in result.quarters}
    assert by_slug["east"].met
    west = by_slug["west"]
    assert west == gap(tenure_mix(conn, AREA, YEAR).quarters[0].mix, 0.4)
    _assert_smallest(conn, west.dwellings, 0.4, _add_private(conn, 0, x=200, y=200), "west")
    assert result.total.met


@pytest.mark.parametrize("target", [0, 1, -0.2, 1.5, math.nan, math.inf])
def test_a_target_outside_0_to_1_is_refused(conn, target):
    with pytest.raises(InvalidQuery) as e:
        check_target(target)
    assert e.value.parameter == "target"


# --- the reference data and HTTP ---------------------------------------------------------------


def test_vollsmose_2030_gap_really_reaches_the_target(ref_conn):
    mix = tenure_mix(ref_conn, "vollsmose", YEAR).total
    target = round(mix.legal_share - 0.05, 2)
    result = area_gap(ref_conn, "vollsmose", YEAR, target)
    assert result.total.dwellings > 0
    parcel = ref_conn.execute(
        text(
            "SELECT p.id FROM parcel p JOIN area a ON a.slug = 'vollsmose'"
            " AND ST_Covers(a.boundary, ST_PointOnSurface(p.geom)) ORDER BY p.id LIMIT 1"
        )
    ).scalar_one()

    def share(n: int) -> float:
        savepoint = ref_conn.begin_nested()
        try:
            b = ref_conn.execute(
                text(
                    "INSERT INTO building (use, built_year, parcel_id, footprint)"
                    " SELECT 'housing', 2029, id, geom FROM parcel WHERE id = :p RETURNING id"
                ),
                {"p": parcel},
            ).scalar_one()
            _add_stock(ref_conn, b, "owner_occupied", n)
            return tenure_mix(ref_conn, "vollsmose", YEAR).total.legal_share
        finally:
            savepoint.rollback()

    assert share(result.total.dwellings) <= target < share(result.total.dwellings - 1)


@pytest.fixture
def ref_client(ref_database_url: str) -> Iterator[TestClient]:
    with make_client(ref_database_url) as client:
        yield client


def test_http_gap_explains_its_arithmetic(ref_client):
    r = ref_client.get("/areas/vollsmose/tenure-mix/gap", params={"year": 2030, "target": 0.3})
    assert r.status_code == 200, r.text
    body = r.json()
    mix = ref_client.get("/areas/vollsmose/tenure-mix", params={"year": 2030}).json()["total"]
    total = body["total"]
    assert total["almen_family"] == mix["dwellings"]["almen_family"]
    assert total["legal_denominator"] == mix["legal_denominator"]
    assert total["legal_share"] == mix["legal_share"]
    assert total["business_m2"] == total["dwellings"] * 75
    assert "ceil" in body["formulas"]["dwellings"]
    assert f"= {total['dwellings']} more non-family dwellings" in total["arithmetic"]
    assert {q["quarter"] for q in body["quarters"]}
    default = ref_client.get("/areas/vollsmose/tenure-mix/gap").json()
    assert (default["year"], default["target"]) == (2030, 0.4)


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"target": 1}, 400, "target"),
        ({"target": 0}, 400, "target"),
        ({"target": -0.5}, 400, "target"),
        ({"target": "abc"}, 422, "target"),
        ({"year": 1999}, 422, "year"),
    ],
)
def test_http_gap_refuses_bad_parameters(ref_client, params, status, parameter):
    r = ref_client.get("/areas/vollsmose/tenure-mix/gap", params=params)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["parameter"] == parameter
