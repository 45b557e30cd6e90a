"""Each endpoint's query parameters are declared once (gis.ogc.params): the API documents
(/openapi.json, /api), the parser and the HTML form all come from that declaration. These
tests walk it: every declared parameter is in both documents with its schema, every invalid
value is a 400 naming it before any database is asked (an app over a closed port answers
400, not 503), an undeclared name is a 400, and the items page's form holds a field per
parameter."""

from __future__ import annotations

import re
import socket

import pytest
from fastapi.routing import APIRoute

from api.declared import declared_of
from gis.land import sellable
from gis.layers import LAYERS
from gis.ogc import cql2, features
from gis.ogc.params import Param
from tests.api.test_errors import assert_problem
from tests.support import make_client

# An invalid value for each parameter a route declares; a new parameter without one fails
# `test_every_declared_parameter_has_an_invalid_value_here`.
INVALID = {
    "limit": "0",
    "offset": "-1",
    "cursor": "c" * (features.MAX_CURSOR_LENGTH + 1),
    "count": "roughly",
    "bbox": "1,2,3",
    "bbox-crs": "EPSG:1",
    "crs": "EPSG:1",
    "datetime": "yesterday",
    "filter": "owner = ",
    "filter-lang": "sql",
    "filter-crs": "urn:nothing",
    "sortby": "colour",
    "properties": "colour",
    "skipGeometry": "perhaps",
    "f": "xml",
    "scenario": "Not A Slug",
    "recorded": "soon",
}
INVALID_SELLABLE = {
    **INVALID,
    "available_by": "2030.5",
    "year": "99999",
    "use": "casino",
    "min_area": "big",
    "max_area": "-1",
    "owner": "nobody",
    "status": "sold-twice",
    "max_walk_to_stop": "far",
    "max_walk_to_bygade": "NaN",
    "within": "POINT(1 2)",
    "within-crs": "EPSG:1",
}
# A queryable given as a parameter (Part 1 property filters): a value not of its type (any
# text is a string).
INVALID_BY_TYPE = {
    "integer": "1.5",
    "number": "x",
    "boolean": "maybe",
    "date": "2025-13-01",
    "string": None,
}


