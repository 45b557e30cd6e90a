"""OGC API – Tiles: vector tiles of each collection and of all layers together, TileJSON.

Tiles are `/tiles/WebMercatorQuad/{z}/{x}/{y}` (x the column, y the row from the top), as
web maps write them; the OGC tileset metadata names the same places `{tileMatrix}/{tileCol}/
{tileRow}` and TileJSON `{z}/{x}/{y}`, so clients substituting by name get them right.
`datetime` selects the year(s) as for features. An empty tile is a 204 without a body.
A layer is in the tiles from its minimum zoom on (`Layer.tile_minzoom`: the footprints from
z13), which TileJSON's `vector_layers[].minzoom` and the tileset's `layers[].minTileMatrix`
and `maxScaleDenominator` declare; a collection's TileJSON `minzoom` is its layer's, so a map
never asks for its empty tiles below it.
Tiles and their metadata carry an ETag of the data version and the request (see
`api.caching.Validator`) and Cache-Control; a matching If-None-Match gets a 304 before
the tile is built. Each worker keeps the tiles it made, by the ETag's key and the data's
stamp (`gis.ogc.tile_cache`, `VOLLSMOSE_TILE_CACHE_MB`, 0 for none).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request, Response

from api.caching import Validator
from api.declared import document
from api.ogc.links import JSON, MVT, REL_TMS, json_response, link, url
from api.ogc.read import (
    CollectionDep,
    CollectionRead,
    CollectionReading,
    Read,
    ReadDatabase,
    Reading,
)
from gis import temporal
from gis.errors import NotFound
from gis.layers import LAYERS, Layer
from gis.ogc import features, params, tiles
from gis.ogc.crs import CRS84
from gis.ogc.tile_cache import TileCache

router = APIRouter(tags=["OGC API – Tiles"])

# Each route's query parameters, declared once (gis.ogc.params): parsed and checked before
# the route runs, and written into the API document (`document(router)`, below).
TileRead = Annotated[Read, Depends(Reading(params.TILE))]
CollectionTileRead = Annotated[CollectionRead, Depends(CollectionReading(params.TILE))]
TilesetRead = Annotated[Read, Depends(Reading(params.TILESET))]
CollectionTilesetRead = Annotated[CollectionRead, Depends(CollectionReading(params.TILESET))]
CONTENT_CRS = "<http://www.opengis.net/def/crs/EPSG/0/3857>"
EMPTY_TILE = (
    "Empty tile: no feature there, or a zoom below the minimum zoom of every layer asked for "
    "(TileJSON `minzoom`, the tileset's `layers[].minTileMatrix`)"
)
Z = Annotated[int, Path(description="Zoom level (tileMatrix)")]
X = Annotated[int, Path(description="Tile column (tileCol), from the left")]
Y = Annotated[int, Path(description="Tile row (tileRow), from the top")]

TILE_MATRIX_SET = {
    "id": tiles.TMS_ID,
    "title": "Google Maps Compatible for the World",
    "uri": tiles.TMS_URI,
    "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
    "orderedAxes": ["X", "Y"],
    "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
    "tileMatrices": [
        {
            "id": str(z),
            "scaleDenominator": tiles.scale_denominator(z),
            "cellSize": 156543.03392804097 / (1 << z),
            "cornerOfOrigin": "topLeft",
            "pointOfOrigin": [-20037508.3427892, 20037508.3427892],
            "tileWidth": 256,
            "tileHeight": 256,
            "matrixWidth": 1 << z,
            "matrixHeight": 1 << z,
        }
        for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1)
    ],
}


def _tile_cache(request: Request) -> TileCache:
    # One per app (so per worker, and per database in a process of several apps, as the
    # tests make), made on its first tile.
    state = request.app.state
    store = getattr(state, "tile_cache", None)
    if store is None:
        store = state.tile_cache = TileCache(state.settings.tile_cache_mb * 1024 * 1024)
    return store


async def _tile(
    request: Request,
    db: ReadDatabase,
    cache: Validator,
    layers: list[Layer],
    z: int,
    x: int,
    y: int,
    years: temporal.YearRange | None,
) -> Response:
    tiles.check_tile(z, x, y)
    store = _tile_cache(request)
    hit, tile = await db.read_unless_held(
        cache.revalidate, store.tile, cache.key, layers, z, x, y, years
    )
    if hit is not None:
        hit.headers["Content-Crs"] = CONTENT_CRS
        return hit
    cache.seal(tile.data_version)
    headers = {**cache.headers, "Content-Crs": CONTENT_CRS}
    if not tile.data:
        return Response(status_code=204, headers=headers)
    return Response(tile.data, media_type=MVT, headers=headers)


async def _tilejson_response(
    request: Request,
    db: ReadDatabase,
    cache: Validator,
    prefix: str,
    layers: list[Layer],
    name: str,
) -> Response:
    hit, extents = await db.read_unless_held(cache.not_modified, features.extents, layers)
    if hit is not None:
        return hit
    return cache.finish(json_response(_tilejson(request, extents, prefix, layers, name)))


def _query(request: Request) -> str:
    # What selects the tiles' content travels into the tile URLs a tileset names, so a map
    # that follows them shows the year, scenario and recorded time it asked the tileset for.
    given = ((k, request.query_params.get(k)) for k in ("datetime", "scenario", "recorded"))
    kept = {k: v for k, v in given if v}
    return "?" + urlencode(kept) if kept else ""


def _tileset(request: Request, prefix: str, layers: list[Layer], title: str) -> dict:
    template = f"{url(request, prefix)}/tiles/{tiles.TMS_ID}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}"
    return {
        "title": title,
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": tiles.TMS_URI,
        "links": [
            link(f"{url(request, prefix)}/tiles/{tiles.TMS_ID}", "self", JSON, "This tileset"),
            link(url(request, f"/tileMatrixSets/{tiles.TMS_ID}"), REL_TMS, JSON, tiles.TMS_ID),
            {**link(template + _query(request), "item", MVT, "A tile"), "templated": True},
            link(
                f"{url(request, prefix)}/tiles/{tiles.TMS_ID}/tilejson.json" + _query(request),
                "describedby",
                JSON,
                "TileJSON",
            ),
        ],
        "layers": [
            {
                "id": layer.id,
                "title": layer.title,
                "dataType": "vector",
                "geometryDimension": {"Point": 0, "MultiLineString": 1}.get(layer.geometry_type, 2),
                # The tile matrices that carry the layer (2D-TMS 2.0 geospatialData).
                "minTileMatrix": str(layer.tile_minzoom),
                "maxTileMatrix": str(tiles.MAX_ZOOM),
                "maxScaleDenominator": tiles.scale_denominator(layer.tile_minzoom),
                "minScaleDenominator": tiles.scale_denominator(tiles.MAX_ZOOM),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {p: {"type": t} for p, t in layer.property_types().items()},
                },
            }
            for layer in layers
        ],
    }


def _tilesets_list(request: Request, prefix: str, title: str) -> dict:
    return {
        "tilesets": [
            {
                "title": title,
                "dataType": "vector",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                "tileMatrixSetURI": tiles.TMS_URI,
                "links": [
                    link(f"{url(request, prefix)}/tiles/{tiles.TMS_ID}", "self", JSON, title),
                    link(url(request, f"/tileMatrixSets/{tiles.TMS_ID}"), REL_TMS, JSON),
                ],
            }
        ],
        "links": [link(f"{url(request, prefix)}/tiles", "self", JSON, "Tilesets")],
    }


def _tilejson(
    request: Request,
    extents: dict[str, features.Extent],
    prefix: str,
    layers: list[Layer],
    name: str,
) -> dict:
    boxes = [e.bbox_crs84 for e in extents.values() if e.bbox_crs84]
    bounds = (
        [
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ]
        if boxes
        else [-180, -85.05, 180, 85.05]
    )
    template = f"{url(request, prefix)}/tiles/{tiles.TMS_ID}/{{z}}/{{x}}/{{y}}" + _query(request)
    return {
        "tilejson": "3.0.0",
        "name": name,
        "scheme": "xyz",
        "tiles": [template],
        # The lowest zoom at which any of the layers is in the tiles: below it all are empty.
        "minzoom": min(layer.tile_minzoom for layer in layers),
        "maxzoom": tiles.MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 14],
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title,
                "fields": tiles.vector_fields(layer),
                "minzoom": layer.tile_minzoom,
                "maxzoom": tiles.MAX_ZOOM,
            }
            for layer in layers
        ],
        "attribution": "Fremtidens Vollsmose (reference layout, not surveyed)",
        "crs": CRS84.uri,
    }


@router.get("/tileMatrixSets", summary="Tile matrix sets")
async def tile_matrix_sets(request: Request) -> Response:
    return json_response(
        {
            "tileMatrixSets": [
                {
                    "id": tiles.TMS_ID,
                    "title": TILE_MATRIX_SET["title"],
                    "uri": tiles.TMS_URI,
                    "links": [link(url(request, f"/tileMatrixSets/{tiles.TMS_ID}"), "self", JSON)],
                }
            ]
        }
    )


@router.get("/tileMatrixSets/{tms}", summary="A tile matrix set")
async def tile_matrix_set(tms: str) -> Response:
    if tms != tiles.TMS_ID:
        raise NotFound("tile matrix set", tms)
    return json_response(TILE_MATRIX_SET)


def _check_tms(tms: str) -> None:
    if tms != tiles.TMS_ID:
        raise NotFound("tile matrix set", tms)


# All layers together.


@router.get("/tiles", summary="Vector tilesets of all layers")
async def all_tilesets(request: Request) -> Response:
    return json_response(_tilesets_list(request, "", "All layers"))


@router.get("/tiles/{tms}", summary="Tileset metadata, all layers")
async def all_tileset(request: Request, tms: str, read: TilesetRead) -> Response:
    _check_tms(tms)
    if (hit := await read.db.run(read.cache.not_modified)) is not None:
        return hit
    return read.cache.finish(
        json_response(_tileset(request, "", list(LAYERS.values()), "All layers"))
    )


@router.get("/tiles/{tms}/tilejson.json", summary="TileJSON, all layers")
async def all_tilejson(request: Request, tms: str, read: TileRead) -> Response:
    _check_tms(tms)
    layers = list(LAYERS.values())
    return await _tilejson_response(request, read.db, read.cache, "", layers, "vollsmose")


@router.get(
    "/tiles/{tms}/{z}/{x}/{y}",
    summary="A vector tile of all layers (one MVT layer per collection)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}, 204: {"description": EMPTY_TILE}},
)
async def all_tile(request: Request, tms: str, z: Z, x: X, y: Y, read: TileRead) -> Response:
    _check_tms(tms)
    years = read.args.get("datetime")
    return await _tile(request, read.db, read.cache, list(LAYERS.values()), z, x, y, years)


# One collection.


@router.get("/collections/{collection_id}/tiles", summary="Vector tilesets of a collection")
async def tilesets(request: Request, layer: CollectionDep) -> Response:
    return json_response(_tilesets_list(request, f"/collections/{layer.id}", layer.title))


@router.get("/collections/{collection_id}/tiles/{tms}", summary="Tileset metadata")
async def tileset(request: Request, read: CollectionTilesetRead, tms: str) -> Response:
    layer, db, cache = read.collection, read.db, read.cache
    _check_tms(tms)
    if (hit := await db.run(cache.not_modified)) is not None:
        return hit
    doc = _tileset(request, f"/collections/{layer.id}", [layer], layer.title)
    return cache.finish(json_response(doc))


@router.get("/collections/{collection_id}/tiles/{tms}/tilejson.json", summary="TileJSON")
async def tilejson(request: Request, read: CollectionTileRead, tms: str) -> Response:
    layer, db, cache = read.collection, read.db, read.cache
    _check_tms(tms)
    prefix = f"/collections/{layer.id}"
    return await _tilejson_response(request, db, cache, prefix, [layer], layer.id)


@router.get(
    "/collections/{collection_id}/tiles/{tms}/{z}/{x}/{y}",
    summary="A vector tile of a collection",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}, 204: {"description": EMPTY_TILE}},
)
async def collection_tile(
    request: Request, read: CollectionTileRead, tms: str, z: Z, x: X, y: Y
) -> Response:
    _check_tms(tms)
    years = read.args.get("datetime")
    return await _tile(request, read.db, read.cache, [read.collection], z, x, y, years)


document(router)
