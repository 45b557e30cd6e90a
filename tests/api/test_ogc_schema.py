"""What OGC clients read besides the features: each collection's feature schema
(`describedby`), the items' `Link` header, the API definition at `/api` as OpenAPI 3.0 (the
`oas30` class), the parameters of the generic paths, and GDAL's `cql-text` dialect."""

from __future__ import annotations

import json
from pathlib import Path

import ogctests
import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from gis.layers import LAYERS
from gis.models import Base
from gis.ogc import features, queryables
from tests.api.test_errors import assert_problem

OAS30 = "application/vnd.oai.openapi+json;version=3.0"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def test_every_collection_links_its_schema(ref_client):
    for layer in LAYERS.values():
        doc = ref_client.get(f"/collections/{layer.id}").json()
        found = [x for x in doc["links"] if x["rel"].lower() == "describedby"]
        assert found and {x["type"] for x in found} == {"application/schema+json"}
        r = ref_client.get(found[0]["href"])
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/schema+json"
        assert r.json()["$id"] == found[0]["href"]


def test_schema_types_come_from_the_columns(ref_client):
    for layer in LAYERS.values():
        _check_schema(ref_client.get(f"/collections/{layer.id}/schema").json(), layer)


def _check_schema(schema: dict, layer) -> None:
    assert schema["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
    assert schema["properties"]["id"]["x-ogc-role"] == "id"
    props = schema["properties"]["properties"]
    assert list(props["properties"]) == list(layer.properties)
    table = Base.metadata.tables[layer.table or layer.source.split()[0]]
    for name, spec in props["properties"].items():
        # GDAL reads a type only as one string (a list is a string field to it).
        assert spec["type"] == layer.property_types()[name]
        column = table.columns.get(name)
        if column is not None:
            assert spec.get("nullable", False) is column.nullable, name
            assert (name in props["required"]) is not column.nullable, name


def test_nullable_number_is_a_number(ref_client):
    spec = ref_client.get("/collections/buildings/schema").json()["properties"]["properties"]
    assert spec["properties"]["built_year"] == {
        "title": "built_year",
        "type": "integer",
        "nullable": True,
    }
    assert "built_year" not in spec["required"]
    assert "use" in spec["required"]


def test_schema_as_html_and_unknown_collection(ref_client):
    r = ref_client.get("/collections/buildings/schema", params={"f": "html"})
    assert r.status_code == 200 and "integer | null" in r.text
    assert_problem(ref_client.get("/collections/nowhere/schema"), 404)


def test_confidential_dates_are_dates_only_to_who_may_read_them():
    plots = LAYERS["plots"]
    assert "offered_date" not in json.dumps(queryables.feature_schema(plots))
    assert "offered_date" in queryables.date_properties(
        plots.__class__(**{**plots.__dict__, "properties": plots.properties + plots.confidential})
    )


def test_items_carry_a_link_header(ref_client):
    r = ref_client.get("/collections/buildings/items", params={"limit": 5})
    header = r.headers["link"]
    links = {}
    for part in header.split(", <"):
        href, *params = part.strip("<").split("; ")
        attrs = dict(p.split("=", 1) for p in params)
        links[attrs["rel"].strip('"')] = (href.rstrip(">"), attrs["type"].strip('"'))
    body = {x["rel"]: (x["href"], x["type"]) for x in r.json()["links"]}
    assert links == body
    assert {"self", "alternate", "next", REL_QUERYABLES, "describedby"} <= set(links)
    assert links[REL_QUERYABLES][1] == "application/schema+json"


def test_api_definition_is_openapi_30(ref_client):
    landing = ref_client.get("/").json()
    desc = next(x for x in landing["links"] if x["rel"] == "service-desc")
    assert desc["type"] == OAS30
    r = ref_client.get(desc["href"])
    assert r.headers["content-type"] == OAS30
    doc = r.json()
    assert doc["openapi"] == "3.0.3"
    conformance = ref_client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conformance
    # No OpenAPI 3.1 (JSON Schema 2020-12) forms left.
    text = json.dumps(doc)
    assert '"type": "null"' not in text and '"examples": [' not in text
    lists = []

    def walk(node, path):
        if isinstance(node, dict):
            if isinstance(node.get("type"), list):
                lists.append(path)
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}/{i}")

    walk(doc, "")
    assert not lists
    # The OpenAPI 3.0 schema OGC's test suite (ogctests) validates the document with.
    schema_file = Path(ogctests.__file__).parent / "features/schemas/openapi_schema_v3.0.yaml"
    errors = list(OAS30Validator(yaml.safe_load(schema_file.read_text())).iter_errors(doc))
    assert not errors, errors[0].message


