"""The tenure mix and the legal share (almenboligloven § 168 a), on small hand-computed cases.

Every case builds its own area in the empty database (`conn`, rolled back afterwards).
Coordinates are metres in EPSG:25832, relative to a corner in Odense; the area is
1000 m x 1000 m unless a test says otherwise.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from gis.errors import InvalidParameter, NotFound
from gis.state import MAX_YEAR, MIN_YEAR
from gis.tenure import TenureMix, tenure_mix, trajectory

X0, Y0 = 590_000, 6_139_000
AREA = "test-area"


# --- helpers: one row each, plain SQL on the test's connection --------------------------


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    x0, x1, y0, y1 = X0 + x0, X0 + x1, Y0 + y0, Y0 + y1
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def _insert(conn: Connection, sql: str, **params) -> int:
    return conn.execute(text(sql + " RETURNING id"), params).scalar_one()


def add_area(conn: Connection, slug: str = AREA, bounds=(0, 0, 1000, 1000)) -> int:
    return _insert(
        conn,
        "INSERT INTO area (slug, name, kind, boundary)"
        " VALUES (:slug, :name, 'other', ST_GeomFromText(:wkt, 25832))",
        slug=slug,
        name=slug,
        wkt=_box(*bounds),
    )


def add_quarter_set(conn: Connection, area_id: int, slug: str = "quarters") -> int:
    return _insert(
        conn,
        "INSERT INTO quarter_set (area_id, slug, name) VALUES (:a, :slug, :name)",
        a=area_id,
        slug=slug,
        name=slug,
    )


def add_quarter(conn: Connection, quarter_set_id: int, slug: str, bounds) -> int:
    return _insert(
        conn,
        "INSERT INTO quarter (quarter_set_id, slug, name, geom)"
        " VALUES (:qs, :slug, :name, ST_GeomFromText(:wkt, 25832))",
        qs=quarter_set_id,
        slug=slug,
        name=slug,
        wkt=_box(*bounds),
    )


def add_building(
    conn: Connection,
    x: float,
    y: float,
    *,
    width: float = 10,
    built: int | None = None,
    demolished: int | None = None,
    business_m2: float = 0,
    replaced: int = 0,
    stock: dict[str, int] | None = None,
) -> int:
    """A `width` x 10 m building with its lower left corner at (x, y), and open-ended stock."""
    building_id = _insert(
        conn,
        "INSERT INTO building (use, built_year, demolished_year, business_floor_area_m2,"
        " demolished_replaced_by_almen_family, footprint)"
        " VALUES (:use, :built, :demolished, :business, :replaced,"
        " ST_GeomFromText(:wkt, 25832))",
        use="housing" if stock else "business",
        built=built,
        demolished=demolished,
        business=business_m2,
        replaced=replaced,
        wkt=_box(x, y, x + width, y + 10),
    )
    for tenure, dwellings in (stock or {}).items():
        add_stock(conn, building_id, tenure, dwellings)
    return building_id


def add_stock(
    conn: Connection,
    building_id: int,
    tenure: str,
    dwellings: int,
    start: int | None = None,
    end: int | None = None,
    *,
    floor_area_m2: float = 0,
) -> None:
    conn.execute(
        text(
            "INSERT INTO dwelling_stock (building_id, tenure, dwellings, floor_area_m2,"
            " start_year, end_year) VALUES (:b, :t, :d, :fa, :s, :e)"
        ),
        {"b": building_id, "t": tenure, "d": dwellings, "fa": floor_area_m2, "s": start, "e": end},
    )


def quarter_dwellings(tm: TenureMix) -> dict[str, int]:
    return {q.slug: q.mix.total_dwellings for q in tm.quarters}


# --- the formula ---------------------------------------------------------------------------


def test_business_floor_area_counts_one_dwelling_per_75_m2(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 10, 10, stock={"almen_family": 30, "owner_occupied": 60})
    add_building(conn, 100, 10, business_m2=750)

    total = tenure_mix(conn, AREA, 2030).total

    assert total.total_dwellings == 90
    assert total.business_floor_area_m2 == 750
    assert total.business_dwelling_equivalents == 10
    assert total.legal_denominator == 100
    assert total.legal_share == pytest.approx(0.30)
    assert total.compliant is True


def test_business_floor_area_of_a_mixed_building_and_floor_areas(conn: Connection) -> None:
    add_area(conn)
    b = add_building(conn, 10, 10, business_m2=150)
    add_stock(conn, b, "almen_family", 4, floor_area_m2=320.5)
    add_stock(conn, b, "private_rental", 4, floor_area_m2=300)

    total = tenure_mix(conn, AREA, 2030).total

    assert total.dwellings["almen_family"] == 4
    assert total.floor_area_m2 == pytest.approx(
        {
            "almen_family": 320.5,
            "almen_youth": 0,
            "almen_elderly": 0,
            "private_rental": 300,
            "owner_occupied": 0,
            "cooperative": 0,
        }
    )
    assert total.legal_denominator == 10  # 8 dwellings + 150 m² / 75
    assert total.legal_share == pytest.approx(0.4)


def test_floor_areas_add_up_exactly_whatever_the_order(conn: Connection) -> None:
    """Summed as decimals (ten times 0.1 m² is 1 m², not 0.9999999999999999), so a
    trajectory's year equals that year asked alone, whatever order the rows come in."""
    add_area(conn)
    for i in range(10):
        b = add_building(conn, 20 * i, 10)
        add_stock(conn, b, "owner_occupied", 1, floor_area_m2=0.1)

    total = tenure_mix(conn, AREA, 2030).total

    assert total.floor_area_m2["owner_occupied"] == 1.0
    assert trajectory(conn, AREA, 2028, 2030).years[-1].total == total


