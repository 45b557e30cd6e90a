"""The API definition served at `/api`: FastAPI's OpenAPI document, plus what OGC clients read.

GDAL and QGIS look for the `limit` parameter (its default and maximum) under
`components/parameters`, and QGIS learns a collection's property filters (Part 1
"queryables as query parameters") from the parameters of `/collections/{name}/items`, so
every collection gets its own items path here.
"""

from __future__ import annotations

import copy

from fastapi import FastAPI

from api.errors import PROBLEM_SCHEMA, READ_ERRORS, WRITE_ERRORS
from gis.editing.specs import SPECS
from gis.layers import LAYERS
from gis.ogc import features

GEOJSON = "application/geo+json"


# GDAL and QGIS read the items parameters (limit's default and maximum) here, under
# `components/parameters`; each from its one declaration (gis.ogc.features.ITEMS).
PARAMETERS = {p.name: p.openapi() for p in features.ITEMS.params}


def openapi_document(app: FastAPI) -> dict:
    """The document OGC clients read at `/api`: OpenAPI 3.0 (what OGC API – Features 1.0's
    `oas30` class, GDAL and the OGC test suites ask for), with a path per collection.

    Made once per app (it depends on nothing a request says): building it took ~90 ms,
    and GDAL asks for it on every dataset it opens."""
    made = getattr(app.state, "ogc_openapi", None)
    if made is None:
        made = app.state.ogc_openapi = _openapi_document(app)
    return made


def _openapi_document(app: FastAPI) -> dict:
    doc = copy.deepcopy(app.openapi())
    refs = [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS]
    for layer in LAYERS.values():
        # The layer's queryables as property filters, as the public may use them.
        simple = [
            p.openapi() for p in features.items_parameters(layer).params if p.name not in PARAMETERS
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
    return openapi_30(complete(doc))


def _declare_parameters(doc: dict) -> None:
    doc.setdefault("components", {}).setdefault("parameters", {}).update(copy.deepcopy(PARAMETERS))


def openapi_30(doc: dict) -> dict:
    """The document as OpenAPI 3.0.3: FastAPI writes 3.1, whose JSON Schema 2020-12 forms
    3.0 spells otherwise. Only the forms the app's document has: `anyOf` with a null
    alternative and a `type` list are `nullable`, schema `examples` are an `example`."""

    def walk(node):
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        node = {k: walk(v) for k, v in node.items()}
        for key in ("anyOf", "oneOf"):
            options = node.get(key)
            if isinstance(options, list) and {"type": "null"} in options:
                rest = [o for o in options if o != {"type": "null"}]
                del node[key]
                node["nullable"] = True
                if len(rest) == 1 and "$ref" not in rest[0]:
                    node = {**rest[0], **node}
                elif rest:
                    node[key if len(rest) > 1 else "allOf"] = rest
        kind = node.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            if len(kinds) < len(kind):
                node["nullable"] = True
            if len(kinds) == 1:
                node["type"] = kinds[0]
            else:
                del node["type"]
                node["anyOf"] = [{"type": k} for k in kinds]
        if isinstance(node.get("examples"), list) and "schema" not in node:
            examples = node.pop("examples")
            if examples:
                node["example"] = examples[0]
        return node

    out = walk(doc)
    out["openapi"] = "3.0.3"
    return out


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
        "responses": {
            "201": {
                "description": "Created; Location and ETag",
                "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/Feature"}}},
            },
            **errors,
        },
    }
    written = {
        "200": {
            "description": "The feature and its new ETag",
            "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/Feature"}}},
        },
        **item_errors,
    }
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


# ---------------------------------------------------------------------------------------------
# Every operation's responses: each status it can answer, with the media types it answers in
# and a schema for each. FastAPI documents what a route declares; many routes return a
# Response of their own making, which it can only guess at (`application/json`, no schema),
# and it lists none of the errors the app's one error mapping (api/errors.py) answers.

BINARY = {"type": "string", "format": "binary"}
TEXT = {"type": "string"}
_LINK = {
    "type": "object",
    "required": ["href"],
    "properties": {"href": {"type": "string"}, "rel": {"type": "string"}},
}
# Shapes of the OGC documents and others that routes build by hand, under components.
SCHEMAS: dict[str, dict] = {
    "Problem": PROBLEM_SCHEMA,
    "Link": _LINK,
    "Document": {
        "description": "A JSON document (its fields are described with the operation).",
        "type": "object",
    },
    "FeatureCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    },
    "Feature": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": ["string", "integer"]},
            "geometry": {"type": ["object", "null"]},
            "properties": {"type": ["object", "null"]},
        },
    },
    "LandingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    },
    "Conformance": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
    },
    "Collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            "collections": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Collection"},
            },
        },
    },
    "Collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# The JSON shape of a success, by path, where a route builds it by hand: the rest are a
