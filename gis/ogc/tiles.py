"""Vector tiles (Mapbox Vector Tile) of the layers on the WebMercatorQuad tile matrix set.

One statement per tile: each layer's features in the tile (present in the asked years, by
`gis.state`'s rule) go through `ST_AsMVTGeom` and `ST_AsMVT`, one MVT layer per collection,
and the layers' bytes are concatenated (a valid MVT). The tile's envelope is taken to the
storage CRS to use the GiST index on the stored geometry: clipped first to the part of the
world where that transform is defined (`gis.crs.DOMAIN`), so a tile at any zoom, the whole
world at z0 included, has a box in UTM; a tile wholly outside it has none, and no features.
A layer is in the tiles from its `Layer.tile_minzoom` on: below it the statement does not
name it, so the tile has no MVT layer of it (and a tile of no layer at all is empty: a 204).

`OFFSET 0` keeps the planner from flattening the inner query: flattened, the outer
`m.geom IS NOT NULL` becomes a filter on the clipped geometry, so `ST_AsMVTGeom`, the
dearest step, runs twice per feature (z13 over Vollsmose: 2.6 ms, 1.7 ms with the fence).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gis import data_version, temporal
from gis.db import driver_sql
from gis.errors import InvalidQuery
from gis.layers import Layer
from gis.models import SRID
from gis.ogc import crs

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MIN_ZOOM = 0
MAX_ZOOM = 24  # WebMercatorQuad's last tile matrix
EXTENT = 4096
BUFFER = 64


@dataclass(frozen=True)
class Tile:
    data: bytes
    data_version: int  # the version the tile was read at (`gis.data_version`)


def check_tile(z: int, x: int, y: int) -> None:
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise InvalidQuery("z", f"z (tileMatrix) must be {MIN_ZOOM} to {MAX_ZOOM}.")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise InvalidQuery("tile", f"x (tileCol) and y (tileRow) must be 0 to {n - 1} at z={z}.")


def tiled_layers(layers: list[Layer], z: int) -> list[Layer]:
    """The layers a tile at zoom `z` carries: those whose minimum zoom it reaches."""
    return [layer for layer in layers if z >= layer.tile_minzoom]


def scale_denominator(z: int) -> float:
    """WebMercatorQuad's scale denominator at zoom `z` (0.28 mm pixels, at the equator)."""
    return 559082264.0287178 / (1 << z)


# A layer's features are encoded in id order, not in the order the plan's scan yields them:
# the ETag names the data version and the request, so the same tile must be the same bytes
# under every plan (custom or generic, on every worker and replica).
def _layer_sql(layer: Layer, rng: temporal.YearRange | None, params: dict, i: int) -> str:
    props = "".join(f", t.{p}" for p in layer.properties)
    life = "TRUE" if rng is None else temporal.life_in_range(layer, rng, params, f"l{i}_")
    return f"""
        (SELECT ST_AsMVT(m, '{layer.id}', {EXTENT}, 'geom', 'id' ORDER BY m.id) FROM (
            SELECT t.id{props},
                   ST_AsMVTGeom(ST_Transform({layer.geometry}, 3857), bounds.merc,
                                {EXTENT}, {BUFFER}, true) AS geom
            FROM {layer.source}, bounds
            WHERE {layer.geometry} && bounds.stored AND {life}
            OFFSET 0
        ) m WHERE m.geom IS NOT NULL)
    """


def bounds_params(z: int, x: int, y: int) -> dict:
    """The parameters of `BOUNDS_SQL` for tile z/x/y."""
    # The tile's box in UTM is the box of its edges taken there, cut into pieces first:
    # below z8 a tile's image in UTM is visibly curved (z0 is a quarter of the globe), above
    # it a tile is nearly a parallelogram and 8 pieces an edge keep the transform cheap.
    # Below z8 `pad` widens the box by an eighth of a piece for the chords' sag; above, the
    # tile's margin covers it many times (tests/api/test_globe_tiles.py checks both).
    pieces = 64 if z < 8 else 8
    piece = 2 * WORLD / (1 << z) / pieces
    return {
        "z": z,
        "x": x,
        "y": y,
        "margin": BUFFER / EXTENT,
        "piece": piece,
        "pad": piece / 8 if z < 8 else 0.0,
    }


WORLD = 20037508.342789244  # half the width of WebMercatorQuad, metres
# `merc`, the tile's envelope in EPSG:3857; `stored`, a box in the storage CRS holding the
# tile with its margin (NULL when the tile lies wholly outside `gis.crs.DOMAIN`).
# Computed once a tile (MATERIALIZED) from the bound values read through an `OFFSET 0`
# subquery, so no plan folds them: psycopg prepares the statement, and a custom plan that
# computed the envelope while planning came out cheaper than the generic plan by those
# functions' cost, so PostgreSQL planned every tile again (on the national stock most of a
# tile's database time). Now both cost the same and the generic plan is kept
# (tests/gis/test_tile_plans.py; figures in benchmarks/README.md).
BOUNDS_SQL = f"""
    bounds AS MATERIALIZED (
        SELECT ST_TileEnvelope(tile.z, tile.x, tile.y) AS merc,
               CASE WHEN ST_IsEmpty(clip.g) THEN NULL
                    ELSE ST_Expand(ST_Envelope(ST_Transform(ST_Segmentize(clip.g, tile.piece),
                                                            {SRID})), tile.pad) END AS stored
        FROM (SELECT CAST(:z AS integer) AS z, CAST(:x AS integer) AS x,
                     CAST(:y AS integer) AS y, CAST(:margin AS float8) AS margin,
                     CAST(:piece AS float8) AS piece, CAST(:pad AS float8) AS pad
              OFFSET 0) tile,
             LATERAL (SELECT ST_ClipByBox2D(
                          ST_TileEnvelope(tile.z, tile.x, tile.y, margin => tile.margin),
                          {crs.domain_box_sql(3857)}) AS g) clip
    )
"""


def tile_statement(
    layers: list[Layer], z: int, x: int, y: int, years: temporal.YearRange | None = None
) -> tuple[str, dict]:
    """The SQL and parameters of tile z/x/y: one statement, one bytea."""
    check_tile(z, x, y)
    params = bounds_params(z, x, y)
    parts = " || ".join(
        f"COALESCE({_layer_sql(layer, years, params, i)}, ''::bytea)"
        for i, layer in enumerate(tiled_layers(layers, z))
    )
    sql = f"""
        WITH {BOUNDS_SQL}
        SELECT {parts or "''::bytea"} AS data, {data_version.COLUMN_SQL} AS version
    """
    return sql, params


def tile(
    conn: Connection,
    layers: list[Layer],
    z: int,
    x: int,
    y: int,
    years: temporal.YearRange | None = None,
) -> Tile:
    """The MVT of `layers` in tile z/x/y (x: column, y: row from the top)."""
    sql, params = tile_statement(layers, z, x, y, years)
    row = conn.exec_driver_sql(driver_sql(sql, conn.dialect), params).one()
    return Tile(bytes(row.data or b""), row.version)


def vector_fields(layer: Layer) -> dict[str, str]:
    """TileJSON `fields`: each property's type, as MVT carries it."""
    names = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean"}
    return {p: names[t] for p, t in layer.property_types().items()}
