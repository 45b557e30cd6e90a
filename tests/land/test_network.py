"""Walking distances on a small hand-built network whose answers are worked out by hand.

                  . (300,300)  stop "Nord" at (305,300): 5 m from the network
                .   |
     path (opens    |  R2: the bygade, (300,0)-(300,300)
     2026, diagonal,|  parcel D: a triangle with its apex at (310,150), 10 m from it
     from 2027)     |
    (0,0) ---R1--- (300,0)
     ^ parcel A: square (-20,-20)-(-10,-10), 14.142 m from (0,0)
              ^ parcel B: triangle with its apex at (150,-10), 10 m below (150,0)
    parcel C: far off at (3000,3000), on an island road of its own

Every parcel here is more than `REACH_M` from all but its own street.
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from gis.errors import InvalidParameter
from gis.land.network import parcel_walks

SQRT200 = math.sqrt(200)
DIAGONAL = math.hypot(300, 300)


@pytest.fixture
def network(conn):
    def road(kind, wkt, opening=None, closing=None):
        conn.execute(
            text(
                "INSERT INTO road (kind, name, status, opening_year, closing_year, geom) "
                "VALUES (:k, :n, 'existing', :o, :c, ST_Multi(ST_GeomFromText(:w, 25832)))"
            ),
            {"k": kind, "n": kind, "w": wkt, "o": opening, "c": closing},
        )

    def parcel(matrikel, wkt):
        return conn.execute(
            text(
                "INSERT INTO parcel (ejerlavskode, matrikelnummer, geom) "
                "VALUES (1, :m, ST_Multi(ST_GeomFromText(:w, 25832))) RETURNING id"
            ),
            {"m": matrikel, "w": wkt},
        ).scalar_one()

    road("road", "LINESTRING(0 0, 300 0)")
    road("bygade", "LINESTRING(300 0, 300 300)")
    road("path", "LINESTRING(0 0, 300 300)", opening=2026)
    road("road", "LINESTRING(3000 2990, 3100 2990)")
    line = conn.execute(
        text(
            "INSERT INTO rail_line (name, geom) "
            "VALUES ('Linje 2', ST_GeomFromText('MULTILINESTRING((305 0, 305 400))', 25832)) "
            "RETURNING id"
        )
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO rail_stop (line_id, name, geom) "
            "VALUES (:l, 'Nord', ST_GeomFromText('POINT(305 300)', 25832))"
        ),
        {"l": line},
    )
    return {
        "A": parcel("1a", "POLYGON((-20 -20, -10 -20, -10 -10, -20 -10, -20 -20))"),
        "B": parcel("1b", "POLYGON((140 -30, 160 -30, 150 -10, 140 -30))"),
        "C": parcel("1c", "POLYGON((3000 3000, 3010 3000, 3010 3010, 3000 3010, 3000 3000))"),
    }


def test_walk_follows_the_streets_of_the_year(conn, network):
    walks = parcel_walks(conn, 2026, [network["A"], network["B"]])
    a, b = walks[network["A"]], walks[network["B"]]
    assert a.walk_to_stop_m == pytest.approx(SQRT200 + 300 + 300 + 5, abs=0.1)
    assert a.nearest_stop == "Nord"
    assert b.walk_to_stop_m == pytest.approx(10 + 150 + 300 + 5, abs=0.1)
    assert a.walk_to_bygade_m == pytest.approx(SQRT200 + 300, abs=0.1)
    assert b.walk_to_bygade_m == pytest.approx(10 + 150, abs=0.1)


def test_a_path_opened_in_2026_shortens_the_walk_from_2027(conn, network):
    a = parcel_walks(conn, 2027, [network["A"]])[network["A"]]
    assert a.walk_to_stop_m == pytest.approx(SQRT200 + DIAGONAL + 5, abs=0.1)
    # The bygade is still nearer along R1 than along the path.
    assert a.walk_to_bygade_m == pytest.approx(SQRT200 + 300, abs=0.1)


def test_straight_line_beside_the_walk(conn, network):
    a = parcel_walks(conn, 2026, [network["A"]])[network["A"]]
    assert a.straight_to_stop_m == pytest.approx(math.hypot(315, 310), abs=0.1)
    assert a.straight_to_bygade_m == pytest.approx(math.hypot(310, 10), abs=0.1)
    assert a.straight_to_stop_m < a.walk_to_stop_m


def test_a_parcel_on_the_bygade_walks_only_to_its_edge(conn, network):
    on = conn.execute(
        text(
            "INSERT INTO parcel (ejerlavskode, matrikelnummer, geom) VALUES (1, '1d', "
            "ST_Multi(ST_GeomFromText('POLYGON((310 150, 320 140, 320 160, 310 150))', 25832)))"
            " RETURNING id"
        )
    ).scalar_one()
    d = parcel_walks(conn, 2026, [on])[on]
    assert d.walk_to_bygade_m == pytest.approx(10, abs=0.1)
    assert d.walk_to_stop_m == pytest.approx(10 + 150 + 5, abs=0.1)


def test_an_unconnected_parcel_has_no_walk_but_a_straight_line(conn, network):
    c = parcel_walks(conn, 2026, [network["C"]])[network["C"]]
    assert c.walk_to_stop_m is None and c.nearest_stop is None
    assert c.walk_to_bygade_m is None
    assert c.straight_to_stop_m == pytest.approx(math.hypot(2695, 2700), abs=0.1)


def test_a_stop_on_the_parcel_is_no_walk(conn, network):
    on = conn.execute(
        text(
            "INSERT INTO parcel (ejerlavskode, matrikelnummer, geom) VALUES (1, '1e', "
            "ST_Multi(ST_GeomFromText('POLYGON((302 290, 320 290, 320 310, 302 310, 302 290))',"
            " 25832))) RETURNING id"
        )
    ).scalar_one()
    e = parcel_walks(conn, 2026, [on])[on]
    assert e.straight_to_stop_m == 0 and e.walk_to_stop_m == 0


def test_all_parcels_when_none_are_named(conn, network):
    assert set(parcel_walks(conn, 2026)) == set(network.values())
    assert parcel_walks(conn, 2026, []) == {}


def test_year_out_of_range(conn, network):
    with pytest.raises(InvalidParameter):
        parcel_walks(conn, 1800)


def test_reference_network_every_parcel_reaches_a_stop(ref_conn):
    walks = parcel_walks(ref_conn, 2030)
    parcels = ref_conn.execute(text("SELECT count(*) FROM parcel")).scalar_one()
    assert len(walks) == parcels
    reached = [w for w in walks.values() if w.walk_to_stop_m is not None]
    assert len(reached) >= 0.9 * parcels
    # A walk is never shorter than the straight line.
    assert all(w.walk_to_stop_m >= w.straight_to_stop_m - 0.1 for w in reached)