# `Document` (a JSON object).
SUCCESS: dict[str, str] = {
    "/": "LandingPage",
    "/conformance": "Conformance",
    "/collections": "Collections",
    "/collections/{collection_id}": "Collection",
    "/collections/{collection_id}/items": "FeatureCollection",
    "/collections/{collection_id}/items/{feature_id}": "Feature",
    "/collections/{collection_id}/items/{feature_id}/history/{change_id}/restore": "Feature",
    "/land/sellable": "FeatureCollection",
    "/criteria/areas": "FeatureCollection",
    "/kort/lag/{layer}.geojson": "FeatureCollection",
    "/areas/{area}/replacement-dwellings": "FeatureCollection",
}
for _layer in LAYERS:
    SUCCESS[f"/collections/{_layer}/items"] = "FeatureCollection"
    SUCCESS[f"/collections/{_layer}/items/{{featureId}}"] = "Feature"

# Media types a route answers beside what it declares: `f=html` on the OGC documents,
# an image where FastAPI guessed JSON.
ALSO: dict[str, tuple[str, ...]] = {
    "/": ("text/html",),
    "/conformance": ("text/html",),
    "/collections": ("text/html",),
    "/collections/{collection_id}": ("text/html",),
}
INSTEAD: dict[str, tuple[str, ...]] = {
    "/kort/overlays/{overlay}.png": ("image/png",),
    "/criteria/areas": ("application/geo+json",),
    "/kort/lag/{layer}.geojson": ("application/geo+json",),
    "/areas/{area}/replacement-dwellings": ("application/geo+json",),
    "/collections/{collection_id}/queryables": (
        "application/schema+json",
        "application/json",
        "text/html",
    ),
    "/collections/{collection_id}/schema": ("application/schema+json", "text/html"),
}


def _schema_for(media_type: str, path: str) -> dict:
    if media_type in ("text/html", "text/csv", "text/plain"):
        return TEXT
    if "json" not in media_type:
        return BINARY
    return _ref(SUCCESS.get(path, "Document"))


# What a format parameter's value (`f=csv`) answers in.
FORMATS = {"csv": "text/csv", "html": "text/html", "pdf": "application/pdf"}


def _formats(op: dict) -> list[str]:
    for p in op.get("parameters", []):
        if p.get("name") == "f" and p.get("in") == "query":
            return [FORMATS[v] for v in p.get("schema", {}).get("enum", []) if v in FORMATS]
    return []


def _successes(op: dict, path: str) -> None:
    for status, response in op["responses"].items():
        if not status.startswith("2"):
            continue
        content = response.get("content")
        if content is None:
            continue  # 204: no body
        if path in INSTEAD:
            content = response["content"] = {m: {} for m in INSTEAD[path]}
        for m in (*ALSO.get(path, ()), *(_formats(op) if status == "200" else ())):
            content.setdefault(m, {})
        for media_type, body in content.items():
            if not body.get("schema"):
                body["schema"] = _schema_for(media_type, path)


_WRITES = {"post", "put", "patch", "delete"}


def _errors(op: dict, method: str) -> None:
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    declared = {int(s): r for s, r in op["responses"].items() if s.isdigit() and int(s) >= 400}
    standard = dict(READ_ERRORS)
    if method in _WRITES:
        standard |= WRITE_ERRORS
    for status in sorted(declared.keys() | standard.keys()):
        response = declared.get(status) or {}
        description = response.get("description")
        if not description or description in ("Validation Error", "Successful Response"):
            description = standard.get(status, "An error")
        op["responses"][str(status)] = {
            "description": description,
            "content": problem,
            **({"headers": response["headers"]} if "headers" in response else {}),
        }
    op["responses"] = dict(sorted(op["responses"].items()))


def complete(doc: dict) -> dict:
    """Declares, in place, every operation's responses: successes with a schema for each
    media type, and every error it can answer as `application/problem+json` (a `Problem`)."""
    _declare_parameters(doc)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(copy.deepcopy(SCHEMAS))
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            if method not in _WRITES | {"get", "head"}:
                continue
            _successes(op, path)
            _errors(op, method)
    # FastAPI's validation error shapes: our 422 is a Problem, so nothing refers to them.
    text = str(doc["paths"])
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in text:
            schemas.pop(name, None)
    return doc
