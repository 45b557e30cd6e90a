"""Bounding boxes and CQL2 geometry literals anywhere on Earth (issue 16).

Query geometry goes to the storage CRS (UTM 32N), which PROJ cannot reach from most of the
globe; `gis.ogc.crs` clips it to where it can first. These tests check the answers against a
computation that never takes the query to UTM: every feature is fetched once, unfiltered, in
the storage CRS, taken to CRS84 and EPSG:3857 here with pyproj, and met with the query box
or literal in shapely, in the query's own CRS. A feature within `tol` of the query's edge
may go either way (the query's edges are bent into UTM as chords of 0.01° or of 1/2000 of
its size: centimetres near Vollsmose, metres for a world-sized box); every other feature
must be answered exactly. The sweeps are Hypothesis, derandomised, so CI sees the same
examples each run: boxes over the whole globe with edges drawn now anywhere, now through
the data, so that answers are neither always all nor always nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_errors import assert_problem
from tests.support import make_client

LAYERS = ("buildings", "roads", "facilities", "areas")
STORAGE = "http://www.opengis.net/def/crs/EPSG/0/25832"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
MERC_X = 20037508.342789244
# Where the reference data lies, a little widened (CRS84): edges drawn here cut through it.
NEAR_LON = (10.36, 10.52)
NEAR_LAT = (55.37, 55.44)

SWEEP = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Feature:
    layer: str
    id: int
    lonlat: shapely.Geometry
    merc: shapely.Geometry


def fetch_features(client: TestClient, layers) -> list[Feature]:
    """Every feature of `layers`, unfiltered, in the storage CRS, taken to CRS84 and
    EPSG:3857 by pyproj."""
    to_lonlat = pyproj.Transformer.from_crs(25832, 4326, always_xy=True)
    to_merc = pyproj.Transformer.from_crs(25832, 3857, always_xy=True)
    out = []
    for layer in layers:
        r = client.get(f"/collections/{layer}/items", params={"crs": STORAGE, "limit": "10000"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["numberReturned"] == body["numberMatched"]
        for f in body["features"]:
            g = shapely.geometry.shape(f["geometry"])
            lonlat = shapely.transform(g, lambda c: _apply(to_lonlat, c))
            merc = shapely.transform(g, lambda c: _apply(to_merc, c))
            out.append(Feature(layer, f["id"], lonlat, merc))
    return out


def _apply(transformer: pyproj.Transformer, coords: np.ndarray) -> np.ndarray:
    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def expected(query: shapely.Geometry, geometries, tol: float) -> tuple[set, set]:
    """(the keys that must be answered, the keys that may be) for a query meeting
    `geometries` ({key: geometry in the query's CRS}), with `tol` the width of the band
    along the query's edges where either answer is right."""
    must, may = set(), set()
    for key, g in geometries.items():
        if g.distance(query) > tol:
            continue
        may.add(key)
        q_poly, g_poly = query.geom_type.endswith("Polygon"), g.geom_type.endswith("Polygon")
        inner_q = query.buffer(-tol) if q_poly else query
        inner_g = g.buffer(-tol) if g_poly else g
        if (q_poly or g_poly) and inner_q.intersects(inner_g):
            must.add(key)
    return must, may


def assert_answer(found: set, must: set, may: set, what: str) -> None:
    missing, extra = must - found, found - may
    assert not missing and not extra, f"{what}: missing {sorted(missing)}, extra {sorted(extra)}"


@pytest.fixture(scope="module")
def globe_client(ref_database_url) -> Iterator[TestClient]:
    """One client for every example of a sweep (read-only: nothing is written)."""
    with make_client(ref_database_url) as client:
        yield client


@pytest.fixture(scope="module")
def features(globe_client) -> list[Feature]:
    return fetch_features(globe_client, LAYERS)


def found_ids(client: TestClient, layer: str, params: dict) -> set:
    r = client.get(f"/collections/{layer}/items", params={**params, "limit": "10000"})
    assert r.status_code == 200, (params, r.text[:300])
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"]
    return {f["id"] for f in body["features"]}


def check_query(client, features, layer, params, query, space, tol, what) -> set:
    geometries = {f.id: getattr(f, space) for f in features if f.layer == layer}
    must, may = expected(query, geometries, tol)
    found = found_ids(client, layer, params)
    assert_answer(found, must, may, f"{what} {params}")
    return found


def lon_box(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    """A CRS84 box; west of east when x0 > x1, across the antimeridian."""
    if x0 <= x1:
        return shapely.box(x0, y0, x1, y1)
    return shapely.union(shapely.box(x0, y0, 180, y1), shapely.box(-180, y0, x1, y1))


def geo_tol(box) -> float:
    x0, y0, x1, y1 = box
    return 1e-6 + 2e-5 * (abs(x1 - x0) + abs(y1 - y0))


def merc_tol(box) -> float:
    x0, y0, x1, y1 = box
    return 0.2 + 2e-5 * (abs(x1 - x0) + abs(y1 - y0))


# Coordinates: now anywhere on the globe, now through the data; drawn from a small set of
# exact values too (the poles, the antimeridian, the edges of the world).
lons = st.one_of(
    st.floats(-180, 180),
    st.floats(*NEAR_LON),
    st.sampled_from([-180.0, 180.0, 0.0, -31.0, 49.0, 9.0]),
)
lats = st.one_of(st.floats(-90, 90), st.floats(*NEAR_LAT), st.sampled_from([-90.0, 90.0, 0.0]))


def merc(lon: float, lat: float) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)


merc_xs = st.one_of(
    st.floats(-MERC_X, MERC_X), st.floats(merc(NEAR_LON[0], 0)[0], merc(NEAR_LON[1], 0)[0])
)
merc_ys = st.one_of(
    st.floats(-4e7, 4e7),
    st.floats(merc(0, NEAR_LAT[0])[1], merc(0, NEAR_LAT[1])[1]),
    st.sampled_from([-MERC_X, MERC_X, 0.0]),
)


@SWEEP
@given(x0=lons, x1=lons, ya=lats, yb=lats, layer=st.sampled_from(LAYERS))
def test_crs84_bbox_anywhere(globe_client, features, x0, x1, ya, yb, layer):
    """West and east as drawn: half the boxes cross the antimeridian."""
    y0, y1 = sorted((ya, yb))
    box = (x0, y0, x1, y1)
    params = {"bbox": ",".join(map(repr, box))}
    span = (x1 - x0) % 360 if x0 > x1 else x1 - x0
    tol = 1e-6 + 2e-5 * (span + y1 - y0)
    check_query(globe_client, features, layer, params, lon_box(*box), "lonlat", tol, "bbox")


@SWEEP
@given(xa=lons, xb=lons, ya=lats, yb=lats, layer=st.sampled_from(LAYERS))
def test_epsg4326_bbox_is_latitude_first(globe_client, features, xa, xb, ya, yb, layer):
    x0, x1 = sorted((xa, xb))
    y0, y1 = sorted((ya, yb))
    params = {"bbox": f"{y0!r},{x0!r},{y1!r},{x1!r}", "bbox-crs": EPSG4326}
    query = shapely.box(x0, y0, x1, y1)
    tol = geo_tol((x0, y0, x1, y1))
    check_query(globe_client, features, layer, params, query, "lonlat", tol, "bbox")


@SWEEP
@given(xa=merc_xs, xb=merc_xs, ya=merc_ys, yb=merc_ys, layer=st.sampled_from(LAYERS))
def test_epsg3857_bbox_anywhere(globe_client, features, xa, xb, ya, yb, layer):
    x0, x1 = sorted((xa, xb))
    y0, y1 = sorted((ya, yb))
    params = {"bbox": f"{x0!r},{y0!r},{x1!r},{y1!r}", "bbox-crs": EPSG3857}
    query = shapely.box(x0, y0, x1, y1)
    tol = merc_tol((x0, y0, x1, y1))
    check_query(globe_client, features, layer, params, query, "merc", tol, "bbox")


def _literal(draw, xs, ys, kind: str) -> shapely.Geometry:
    if kind == "point":
        return shapely.Point(draw(xs), draw(ys))
    if kind == "line":
        return shapely.LineString([(draw(xs), draw(ys)) for _ in range(3)])
    if kind == "triangle":
        ring = [(draw(xs), draw(ys)) for _ in range(3)]
        g = shapely.Polygon(ring)
        return g if g.is_valid and g.area > 0 else shapely.box(*shapely.MultiPoint(ring).bounds)
    x0, x1 = sorted((draw(xs), draw(xs)))
    y0, y1 = sorted((draw(ys), draw(ys)))
    return shapely.box(x0, y0, x1, y1)


@st.composite
def literals(draw):
    """(filter-crs, the literal in WKT in that CRS's axis order, the literal x first, the
    space the features are met in)."""
    crs = draw(st.sampled_from([CRS84, EPSG4326, EPSG3857]))
    kind = draw(st.sampled_from(["box", "bbox", "triangle", "line", "point"]))
    if kind == "bbox" and crs != EPSG3857:
        # CQL2's BBOX, west and east as drawn: across the antimeridian when west > east.
        x0, x1 = round(draw(lons), 9), round(draw(lons), 9)
        y0, y1 = sorted((round(draw(lats), 9), round(draw(lats), 9)))
        values = (y0, x0, y1, x1) if crs == EPSG4326 else (x0, y0, x1, y1)
        return crs, f"BBOX({','.join(map(_fixed, values))})", lon_box(x0, y0, x1, y1), "lonlat"
    kind = "box" if kind == "bbox" else kind
    if crs == EPSG3857:
        g = shapely.set_precision(_literal(draw, merc_xs, merc_ys, kind), 1e-9, mode="pointwise")
        return crs, wkt(g), g, "merc"
    g = shapely.set_precision(_literal(draw, lons, lats, kind), 1e-9, mode="pointwise")
    return crs, wkt(g, lat_first=crs == EPSG4326), g, "lonlat"


def wkt(g: shapely.Geometry, lat_first: bool = False) -> str:
    """WKT of `g` (rounded to 1e-9) never in exponent notation: the cql2 package's parser
    (0.6) refuses `6.1e-123` and `5e7` in a literal, though CQL2's grammar allows them."""
    if lat_first:
        g = shapely.transform(g, lambda c: c[:, ::-1])
    text = shapely.to_wkt(g, rounding_precision=-1)
    return re.sub(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", lambda m: _fixed(float(m.group())), text)


def _fixed(v: float) -> str:
    return f"{v:.9f}".rstrip("0").rstrip(".") or "0"


def _degenerate(g: shapely.Geometry) -> bool:
    # A zero-width box or a line folding back on itself is a fine literal, but not one the
    # tolerance band can judge; neither is a polygon spanning more than the world.
    return g.geom_type.endswith("Polygon") and (g.area == 0 or not g.is_valid)


@SWEEP
@given(literal=literals(), layer=st.sampled_from(LAYERS))
def test_s_intersects_literal_anywhere(globe_client, features, literal, layer):
    crs, wkt, g, space = literal
    if _degenerate(g):
        return
    params = {"filter": f"S_INTERSECTS(geometry, {wkt})", "filter-crs": crs}
    tol = (merc_tol if space == "merc" else geo_tol)(g.bounds)
    check_query(globe_client, features, layer, params, g, space, tol, "filter")


# Explicit cases, each a place the sweep may not land on.

ALL = None  # every feature of the layer


@pytest.mark.parametrize(
    ("params", "answer"),
    [
        ({"bbox": "-180,-90,180,90"}, ALL),
        ({"bbox": "-90,-180,90,180", "bbox-crs": EPSG4326}, ALL),
        ({"bbox": f"{-MERC_X},{-MERC_X},{MERC_X},{MERC_X}", "bbox-crs": EPSG3857}, ALL),
        ({"bbox": "-180,-90,-100,180,90,100"}, ALL),  # with heights
        ({"bbox": "-180,80,180,90"}, set()),  # the north pole
        ({"bbox": "-180,-90,180,-80"}, set()),  # the south pole
        ({"bbox": "0,50,20,90"}, ALL),  # to the pole, from Denmark
        ({"bbox": "170,50,20,60"}, ALL),  # across the antimeridian, round to Denmark
        ({"bbox": "20,50,5,60"}, set()),  # all longitudes but 5°E..20°E: Vollsmose is 10.4°E
        ({"bbox": "11,50,10,60"}, set()),  # all longitudes but 10°E..11°E
        ({"bbox": "12,50,11,60"}, ALL),  # all longitudes but 11°E..12°E
        ({"bbox": "179,-10,-179,10"}, set()),
        # Across the antimeridian with its sides a hair apart: all but 0°..1e-300°E (the
        # sweep's find; met as one multipolygon, its sides touched in UTM: a GEOS error).
        ({"bbox": "1e-300,0,0,60"}, ALL),
        ({"bbox": "-100,10,-90,20"}, set()),  # America, far from UTM zone 32
        (
            {
                "filter": "S_INTERSECTS(geometry, "
                "POLYGON((-180 -90,180 -90,180 90,-180 90,-180 -90)))"
            },
            ALL,
        ),
        ({"filter": "S_INTERSECTS(geometry, BBOX(-180,-90,180,90))"}, ALL),
        ({"filter": "S_INTERSECTS(geometry, POINT(-100 40))"}, set()),
        # CQL2's BBOX crosses the antimeridian as the bbox parameter does.
        ({"filter": "S_INTERSECTS(geometry, BBOX(170,50,20,60))"}, ALL),
        ({"filter": "S_INTERSECTS(geometry, BBOX(20,50,5,60))"}, set()),
        ({"filter": "S_INTERSECTS(geometry, BBOX(50,170,60,20))", "filter-crs": EPSG4326}, ALL),
        ({"filter": "S_INTERSECTS(geometry, BBOX(50,20,60,5))", "filter-crs": EPSG4326}, set()),
        ({"filter": "S_WITHIN(geometry, BBOX(0.0000001,0,0,60))"}, ALL),  # sides a hair apart
        ({"filter": "S_INTERSECTS(geometry, POINT(0 90))"}, set()),
        ({"filter": "S_INTERSECTS(geometry, LINESTRING(-170 -89, 170 89))"}, set()),
        (
            {
                "filter": "S_INTERSECTS(geometry, POLYGON((-10000000 -30000000,"
                "10000000 -30000000,10000000 50000000,-10000000 50000000,"
                "-10000000 -30000000)))",
                "filter-crs": EPSG3857,
            },
            ALL,
        ),
        (
            {
                "filter": "S_INTERSECTS(geometry, POLYGON((-90 -180,90 -180,90 180,-90 180,"
                "-90 -180)))",
                "filter-crs": EPSG4326,
            },
            ALL,
        ),
    ],
)
def test_the_world_the_poles_and_the_antimeridian(globe_client, features, params, answer):
    every = {f.id for f in features if f.layer == "buildings"}
    found = found_ids(globe_client, "buildings", params)
    assert found == (every if answer is ALL else answer)


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"bbox": "10.4,56,10.5,55"}, "bbox"),  # south above north: no antimeridian for that
        ({"bbox": "10,55,181,56"}, "bbox"),
        ({"bbox": "10,-95,11,56"}, "bbox"),
        ({"bbox": "56,10,95,11", "bbox-crs": EPSG4326}, "bbox"),
        ({"bbox": "2e6,1e6,1e6,2e6", "bbox-crs": EPSG3857}, "bbox"),  # no antimeridian in 3857
        ({"filter": "S_INTERSECTS(geometry, POINT(10 95))"}, "filter"),
        ({"filter": "S_INTERSECTS(geometry, POINT(95 10))", "filter-crs": EPSG4326}, "filter"),
    ],
)
def test_out_of_range_stays_a_400_naming_the_parameter(globe_client, params, says):
    r = globe_client.get("/collections/buildings/items", params=params)
    assert_problem(r, 400)
    assert says in r.json()["detail"]


