"""The bundled reference dataset, loaded into PostGIS, reproduces the plan's numbers
(DOMAIN.md, seed 001) when the platform itself computes them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gis import law
from gis.tenure import tenure_mix, trajectory

DEPARTMENT_DEMOLITIONS = {
    # department: (dwellings demolished, first year, last year) — seed 001
    "Fyrreparken": (26, 2020, 2020),
    "Bøgeparken": (287, 2021, 2026),
    "Birkeparken": (200, 2022, 2025),
    "Granparken": (160, 2024, 2027),
    "Lærkeparken": (136, 2025, 2028),
    "Egeparken": (191, 2026, 2029),
}


def _scalar(conn, sql: str, **params):
    return conn.execute(text(sql), params).scalar_one()


def test_2020_share_about_76_percent(ref_conn):
    mix = tenure_mix(ref_conn, "vollsmose", 2020)
    assert mix.total.dwellings["almen_family"] == 2800
    assert 0.74 <= mix.total.legal_share <= 0.78
    assert mix.total.compliant is False


def test_2030_meets_the_law(ref_conn):
    mix = tenure_mix(ref_conn, "vollsmose", law.DEADLINE_YEAR)
    assert mix.total.legal_share <= law.MAX_LEGAL_SHARE
    assert mix.total.compliant is True
    # 1,000 demolished, none replaced inside the area: all stay in the denominator.
    assert mix.total.demolished_not_replaced == 1000


def test_share_falls_through_2025(ref_conn):
    shares = {y: tenure_mix(ref_conn, "vollsmose", y).total.legal_share for y in (2020, 2025, 2030)}
    assert shares[2020] > shares[2025] > shares[2030]


def test_first_compliant_year_is_by_the_deadline(ref_conn):
    tr = trajectory(ref_conn, "vollsmose", 2020, 2030)
    assert tr.first_compliant_year is not None
    assert 2025 < tr.first_compliant_year <= law.DEADLINE_YEAR
    before = [y for y in tr.years if y.year < tr.first_compliant_year]
    assert all(not y.total.compliant for y in before)


@pytest.mark.parametrize("department, expected", DEPARTMENT_DEMOLITIONS.items())
def test_demolition_schedule(ref_conn, department, expected):
    dwellings, first, last = expected
    row = ref_conn.execute(
        text(
            """
            SELECT sum(s.dwellings) AS n, min(b.demolished_year) AS y0, max(b.demolished_year) AS y1
            FROM building b JOIN dwelling_stock s ON s.building_id = b.id
                AND state_includes(s.start_year, s.end_year, b.demolished_year)
            WHERE b.department = :d AND b.demolished_year IS NOT NULL
            """
        ),
        {"d": department},
    ).one()
    assert row.n == dwellings
    assert first <= row.y0 and row.y1 <= last


def test_1600_new_private_dwellings_by_2030(ref_conn):
    new_private = _scalar(
        ref_conn,
        """
        SELECT sum(s.dwellings) FROM building b JOIN dwelling_stock s ON s.building_id = b.id
        WHERE b.built_year BETWEEN 2020 AND 2029
          AND s.tenure IN ('private_rental', 'owner_occupied', 'cooperative')
          AND state_includes(s.start_year, s.end_year, 2030)
        """,
    )
    assert new_private == 1600


def test_about_1800_renovated(ref_conn):
    renovated = _scalar(
        ref_conn,
        """
        SELECT sum(s.dwellings) FROM building b JOIN dwelling_stock s ON s.building_id = b.id
        WHERE b.renovation_start_year IS NOT NULL AND s.tenure = 'almen_family'
          AND state_includes(s.start_year, s.end_year, b.renovation_start_year)
        """,
    )
    assert 1700 <= renovated <= 1900


def test_quarters_add_up_to_the_area(ref_conn):
    for quarters in ("afdelinger", "kvarterer"):
        for year in (2020, 2025, 2030):
            mix = tenure_mix(ref_conn, "vollsmose", year, quarters)
            assert mix.unassigned is None
            for tenure, n in mix.total.dwellings.items():
                assert sum(q.mix.dwellings[tenure] for q in mix.quarters) == n
            assert sum(q.mix.business_floor_area_m2 for q in mix.quarters) == pytest.approx(
                mix.total.business_floor_area_m2
            )


def test_letbane_not_decided_with_its_stops(ref_conn):
    line = ref_conn.execute(text("SELECT decided, opening_year FROM rail_line")).one()
    assert line.decided is False and line.opening_year >= 2030
    stops = set(ref_conn.execute(text("SELECT name FROM rail_stop")).scalars())
    assert {
        "Granparken",
        "Lærkeparken",
        "Vollsmose Torv",
        "Egeparken",
        "Bøgeparken",
        "Birkeparken",
        "Hybenhaven",
    } <= stops


def test_bygade_opened_2020(ref_conn):
    years = set(
        ref_conn.execute(text("SELECT opening_year FROM road WHERE kind = 'bygade'")).scalars()
    )
    assert years == {2020}
    assert _scalar(ref_conn, "SELECT count(*) FROM road WHERE kind = 'sivegade'") >= 2


def test_both_areas_and_their_quarter_sets(ref_conn):
    rows = ref_conn.execute(
        text(
            "SELECT a.slug, qs.slug AS qs, count(q.id) AS n FROM area a"
            " JOIN quarter_set qs ON qs.area_id = a.id JOIN quarter q ON q.quarter_set_id = qs.id"
            " GROUP BY a.slug, qs.slug"
        )
    ).all()
    found = {(r.slug, r.qs): r.n for r in rows}
    assert found[("vollsmose", "afdelinger")] == 6
    assert found[("vollsmose", "kvarterer")] == 4
    assert found[("kertemindevejkvarteret", "afdelinger")] == 3


def test_every_area_says_where_its_data_comes_from(ref_conn):
    sources = ref_conn.execute(text("SELECT data_source FROM area")).scalars().all()
    assert sources and all(s and "approx" in s.lower() for s in sources)