def test_nullable_in_the_30_document(ref_client):
    doc = ref_client.get("/api").json()
    feature = doc["components"]["schemas"]["Feature"]["properties"]
    assert feature["geometry"] == {"type": "object", "nullable": True}
    assert feature["id"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}


@pytest.mark.parametrize("document", ["/api", "/openapi.json"])
def test_generic_paths_declare_their_query_parameters(ref_client, document):
    doc = ref_client.get(document).json()

    def names(path):
        params = doc["paths"][path]["get"]["parameters"]
        return {p["name"] for p in params}

    items = names("/collections/{collection_id}/items")
    assert {"limit", "offset", "bbox", "datetime", "filter", "filter-lang", "crs"} <= items
    limit = next(
        p for p in doc["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
        if p["name"] == "limit"
    )  # fmt: skip
    assert limit["schema"]["maximum"] == features.MAX_LIMIT
    for path in (
        "/tiles/{tms}/{z}/{x}/{y}",
        "/collections/{collection_id}/tiles/{tms}/{z}/{x}/{y}",
        "/tiles/{tms}/tilejson.json",
        "/collections/{collection_id}/tiles/{tms}/tilejson.json",
    ):
        assert {"datetime", "scenario", "recorded"} <= names(path), path


def test_filter_lang_offers_gdals_cql_text(ref_client):
    """GDAL pushes a `-where` down only when the items path offers `cql-text`."""
    doc = ref_client.get("/api").json()
    get = doc["paths"]["/collections/buildings/items"]["get"]
    for p in get["parameters"]:
        if "$ref" in p:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        if p["name"] == "filter-lang":
            assert "cql-text" in p["schema"]["enum"]
            return
    pytest.fail("no filter-lang on the buildings' items path")


KNOWN = queryables.queryables(LAYERS["buildings"])


@pytest.mark.parametrize(
    ("gdal", "cql2"),
    [
        ("built_decided = 0", "built_decided = FALSE"),
        ("(built_decided = 1) AND (storeys > 3)", "(built_decided = TRUE) AND (storeys > 3)"),
        ("storeys = 0", "storeys = 0"),  # an integer stays one
        ("owner = 'built_decided = 0'", "owner = 'built_decided = 0'"),  # inside a string
        ("owner = 'it''s' AND built_decided <> 1", "owner = 'it''s' AND built_decided <> TRUE"),
        ("nobody = 0", "nobody = 0"),  # unknown names are the compiler's to refuse
    ],
)
def test_legacy_cql_text(gdal, cql2):
    assert features.legacy_cql_text(gdal, KNOWN) == cql2


def test_legacy_dates():
    dates = frozenset({"offered_date"})
    known = {"offered_date": KNOWN["owner"], **KNOWN}
    got = features.legacy_cql_text("offered_date >= '2024-05-01T'", known, dates)
    assert got == "offered_date >= '2024-05-01'"
    # Not a date property: left as written.
    assert features.legacy_cql_text("owner >= '2024-05-01T'", known, dates) == (
        "owner >= '2024-05-01T'"
    )


def test_gdal_filters_reach_the_database(ref_client, ref_conn):
    from sqlalchemy import text

    undecided = ref_conn.execute(
        text("SELECT count(*) FROM building WHERE NOT built_decided")
    ).scalar()
    for params in (
        {"filter": "built_decided = 0", "filter-lang": "cql-text"},
        {"built_decided": "0"},  # GDAL's Part 1 form, without cql-text
        {"built_decided": "false"},
    ):
        r = ref_client.get("/collections/buildings/items", params={**params, "limit": 1})
        assert r.status_code == 200, r.text
        assert r.json()["numberMatched"] == undecided
    assert_problem(
        ref_client.get("/collections/buildings/items", params={"built_decided": "2"}), 400
    )
    assert_problem(
        ref_client.get("/collections/buildings/items", params={"filter-lang": "cql"}), 400
    )


def test_queryables_as_gdal_reads_them(ref_client):
    """GDAL finds the queryables by the short rel, asks for JSON only, and reads the names
    a cql-text filter may use from a `queryables` list."""
    doc = ref_client.get("/collections/buildings").json()
    href = next(x["href"] for x in doc["links"] if x["rel"] == "queryables")
    plain = ref_client.get(href, headers={"Accept": "application/geo+json, application/json"})
    assert plain.headers["content-type"] == "application/json"
    names = [q["id"] for q in plain.json()["queryables"]]
    assert names == [n for n, s in plain.json()["properties"].items() if "type" in s]
    assert "built_decided" in names and "geometry" not in names
    schema = ref_client.get(href, headers={"Accept": "application/schema+json"})
    assert schema.headers["content-type"] == "application/schema+json"
    assert ref_client.get(href).headers["content-type"] == "application/schema+json"
    assert plain.headers["etag"] != schema.headers["etag"]