def test_demolitions_since_2010_stay_in_the_denominator_unless_replaced(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 10, 10, stock={"almen_family": 10, "owner_occupied": 10})
    # Before 2010: does not count.
    add_building(conn, 30, 10, demolished=2008, stock={"owner_occupied": 50})
    # In 2010 exactly: counts, from 2011.
    add_building(conn, 50, 10, demolished=2010, stock={"owner_occupied": 5})
    # Fully replaced by almene family dwellings, even more than it held: counts 0, not -1.
    add_building(conn, 70, 10, demolished=2012, replaced=9, stock={"almen_family": 8})
    # 30 demolished, 10 replaced: 20 stay in the denominator from 2016.
    add_building(conn, 90, 10, demolished=2015, replaced=10, stock={"almen_family": 30})

    years = {tm.year: tm.total for tm in trajectory(conn, AREA, 2007, 2016).years}

    assert {y: m.demolished_not_replaced for y, m in years.items()} == {
        2007: 0, 2008: 0, 2009: 0, 2010: 0,
        2011: 5, 2012: 5, 2013: 5, 2014: 5, 2015: 5,
        2016: 25,
    }  # fmt: skip
    assert {y: m.total_dwellings for y, m in years.items()} == {
        2007: 113, 2008: 113, 2009: 63, 2010: 63,
        2011: 58, 2012: 58, 2013: 50, 2014: 50, 2015: 50,
        2016: 20,
    }  # fmt: skip
    assert years[2015].legal_share == pytest.approx(40 / 55)
    assert years[2016].legal_denominator == 45
    assert years[2016].legal_share == pytest.approx(10 / 45)


def test_demolished_dwellings_are_those_the_building_held_in_its_demolition_year(
    conn: Connection,
) -> None:
    add_area(conn)
    b = add_building(conn, 10, 10, demolished=2014)
    add_stock(conn, b, "owner_occupied", 6, end=2013)  # merged into 4 during 2013
    add_stock(conn, b, "owner_occupied", 4, start=2013)

    assert tenure_mix(conn, AREA, 2014).total.total_dwellings == 4
    after = tenure_mix(conn, AREA, 2015).total
    assert (after.total_dwellings, after.demolished_not_replaced) == (0, 4)
    assert after.legal_share == 0.0


def test_almen_youth_and_elderly_are_in_the_denominator_only(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 10, 10, stock={"almen_family": 40, "almen_youth": 30, "almen_elderly": 30})

    total = tenure_mix(conn, AREA, 2030).total

    assert total.total_dwellings == 100
    assert total.legal_share == pytest.approx(0.40)
    assert total.shares["almen_youth"] == pytest.approx(0.30)