def _closed_port_url(database_url: str) -> str:
    """A database URL no server answers at: any statement would be a 503."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return re.sub(r"@[^/]+/", f"@127.0.0.1:{port}/", database_url)


@pytest.fixture(scope="module")
def no_database(ref_database_url):
    with make_client(_closed_port_url(ref_database_url), db_connect_timeout=1) as client:
        yield client


@pytest.fixture(scope="module")
def documents(ref_database_url):
    with make_client(ref_database_url) as client:
        routes = {
            r.path: declared
            for r in client.app.routes
            if isinstance(r, APIRoute) and (declared := declared_of(r)) is not None
        }
        yield client.get("/openapi.json").json(), client.get("/api").json(), routes


def _example_path(path: str) -> str:
    return (
        path.replace("{collection_id}", "buildings")
        .replace("{feature_id}", "1")
        .replace("{featureId}", "1")
        .replace("{tms}", "WebMercatorQuad")
        .replace("{z}/{x}/{y}", "15/17340/10128")
    )


def _invalid(param: Param, path: str = "") -> str | None:
    invalid = INVALID_SELLABLE if path == "/land/sellable" else INVALID
    if param.name in invalid:
        return invalid[param.name]
    kind = "date" if param.schema.get("format") == "date" else param.schema["type"]
    return INVALID_BY_TYPE[kind]


def test_the_declared_routes_are_the_ones_meant(documents):
    _, _, routes = documents
    assert set(routes) == {
        "/collections",
        "/collections/{collection_id}",
        "/collections/{collection_id}/queryables",
        "/collections/{collection_id}/schema",
        "/collections/{collection_id}/items",
        "/collections/{collection_id}/items/{feature_id}",
        "/land/sellable",
        "/tiles/{tms}",
        "/tiles/{tms}/tilejson.json",
        "/tiles/{tms}/{z}/{x}/{y}",
        "/collections/{collection_id}/tiles/{tms}",
        "/collections/{collection_id}/tiles/{tms}/tilejson.json",
        "/collections/{collection_id}/tiles/{tms}/{z}/{x}/{y}",
    }


def test_every_declared_parameter_is_in_both_documents_with_its_schema(documents):
    fastapi_doc, ogc_doc, routes = documents
    for doc in (fastapi_doc, ogc_doc):
        for path, declared in routes.items():
            listed = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"] if "name" in p}
            for param in declared.params:
                assert param.name in listed, (path, param.name)
                assert listed[param.name]["in"] == "query"
                if param.name not in ("scenario", "recorded") or path != "/land/sellable":
                    # (the sellable route's version is FastAPI's, from api.deps)
                    assert listed[param.name]["schema"] == dict(param.schema), (path, param.name)
    # Each collection's own items path: the shared ones by reference (GDAL and QGIS read
    # limit there), its queryables as property filters inline.
    components = ogc_doc["components"]["parameters"]
    for layer in LAYERS.values():
        op = ogc_doc["paths"][f"/collections/{layer.id}/items"]["get"]
        refs = {p["$ref"].rsplit("/", 1)[1] for p in op["parameters"] if "$ref" in p}
        inline = {p["name"]: p for p in op["parameters"] if "name" in p}
        for param in features.items_parameters(layer).params:
            if param.name in features.ITEMS:
                assert param.name in refs and components[param.name] == param.openapi()
            else:
                assert inline[param.name] == param.openapi(), (layer.id, param.name)
    limit = components["limit"]["schema"]
    assert (limit["default"], limit["maximum"]) == (features.DEFAULT_LIMIT, features.MAX_LIMIT)


def test_every_declared_parameter_has_an_invalid_value_here(documents):
    _, _, routes = documents
    declared = [(path, p) for path, d in routes.items() for p in d.params]
    declared += [
        ("/collections/{collection_id}/items", p)
        for lay in LAYERS.values()
        for p in features.items_parameters(lay).params
    ]
    for path, param in declared:
        assert _invalid(param, path) or param.schema == {"type": "string"}, param.name


def test_an_invalid_value_is_a_400_naming_it_before_the_database_is_asked(documents, no_database):
    _, _, routes = documents
    cases = [(path, p) for path, declared in routes.items() for p in declared.params]
    layer = LAYERS["buildings"]
    cases += [
        ("/collections/buildings/items", p)
        for p in features.items_parameters(layer).params
        if p.name not in features.ITEMS
    ]
    for path, param in cases:
        if (value := _invalid(param, path)) is None:
            continue
        r = no_database.get(_example_path(path), params={param.name: value})
        body = assert_problem(r, 400)
        assert [e["parameter"] for e in body["errors"]] == [param.name], (path, body)
    # The parser's word on a filter's properties and types is known without I/O too.
    for query in ({"filter": "colour = 'red'"}, {"filter": "storeys = 'three'"}):
        r = no_database.get("/collections/buildings/items", params=query)
        assert assert_problem(r, 400)["errors"][0]["parameter"] == "filter"
    # A confidential queryable is unknown to the public, in /land/sellable's filter too.
    r = no_database.get("/land/sellable", params={"filter": "price_dkk > 1"})
    assert assert_problem(r, 400)["errors"][0]["parameter"] == "filter"
    # And what passes the declaration does reach the database: a 503 here.
    assert no_database.get("/collections/buildings/items", params={"limit": "5"}).status_code == (
        503
    )


def test_undeclared_and_repeated_parameters_are_400(documents, no_database):
    _, _, routes = documents
    closed = {path for path, declared in routes.items() if declared.closed}
    # OGC API – Features asks it of the items (and QGIS sends its layer's query to the
    # collection's documents too: those leave unknown names alone).
    assert closed == {
        "/collections/{collection_id}/items",
        "/collections/{collection_id}/items/{feature_id}",
        "/land/sellable",
        "/tiles/{tms}/tilejson.json",
        "/tiles/{tms}/{z}/{x}/{y}",
        "/collections/{collection_id}/tiles/{tms}/tilejson.json",
        "/collections/{collection_id}/tiles/{tms}/{z}/{x}/{y}",
    }
    for path in closed:
        r = no_database.get(_example_path(path), params={"colour": "red"})
        assert assert_problem(r, 400)["errors"][0]["parameter"] == "colour", path
    for path in set(routes) - closed:  # past the declaration: the database is asked
        assert no_database.get(_example_path(path), params={"colour": "red"}).status_code == 503
    r = no_database.get("/collections/buildings/items?limit=1&limit=2")
    assert assert_problem(r, 400)["errors"][0]["parameter"] == "limit"
    # Repeatable ones take every value.
    q = sellable.SellableQuery.from_params({"use": ["housing", "business,housing"]})
    assert q.uses == ["housing", "business"]


def test_the_items_page_form_has_a_field_per_parameter(ref_client):
    layer = LAYERS["buildings"]
    page = ref_client.get("/collections/buildings/items", params={"f": "html", "limit": "3"})
    assert page.status_code == 200
    form = page.text[page.text.index("<form") : page.text.index("</form>")]
    names = set(re.findall(r'name="([^"]+)"', form))
    declared = {p.name for p in features.items_parameters(layer).params} - {"cursor"}
    assert names == declared
    # It holds what was asked, and the bounds the declaration gives.
    assert re.search(r'name="limit"[^>]*min="1"[^>]*max="10000"[^>]*value="3"', form)
    assert '<select name="count"' in form and "<option>exact</option>" in form


def test_filter_length_is_declared_as_the_parser_enforces_it():
    filter_ = features.ITEMS.by_name["filter"]
    assert filter_.schema["maxLength"] == cql2.MAX_FILTER_LENGTH
