"""The derived state changes (migration 0019) kept with the data, edit by edit.

After every kind of write the tenure mix reads (buildings, their dwellings, quarters,
quarter sets, areas; insert, update, delete, truncate), the derived tables equal a rebuild
from the plan tables, and the tenure mix from them equals the one computed from the plan
tables themselves, for every year and every quarter set. A read of a recorded time or a
scenario does not read them as they are (it corrects them: tests/gis/test_tenure_version.py).
All in the test's rolled-back transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text

from gis import record, tenure
from gis.areas import get_area, get_quarter_set
from gis.state import MAX_YEAR, MIN_YEAR
from tests.gis.test_tenure import (
    AREA,
    _box,
    add_area,
    add_building,
    add_quarter,
    add_quarter_set,
    add_stock,
)

DERIVED = ("tenure_place", "tenure_delta")


def _snapshot(conn: Connection) -> dict[str, list]:
    return {
        t: sorted(tuple(r) for r in conn.execute(text(f"SELECT * FROM derived.{t}")))
        for t in DERIVED
    }


def _every_mix(conn: Connection, derived: bool) -> dict:
    """Every area and quarter set (and none), every year, from the derived tables or not."""
    out = {}
    sets = conn.execute(
        text(
            "SELECT a.slug, s.slug FROM area a JOIN quarter_set s ON s.area_id = a.id"
            " UNION SELECT slug, NULL FROM area"
        )
    ).all()
    for area_slug, qs_slug in sets:
        area = get_area(conn, area_slug)
        qs = get_quarter_set(area, qs_slug)
        out[(area_slug, qs_slug)] = tenure._compute(
            conn, area, qs, MIN_YEAR, MAX_YEAR, derived=derived
        )
    return out


def assert_derived_is_right(conn: Connection) -> None:
    kept = _snapshot(conn)
    with conn.begin_nested() as rebuilt:
        conn.execute(text("SELECT derived.rebuild()"))
        assert _snapshot(conn) == kept, "the triggers left other rows than a rebuild makes"
        rebuilt.rollback()
    assert _every_mix(conn, derived=True) == _every_mix(conn, derived=False)


@pytest.fixture
def area(conn: Connection) -> dict[str, int]:
    """An area with two quarter sets: two halves, and a west strip beside an empty rest."""
    area_id = add_area(conn)
    halves = add_quarter_set(conn, area_id, "halves")
    strips = add_quarter_set(conn, area_id, "strips")
    return {
        "area": area_id,
        "halves": halves,
        "west": add_quarter(conn, halves, "west", (0, 0, 500, 1000)),
        "east": add_quarter(conn, halves, "east", (500, 0, 1000, 1000)),
        "strip": add_quarter(conn, strips, "strip", (0, 0, 200, 1000)),
    }


def _stocked(conn: Connection) -> dict[str, int]:
    """Buildings with every kind of life: open-ended, built, demolished (replaced or not),
    converted, business only, outside the area, and with an empty life."""
    ids = {
        "plain": add_building(conn, 10, 10, stock={"almen_family": 30, "owner_occupied": 12}),
        "built": add_building(conn, 600, 10, built=2024, stock={"private_rental": 20}),
        "demolished": add_building(
            conn, 100, 500, demolished=2026, replaced=5, stock={"almen_family": 40}
        ),
        "old_demolition": add_building(conn, 300, 300, demolished=2005, stock={"cooperative": 9}),
        "business": add_building(conn, 700, 700, business_m2=1500, built=2021, demolished=2033),
        "outside": add_building(conn, 1500, 10, stock={"almen_family": 99}),
        "empty_life": add_building(conn, 800, 100, built=2020, demolished=2028, business_m2=75),
    }
    # Dwellings that come after their building is gone, and one row of an empty period.
    add_stock(conn, ids["empty_life"], "almen_elderly", 4, start=2030)
    add_stock(conn, ids["empty_life"], "almen_youth", 3, start=2024, end=2024)
    converted = add_building(conn, 450, 800, width=100)  # straddles west and east
    add_stock(conn, converted, "almen_family", 16, end=2027, floor_area_m2=1200.1)
    add_stock(conn, converted, "almen_youth", 16, start=2027, floor_area_m2=1200.1)
    ids["converted"] = converted
    # A negative id, as the what-if's hypothetical buildings have (gis.land.whatif).
    negative = conn.execute(
        text(
            "INSERT INTO building (id, use, footprint)"
            " VALUES (-7, 'housing', ST_GeomFromText(:wkt, 25832)) RETURNING id"
        ),
        {"wkt": _box(900, 900, 910, 910)},
    ).scalar_one()
    add_stock(conn, negative, "almen_family", 5)
    ids["negative"] = negative
    return ids


def test_a_fresh_area_and_its_buildings(conn: Connection, area: dict) -> None:
    _stocked(conn)
    assert_derived_is_right(conn)
    rows = conn.execute(
        text("SELECT count(*) FROM derived.tenure_delta WHERE area_id = :a"), {"a": area["area"]}
    ).scalar_one()
    assert rows > 0


def test_buildings_edited_moved_and_deleted(conn: Connection, area: dict) -> None:
    b = _stocked(conn)
    # A building moves from the west half into the east one, and out of the strip.
    conn.execute(
        text("UPDATE building SET footprint = ST_GeomFromText(:wkt, 25832) WHERE id = :id"),
        {"wkt": _box(650, 10, 660, 20), "id": b["plain"]},
    )
    assert_derived_is_right(conn)
    conn.execute(
        text(
            "UPDATE building SET built_year = 2022, demolished_year = 2031,"
            " demolished_replaced_by_almen_family = 10, business_floor_area_m2 = 300"
            " WHERE id IN (:a, :b)"
        ),
        {"a": b["built"], "b": b["demolished"]},
    )
    assert_derived_is_right(conn)
    conn.execute(text("DELETE FROM building WHERE id = :id"), {"id": b["converted"]})
    assert_derived_is_right(conn)
    # A building moves into the area from outside.
    conn.execute(
        text("UPDATE building SET footprint = ST_GeomFromText(:wkt, 25832) WHERE id = :id"),
        {"wkt": _box(100, 900, 110, 910), "id": b["outside"]},
    )
    assert_derived_is_right(conn)


def test_dwellings_added_changed_converted_and_removed(conn: Connection, area: dict) -> None:
    b = _stocked(conn)
    add_stock(conn, b["plain"], "private_rental", 7, start=2025, floor_area_m2=512.3)
    assert_derived_is_right(conn)
    conn.execute(
        text(
            "UPDATE dwelling_stock SET dwellings = dwellings + 3, end_year = 2029"
            " WHERE building_id = :id AND tenure = 'almen_family'"
        ),
        {"id": b["plain"]},
    )
    assert_derived_is_right(conn)
    # Dwellings handed from one building to another.
    conn.execute(
        text("UPDATE dwelling_stock SET building_id = :to WHERE building_id = :from"),
        {"to": b["business"], "from": b["demolished"]},
    )
    assert_derived_is_right(conn)
    conn.execute(text("DELETE FROM dwelling_stock WHERE building_id = :id"), {"id": b["plain"]})
    assert_derived_is_right(conn)


def test_quarters_sets_and_areas_redrawn(conn: Connection, area: dict) -> None:
    _stocked(conn)
    conn.execute(
        text("UPDATE quarter SET geom = ST_GeomFromText(:wkt, 25832) WHERE id = :id"),
        {"wkt": _box(0, 0, 700, 1000), "id": area["west"]},
    )
    assert_derived_is_right(conn)
    add_quarter(conn, area["halves"], "north", (0, 900, 1000, 1000))
    conn.execute(text("DELETE FROM quarter WHERE id = :id"), {"id": area["strip"]})
    assert_derived_is_right(conn)
    conn.execute(
        text("UPDATE area SET boundary = ST_GeomFromText(:wkt, 25832) WHERE id = :id"),
        {"wkt": _box(0, 0, 2000, 1000), "id": area["area"]},
    )
    assert_derived_is_right(conn)
    # A second area over the first one's east half, with a set of its own; then gone.
    other = add_area(conn, "other-area", (500, 0, 1000, 1000))
    add_quarter(conn, add_quarter_set(conn, other, "one"), "one", (500, 0, 1000, 500))
    assert_derived_is_right(conn)
    conn.execute(text("DELETE FROM quarter_set WHERE id = :id"), {"id": area["halves"]})
    conn.execute(text("DELETE FROM area WHERE id = :id"), {"id": other})
    assert_derived_is_right(conn)
    assert (
        conn.execute(
            text("SELECT count(*) FROM derived.tenure_place WHERE area_id = :a"), {"a": other}
        ).scalar_one()
        == 0
    )


def test_a_truncate_rebuilds(conn: Connection, area: dict) -> None:
    _stocked(conn)
    conn.execute(text("TRUNCATE dwelling_stock"))
    assert_derived_is_right(conn)
    # (A building written in this transaction has a deferred check pending: no TRUNCATE.)
    conn.execute(text("TRUNCATE quarter"))
    assert_derived_is_right(conn)
    assert (
        conn.execute(
            text("SELECT count(*) FROM derived.tenure_place WHERE quarter_id > 0")
        ).scalar_one()
        == 0
    )


def test_a_bulk_statement_rebuilds_the_areas(conn: Connection, area: dict) -> None:
    # More buildings in one statement than the trigger places one by one (migration 0019).
    conn.execute(
        text(
            "INSERT INTO building (use, built_year, demolished_year, footprint)"
            " SELECT 'housing', CASE WHEN i % 7 = 0 THEN 2020 + i % 6 END,"
            "        CASE WHEN i % 11 = 0 THEN 2026 + i % 9 END,"
            "        ST_Multi(ST_MakeEnvelope(:x + i % 150 * 6.6, :y + i / 150 * 6.6,"
            "                                 :x + i % 150 * 6.6 + 5, :y + i / 150 * 6.6 + 5,"
            "                                 25832))"
            " FROM generate_series(0, 20499) i"
        ),
        {"x": 590_000, "y": 6_139_000},
    )
    conn.execute(
        text(
            "INSERT INTO dwelling_stock (building_id, tenure, dwellings, floor_area_m2,"
            " start_year) SELECT id, CASE WHEN id % 3 = 0 THEN 'almen_family'"
            " ELSE 'owner_occupied' END, 1 + id % 4, 70.5, CASE WHEN id % 5 = 0"
            " THEN 2025 END FROM building WHERE id % 8 = 0"
        )
    )
    # Against a rebuild only: computing this many buildings from the plan tables on a
    # connection whose statements were prepared for small areas takes minutes (a generic
    # plan, benchmarks/README.md), and the small cases above compare the two statements.
    kept = _snapshot(conn)
    conn.execute(text("SELECT derived.rebuild()"))
    assert _snapshot(conn) == kept
    mix = tenure.tenure_mix(conn, AREA, 2030, "halves")
    expected = conn.execute(
        text(
            "SELECT sum(s.dwellings) FROM dwelling_stock s JOIN building b ON b.id = s.building_id"
            " WHERE state_includes(b.built_year, b.demolished_year, 2030)"
            " AND state_includes(s.start_year, s.end_year, 2030)"
        )
    ).scalar_one()
    assert mix.total.total_dwellings == expected > 2_000


def test_a_recorded_time_is_read_from_the_plan_as_it_was(conn: Connection, area: dict) -> None:
    _stocked(conn)
    now = tenure.tenure_mix(conn, AREA, 2030, "halves")
    assert now.total.total_dwellings > 0
    with conn.begin_nested() as inner:
        # Before anything of this test was recorded: the plan held none of it.
        record.enter(conn, record.PlanView(recorded=dt.datetime(2021, 1, 1, tzinfo=dt.UTC)))
        assert not conn.execute(tenure._PROBE).one().reads_tables
        then = tenure.tenure_mix(conn, AREA, 2030, "halves")
        inner.rollback()
    assert then.total.total_dwellings == 0
    assert conn.execute(tenure._PROBE).one().reads_tables


def test_a_trajectory_reads_a_row_per_change_not_per_year(ref_conn: Connection) -> None:
    """Vollsmose 2020-2035 by its quarters: the statement answers each cell in the years it
    changes (and the first), and the years between carry the state over, equal to the plan
    tables' answer for every year."""
    area = get_area(ref_conn, "vollsmose")
    qs = get_quarter_set(area, None)
    first, last = 2020, 2035
    parameters = {**tenure._parameters(area, qs, first, last), "max_corrected": 0}
    rows = ref_conn.execute(tenure._statement("tenure_delta"), parameters).all()
    cells = {(r.is_total, r.quarter_id) for r in rows}
    assert len(rows) < len(cells) * (last - first + 1)
    assert all(r.year >= first for r in rows)
    assert tenure._compute(ref_conn, area, qs, first, last, derived=True) == tenure._compute(
        ref_conn, area, qs, first, last, derived=False
    )