def test_a_conversion_dated_2027_changes_the_share_from_2028(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 10, 10, stock={"owner_occupied": 40})
    b = add_building(conn, 30, 10)
    add_stock(conn, b, "almen_family", 60, end=2027)
    add_stock(conn, b, "almen_family", 30, start=2027)
    add_stock(conn, b, "almen_youth", 30, start=2027)

    years = {tm.year: tm.total for tm in trajectory(conn, AREA, 2026, 2028).years}

    assert [m.total_dwellings for m in years.values()] == [100, 100, 100]
    assert years[2026].legal_share == pytest.approx(0.60)
    assert years[2027].legal_share == pytest.approx(0.60)
    assert years[2028].legal_share == pytest.approx(0.30)
    assert years[2028].dwellings["almen_youth"] == 30


def test_a_building_built_2027_counts_from_2028_and_one_demolished_2026_until_2026(
    conn: Connection,
) -> None:
    add_area(conn)
    add_building(conn, 10, 10, stock={"almen_family": 50})
    add_building(conn, 30, 10, built=2027, stock={"owner_occupied": 10})
    add_building(conn, 50, 10, demolished=2026, stock={"owner_occupied": 7})

    years = {tm.year: tm.total for tm in trajectory(conn, AREA, 2026, 2028).years}

    assert {y: m.total_dwellings for y, m in years.items()} == {2026: 57, 2027: 50, 2028: 60}
    assert {y: m.demolished_not_replaced for y, m in years.items()} == {
        2026: 0, 2027: 7, 2028: 7
    }  # fmt: skip
    assert tenure_mix(conn, AREA, 2027).total.total_dwellings == 50


# --- where a building counts ---------------------------------------------------------------


def _two_quarters(conn: Connection) -> tuple[int, int, int]:
    """West (x < 500) and east (x > 500) of the lower 800 m; the top 200 m in no quarter."""
    area_id = add_area(conn)
    qs = add_quarter_set(conn, area_id)
    west = add_quarter(conn, qs, "west", (0, 0, 500, 800))
    east = add_quarter(conn, qs, "east", (500, 0, 1000, 800))
    return area_id, west, east


def _anchor_quarter(conn: Connection, building_id: int) -> str:
    """The quarter holding the building's ST_PointOnSurface; the lowest id on a boundary."""
    return conn.execute(
        text(
            "SELECT q.slug FROM building b JOIN quarter q"
            " ON ST_Intersects(q.geom, ST_PointOnSurface(b.footprint))"
            " WHERE b.id = :b ORDER BY q.id LIMIT 1"
        ),
        {"b": building_id},
    ).scalar_one()


def test_a_building_straddling_a_quarter_boundary_counts_in_one_quarter(
    conn: Connection,
) -> None:
    _two_quarters(conn)
    add_building(conn, 100, 100, stock={"owner_occupied": 3})
    add_building(conn, 700, 100, stock={"owner_occupied": 5})
    # 60 m wide across x = 500: 20 m west, 40 m east.
    straddling = add_building(conn, 480, 300, width=60, stock={"almen_family": 11})

    tm = tenure_mix(conn, AREA, 2030, "quarters")

    # Its point on surface lies in the east, the quarter with the higher id: a query that
    # placed footprints by "first quarter touched" would put it in the west.
    assert _anchor_quarter(conn, straddling) == "east"
    assert quarter_dwellings(tm) == {"west": 3, "east": 16}
    assert tm.total.total_dwellings == 19
    assert tm.unassigned is None


def test_a_building_anchored_on_the_boundary_goes_to_the_lowest_quarter_id(
    conn: Connection,
) -> None:
    _, west, east = _two_quarters(conn)
    assert west < east
    # 20 m wide, centred on x = 500: its point on surface lies on the shared edge.
    b = add_building(conn, 490, 300, width=20, stock={"cooperative": 8})
    on_edge = conn.execute(
        text(
            "SELECT count(*) FROM quarter q JOIN building b ON ST_Intersects(q.geom, b.anchor)"
            " WHERE b.id = :b"
        ),
        {"b": b},
    ).scalar_one()
    assert on_edge == 2

    tm = tenure_mix(conn, AREA, 2030, "quarters")

    assert quarter_dwellings(tm) == {"west": 8, "east": 0}
    assert tm.total.total_dwellings == 8


