"""What a sale does to the 40 %: the what-if against the tenure-mix function itself.

The expectations come from really inserting the same buildings in the test's rolled-back
transaction and asking `gis.tenure` for the mix, or from the share formula applied by hand
to the mix before; never from the what-if's own arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from api.deps import get_connection, get_scratch_connection
from gis import law
from gis.areas import get_area, get_quarter_set
from gis.errors import InvalidParameter, NotFound
from gis.land.whatif import (
    MAX_DEVELOPMENTS,
    Development,
    hypothetical,
    place,
    what_if,
)
from gis.tenure import tenure_mix
from tests.api.conftest import make_client

AREA = "vollsmose"
TABLES = ("building", "dwelling_stock", "parcel", "parcel_land")


def _parcels_in_quarters(conn: Connection, n: int) -> list[tuple[int, str, str]]:
    """n housing parcels of the area, each in a different quarter of the default set:
    (id, matrikel key, quarter slug), found by the parcel's point on surface."""
    area = get_area(conn, AREA)
    qs = get_quarter_set(area, None)
    rows = conn.execute(
        text(
            """
            SELECT DISTINCT ON (q.id) p.id, p.ejerlavskode || '-' || p.matrikelnummer AS key,
                   q.slug
            FROM parcel p
            JOIN area a ON a.id = :area AND ST_Contains(a.boundary, ST_PointOnSurface(p.geom))
            JOIN quarter q ON q.quarter_set_id = :qs
                AND ST_Contains(q.geom, ST_PointOnSurface(p.geom))
            WHERE p.planned_use = 'housing'
            ORDER BY q.id, p.id
            """
        ),
        {"area": area.id, "qs": qs.id},
    ).all()
    assert len(rows) >= n
    return [tuple(r) for r in rows[:n]]


def _label(conn: Connection, parcel_id: int, label: str) -> None:
    # The reference data labels the company's plots itself: the test's label moves to the
    # parcel the test chose, whatever the bundled data says.
    conn.execute(
        text("UPDATE parcel_land SET plot_label = NULL WHERE plot_label = :l"), {"l": label}
    )
    conn.execute(
        text(
            "INSERT INTO parcel_land (parcel_id, plot_label, owner_category) "
            "VALUES (:p, :l, 'company') "
            "ON CONFLICT (parcel_id) DO UPDATE SET plot_label = EXCLUDED.plot_label"
        ),
        {"p": parcel_id, "l": label},
    )


def _really_build(conn: Connection, parcel_id: int, d: Development) -> None:
    """The development as a real building on the parcel, the way a planner would store it."""
    building = conn.execute(
        text(
            "INSERT INTO building (parcel_id, use, business_floor_area_m2, built_year, footprint) "
            "SELECT id, 'mixed', :b, :y, geom FROM parcel WHERE id = :p RETURNING id"
        ),
        {"p": parcel_id, "b": d.business_m2, "y": d.year},
    ).scalar_one()
    for tenure, n in d.dwellings.items():
        conn.execute(
            text("INSERT INTO dwelling_stock (building_id, tenure, dwellings) VALUES (:b, :t, :n)"),
            {"b": building, "t": tenure, "n": n},
        )


def _counts(conn: Connection) -> dict[str, int]:
    return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


@pytest.fixture
def plots(ref_conn: Connection) -> list[tuple[int, str, str]]:
    """Two parcels in two quarters; the first labelled "12" (the bundled data has no plot
    labels yet), the second named by its matrikel key."""
    found = _parcels_in_quarters(ref_conn, 2)
    _label(ref_conn, found[0][0], "12")
    return found


def test_before_and_after_equal_the_tenure_mix_with_the_rows_really_inserted(ref_conn, plots):
    (p12, _, q12), (p2, key2, q2) = plots
    developments = [
        Development("12", 2027, {"owner_occupied": 240, "private_rental": 60}),
        Development(key2, 2028, {"cooperative": 80, "almen_family": 20}, business_m2=1500),
    ]
    years = [2025, 2028, 2029, 2030]
    before = {y: tenure_mix(ref_conn, AREA, y) for y in years}

    result = what_if(ref_conn, AREA, developments, [2030, 2025, 2029, 2028, 2025])

    assert [e.year for e in result.years] == years
    assert [(p.parcel_id, p.quarter) for p in result.developments] == [(p12, q12), (p2, q2)]
    for d, parcel in zip(developments, (p12, p2), strict=True):
        _really_build(ref_conn, parcel, d)
    for effect in result.years:
        assert effect.before == before[effect.year]
        assert effect.after == tenure_mix(ref_conn, AREA, effect.year)


