"""Vector tiles at every zoom, anywhere on the globe (issue 16).

A tile's envelope goes to the storage CRS to find its features on the index; before the fix
every tile from z0 to z6 and many far from Denmark failed in PROJ (a 500). Each tile is
checked against the features taken to EPSG:3857 by pyproj (`test_globe.fetch_features`):
a feature is in the tile if it meets the tile's envelope by enough to survive MVT's grid of
4,096 cells (a building at z0 is a fraction of a cell, and MVT has no place for it), and no
feature is in it that does not meet the envelope with its buffer of 64 cells, nor any below
its layer's minimum zoom (`Layer.tile_minzoom`).
"""

from __future__ import annotations

import math
import random

import mapbox_vector_tile
import pyproj
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from gis.layers import LAYERS
from gis.ogc import tiles
from gis.ogc.crs import DOMAIN
from tests.api.test_globe import (
    NEAR_LAT,
    NEAR_LON,
    SWEEP,
    assert_answer,
    fetch_features,
    globe_client,  # noqa: F401 (a fixture)
)

WORLD = tiles.WORLD


@pytest.fixture(scope="module")
def all_features(globe_client):  # noqa: F811
    return fetch_features(globe_client, list(LAYERS))


def envelope(z: int, x: int, y: int) -> shapely.Geometry:
    """The tile's envelope in EPSG:3857, as ST_TileEnvelope draws it."""
    side = 2 * WORLD / (1 << z)
    x0, y1 = -WORLD + x * side, WORLD - y * side
    return shapely.box(x0, y1 - side, x0 + side, y1)


def survives(clipped: shapely.Geometry, cell: float) -> bool:
    """Whether a feature's part in a tile is big enough for MVT's grid not to drop it."""
    if clipped.is_empty:
        return False
    if clipped.geom_type.endswith("Point"):
        return True
    if clipped.geom_type.endswith("Polygon"):
        return not clipped.buffer(-1.5 * cell).is_empty
    x0, y0, x1, y1 = clipped.bounds
    return max(x1 - x0, y1 - y0) >= 3 * cell


def expected_in_tile(features, z: int, x: int, y: int) -> tuple[set, set]:
    box = envelope(z, x, y)
    cell = (2 * WORLD / (1 << z)) / tiles.EXTENT
    inner = box.buffer(-2 * cell, join_style="mitre")
    outer = box.buffer((tiles.BUFFER + 2) * cell, join_style="mitre")
    must, may = set(), set()
    for f in features:
        # Below its layer's minimum zoom a feature is in no tile (gis.layers.Layer).
        if z < LAYERS[f.layer].tile_minzoom or not f.merc.intersects(outer):
            continue
        may.add((f.layer, f.id))
        if f.merc.intersects(inner) and survives(f.merc.intersection(box), cell):
            must.add((f.layer, f.id))
    return must, may


def tile_ids(client, z: int, x: int, y: int) -> set:
    r = client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert r.status_code in (200, 204), (z, x, y, r.text[:300])
    if r.status_code == 204:
        assert not r.content
        return set()
    decoded = mapbox_vector_tile.decode(r.content)
    return {(layer, f["id"]) for layer, v in decoded.items() for f in v["features"]}


def check_tile(client, features, z: int, x: int, y: int) -> set:
    must, may = expected_in_tile(features, z, x, y)
    found = tile_ids(client, z, x, y)
    assert_answer(found, must, may, f"tile {z}/{x}/{y}")
    return found


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = min(n - 1, max(0, int((lon + 180) / 360 * n)))
    merc = math.asinh(math.tan(math.radians(max(-85.05, min(85.05, lat)))))
    y = min(n - 1, max(0, int((1 - merc / math.pi) / 2 * n)))
    return x, y


@st.composite
def tile_anywhere(draw) -> tuple[int, int, int]:
    """A tile z0..z18: half of them anywhere, half on or beside the reference data."""
    z = draw(st.integers(0, 18))
    n = 1 << z
    if draw(st.booleans()):
        return z, draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
    x, y = tile_of(draw(st.floats(*NEAR_LON)), draw(st.floats(*NEAR_LAT)), z)
    dx, dy = draw(st.integers(-1, 1)), draw(st.integers(-1, 1))
    return z, min(n - 1, max(0, x + dx)), min(n - 1, max(0, y + dy))


