"""OGC API – Features, Parts 1 (core), 2 (CRS by reference) and 3 (filtering), at `/`.

Thin: parameters are checked by `gis.ogc.features.ItemsQuery`, features come from PostGIS as
GeoJSON text (`gis.ogc.features`), and this module adds the links and picks the format.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.caching import Validator
from api.declared import document
from api.ogc import html as ogc_html
from api.ogc.links import (
    CSV,
    GEOJSON,
    GPKG,
    HTML,
    JSON,
    OPENAPI,
    REL_CONFORMANCE,
    REL_DATA,
    REL_QUERYABLES,
    REL_TILESETS,
    SCHEMA,
    base_url,
    json_response,
    link,
    output_format,
    self_links,
    url,
)
from api.ogc.openapi import openapi_document
from api.ogc.read import CollectionRead, CollectionReading, Read, ReadDatabase, Reading
from gis import feature_files, record
from gis.layers import LAYERS, Layer
from gis.ogc import features, params
from gis.ogc.crs import CRS84, SUPPORTED
from gis.ogc.queryables import feature_schema, queryables_schema

router = APIRouter(tags=["OGC API – Features"])

# Each route's query parameters, declared once (gis.ogc.params): parsed and checked before
# the route runs, and written into the API document (`document(router)`, below).
DocumentRead = Annotated[Read, Depends(Reading(params.DOCUMENT))]
CollectionDocumentRead = Annotated[CollectionRead, Depends(CollectionReading(params.DOCUMENT))]
ItemsRead = Annotated[
    CollectionRead, Depends(CollectionReading(features.ITEMS, features.items_parameters))
]
ItemRead = Annotated[CollectionRead, Depends(CollectionReading(features.ITEM))]

TITLE = "Fremtidens Vollsmose – OGC API"
DESCRIPTION = (
    "The layers of the Vollsmose transformation plan (areas, quarters, parcels, buildings, "
    "roads, letbane line 2 and stops, facilities) as OGC API – Features and vector tiles. "
    "Stored in EPSG:25832. Time is year-granular: `datetime` selects the state of a year "
    "(as of 1 January), an instant stands for its year. The bundled data is an approximate "
    "reference layout, not surveyed data."
)
_F = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL = "http://www.opengis.net/spec/cql2/1.0/conf/"
_T = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
_F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
CONFORMANCE = [
    _F + "core",
    _F + "oas30",
    _F + "html",
    _F + "geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    _F3 + "queryables",
    _F3 + "queryables-query-parameters",
    _F3 + "filter",
    _F3 + "features-filter",
    # CQL2 (gis/ogc/cql2.py): every class but `functions` (the platform declares no custom
    # functions); tests/gis/test_cql2_*.py hold OGC's examples and each function's test.
    _CQL + "cql2-text",
    _CQL + "cql2-json",
    _CQL + "basic-cql2",
    _CQL + "advanced-comparison-operators",
    _CQL + "case-insensitive-comparison",
    _CQL + "accent-insensitive-comparison",
    _CQL + "basic-spatial-functions",
    _CQL + "basic-spatial-functions-plus",
    _CQL + "spatial-functions",
    _CQL + "temporal-functions",
    _CQL + "array-functions",
    _CQL + "property-property",
    _CQL + "arithmetic",
    # Part 4 (api/ogc/edit.py): POST, PUT, DELETE, PATCH (merge patch) on the items
    # of the plan's layers, each guarded by the item's ETag (If-Match).
    _F4 + "create-replace-delete",
    _F4 + "update",
    _F4 + "features",
    _F4 + "optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    _T + "core",
    _T + "tileset",
    _T + "tilesets-list",
    _T + "geodata-tilesets",
    _T + "dataset-tilesets",
    _T + "mvt",
]
CRS_URIS = [c.uri for c in SUPPORTED]


def _html(body: str) -> HTMLResponse:
    return HTMLResponse(body)


@router.get("/", summary="Landing page")
async def landing(request: Request) -> Response:
    fmt = output_format(request)
    doc = {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            *self_links(request, "/", fmt),
            link(url(request, "/api"), "service-desc", OPENAPI, "The API definition"),
            link(url(request, "/docs"), "service-doc", HTML, "The API documentation"),
            link(url(request, "/conformance"), "conformance", JSON, "Conformance classes"),
            link(url(request, "/conformance"), REL_CONFORMANCE, JSON, "Conformance classes"),
            link(url(request, "/collections"), "data", JSON, "The collections"),
            link(url(request, "/collections"), REL_DATA, JSON, "The collections"),
            link(url(request, "/tiles"), REL_TILESETS, JSON, "Vector tiles of all layers"),
            link(url(request, "/kort"), "related", HTML, "The map viewer"),
        ],
    }
    if fmt == "html":
        return _html(ogc_html.landing(doc))
    return json_response(doc)


@router.get("/conformance", summary="Conformance classes")
async def conformance(request: Request) -> Response:
    doc = {"conformsTo": CONFORMANCE}
    if output_format(request) == "html":
        return _html(ogc_html.conformance(doc))
    return json_response(doc)


@router.get("/api", summary="The API definition (OpenAPI 3.0)", include_in_schema=False)
def api_definition(request: Request) -> Response:
    return json_response(openapi_document(request.app), OPENAPI)


def _collection_doc(request: Request, layer: Layer, extent: features.Extent | None) -> dict:
    base = f"/collections/{layer.id}"
    doc = {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "crs": CRS_URIS,
        "storageCrs": features.STORAGE.uri,
        "links": [
            link(url(request, base), "self", JSON, "This collection"),
            link(url(request, base, f="html"), "alternate", HTML, "This collection as HTML"),
            link(url(request, base + "/items"), "items", GEOJSON, "The features"),
            link(url(request, base + "/items", f="html"), "items", HTML, "The features as HTML"),
            link(url(request, base + "/items", f="csv"), "items", "text/csv", "As CSV"),
            link(url(request, base + "/items", f="gpkg"), "items", GPKG, "As GeoPackage"),
            link(url(request, base + "/queryables"), REL_QUERYABLES, SCHEMA, "Queryables"),
            # GDAL finds the queryables by the draft's short rel only.
            link(url(request, base + "/queryables"), "queryables", SCHEMA, "Queryables"),
            # GDAL types its fields from this schema (it looks for `describedby`).
            link(url(request, base + "/schema"), "describedby", SCHEMA, "Schema of the features"),
            link(url(request, base + "/schema"), "describedBy", SCHEMA, "Schema (GDAL < 3.7)"),
            link(url(request, base + "/tiles"), REL_TILESETS, JSON, "Vector tiles"),
        ],
    }
    if extent is not None:
        ext: dict = {}
        if extent.bbox_crs84:
            ext["spatial"] = {"bbox": [extent.bbox_crs84], "crs": CRS84.uri}
            doc["storageCrsBbox"] = [extent.bbox_storage]
        if extent.years is not None:
            first, last = extent.years
            ext["temporal"] = {
                "interval": [
                    [
                        None if first is None else f"{first}-01-01T00:00:00Z",
                        None if last is None else f"{last}-12-31T23:59:59Z",
                    ]
                ],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
        doc["extent"] = ext
    return doc


@router.get("/collections", summary="The collections (layers)")
async def collections(request: Request, read: DocumentRead) -> Response:
    db, cache = read.db, read.cache
    layers = list(LAYERS.values())
    hit, extents = await db.read_unless_held(cache.not_modified, features.extents, layers)
    if hit is not None:
        return hit
    doc = {
        "links": self_links(request, "/collections", read.format),
        "crs": CRS_URIS,
        "collections": [_collection_doc(request, lay, extents.get(lay.id)) for lay in layers],
    }
    if read.format == "html":
        return cache.finish(_html(ogc_html.collections(doc)))
    return cache.finish(json_response(doc))


@router.get("/collections/{collection_id}", summary="One collection")
async def collection(request: Request, read: CollectionDocumentRead) -> Response:
    layer, db, cache = read.collection, read.db, read.cache
    hit, extents = await db.read_unless_held(cache.not_modified, features.extents, [layer])
    if hit is not None:
        return hit
    doc = _collection_doc(request, layer, extents.get(layer.id))
    if read.format == "html":
        return cache.finish(_html(ogc_html.collection(doc)))
    return cache.finish(json_response(doc))


@router.get("/collections/{collection_id}/queryables", summary="What a filter may use")
async def queryables(request: Request, read: CollectionDocumentRead) -> Response:
    layer, db, cache = read.layer, read.db, read.cache
    if (hit := await db.run(cache.not_modified)) is not None:
        return hit
    doc = queryables_schema(layer)
    doc["$id"] = url(request, f"/collections/{layer.id}/queryables")
    # GDAL (3.6 to 3.12) takes the properties a `cql-text` filter may name from the
    # pre-2021 draft's `queryables` list (and from the OpenAPI document, which never names
    # a confidential one): without it, a `-where` on a sale date ran on the client. An
    # unknown keyword to JSON Schema.
    doc["queryables"] = [{"id": name} for name, spec in doc["properties"].items() if "type" in spec]
    if read.format == "html":
        return cache.finish(_html(ogc_html.queryables(doc)))
    # GDAL asks for JSON only, and takes nothing else (the answer varies on Accept).
    accept = request.headers.get("accept", "")
    media_type = (
        JSON if "json" in accept and SCHEMA not in accept and "*/*" not in accept else SCHEMA
    )
    return cache.finish(json_response(doc, media_type))


@router.get("/collections/{collection_id}/schema", summary="Schema of the features")
async def schema(request: Request, read: CollectionDocumentRead) -> Response:
    layer, db, cache = read.layer, read.db, read.cache
    if (hit := await db.run(cache.not_modified)) is not None:
        return hit
    doc = feature_schema(layer)
    doc["$id"] = url(request, f"/collections/{layer.id}/schema")
    if read.format == "html":
        return cache.finish(_html(ogc_html.schema(doc)))
    return cache.finish(json_response(doc, SCHEMA))


def _page_url(request: Request, fmt: str, **changes: int | str | None) -> str:
    """This request's URL in format `fmt` with `changes` made (None removes a parameter)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = str(value)
    params["f"] = fmt
    return f"{base_url(request)}{request.url.path}?{urlencode(params)}"