def test_the_answer_shows_a_real_change_where_the_development_lies(ref_conn, plots):
    (_, _, q12), _ = plots
    result = what_if(ref_conn, AREA, [Development("12", 2027, {"owner_occupied": 240})])
    (effect,) = result.years
    assert effect.year == law.DEADLINE_YEAR
    b, a = effect.before.total, effect.after.total
    assert a.dwellings["owner_occupied"] == b.dwellings["owner_occupied"] + 240
    expected = b.dwellings["almen_family"] / (b.legal_denominator + 240)
    assert a.legal_share == pytest.approx(expected, rel=1e-12)
    assert a.legal_share < b.legal_share
    quarters_before = {q.slug: q.mix.total_dwellings for q in effect.before.quarters}
    quarters_after = {q.slug: q.mix.total_dwellings for q in effect.after.quarters}
    assert {s: quarters_after[s] - quarters_before[s] for s in quarters_before} == {
        s: (240 if s == q12 else 0) for s in quarters_before
    }
    assert result.quarters == [q12]


@pytest.mark.parametrize(
    ("built", "counts_in"),
    [(2028, {2028: False, 2029: True, 2030: True}), (2029, {2029: False, 2030: True})],
)
def test_a_development_dated_e_counts_from_1_january_e_plus_1(ref_conn, plots, built, counts_in):
    result = what_if(
        ref_conn, AREA, [Development("12", built, {"private_rental": 50})], list(counts_in)
    )
    assert result.developments[0].counts_from == built + 1
    for effect in result.years:
        added = effect.after.total.total_dwellings - effect.before.total.total_dwellings
        assert added == (50 if counts_in[effect.year] else 0), effect.year
        assert effect.counted == ((0,) if counts_in[effect.year] else ())


def test_a_development_dated_2030_is_not_in_the_2030_state(ref_conn, plots):
    result = what_if(ref_conn, AREA, [Development("12", 2030, {"private_rental": 500})], [2030])
    (effect,) = result.years
    assert effect.after == effect.before


def test_several_developments_on_one_parcel_add_up(ref_conn, plots):
    (p12, _, _), _ = plots
    developments = [
        Development("12", 2026, {"owner_occupied": 100}),
        Development("12", 2027, {"owner_occupied": 30, "almen_youth": 40}),
        Development("12", 2029, {}, business_m2=750),
    ]
    result = what_if(ref_conn, AREA, developments, [2028, 2030])
    for d in developments:
        _really_build(ref_conn, p12, d)
    by_year = {e.year: e for e in result.years}
    assert by_year[2028].after == tenure_mix(ref_conn, AREA, 2028)
    assert by_year[2030].after == tenure_mix(ref_conn, AREA, 2030)
    b, a = by_year[2030].before.total, by_year[2030].after.total
    assert a.dwellings["owner_occupied"] - b.dwellings["owner_occupied"] == 130
    assert a.dwellings["almen_youth"] - b.dwellings["almen_youth"] == 40
    assert a.business_floor_area_m2 - b.business_floor_area_m2 == 750
    # 2028: the business (2029) does not count yet.
    assert by_year[2028].after.total.business_floor_area_m2 == (
        by_year[2028].before.total.business_floor_area_m2
    )


def test_business_floor_area_counts_one_dwelling_per_75_m2(ref_conn, plots):
    result = what_if(ref_conn, AREA, [Development("12", 2025, {}, business_m2=7_500)], [2030])
    (effect,) = result.years
    b, a = effect.before.total, effect.after.total
    assert a.dwellings == b.dwellings
    assert a.legal_denominator == pytest.approx(b.legal_denominator + 100)
    assert a.legal_share == pytest.approx(
        b.dwellings["almen_family"]
        / (b.total_dwellings + (b.business_floor_area_m2 + 7_500) / 75 + b.demolished_not_replaced)
    )


