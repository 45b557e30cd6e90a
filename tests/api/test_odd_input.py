"""Odd values in every parameter of every read endpoint: a 4xx problem or an answer, never a
5xx. Each case below once reached PostgreSQL or PROJ as a failing statement (a NUL, a LIKE
pattern ending in the escape character, a latitude of 100); the rest keep it so."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gis.land import sellable
from gis.ogc import features

ODD = ["", "-1", "0", "99999", "1e309", "abc", "2030.5", "'", "%", "a" * 2000, "æøå", "../..",
       "null", "[]", "NaN", "9" * 40, "\x00", "a\x00b"]  # fmt: skip

QUERIES = {
    "/areas/vollsmose/tenure-mix": ["year", "quarters", "f"],
    "/areas/vollsmose/tenure-mix/trajectory": ["from", "to", "quarters", "f"],
    "/areas/vollsmose/tenure-mix/gap": ["year", "target", "quarters"],
    "/land/sellable": sorted(sellable.PARAMETERS.names),
    "/areas/vollsmose/progress": ["year", "f"],
    "/areas/vollsmose/criteria": ["from", "to", "f"],
    "/criteria/areas": ["year"],
    "/kort": ["year", "compare"],
    "/buildings/5/life": ["scenario", "recorded"],
    "/land/parcels/12/sale-status": ["scenario", "recorded"],
    "/kort/lag/bygninger.geojson": ["year"],
    "/kort/omraader/vollsmose": ["from", "to", "quarters"],
    # The items parameters, and two queryables given as query parameters.
    "/collections/buildings/items": sorted({*features.ITEMS.names, "owner", "storeys"}),
    "/collections/buildings/tiles/WebMercatorQuad/14/8666/5149": ["datetime"],
}
PATHS = [
    "/areas/{}",
    "/kort/bygninger/{}.json",
    "/kort/lag/{}.geojson",
    "/land/parcels/{}/sale-status/history",
    "/land/parcels/{}/sale-status",
    "/buildings/{}/life",
    "/collections/buildings/items/{}",
    "/collections/{}/items",
    "/tiles/WebMercatorQuad/{}/1/1",
]
FILTERS = [
    "name LIKE '%\\'",
    "S_INTERSECTS(geometry, BBOX(200,100,300,95))",
    "S_INTERSECTS(geometry, POINT(1e400 1))",
    "S_INTERSECTS(geometry, POLYGON((0 0,1 1,1 0,0 1,0 0)))",
    "S_DWITHIN(geometry, POINT(10.43 55.40), 1e300, meters)",
    "T_INTERSECTS(life, INTERVAL('0001-01-01','9999-12-31'))",
    "storeys = 99999999999999999999",
    "(" * 300 + "TRUE" + ")" * 300,
]


def _no_5xx(client, urls: list[str]) -> None:
    failed = [(u[:120], r.status_code) for u in urls if (r := client.get(u)).status_code >= 500]
    assert not failed


@pytest.mark.parametrize("path", sorted(QUERIES))
def test_odd_query_values_never_give_a_5xx(ref_client, path):
    urls = [f"{path}?{name}={quote(v, safe='')}" for name in QUERIES[path] for v in ODD]
    _no_5xx(ref_client, urls)


@pytest.mark.parametrize("template", PATHS)
def test_odd_path_values_never_give_a_5xx(ref_client, template):
    _no_5xx(ref_client, [template.format(quote(v, safe="")) for v in ODD if v])


def test_odd_filters_never_give_a_5xx(ref_client):
    urls = [
        f"/collections/{c}/items?filter={quote(f, safe='')}"
        for c in ("buildings", "parcels", "roads", "plots")
        for f in FILTERS
    ]
    _no_5xx(ref_client, urls)


# -- every route of the OpenAPI document, every parameter, the values no column can hold ---

# Beyond what ODD tries: one past int4, int2 and int8 (the id and year columns), doubles
# overflowing or not finite, a lone surrogate (UTF-8 cannot encode it; sent as its CESU
# bytes), and a string longer than any column or parser takes.
EXTREME = ["2147483648", "-2147483649", "32768", "-32769", "9223372036854775808",
           "-9223372036854775809", "1e308", "-1e308", "1.8e308", "Infinity", "-inf", "nan",
           "\ud800", "x\udfffy", "a" * 20_000, "0x10", "1_000", "\x00", "%00"]  # fmt: skip
# With the ODD values that mean something different to each kind of parameter (ODD as a
# whole is swept over the routes above; over all, it would add half a minute).
SWEPT = list(dict.fromkeys(EXTREME + ["", "-1", "abc", "'", "../..", "9" * 40]))
# A value for each path parameter that leads to something, so the sweep reaches the code
# behind the route's validation.
SAMPLE = {"area": "vollsmose", "collection_id": "buildings", "feature_id": "5",
          "tms": "WebMercatorQuad", "z": "14", "x": "8666", "y": "5149", "building_id": "5",
          "parcel_key": "12", "slug": "vedtaget", "layer": "bygninger",
          "quarter_set": "kvarterer", "quarter": "torvekvarteret", "overlay": "ortofoto",
          "year": "2030", "fmt": "tif", "change_id": "1"}  # fmt: skip
# The cheapest answer of a route that renders: the coarsest GeoTIFF, the report as HTML.
BASE_QUERY = {"/maps/fremtidsbillede/{year}.{fmt}": {"resolution": "50"}}


def _enc(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _get_operations() -> list[tuple[str, list[tuple[str, str]]]]:
    from api.app import create_app

    doc = create_app().openapi()
    return [
        (path, [(p["name"], p["in"]) for p in ops["get"].get("parameters", [])])
        for path, ops in sorted(doc["paths"].items())
        if "get" in ops
    ]


GET_OPERATIONS = _get_operations()


def _sweep_urls(path: str, parameters: list[tuple[str, str]]) -> list[str]:
    def fill(name: str | None = None, value: str = "") -> str:
        out = path
        for key, sample in SAMPLE.items():
            out = out.replace("{" + key + "}", _enc(value) if key == name else sample)
        assert "{" not in out, f"no SAMPLE for a parameter of {path}"
        return out

    base = BASE_QUERY.get(path, {})
    urls = []
    for name, where in parameters:
        for value in SWEPT:
            if where == "path" and value:
                urls.append(fill(name, value) + "?" + "&".join(f"{k}={v}" for k, v in base.items()))
            elif where == "query":
                query = {**base, name: _enc(value)}
                urls.append(fill() + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
    return urls


def test_every_get_operation_is_swept():
    # A new route is swept without anyone listing it here; one without parameters is asked
    # once as it is.
    assert len(GET_OPERATIONS) > 40
    assert any(p == "/land/sellable" for p, _ in GET_OPERATIONS)


@pytest.mark.parametrize(("path", "parameters"), GET_OPERATIONS, ids=[p for p, _ in GET_OPERATIONS])
def test_extreme_values_in_every_parameter_of_every_route_never_give_a_5xx(
    ref_client, path, parameters
):
    urls = _sweep_urls(path, parameters) or [path]
    _no_5xx(ref_client, urls)