def _sellable(client, **params) -> set:
    r = client.get("/land/sellable", params=params)
    assert r.status_code == 200, (params, r.text[:300])
    return {f["id"] for f in r.json()["features"]}


@pytest.mark.parametrize(
    ("within", "crs", "everything"),
    [
        ("POLYGON((-180 -90,180 -90,180 90,-180 90,-180 -90))", CRS84, True),
        ("POLYGON((-90 -180,90 -180,90 180,-90 180,-90 -180))", EPSG4326, True),
        (
            "POLYGON((-20000000 -30000000,20000000 -30000000,20000000 30000000,"
            "-20000000 30000000,-20000000 -30000000))",
            EPSG3857,
            True,
        ),
        ("POLYGON((-100 10,-90 10,-90 20,-100 20,-100 10))", CRS84, False),
        ("POLYGON((-180 80,180 80,180 90,-180 90,-180 80))", CRS84, False),
    ],
)
def test_sellable_within_anywhere(globe_client, within, crs, everything):
    """`/land/sellable?within=` takes its polygon to UTM the same way (gis.ogc.crs)."""
    every = _sellable(globe_client)
    assert every
    found = _sellable(globe_client, within=within, **{"within-crs": crs})
    assert found == (every if everything else set())


def test_sellable_within_out_of_range_is_a_400_naming_within(globe_client):
    r = globe_client.get(
        "/land/sellable",
        params={"within": "POLYGON((10 95,11 95,11 96,10 96,10 95))", "within-crs": CRS84},
    )
    assert_problem(r, 400)
    assert "within" in r.json()["detail"]