def _next_url(request: Request, fmt: str, cursor: str) -> str:
    # By cursor from an offset page too: the rest of the walk is keyset paging.
    return _page_url(request, fmt, cursor=cursor, offset=None)


def _items_links(
    request: Request, layer: Layer, q: features.ItemsQuery, page, fmt: str
) -> list[dict]:
    types = {"json": GEOJSON, "html": HTML, "csv": "text/csv", "gpkg": GPKG}
    links = [link(_page_url(request, fmt), "self", types[fmt], "This page")]
    links += [
        link(_page_url(request, other), "alternate", types[other], f"This page as {other}")
        for other in ("json", "html")
        if other != fmt
    ]
    if page.next_cursor is not None:
        links.append(link(_next_url(request, fmt, page.next_cursor), "next", types[fmt]))
    if q.offset > 0:  # a keyset page has no prev: its cursor looks forward only
        prev = max(q.offset - q.limit, 0)
        links.append(link(_page_url(request, fmt, offset=prev), "prev", types[fmt]))
    links.append(link(url(request, f"/collections/{layer.id}"), "collection", JSON, layer.title))
    base = f"/collections/{layer.id}"
    links.append(link(url(request, base + "/queryables"), REL_QUERYABLES, SCHEMA, "Queryables"))
    links.append(link(url(request, base + "/schema"), "describedby", SCHEMA, "Schema"))
    return links


