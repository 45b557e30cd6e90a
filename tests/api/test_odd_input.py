"""Odd values in every parameter of every read endpoint: a 4xx problem or an answer, never a
5xx. Each case below once reached PostgreSQL or PROJ as a failing statement (a NUL, a LIKE
pattern ending in the escape character, a latitude of 100); the rest keep it so."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gis import features
from gis.land import sellable

ODD = ["", "-1", "0", "99999", "1e309", "abc", "2030.5", "'", "%", "a" * 2000, "æøå", "../..",
       "null", "[]", "NaN", "9" * 40, "\x00", "a\x00b"]  # fmt: skip

QUERIES = {
    "/areas/vollsmose/tenure-mix": ["year", "quarters", "f"],
    "/areas/vollsmose/tenure-mix/trajectory": ["from", "to", "quarters", "f"],
    "/areas/vollsmose/tenure-mix/gap": ["year", "target", "quarters"],
    "/land/sellable": sorted(sellable.PARAMETERS),
    "/areas/vollsmose/progress": ["year", "f"],
    "/areas/vollsmose/criteria": ["from", "to", "f"],
    "/criteria/areas": ["year"],
    "/kort": ["year", "compare"],
    "/buildings/5/life": ["scenario", "recorded"],
    "/land/parcels/12/sale-status": ["scenario", "recorded"],
    "/kort/lag/bygninger.geojson": ["year"],
    "/kort/omraader/vollsmose": ["from", "to", "quarters"],
    # The items parameters, and two queryables given as query parameters.
    "/collections/buildings/items": sorted(features.ITEMS_PARAMETERS | {"owner", "storeys"}),
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