PREDICATES = {
    "S_INTERSECTS": shapely.intersects,
    "S_DISJOINT": shapely.disjoint,
    "S_WITHIN": shapely.within,
    "S_CONTAINS": shapely.contains,
    "S_EQUALS": shapely.equals,
    "S_TOUCHES": shapely.touches,
    "S_OVERLAPS": shapely.overlaps,
    "S_CROSSES": shapely.crosses,
}
# Literals reaching far outside the domain the query is clipped to, each meeting the data
# in its own way: clipping must change no predicate's answer.
FAR_LITERALS = [
    "POLYGON((-180 -90,180 -90,180 90,-180 90,-180 -90))",
    "POLYGON((-100 -80,100 -80,100 80,-100 80,-100 -80))",
    "POLYGON((-170 55.405,170 55.405,170 80,-170 80,-170 55.405))",  # cuts Vollsmose
    "LINESTRING(-100 55.405,100 55.405)",
    "MULTIPOINT((-100 40),({inside}))",  # one point in America, one inside a building
    "MULTILINESTRING((-100 40,-90 40),({inside},{inside_east}))",
    "MULTIPOLYGON(((-100 40,-90 40,-90 41,-100 40)),"
    "(({inside},{inside_east},{inside_north},{inside})))",
    "POINT(-100 40)",
]