def link_header(links: list[dict]) -> str:
    """The links as an RFC 8288 `Link` header (OGC API – Features Part 3 finds the
    queryables of a resource there): href, rel and type; titles stay in the body."""
    return ", ".join(f'<{x["href"]}>; rel="{x["rel"]}"; type="{x["type"]}"' for x in links)


async def _items_file(
    request: Request,
    layer: Layer,
    db: ReadDatabase,
    cache: Validator,
    q: features.ItemsQuery,
    fmt: str,
) -> Response:
    # Files read the version first: their rows come from a statement of their own.
    hit, found = await db.read_unless_held(cache.not_modified, features.rows, layer, q)
    if hit is not None:
        hit.headers["Content-Crs"] = q.crs.header
        return hit
    headers = {"Content-Crs": q.crs.header, **cache.headers}
    if found.next_cursor is not None:
        headers["Link"] = f'<{_next_url(request, fmt, found.next_cursor)}>; rel="next"'
    headers["Content-Disposition"] = f'attachment; filename="{layer.id}.{fmt}"'
    # Writing up to MAX_LIMIT features to a file takes a while: off the event loop.
    if fmt == "csv":
        body = await run_in_threadpool(feature_files.to_csv, found)
        return Response(body, media_type=CSV, headers=headers)
    body = await run_in_threadpool(feature_files.to_gpkg, found, layer.id)
    return Response(body, media_type=GPKG, headers=headers)