def test_compliance_flips_when_the_developments_bring_the_share_under_40(ref_conn, plots):
    before = tenure_mix(ref_conn, AREA, 2026).total
    assert before.legal_share > law.MAX_LEGAL_SHARE
    # Enough private dwellings, worked out from the formula: A / (D + n) <= 0.40.
    n = int(before.dwellings["almen_family"] / 0.40 - before.legal_denominator) + 1
    result = what_if(ref_conn, AREA, [Development("12", 2025, {"private_rental": n})], [2026])
    (effect,) = result.years
    assert effect.before.total.compliant is False
    assert effect.after.total.compliant is True


def test_nothing_is_written_and_the_sequences_do_not_move(ref_conn, plots):
    def sequences():
        return [
            ref_conn.execute(
                text(f"SELECT last_value, is_called FROM {t}_id_seq")  # noqa: S608 (constant)
            ).one()
            for t in ("building", "dwelling_stock")
        ]

    counts, seqs = _counts(ref_conn), sequences()
    what_if(ref_conn, AREA, [Development("12", 2027, {"owner_occupied": 240})], [2025, 2030])
    assert _counts(ref_conn) == counts
    assert sequences() == seqs
    assert ref_conn.execute(text("SELECT count(*) FROM building WHERE id < 0")).scalar() == 0


def test_a_concurrent_reader_never_sees_the_hypothetical_rows(ref_engine: Engine, ref_conn, plots):
    area = get_area(ref_conn, AREA)
    placed = place(
        ref_conn, area, get_quarter_set(area, None), [Development("12", 2027, {"cooperative": 9})]
    )
    with ref_engine.connect() as other:
        committed = _counts(other)
        with hypothetical(ref_conn, placed):
            inside = _counts(ref_conn)
            assert inside["building"] == committed["building"] + 1
            assert inside["dwelling_stock"] == committed["dwelling_stock"] + 1
            assert _counts(other) == committed
            seen = other.execute(text("SELECT count(*) FROM building WHERE id < 0")).scalar()
            assert seen == 0
        assert _counts(other) == committed
    assert ref_conn.execute(text("SELECT count(*) FROM building WHERE id < 0")).scalar() == 0


def test_the_savepoint_is_rolled_back_when_the_block_fails(ref_conn, plots):
    area = get_area(ref_conn, AREA)
    placed = place(ref_conn, area, None, [Development("12", 2027, {"cooperative": 9})])
    counts = _counts(ref_conn)
    with pytest.raises(RuntimeError), hypothetical(ref_conn, placed):
        raise RuntimeError("mid-way")
    assert _counts(ref_conn) == counts


# --- validation ------------------------------------------------------------------------------


def test_an_unknown_parcel_is_not_found_by_name(ref_conn, plots):
    with pytest.raises(NotFound) as e:
        what_if(ref_conn, AREA, [Development("12", 2027), Development("no-such-plot", 2027)])
    assert "no-such-plot" in e.value.detail


def test_a_parcel_outside_the_area_is_refused(ref_conn, plots):
    outside = ref_conn.execute(
        text(
            "SELECT p.ejerlavskode || '-' || p.matrikelnummer FROM parcel p, area a "
            "WHERE a.slug = :a AND NOT ST_Covers(a.boundary, ST_PointOnSurface(p.geom)) LIMIT 1"
        ),
        {"a": AREA},
    ).scalar_one()
    with pytest.raises(InvalidParameter) as e:
        what_if(ref_conn, AREA, [Development("12", 2027), Development(outside, 2027)])
    assert e.value.parameter == "developments[1].parcel"
    assert outside in e.value.detail


@pytest.mark.parametrize(
    ("development", "parameter"),
    [
        (Development("12", 2027, {"penthouse": 3}), "developments[0].dwellings.penthouse"),
        (Development("12", 2027, {"cooperative": -1}), "developments[0].dwellings.cooperative"),
        (Development("12", 2027, {"cooperative": 2.5}), "developments[0].dwellings.cooperative"),
        (Development("12", 2027, {}, business_m2=-10), "developments[0].business_m2"),
        (Development("12", 2027, {}, business_m2=float("nan")), "developments[0].business_m2"),
        (Development("12", 1999), "developments[0].year"),
        (Development("12", 2061), "developments[0].year"),
        (Development(" ", 2027), "developments[0].parcel"),
    ],
)
def test_bad_developments_name_the_field(ref_conn, plots, development, parameter):
    with pytest.raises(InvalidParameter) as e:
        what_if(ref_conn, AREA, [development])
    assert e.value.parameter == parameter


