"""Vector tiles decoded with mapbox-vector-tile: the layers, attributes, time and caching."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import create_engine, text

from gis.layers import LAYERS
from tests.api.test_errors import assert_problem
from tests.support import make_client, prepared_database

TORV = (10.4413, 55.4068)  # Vollsmose Torv (DOMAIN.md)
MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """(z, x, y) of the WebMercatorQuad tile holding a point: x the column, y the row."""
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    return mapbox_vector_tile.decode(response.content)


def test_all_layers_tile_has_one_layer_per_collection_with_attributes(ref_client):
    z, x, y = tile_of(*TORV, 14)
    tile = decode(ref_client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}"))
    assert {"areas", "buildings", "roads", "facilities"} <= set(tile)
    assert set(tile) <= set(LAYERS)
    # MVT leaves out empty properties: look across the tile's buildings, not at one of them.
    seen = set().union(*(f["properties"] for f in tile["buildings"]["features"]))
    assert {"name", "owner", "demolished_year", "floor_area_m2"} <= seen
    assert tile["buildings"]["extent"] == 4096


def test_collection_tile_has_only_its_layer(ref_client):
    z, x, y = tile_of(*TORV, 15)
    tile = decode(ref_client.get(f"/collections/buildings/tiles/WebMercatorQuad/{z}/{x}/{y}"))
    assert list(tile) == ["buildings"]


def test_datetime_selects_the_year(ref_client, ref_conn):
    z, x, y = tile_of(*TORV, 13)
    url = f"/collections/buildings/tiles/WebMercatorQuad/{z}/{x}/{y}"

    def ids(year: str) -> set[int]:
        tile = decode(ref_client.get(url, params={"datetime": year}))
        return {f["id"] for f in tile.get("buildings", {"features": []})["features"]}

    gone_2026 = {
        r[0] for r in ref_conn.execute(text("SELECT id FROM building WHERE demolished_year = 2026"))
    }
    assert gone_2026
    in_2026, in_2027 = ids("2026-06-01"), ids("2027")
    assert gone_2026 & in_2026 and not gone_2026 & in_2027
    present_2030 = {
        r[0]
        for r in ref_conn.execute(
            text(
                "SELECT id FROM building WHERE state_includes(built_year, demolished_year, 2030)"
                " AND ST_Intersects(ST_Transform(footprint, 3857),"
                "                   ST_TileEnvelope(:z, :x, :y, margin => :m))"
            ),
            {"z": z, "x": x, "y": y, "m": 0},
        )
    }
    # Everything present in 2030 inside the tile, and nothing absent then; a sliver in the
    # tile's 64-unit buffer may or may not survive the clipping.
    in_2030 = ids("2030")
    assert present_2030 and present_2030 <= in_2030
    assert not in_2030 & (gone_2026 | ids_absent_in_2030(ref_conn))


@pytest.mark.parametrize("prefix", ["", "/collections/buildings"])
def test_x_is_the_column_and_y_the_row(ref_client, ref_conn, prefix):
    z, x, y = tile_of(*TORV, 15)
    assert x != y  # Vollsmose's tile is off the diagonal: a swap lands elsewhere
    # Where the tiles lie, by PostGIS's own tile envelopes (x column, y row).
    sql = (
        "SELECT ST_Contains(ST_TileEnvelope(:z, :x, :y), ST_Transform(ST_SetSRID("
        "ST_MakePoint(:lon, :lat), 4326), 3857))"
    )
    lon, lat = TORV
    assert ref_conn.execute(text(sql), {"z": z, "x": x, "y": y, "lon": lon, "lat": lat}).scalar()
    assert "buildings" in decode(ref_client.get(f"{prefix}/tiles/WebMercatorQuad/{z}/{x}/{y}"))
    swapped = ref_client.get(f"{prefix}/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert swapped.status_code == 204 and not swapped.content


def test_empty_tile_is_a_cheap_204(ref_client):
    r = ref_client.get("/tiles/WebMercatorQuad/14/0/0")
    assert r.status_code == 204 and not r.content
    assert "ETag" in r.headers and "Cache-Control" in r.headers


@pytest.mark.parametrize("year", [None, "2030"])
def test_each_feature_is_clipped_once(ref_conn, year):
    """ST_AsMVTGeom, the dearest step of a tile, must not be planned as a filter as well
    as an output (which the planner does if it flattens the inner query): once per layer."""
    from gis import temporal
    from gis.ogc import tiles

    layers = list(LAYERS.values())
    years = temporal.parse_datetime(year)
    sql, params = tiles.tile_statement(layers, *tile_of(*TORV, 13), years)
    plan = "\n".join(
        ref_conn.execute(text("EXPLAIN (VERBOSE, COSTS OFF) " + sql), params).scalars()
    )
    filters = [line for line in plan.splitlines() if "Filter:" in line]
    assert not [f for f in filters if "st_asmvtgeom" in f.lower()], plan
    assert plan.lower().count("st_asmvtgeom(") == len(layers), plan


def test_etag_and_cache_control(ref_client):
    z, x, y = tile_of(*TORV, 14)
    url = f"/tiles/WebMercatorQuad/{z}/{x}/{y}"
    first = ref_client.get(url)
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = ref_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    other_year = ref_client.get(url, params={"datetime": "2030"})
    assert other_year.headers["etag"] != etag


def test_etag_follows_the_data(new_database):
    # A database of its own whose writes commit: the tiles read on the API's own pooled
    # connections, which see committed data only.
    url = prepared_database(new_database)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO facility (name, kind, geom) VALUES ('Bibliotek', 'library', "
                "ST_Transform(ST_SetSRID(ST_MakePoint(10.4413, 55.4068), 4326), 25832))"
            )
        )
    z, x, y = tile_of(*TORV, 16)
    path = f"/collections/facilities/tiles/WebMercatorQuad/{z}/{x}/{y}"
    with make_client(url) as client:
        before = client.get(path)
        with engine.begin() as conn:
            conn.execute(text("UPDATE facility SET name = 'Vollsmose Bibliotek'"))
        after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    engine.dispose()
    assert after.status_code == 200
    assert decode(after)["facilities"]["features"][0]["properties"]["name"] == (
        "Vollsmose Bibliotek"
    )


def test_tileset_metadata_and_tilejson(ref_client):
    tileset = ref_client.get("/collections/roads/tiles/WebMercatorQuad").json()
    template = next(li for li in tileset["links"] if li["rel"] == "item")["href"]
    assert template.endswith(
        "/collections/roads/tiles/WebMercatorQuad/{tileMatrix}/{tileCol}/{tileRow}"
    )
    assert [layer["id"] for layer in tileset["layers"]] == ["roads"]
    tj = ref_client.get("/tiles/WebMercatorQuad/tilejson.json", params={"datetime": "2030"}).json()
    assert tj["tilejson"] == "3.0.0"
    assert tj["tiles"][0].endswith("/tiles/WebMercatorQuad/{z}/{x}/{y}?datetime=2030")
    assert [v["id"] for v in tj["vector_layers"]] == list(LAYERS)
    lon0, lat0, lon1, lat1 = tj["bounds"]
    assert lon0 < TORV[0] < lon1 and lat0 < TORV[1] < lat1
    # Following the TileJSON template gives the tile.
    z, x, y = tile_of(*TORV, 14)
    path = tj["tiles"][0].replace("http://testserver", "").format(z=z, x=x, y=y)
    assert "buildings" in decode(ref_client.get(path))
    tms = ref_client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert tms["tileMatrices"][14]["matrixWidth"] == 1 << 14


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/tiles/WebMercatorQuad/25/0/0", 400),
        ("/tiles/WebMercatorQuad/2/4/0", 400),
        ("/tiles/WebMercatorQuad/14/100/100?datetime=never", 400),
        ("/tiles/WebMercatorQuad/14/100/100?colour=red", 400),
        ("/tiles/WorldCRS84Quad/14/100/100", 404),
        ("/collections/nope/tiles/WebMercatorQuad/14/100/100", 404),
    ],
)
def test_bad_tile_requests(ref_client, url, status):
    assert_problem(ref_client.get(url), status)


def ids_absent_in_2030(ref_conn) -> set[int]:
    sql = "SELECT id FROM building WHERE NOT state_includes(built_year, demolished_year, 2030)"
    return {r[0] for r in ref_conn.execute(text(sql))}


FOOTPRINTS = [layer for layer in LAYERS.values() if layer.tile_minzoom > 0]


def test_the_footprint_layers_have_a_minimum_zoom():
    # The national stock's building tiles below z12 cost 3-180 ms each to make (issue 19).
    assert {"buildings", "parcels", "plots"} <= {layer.id for layer in FOOTPRINTS}
    assert all(12 <= layer.tile_minzoom <= 14 for layer in FOOTPRINTS)
    assert LAYERS["quarters"].tile_minzoom == LAYERS["areas"].tile_minzoom == 0


@pytest.mark.parametrize("layer", FOOTPRINTS, ids=lambda layer: layer.id)
def test_a_layer_is_in_the_tiles_from_its_minimum_zoom_on(ref_client, ref_conn, layer):
    minzoom = layer.tile_minzoom
    # A feature of the layer lies in the tile just below the minimum zoom too.
    lon, lat = ref_conn.execute(
        text(
            f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface("
            f"{layer.geometry}), 4326) AS p FROM {layer.source} ORDER BY ST_Area("
            f"{layer.geometry}) DESC LIMIT 1) s"
        )
    ).one()
    for z in (minzoom - 1, minzoom):
        tile = "/tiles/WebMercatorQuad/{}/{}/{}".format(*tile_of(lon, lat, z))
        own = ref_client.get(f"/collections/{layer.id}{tile}")
        whole = decode(ref_client.get(tile))
        assert "quarters" in whole and "areas" in whole  # a zoomed-out map shows these
        if z < minzoom:
            assert own.status_code == 204 and not own.content
            assert layer.id not in whole
        else:
            assert decode(own)[layer.id]["features"]
            assert whole[layer.id]["features"]


def test_tilejson_and_tileset_declare_the_minimum_zoom(ref_client):
    tms = ref_client.get("/tileMatrixSets/WebMercatorQuad").json()["tileMatrices"]
    whole = ref_client.get("/tiles/WebMercatorQuad/tilejson.json").json()
    assert whole["minzoom"] == 0
    declared = {v["id"]: v["minzoom"] for v in whole["vector_layers"]}
    assert declared == {layer.id: layer.tile_minzoom for layer in LAYERS.values()}
    assert declared["buildings"] > 0 and declared["quarters"] == 0
    tileset = ref_client.get("/tiles/WebMercatorQuad").json()
    for entry in tileset["layers"]:
        minzoom = LAYERS[entry["id"]].tile_minzoom
        assert entry["minTileMatrix"] == tms[minzoom]["id"] == str(minzoom)
        assert entry["maxTileMatrix"] == tms[-1]["id"]
        assert entry["maxScaleDenominator"] == tms[minzoom]["scaleDenominator"]
        assert entry["minScaleDenominator"] == tms[-1]["scaleDenominator"]
    # A collection's own TileJSON starts at its layer's minimum zoom: a map asks no lower.
    for layer in FOOTPRINTS:
        tj = ref_client.get(f"/collections/{layer.id}/tiles/WebMercatorQuad/tilejson.json")
        assert tj.json()["minzoom"] == tj.json()["vector_layers"][0]["minzoom"]
        assert tj.json()["minzoom"] == layer.tile_minzoom