@router.get(
    "/collections/{collection_id}/items",
    summary="Features of a collection",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}, HTML: {}, "text/csv": {}, GPKG: {}}}},
)
async def items(request: Request, read: ItemsRead) -> Response:
    layer, db, cache = read.layer, read.db, read.cache
    fmt = read.format
    is_file = fmt in ("csv", "gpkg")
    q = features.ItemsQuery.from_args(
        layer,
        read.args,
        default_limit=features.MAX_LIMIT if is_file else features.DEFAULT_LIMIT,
    )
    if is_file:
        return await _items_file(request, layer, db, cache, q, fmt)
    # A page reads the version in its own statement: no round trip unless revalidating.
    hit, page = await db.read_unless_held(cache.revalidate, features.items, layer, q)
    if hit is not None:
        hit.headers["Content-Crs"] = q.crs.header
        return hit
    cache.seal(page.data_version)
    links = _items_links(request, layer, q, page, fmt)
    headers = {"Content-Crs": q.crs.header, "Link": link_header(links), **cache.headers}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tail = {"numberReturned": page.number_returned, "timeStamp": stamp, "links": links}
    if page.number_matched is not None:
        # An estimate where counting would be slow (gis.ogc.features; count=exact counts).
        tail["numberMatched"] = page.number_matched
        tail["numberMatchedExact"] = page.number_matched_exact
    if fmt == "html":
        doc = {"features": json.loads(f"[{page.features}]"), **tail}
        item_href = lambda fid: url(request, f"/collections/{layer.id}/items/{fid}", f="html")  # noqa: E731
        action = url(request, f"/collections/{layer.id}/items")
        form = ogc_html.query_form(action, _form(request, layer))
        body = await run_in_threadpool(ogc_html.items, layer.title, doc, item_href, form)
        return HTMLResponse(body, headers=headers)
    # The features are GeoJSON text from PostGIS; they are not parsed again here.
    extra = json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:]
    body = '{"type":"FeatureCollection","features":[' + page.features + "]," + extra
    return Response(body, media_type=GEOJSON, headers=headers)


# Not in the form: the format (the form asks for HTML) and the cursor (a `next` link's).
_NOT_IN_FORM = ("f", "cursor")


def _form(request: Request, layer: Layer) -> list[dict]:
    """The items query form's fields, from the declaration, holding what this page asked."""
    given = request.query_params
    declared = features.items_parameters(layer).params
    return [p.form(given.get(p.name)) for p in declared if p.name not in _NOT_IN_FORM]


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}, HTML: {}}}},
)
async def item(request: Request, read: ItemRead, feature_id: str) -> Response:
    layer, db, cache = read.layer, read.db, read.cache
    fmt = read.format
    crs = read.args.get("crs", CRS84)
    if features.versioned_table(layer) is None:
        hit, found = await db.read_unless_held(
            cache.not_modified, features.item, layer, feature_id, crs
        )
    else:
        # The ETag of an item is its version as the reader reads it (gis.record.version_tag),
        # the one a write's If-Match names: the same in every format and CRS a client edits
        # from.
        scenario = read.args.get("scenario", record.ADOPTED)
        found, tag = await db.run(
            features.tagged_item, layer, feature_id, crs, scenario, read.reader
        )
        hit = cache.hold(tag)
    if hit is not None:
        hit.headers["Content-Crs"] = crs.header
        return hit
    headers = {"Content-Crs": crs.header, **cache.headers}
    path = f"/collections/{layer.id}/items/{feature_id}"
    links = [
        *self_links(request, path, fmt, GEOJSON),
        link(url(request, f"/collections/{layer.id}"), "collection", JSON, layer.title),
    ]
    if fmt == "html":
        return HTMLResponse(ogc_html.item(layer.title, json.loads(found), links), headers=headers)
    body = found[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
    return Response(body, media_type=GEOJSON, headers=headers)


document(router)
