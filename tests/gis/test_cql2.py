"""CQL2 text and JSON filters compile to parameterised SQL that selects what they say.

Run on hand-made buildings in the empty database, so each case states its own data.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from gis.errors import InvalidQuery
from gis.layers import LAYERS
from gis.ogc import cql2, features, queryables
from gis.ogc.crs import STORAGE

BUILDINGS = LAYERS["buildings"]

# name, owner, storeys, floor area, built, demolished, x0 (easting of a 10 m square)
ROWS = [
    ("Granparken 1", "Civica", 3, 3000.0, None, 2024, 590000),
    ("Granparken 2", "Civica", 3, 3200.0, None, 2027, 590100),
    ("Birkeparken 1", "FAB", 4, 2500.0, None, 2026, 590200),
    ("Nyt hus", "Privat A/S", None, 1200.0, 2025, None, 590300),
    ("O'Brien's", None, 1, 100.0, None, None, 590400),
]


@pytest.fixture
def buildings(conn: Connection) -> Connection:
    for name, owner, storeys, area, built, demolished, x in ROWS:
        conn.execute(
            text(
                """
                INSERT INTO building (name, owner, use, storeys, floor_area_m2, built_year,
                                      demolished_year, footprint)
                VALUES (:name, :owner, 'housing', :storeys, :area, :built, :demolished,
                        ST_Multi(ST_MakeEnvelope(:x, 6140000, :x + 10, 6140010, 25832)))
                """
            ),
            dict(
                name=name,
                owner=owner,
                storeys=storeys,
                area=area,
                built=built,
                demolished=demolished,
                x=x,
            ),
        )
    return conn


def names(conn: Connection, filter_: str, lang: str = "cql2-text", **more: str) -> set[str]:
    q = features.ItemsQuery.from_params(
        BUILDINGS, {"filter": filter_, "filter-lang": lang, "limit": "100", **more}
    )
    found = features.rows(conn, BUILDINGS, q)
    i = found.columns.index("name")
    return {r[i] for r in found.rows}


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("owner = 'Civica'", {"Granparken 1", "Granparken 2"}),
        ("owner <> 'Civica'", {"Birkeparken 1", "Nyt hus"}),  # NULL owner: neither
        (
            "demolished_year BETWEEN 2024 AND 2027 AND owner = 'Civica'",
            {"Granparken 1", "Granparken 2"},
        ),
        ("demolished_year NOT BETWEEN 2025 AND 2027", {"Granparken 1"}),
        ("name LIKE 'Gran%'", {"Granparken 1", "Granparken 2"}),
        ("name LIKE 'Gran%\\\\'", set()),  # an escaped backslash at the end is a pattern
        ("name NOT LIKE '%1'", {"Granparken 2", "Nyt hus", "O'Brien's"}),
        ("name = 'O''Brien''s'", {"O'Brien's"}),
        ("owner IN ('FAB', 'Privat A/S')", {"Birkeparken 1", "Nyt hus"}),
        ("owner NOT IN ('FAB')", {"Granparken 1", "Granparken 2", "Nyt hus"}),
        ("storeys IS NULL", {"Nyt hus"}),
        (
            "NOT (storeys IS NULL) AND storeys >= 3",
            {"Granparken 1", "Granparken 2", "Birkeparken 1"},
        ),
        ("floor_area_m2 > 3000 OR storeys < 2", {"Granparken 2", "O'Brien's"}),
        ("CASEI(owner) = casei('CIVICA')", {"Granparken 1", "Granparken 2"}),
        ("\"owner\" = 'FAB'", {"Birkeparken 1"}),
        ("floor_area_m2 >= 3000.0", {"Granparken 1", "Granparken 2"}),
        ("floor_area_m2 > storeys", {"Granparken 1", "Granparken 2", "Birkeparken 1", "O'Brien's"}),
        ("(owner = 'FAB' OR owner = 'Civica') AND storeys = 4", {"Birkeparken 1"}),
        ("TRUE", {r[0] for r in ROWS}),
    ],
)
def test_text_filters(buildings, filter_, expected):
    assert names(buildings, filter_) == expected


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        # A life is [1 January after the built year, 1 January of the demolished year],
        # Danish midnights. Present on 2025-06-01: not the one demolished in 2024 nor the
        # one built in 2025.
        ("T_INTERSECTS(life, DATE('2025-06-01'))", {"Granparken 2", "Birkeparken 1", "O'Brien's"}),
        # Birkeparken 1 (demolished 2026) counts at 2026-01-01 00:00 Danish time, which is
        # 2025-12-31T23:00Z, and no longer an hour later.
        (
            "T_INTERSECTS(life, TIMESTAMP('2025-12-31T23:00:00Z'))",
            {"Granparken 2", "Birkeparken 1", "Nyt hus", "O'Brien's"},
        ),
        (
            "T_INTERSECTS(life, TIMESTAMP('2026-01-01T00:00:00Z'))",
            {"Granparken 2", "Nyt hus", "O'Brien's"},
        ),
        # Granparken 1's life ends 2024-01-01: before the interval.
        (
            "T_INTERSECTS(life, INTERVAL('2024-06-01', '2025-12-31'))",
            {"Granparken 2", "Birkeparken 1", "O'Brien's"},
        ),
        ("T_BEFORE(life, DATE('2026-01-01'))", {"Granparken 1"}),
        ("T_BEFORE(life, DATE('2026-01-02'))", {"Granparken 1", "Birkeparken 1"}),
        ("T_AFTER(life, DATE('2025-01-01'))", {"Nyt hus"}),
        (
            "T_DISJOINT(life, DATE('2027-03-01'))",
            {"Granparken 1", "Granparken 2", "Birkeparken 1"},
        ),
        ("T_DURING(life, INTERVAL('2020-01-01', '2030-01-01'))", set()),
        ("T_CONTAINS(life, INTERVAL('2020-01-01', '2026-12-31'))", {"Granparken 2", "O'Brien's"}),
        (
            "T_INTERSECTS(life, INTERVAL('..', '2023-01-01'))",
            {"Granparken 1", "Granparken 2", "Birkeparken 1", "O'Brien's"},
        ),
        # The year model as its own integer queryables.
        ("demolished_year = 2026", {"Birkeparken 1"}),
        ("built_year + 1 <= 2026", {"Nyt hus"}),
    ],
)
def test_temporal_filters_are_exact_on_life(buildings, filter_, expected):
    assert names(buildings, filter_) == expected


def test_datetime_instant_is_the_state_of_its_year(buildings):
    def present(value: str) -> set[str]:
        q = features.ItemsQuery.from_params(BUILDINGS, {"datetime": value, "limit": "100"})
        found = features.rows(buildings, BUILDINGS, q)
        return {r[found.columns.index("name")] for r in found.rows}

    assert "Birkeparken 1" in present("2025-06-01")  # demolished 2026
    assert "Birkeparken 1" in present("2026")
    assert "Birkeparken 1" not in present("2027-01-01")
    assert "Nyt hus" not in present("2025")  # built during 2025
    assert "Nyt hus" in present("2026-01-01T00:00:00Z")
    assert present("2024/2025") == present("2024") | present("2025")
    assert present("../2023") == {"Granparken 1", "Granparken 2", "Birkeparken 1", "O'Brien's"}
    assert "Nyt hus" in present("2026/..")


def test_spatial_filters_in_any_filter_crs(buildings):
    # A point inside Granparken 2's square, in UTM, and the same place in CRS84 / EPSG:4326.
    assert names(
        buildings, "S_INTERSECTS(geometry, POINT(590105 6140005))", **{"filter-crs": STORAGE.uri}
    ) == {"Granparken 2"}
    lon, lat = buildings.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform("
            "ST_SetSRID(ST_MakePoint(590105, 6140005), 25832), 4326) p) s"
        )
    ).one()
    assert names(buildings, f"S_INTERSECTS(geometry, POINT({lon} {lat}))") == {"Granparken 2"}
    assert names(
        buildings,
        f"S_INTERSECTS(geometry, POINT({lat} {lon}))",
        **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"},
    ) == {"Granparken 2"}
    assert names(
        buildings,
        "S_WITHIN(geometry, BBOX(589990, 6139990, 590215, 6140020))",
        **{"filter-crs": "EPSG:25832"},
    ) == {"Granparken 1", "Granparken 2", "Birkeparken 1"}
    assert names(
        buildings,
        "S_DWITHIN(geometry, POINT(590005 6140005), 100, meters)",
        **{"filter-crs": "EPSG:25832"},
    ) == {"Granparken 1", "Granparken 2"}
    poly = (
        "POLYGON((590295 6139995, 590415 6139995, 590415 6140015, 590295 6140015, 590295 6139995))"
    )
    assert names(buildings, f"S_CONTAINS({poly}, geometry)", **{"filter-crs": "EPSG:25832"}) == {
        "Nyt hus",
        "O'Brien's",
    }
    assert names(
        buildings, f"NOT S_DISJOINT(geometry, {poly})", **{"filter-crs": "EPSG:25832"}
    ) == {"Nyt hus", "O'Brien's"}


def test_geographic_ranges_follow_the_axis_order_of_filter_crs(buildings):
    epsg4326 = {"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}
    # Latitude first in EPSG:4326: (10, 170) is a place (in the Pacific), (95, 10) is not.
    assert names(buildings, "S_INTERSECTS(geometry, POINT(10 170))", **epsg4326) == set()
    with pytest.raises(InvalidQuery, match="out of range"):
        names(buildings, "S_INTERSECTS(geometry, POINT(95 10))", **epsg4326)
    # CRS84 is longitude first: there (10, 170) has a latitude of 170.
    with pytest.raises(InvalidQuery, match="out of range"):
        names(buildings, "S_INTERSECTS(geometry, POINT(10 170))")
    # Projected coordinates have no such range; an empty geometry has no coordinates.
    far = "S_INTERSECTS(geometry, POINT(9000000000 9000000000))"
    assert names(buildings, far, **{"filter-crs": "EPSG:25832"}) == set()
    assert names(buildings, "S_INTERSECTS(geometry, POLYGON EMPTY)") == set()


def test_json_filters(buildings):
    import json

    f = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "owner"}, "Civica"]},
            {"op": "between", "args": [{"property": "demolished_year"}, 2025, 2027]},
            {"op": "t_intersects", "args": [{"property": "life"}, {"date": "2025-03-01"}]},
            {
                "op": "s_intersects",
                "args": [
                    {"property": "geometry"},
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [590090, 6139990],
                                [590120, 6139990],
                                [590120, 6140020],
                                [590090, 6140020],
                                [590090, 6139990],
                            ]
                        ],
                    },
                ],
            },
            {"op": "not", "args": [{"op": "isNull", "args": [{"property": "storeys"}]}]},
            {"op": "in", "args": [{"property": "storeys"}, [1, 3]]},
            {"op": "like", "args": [{"op": "casei", "args": [{"property": "name"}]}, "gran%"]},
        ],
    }
    assert names(buildings, json.dumps(f), "cql2-json", **{"filter-crs": "EPSG:25832"}) == {
        "Granparken 2"
    }
    interval = {
        "op": "t_intersects",
        "args": [{"property": "life"}, {"interval": ["2026-01-01", ".."]}],
    }
    assert "Nyt hus" in names(buildings, json.dumps(interval), "cql2-json")


@pytest.mark.parametrize(
    ("filter_", "lang", "says"),
    [
        ("nosuch = 1", "cql2-text", "unknown property 'nosuch'"),
        ("owner = ", "cql2-text", "not valid CQL2 text at line 1, column 9"),
        ("owner = 'x' AND", "cql2-text", "column 16"),
        ("storeys = 'three'", "cql2-text", "cannot compare"),
        ("name LIKE 3", "cql2-text", "LIKE"),
        ("name LIKE 'Gran\\'", "cql2-text", "escape character"),
        ("CASEI(name) LIKE casei('%\\\\\\')", "cql2-text", "escape character"),
        ('{"op": "like", "args": [{"property": "name"}, "x\\\\"]}', "cql2-json", "escape"),
        ("S_INTERSECTS(geometry, POINT(1))", "cql2-text", "needs a geometry"),
        (
            '{"op": "s_intersects", "args": [{"property": "geometry"}, '
            '{"type": "Polygon", "coordinates": [1]}]}',
            "cql2-json",
            "no operator, property, value or geometry",
        ),
        ("T_INTERSECTS(storeys, DATE('2020-01-01'))", "cql2-text", "not temporal"),
        ("T_INTERSECTS(life, DATE('2020-13-01'))", "cql2-text", "is not a date"),
        ("ACCENTI(storeys) = 'x'", "cql2-text", "ACCENTI applies to text"),
        ("avg(storeys) > 1", "cql2-text", "unknown function 'avg'"),
        ("owner = 'x'; DROP TABLE building", "cql2-text", "column 12"),
        ('{"op": "=", "args": [1]}', "cql2-json", "takes 2"),
        ("{not json", "cql2-json", "not valid CQL2 JSON"),
        ("owner = 'x'", "ecql", "filter-lang"),
        ("S_INTERSECTS(geometry, BBOX(200, 100, 300, 95))", "cql2-text", "out of range"),
        ("S_INTERSECTS(geometry, POINT(10.4 95))", "cql2-text", "out of range"),
        ("storeys > 1e400", "cql2-text", "finite"),
        (
            '{"op": "s_intersects", "args": [{"property": "geometry"}, '
            '{"type": "Point", "coordinates": [181, 55]}]}',
            "cql2-json",
            "out of range",
        ),
    ],
)
def test_bad_filters_say_what_is_wrong(buildings, filter_, lang, says):
    with pytest.raises(InvalidQuery) as err:
        names(buildings, filter_, lang)
    assert says in err.value.detail


def test_values_are_bound_never_pasted(buildings):
    params: dict = {}
    tree = cql2.parse_text("owner = 'x'' OR 1=1 --' AND name LIKE '%'")
    sql = cql2.compile_filter(tree, queryables.queryables(BUILDINGS), STORAGE, params)
    assert "OR 1=1" not in sql and "x'" not in sql
    assert "x' OR 1=1 --" in params.values()
    assert names(buildings, "owner = 'x'' OR 1=1 --'") == set()
    # The table is still there.
    assert buildings.execute(text("SELECT count(*) FROM building")).scalar_one() == len(ROWS)


@pytest.mark.parametrize(
    "filter_",
    ["nosuch = 1", "storeys = 'three'", "S_INTERSECTS(geometry, POINT(10 95))", "avg(storeys)"],
)
def test_a_filter_is_checked_whole_while_the_query_is_read(filter_):
    # No connection here: names, types and literals are refused before any I/O.
    with pytest.raises(InvalidQuery) as err:
        features.ItemsQuery.from_params(BUILDINGS, {"filter": filter_})
    assert err.value.parameter == "filter"
