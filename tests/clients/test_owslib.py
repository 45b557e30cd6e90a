"""OWSLib's OGC API – Features client against the live server: conformance, collections,
queryables, the API definition and items with CQL2 filters, bbox, datetime and sortby."""

from __future__ import annotations

import json

import pytest
from owslib.ogcapi.features import Features

from gis.layers import LAYERS


@pytest.fixture(scope="module")
def oapif(live_server: str) -> Features:
    return Features(live_server)


def test_conformance(oapif):
    classes = oapif.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in classes


def test_collections_and_api(oapif):
    assert oapif.feature_collections() == list(LAYERS)
    buildings = oapif.collection("buildings")
    assert buildings["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/25832"
    api = oapif.api()
    assert "/collections/buildings/items" in api["paths"]


def test_queryables(oapif):
    props = oapif.collection_queryables("buildings")["properties"]
    assert props["owner"]["type"] == "string"
    assert props["demolished_year"]["type"] == "integer"
    assert "life" in props


def test_items_with_filters(oapif):
    everything = oapif.collection_items("buildings", limit=1000)
    civica = [f for f in everything["features"] if f["properties"]["owner"] == "Civica"]
    got = oapif.collection_items(
        "buildings", limit=1000, filter="owner = 'Civica' AND demolished_year BETWEEN 2024 AND 2027"
    )
    expected = [f for f in civica if 2024 <= (f["properties"]["demolished_year"] or 0) <= 2027]
    assert got["numberReturned"] == got["numberMatched"] == len(expected) > 0
    as_json = oapif.collection_items(
        "buildings",
        limit=1000,
        filter=json.dumps({"op": "=", "args": [{"property": "owner"}, "Civica"]}),
        **{"filter-lang": "cql2-json"},
    )
    assert as_json["numberReturned"] == len(civica)


def test_items_bbox_datetime_sortby(oapif):
    boxed = oapif.collection_items("buildings", bbox=[10.42, 55.40, 10.43, 55.41], limit=1000)
    assert 0 < boxed["numberReturned"] < oapif.collection_items("buildings")["numberMatched"]
    in_2030 = oapif.collection_items("buildings", datetime_="2030", limit=1000)
    assert all((f["properties"]["demolished_year"] or 9999) >= 2030 for f in in_2030["features"])
    biggest = oapif.collection_items("buildings", sortby=("floor_area_m2", "desc"), limit=3)
    areas = [f["properties"]["floor_area_m2"] for f in biggest["features"]]
    assert areas == sorted(areas, reverse=True)


def test_one_item(oapif):
    first = oapif.collection_items("facilities", limit=1)["features"][0]
    one = oapif.collection_item("facilities", str(first["id"]))
    assert one["properties"] == first["properties"]