@pytest.mark.parametrize("literal", FAR_LITERALS)
@pytest.mark.parametrize("layer", ["buildings", "roads", "facilities"])
def test_every_spatial_predicate_with_a_far_reaching_literal(
    globe_client, features, literal, layer
):
    """Each of the eight topological S_* functions against shapely on the unclipped literal
    (CRS84, all far from the data's edges, so exact); S_DWITHIN below."""
    building = next(f for f in features if f.layer == "buildings").lonlat
    p = building.representative_point()
    d = 1e-6  # a tenth of a metre: the small parts lie wholly inside the building
    assert building.contains(shapely.box(p.x, p.y, p.x + d, p.y + d))
    literal = literal.format(
        inside=f"{p.x!r} {p.y!r}",
        inside_east=f"{p.x + d!r} {p.y!r}",
        inside_north=f"{p.x + d!r} {p.y + d!r}",
    )
    g = shapely.from_wkt(literal)
    mine = [f for f in features if f.layer == layer]
    for name, predicate in PREDICATES.items():
        want = {f.id for f in mine if predicate(f.lonlat, g)}
        got = found_ids(globe_client, layer, {"filter": f"{name}(geometry, {literal})"})
        assert got == want, (name, literal, sorted(got ^ want))


def test_s_dwithin_far_and_near(globe_client, features):
    every = {f.id for f in features if f.layer == "buildings"}
    far = {"filter": "S_DWITHIN(geometry, POINT(-100 40), 1000, meters)"}
    assert found_ids(globe_client, "buildings", far) == set()
    near = {"filter": "S_DWITHIN(geometry, MULTIPOINT((-100 40),(10.44 55.4)), 5000, meters)"}
    assert found_ids(globe_client, "buildings", near) == every
