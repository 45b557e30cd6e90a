"""The API definition served at `/api`: FastAPI's OpenAPI document, plus what OGC clients read.

GDAL and QGIS look for the `limit` parameter (its default and maximum) under
`components/parameters`, and QGIS learns a collection's property filters (Part 1
"queryables as query parameters") from the parameters of `/collections/{name}/items`, so
every collection gets its own items path here.
"""

from __future__ import annotations

import copy

from fastapi import FastAPI

from gis import features
from gis.crs import CRS84, SUPPORTED
from gis.editing.specs import SPECS
from gis.layers import LAYERS

GEOJSON = "application/geo+json"


def _param(name: str, schema: dict, description: str, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": schema,
        "description": description,
        **extra,
    }


CRS_ENUM = [c.uri for c in SUPPORTED]
PARAMETERS = {
    "limit": _param(
        "limit",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": features.MAX_LIMIT,
            "default": features.DEFAULT_LIMIT,
        },
        f"Features per page: default {features.DEFAULT_LIMIT}, at most {features.MAX_LIMIT} "
        "(CSV and GeoPackage: default the maximum). Follow `next` links for more.",
    ),
    "offset": _param("offset", {"type": "integer", "minimum": 0, "default": 0}, "Paging."),
    "bbox": _param(
        "bbox",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "Bounding box in bbox-crs (default CRS84), in that CRS's axis order.",
    ),
    "bbox-crs": _param("bbox-crs", {"type": "string", "enum": CRS_ENUM}, "CRS of bbox."),
    "crs": _param("crs", {"type": "string", "enum": CRS_ENUM, "default": CRS84.uri}, "Output CRS."),
    "datetime": _param(
        "datetime",
        {"type": "string"},
        "An instant (2025-06-01, 2025-06-01T00:00:00Z, or a year 2030 = 1 January 2030) or "
        "an interval (2024-01-01/2027-12-31, open ends as '..'). Year-granular: an instant "
        "selects the state of its year (as of 1 January); an interval selects features "
        "present in any of its years.",
    ),
    "filter": _param("filter", {"type": "string"}, "A CQL2 filter (see the queryables)."),
    "filter-lang": _param(
        "filter-lang",
        {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
        "Encoding of filter.",
    ),
    "filter-crs": _param(
        "filter-crs", {"type": "string", "enum": CRS_ENUM}, "CRS of geometries in filter."
    ),
    "sortby": _param("sortby", {"type": "string"}, "Comma-separated properties, -desc."),
    "properties": _param("properties", {"type": "string"}, "Comma-separated properties."),
    "skipGeometry": _param("skipGeometry", {"type": "boolean"}, "Leave out geometries."),
    "f": _param("f", {"type": "string", "enum": ["json", "html", "csv", "gpkg"]}, "Output format."),
    "scenario": _param(
        "scenario",
        {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "default": "vedtaget"},
        "The scenario to answer (its slug): `vedtaget`, the adopted plan, by default.",
    ),
    "recorded": _param(
        "recorded",
        {"type": "string"},
        "The plan as recorded at this time: an RFC 3339 date-time, or a date (the end of "
        "that day, Danish time). Default: now.",
    ),
}


def openapi_document(app: FastAPI) -> dict:
    doc = copy.deepcopy(app.openapi())
    components = doc.setdefault("components", {})
    components.setdefault("parameters", {}).update(PARAMETERS)
    refs = [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS]
    for layer in LAYERS.values():
        simple = [
            _param(name, {"type": kind}, f"Features whose {name} equals this value.")
            for name, kind in layer.property_types().items()
        ]
        # Only the GET is written here: other methods of the path (the writes) stay as
        # FastAPI documents them.
        doc["paths"].setdefault(f"/collections/{layer.id}/items", {})["get"] = {
            "summary": f"Features of {layer.title}",
            "operationId": f"getFeatures_{layer.id}",
            "tags": ["OGC API – Features"],
            "parameters": refs + simple,
            "responses": {
                "200": {"description": "The features", "content": {GEOJSON: {}}},
                "400": {"description": "A parameter that cannot be honoured"},
            },
        }
        if layer.id in SPECS:
            _write_operations(doc, layer.id, layer.title)
    return doc


def _write_operations(doc: dict, layer_id: str, title: str) -> None:
    """Part 4's operations on each editable layer's own paths: FastAPI lists them on the
    generic `{collection_id}` paths only, and clients read a layer's paths."""
    feature = {"content": {GEOJSON: {"schema": {"type": "object"}}}, "required": True}
    patch = {"content": {"application/merge-patch+json": {"schema": {"type": "object"}}}}
    if_match = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}}
    scenario = {"$ref": "#/components/parameters/scenario"}
    note = {"name": "note", "in": "query", "required": False, "schema": {"type": "string"}}
    fid = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer"}}
    errors = {
        "401": {"description": "No valid token"},
        "403": {"description": "The role may not edit this"},
        "422": {"description": "An invalid geometry or property, named in `errors`"},
    }
    item_errors = {
        **errors,
        "404": {"description": "No such feature"},
        "412": {"description": "If-Match names another version"},
        "428": {"description": "If-Match is required"},
    }
    tag = ["OGC API – Features – Part 4"]
    doc["paths"][f"/collections/{layer_id}/items"]["post"] = {
        "summary": f"Add a feature to {title}",
        "operationId": f"createFeature_{layer_id}",
        "tags": tag,
        "parameters": [scenario, note],
        "requestBody": feature,
        "responses": {"201": {"description": "Created; Location and ETag"}, **errors},
    }
    written = {"200": {"description": "The feature and its new ETag"}, **item_errors}
    item = doc["paths"].setdefault(f"/collections/{layer_id}/items/{{featureId}}", {})
    common = {"tags": tag, "parameters": [fid, if_match, scenario, note]}
    item["put"] = {
        "summary": f"Replace a feature of {title}",
        "operationId": f"replaceFeature_{layer_id}",
        "requestBody": feature,
        "responses": written,
        **common,
    }
    item["patch"] = {
        "summary": f"Update a feature of {title} (JSON merge patch)",
        "operationId": f"updateFeature_{layer_id}",
        "requestBody": patch,
        "responses": written,
        **common,
    }
    item["delete"] = {
        "summary": f"Delete a feature of {title}",
        "operationId": f"deleteFeature_{layer_id}",
        "responses": {"204": {"description": "Deleted"}, **item_errors},
        **common,
    }