@pytest.mark.parametrize(
    ("years", "developments"),
    [
        ([2100], 1),
        ([], 1),
        ([2030], 0),
        ([2030], MAX_DEVELOPMENTS + 1),
    ],
)
def test_bad_years_or_counts_are_refused(ref_conn, plots, years, developments):
    with pytest.raises(InvalidParameter) as e:
        what_if(ref_conn, AREA, [Development("12", 2027)] * developments, years)
    assert e.value.parameter == ("years" if developments == 1 else "developments")


# --- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def ref_client(ref_database_url: str) -> Iterator[TestClient]:
    """The API over the committed reference database, through its own connections."""
    with make_client(ref_database_url) as client:
        yield client


def _matrikel_keys(ref_engine: Engine, n: int) -> list[str]:
    with ref_engine.connect() as c:
        return [key for _, key, _ in _parcels_in_quarters(c, n)]


def test_http_answer_agrees_with_the_tenure_mix_endpoint_and_writes_nothing(
    ref_client, ref_engine: Engine
):
    key1, key2 = _matrikel_keys(ref_engine, 2)
    with ref_engine.connect() as c:
        counts = _counts(c)
    body = {
        "area": AREA,
        "years": [2025, 2030],
        "developments": [
            {"parcel": key1, "year": 2027, "dwellings": {"owner_occupied": 240}},
            {"parcel": key2, "year": 2024, "dwellings": {"private_rental": 40}, "business_m2": 750},
        ],
    }
    r = ref_client.post("/land/what-if", json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert "1 January E+1" in answer["life_rule"]
    assert [d["counts_from"] for d in answer["developments"]] == [2028, 2025]
    for year in answer["years"]:
        mix = ref_client.get(f"/areas/{AREA}/tenure-mix", params={"year": year["year"]}).json()
        assert year["total"]["before"] == {k: mix["total"][k] for k in year["total"]["before"]}
        assert year["legal_share_before"] == mix["total"]["legal_share"]
    y2025, y2030 = answer["years"]
    assert y2025["developments_counted"] == [1]
    assert y2030["developments_counted"] == [0, 1]
    assert y2025["total"]["difference"]["dwellings"]["total"] == 40
    assert y2030["total"]["difference"]["dwellings"]["owner_occupied"] == 240
    assert y2030["total"]["difference"]["business_floor_area_m2"] == 750
    assert y2030["total"]["difference"]["legal_denominator"] == pytest.approx(240 + 40 + 10)
    assert y2030["legal_share_after"] < y2030["legal_share_before"]
    assert {q["quarter"] for q in y2030["quarters"]} == {
        d["quarter"] for d in answer["developments"]
    }
    with ref_engine.connect() as c:
        assert _counts(c) == counts


@pytest.mark.parametrize(
    ("development", "status", "parameter"),
    [
        ({"parcel": "no-such-plot", "year": 2027}, 404, None),
        ({"parcel": "{key}", "year": 2027, "dwellings": {"villa": 1}}, 422, "dwellings.villa"),
        ({"parcel": "{key}", "year": 2027, "dwellings": {"cooperative": -5}}, 422, "cooperative"),
        ({"parcel": "{key}", "year": 1900}, 422, "developments[0].year"),
        ({"parcel": "{key}", "year": 2027, "business_m2": -1}, 422, "developments[0].business_m2"),
        ({"parcel": "{key}"}, 422, "developments[0].year"),
    ],
)
def test_http_errors_are_problems_naming_the_field(
    ref_client, ref_engine, development, status, parameter
):
    (key,) = _matrikel_keys(ref_engine, 1)
    development = {k: (v.format(key=key) if k == "parcel" else v) for k, v in development.items()}
    r = ref_client.post("/land/what-if", json={"area": AREA, "developments": [development]})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if parameter is None:
        assert "no-such-plot" in r.json()["detail"]
    else:
        assert any(parameter in e["parameter"] for e in r.json()["errors"])


def test_http_a_plot_label_may_be_written_as_a_number(ref_database_url, ref_conn, plots):
    client = make_client(ref_database_url)
    client.app.dependency_overrides[get_connection] = lambda: ref_conn
    client.app.dependency_overrides[get_scratch_connection] = lambda: ref_conn
    with client:
        r = client.post(
            "/land/what-if",
            json={"area": AREA, "developments": [{"parcel": 12, "year": 2027}]},
        )
    assert r.status_code == 200, r.text
    assert r.json()["developments"][0]["plot_label"] == "12"


def test_http_too_many_developments_and_bad_years(ref_client, ref_engine):
    (key,) = _matrikel_keys(ref_engine, 1)
    one = {"parcel": key, "year": 2027}
    r = ref_client.post(
        "/land/what-if", json={"area": AREA, "developments": [one] * (MAX_DEVELOPMENTS + 1)}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["parameter"] == "developments"
    r = ref_client.post(
        "/land/what-if", json={"area": AREA, "years": [3000], "developments": [one]}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["parameter"] == "years"
    r = ref_client.post("/land/what-if", json={"area": "nowhere", "developments": [one]})
    assert r.status_code == 404


def test_a_development_outside_every_quarter_is_shown_as_unassigned(database_url, conn):
    """A hand-built area whose one quarter covers its western half only."""
    x0, y0 = 590_000, 6_139_000

    def box(a, b, c, d):
        return (
            f"MULTIPOLYGON((({x0 + a} {y0 + b},{x0 + c} {y0 + b},{x0 + c} {y0 + d},"
            f"{x0 + a} {y0 + d},{x0 + a} {y0 + b})))"
        )

    def insert(sql, **params):
        return conn.execute(text(sql + " RETURNING id"), params).scalar_one()

    area = insert(
        "INSERT INTO area (slug, name, kind, boundary)"
        " VALUES ('halves', 'Halves', 'other', ST_GeomFromText(:w, 25832))",
        w=box(0, 0, 1000, 1000),
    )
    qs = insert(
        "INSERT INTO quarter_set (area_id, slug, name) VALUES (:a, 'west-only', 'W')", a=area
    )
    insert(
        "INSERT INTO quarter (quarter_set_id, slug, name, geom)"
        " VALUES (:qs, 'west', 'Vest', ST_GeomFromText(:w, 25832))",
        qs=qs,
        w=box(0, 0, 500, 1000),
    )
    for m, bounds in (("1w", (100, 100, 200, 200)), ("2e", (700, 100, 800, 200))):
        insert(
            "INSERT INTO parcel (ejerlavskode, matrikelnummer, geom)"
            " VALUES (1, :m, ST_GeomFromText(:w, 25832))",
            m=m,
            w=box(*bounds),
        )
    client = make_client(database_url)
    client.app.dependency_overrides[get_connection] = lambda: conn
    client.app.dependency_overrides[get_scratch_connection] = lambda: conn
    body = {
        "area": "halves",
        "developments": [
            {"parcel": "1-1w", "year": 2025, "dwellings": {"almen_family": 10}},
            {"parcel": "1-2e", "year": 2025, "dwellings": {"owner_occupied": 30}},
        ],
    }
    with client:
        r = client.post("/land/what-if", json=body)
    assert r.status_code == 200, r.text
    (year,) = r.json()["years"]
    assert [d["quarter"] for d in r.json()["developments"]] == ["west", None]
    quarters = {q["quarter"]: q for q in year["quarters"]}
    assert quarters["west"]["difference"]["dwellings"]["total"] == 10
    assert quarters[None]["difference"]["dwellings"]["owner_occupied"] == 30
    assert year["legal_share_before"] is None
    assert year["legal_share_after"] == 0.25
    assert year["compliant_after"] is True


def test_another_quarter_set_is_used_when_asked(ref_conn, plots):
    area = get_area(ref_conn, AREA)
    other = next(qs.slug for qs in area.quarter_sets if qs != get_quarter_set(area, None))
    result = what_if(ref_conn, AREA, [Development("12", 2027, {"cooperative": 5})], [2030], other)
    assert result.quarter_set.slug == other
    (effect,) = result.years
    assert effect.before == tenure_mix(ref_conn, AREA, 2030, other)
    (slug,) = result.quarters
    assert slug in {q.slug for q in effect.after.quarters}