def test_buildings_outside_the_quarters_are_unassigned_and_outside_the_area_not_counted(
    conn: Connection,
) -> None:
    _two_quarters(conn)
    add_building(conn, 100, 100, stock={"almen_family": 4})
    add_building(conn, 600, 900, stock={"almen_family": 6, "owner_occupied": 2})
    add_building(conn, 100, 900, business_m2=75)
    add_building(conn, 2000, 100, business_m2=7500, stock={"almen_family": 1000})

    tm = tenure_mix(conn, AREA, 2030, "quarters")

    assert quarter_dwellings(tm) == {"west": 4, "east": 0}
    assert tm.unassigned is not None
    assert tm.unassigned.total_dwellings == 8
    assert tm.unassigned.business_floor_area_m2 == 75
    assert tm.total.total_dwellings == 12
    assert tm.total.business_floor_area_m2 == 75
    assert tm.total.legal_share == pytest.approx(10 / 13)


def test_a_building_on_the_area_boundary_belongs_by_its_anchor(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, -10, 100, width=40, stock={"owner_occupied": 2})  # anchor inside
    add_building(conn, 990, 100, width=40, stock={"owner_occupied": 30})  # anchor outside
    add_building(conn, 990, 300, width=20, stock={"cooperative": 400})  # anchor on the edge

    assert tenure_mix(conn, AREA, 2030).total.total_dwellings == 402


def test_a_quarter_reaching_beyond_the_area_counts_only_the_area(conn: Connection) -> None:
    area_id = add_area(conn)
    qs = add_quarter_set(conn, area_id)
    add_quarter(conn, qs, "wide", (0, 0, 3000, 1000))
    add_building(conn, 100, 100, stock={"almen_family": 5})
    add_building(conn, 1500, 100, business_m2=750, stock={"almen_family": 70})

    tm = tenure_mix(conn, AREA, 2030)

    assert quarter_dwellings(tm) == {"wide": 5}
    assert tm.total.total_dwellings == 5
    assert tm.total.business_floor_area_m2 == 0


def test_quarter_figures_add_up_to_the_total(conn: Connection) -> None:
    _two_quarters(conn)
    add_building(conn, 100, 100, business_m2=150, stock={"almen_family": 4})
    add_building(conn, 700, 100, demolished=2020, replaced=1, stock={"almen_family": 6})
    add_building(conn, 700, 300, built=2021, stock={"almen_elderly": 5})
    add_building(conn, 300, 900, stock={"private_rental": 9})

    for tm in trajectory(conn, AREA, 2019, 2023, "quarters").years:
        parts = [q.mix for q in tm.quarters] + [tm.unassigned]
        for key in ("total_dwellings", "business_floor_area_m2", "demolished_not_replaced"):
            assert sum(getattr(m, key) for m in parts) == getattr(tm.total, key), (tm.year, key)
        for tenure, n in tm.total.dwellings.items():
            assert sum(m.dwellings[tenure] for m in parts) == n


def test_quarters_are_listed_in_id_order_even_when_empty(conn: Connection) -> None:
    area_id = add_area(conn)
    qs = add_quarter_set(conn, area_id)
    for slug in ("north", "south", "middle"):
        add_quarter(conn, qs, slug, (0, 0, 10, 10))

    tm = tenure_mix(conn, AREA, 2030)

    assert tm.quarter_set is not None and tm.quarter_set.slug == "quarters"
    assert [q.slug for q in tm.quarters] == ["north", "south", "middle"]
    assert all(q.mix.total_dwellings == 0 for q in tm.quarters)


# --- trajectory ----------------------------------------------------------------------------


def _reaching_40_percent_in_2028(conn: Connection) -> None:
    _two_quarters(conn)
    add_building(conn, 100, 100, stock={"almen_family": 60})
    add_building(conn, 700, 100, stock={"owner_occupied": 40})
    add_building(conn, 700, 300, built=2027, stock={"owner_occupied": 50})


def test_trajectory_years_in_order_and_first_compliant_year(conn: Connection) -> None:
    _reaching_40_percent_in_2028(conn)

    tr = trajectory(conn, AREA, 2024, 2030, "quarters")

    assert (tr.first_year, tr.last_year) == (2024, 2030)
    assert [tm.year for tm in tr.years] == list(range(2024, 2031))
    assert [tm.total.legal_share for tm in tr.years] == pytest.approx(
        [0.6, 0.6, 0.6, 0.6, 0.4, 0.4, 0.4]
    )
    assert tr.first_compliant_year == 2028