@SWEEP
@given(tile=tile_anywhere())
def test_random_tiles_hold_what_their_envelope_covers(globe_client, all_features, tile):  # noqa: F811
    check_tile(globe_client, all_features, *tile)


def test_every_tile_of_z0_to_z2_and_the_data_at_every_zoom(globe_client, all_features):  # noqa: F811
    for z in range(3):
        for x in range(1 << z):
            for y in range(1 << z):
                check_tile(globe_client, all_features, z, x, y)
    assert not tile_ids(globe_client, 1, 0, 0)  # the north-west quarter: no Vollsmose
    world = tile_ids(globe_client, 0, 0, 0)
    assert {layer for layer, _ in world} >= {"rail_stops", "facilities"}
    torv = (10.4413, 55.4068)  # Vollsmose Torv (DOMAIN.md)
    for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1):
        x, y = tile_of(*torv, z)
        found = check_tile(globe_client, all_features, z, x, y)
        assert found, f"z{z}: the tile of Vollsmose Torv is empty"
        if z > 0:
            far_x, far_y = tile_of(-100.0, 40.0, z)  # America
            assert not tile_ids(globe_client, z, far_x, far_y)


def test_the_tile_box_in_utm_holds_the_tile(ref_conn):
    """BOUNDS_SQL's box in the storage CRS, made of few pieces per edge, holds the box of
    the tile (clipped to the domain) made of 1,024 pieces per edge, at z0..z3 for every
    tile and at 60 tiles (fixed seed) from z4 to z16: the chords' sag is inside the pad."""
    rng = random.Random(16)
    cases = [(z, x, y) for z in range(4) for x in range(1 << z) for y in range(1 << z)]
    for _ in range(60):
        z = rng.randint(4, 16)
        cases.append((z, rng.randrange(1 << z), rng.randrange(1 << z)))
    x0, y0, x1, y1 = DOMAIN[3857]
    dense = text(
        "SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1 FROM ("
        " SELECT ST_Envelope(ST_Transform(ST_Segmentize(g, :dense), 25832)) AS b FROM ("
        "  SELECT ST_ClipByBox2D(ST_TileEnvelope(:z, :x, :y),"
        "                        ST_MakeBox2D(ST_Point(:dx0, :dy0), ST_Point(:dx1, :dy1))) AS g"
        " ) c WHERE NOT ST_IsEmpty(g)) s"
    )
    coarse = text(
        f"WITH {tiles.BOUNDS_SQL} SELECT ST_XMin(stored) AS x0, ST_YMin(stored) AS y0,"
        " ST_XMax(stored) AS x1, ST_YMax(stored) AS y1 FROM bounds"
    )
    checked = 0
    for z, x, y in cases:
        p = tiles.bounds_params(z, x, y)
        d = ref_conn.execute(
            dense,
            {**p, "dense": 2 * WORLD / (1 << z) / 1024, "dx0": x0, "dy0": y0, "dx1": x1, "dy1": y1},
        ).first()
        k = ref_conn.execute(coarse, p).one()
        if d is None:
            # Wholly outside the domain: no box, so no feature, and no transform tried.
            assert envelope(z, x, y).intersection(shapely.box(x0, y0, x1, y1)).area == 0
            continue
        assert k.x0 <= d.x0 and k.y0 <= d.y0 and k.x1 >= d.x1 and k.y1 >= d.y1, (z, x, y)
        checked += 1
    assert checked > 50


def test_domain_holds_the_reference_data_with_room_to_spare(all_features):
    """The clipping is exact only because no stored feature lies near the domain's edge
    (gis.ogc.crs.DOMAIN): the reference data lies 1,500 km and more inside it."""
    to_lonlat = pyproj.Geod(ellps="WGS84")
    x0, _, x1, _ = DOMAIN[4326]
    for f in all_features:
        lon0, lat0, lon1, lat1 = f.lonlat.bounds
        west = to_lonlat.inv(x0, lat0, lon0, lat0)[2]
        east = to_lonlat.inv(lon1, lat1, x1, lat1)[2]
        assert min(west, east) > 1.5e6, (f.layer, f.id)