def test_trajectory_equals_the_tenure_mix_of_each_year(conn: Connection) -> None:
    _reaching_40_percent_in_2028(conn)
    add_building(conn, 300, 900, demolished=2025, stock={"almen_family": 3})

    tr = trajectory(conn, AREA, 2023, 2030, "quarters")

    for tm in tr.years:
        assert tm == tenure_mix(conn, AREA, tm.year, "quarters")


def test_trajectory_of_a_single_year(conn: Connection) -> None:
    _reaching_40_percent_in_2028(conn)

    tr = trajectory(conn, AREA, 2028, 2028)

    assert [tm.year for tm in tr.years] == [2028]
    assert tr.first_compliant_year == 2028


def test_first_compliant_year_is_none_when_never_compliant(conn: Connection) -> None:
    _reaching_40_percent_in_2028(conn)

    assert trajectory(conn, AREA, 2020, 2027).first_compliant_year is None


# --- the 40 % line and the empty area -------------------------------------------------------


def test_exactly_40_percent_is_compliant(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 10, 10, business_m2=750, stock={"almen_family": 40, "cooperative": 50})

    total = tenure_mix(conn, AREA, 2030).total

    assert total.legal_share == 0.40
    assert total.compliant is True


def test_just_above_40_percent_is_not_compliant(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 10, 10, stock={"almen_family": 4001, "owner_occupied": 5999})

    total = tenure_mix(conn, AREA, 2030).total

    assert total.legal_share == pytest.approx(0.4001)
    assert total.compliant is False


def test_an_empty_area_has_no_share(conn: Connection) -> None:
    add_area(conn)

    tm = tenure_mix(conn, AREA, 2030)

    assert tm.total.total_dwellings == 0
    assert tm.total.legal_share is None
    assert tm.total.compliant is None
    assert tm.quarter_set is None and tm.quarters == [] and tm.unassigned is None
    assert trajectory(conn, AREA, 2020, 2030).first_compliant_year is None


# --- errors ----------------------------------------------------------------------------------


def test_unknown_area(conn: Connection) -> None:
    with pytest.raises(NotFound) as err:
        tenure_mix(conn, "no-such-area", 2030)
    assert err.value.key == "no-such-area"
    with pytest.raises(NotFound):
        trajectory(conn, "no-such-area", 2020, 2030)


def test_unknown_quarter_set(conn: Connection) -> None:
    _two_quarters(conn)
    with pytest.raises(NotFound) as err:
        tenure_mix(conn, AREA, 2030, "no-such-set")
    assert err.value.key == "no-such-set"
    with pytest.raises(NotFound):
        trajectory(conn, AREA, 2020, 2030, "no-such-set")


@pytest.mark.parametrize("year", [MIN_YEAR - 1, MAX_YEAR + 1, 0, -2030])
def test_year_out_of_range(conn: Connection, year: int) -> None:
    add_area(conn)
    with pytest.raises(InvalidParameter) as err:
        tenure_mix(conn, AREA, year)
    assert err.value.parameter == "year"
    assert "year" in err.value.detail


@pytest.mark.parametrize(
    ("first", "last", "parameter"),
    [
        (MIN_YEAR - 1, 2030, "from"),
        (2020, MAX_YEAR + 1, "to"),
        (2030, 2020, "to"),
    ],
)
def test_trajectory_bad_years(conn: Connection, first: int, last: int, parameter: str) -> None:
    add_area(conn)
    with pytest.raises(InvalidParameter) as err:
        trajectory(conn, AREA, first, last)
    assert err.value.parameter == parameter
    assert f"'{parameter}'" in err.value.detail


def test_the_range_limits_themselves_are_accepted(conn: Connection) -> None:
    add_area(conn)
    tr = trajectory(conn, AREA, MIN_YEAR, MAX_YEAR)
    assert len(tr.years) == MAX_YEAR - MIN_YEAR + 1


def test_an_area_without_quarter_sets_reports_only_its_total(conn: Connection) -> None:
    add_area(conn)
    add_building(conn, 100, 100, stock={"almen_family": 4, "owner_occupied": 6})

    tm = tenure_mix(conn, AREA, 2030)

    assert tm.quarter_set is None and tm.quarters == []
    assert tm.unassigned is None
    assert tm.total.total_dwellings == 10
    assert tm.total.legal_share == 0.4
