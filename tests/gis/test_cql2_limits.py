"""Very deep and very long filters are a 400 naming the filter, never a RecursionError (a
500) nor a crash of the process: the cql2 parser recurses on the native stack and, some
thousands of levels deep, takes the whole server down with a segfault (issue 15 and 16)."""

from __future__ import annotations

import json

import pytest

from api.guards import MAX_TARGET
from gis.errors import InvalidQuery
from gis.layers import LAYERS
from gis.ogc import cql2, queryables
from gis.ogc.crs import CRS84
from gis.roles import Reader, Role

N = 5_000  # brackets or operators; each crashed the parser, or Python, when unguarded


def nested_json(n: int) -> str:
    return '{"op":"not","args":[' * n + '{"op":"=","args":[{"property":"id"},1]}' + "]}" * n


DEEP = {
    "brackets": ("(" * N + "id = 1" + ")" * N, "cql2-text"),
    "nots": ("NOT " * N + "id = 1", "cql2-text"),
    "not-brackets": ("NOT (" * 3_000 + "id = 1" + ")" * 3_000, "cql2-text"),
    "signs": ("id = " + "-" * (cql2.MAX_FILTER_LENGTH - 10) + "1", "cql2-text"),
    "sum": ("id = " + "1 + " * 4_000 + "1", "cql2-text"),
    "power": ("id = " + "2 ^ " * 4_000 + "1", "cql2-text"),
    "casei": ("CASEI(" * 3_000 + "name" + ")" * 3_000 + " = 'x'", "cql2-text"),
    "array": (
        "A_CONTAINS(constraint_list, " + "(" * 5_000 + "'a'" + ")" * 5_000 + ")",
        "cql2-text",
    ),
    "json-not": (nested_json(1_500), "cql2-json"),
    "json-lists": (
        '{"op":"in","args":[{"property":"id"},' + "[" * 9_000 + "]" * 9_000 + "]}",
        "cql2-json",
    ),
    "json-geometry": (
        '{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":'
        + "[" * 9_000
        + "]" * 9_000
        + "}]}",
        "cql2-json",
    ),
    "too-long": ("id = 1 OR " * 2_001 + "id = 2", "cql2-text"),
    "nul": ("name = 'a\x00'", "cql2-text"),
    "nul-json": ('{"op": "=", "args": [{"property": "name"}, "a\\u0000"]}', "cql2-json"),
    "too-long-json": (
        json.dumps({"op": "in", "args": [{"property": "id"}, list(range(5_000))]}),
        "cql2-json",
    ),
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deep_or_long_filters_are_a_400(case):
    text, lang = DEEP[case]
    with pytest.raises(InvalidQuery) as err:
        cql2.parse(text, lang)
    assert err.value.parameter == "filter"
    words = ("nested too deeply", "too long", "more than", "NUL")
    assert any(w in err.value.detail for w in words), err.value.detail


def test_long_flat_filters_within_the_limit_compile():
    plots = LAYERS["plots"]
    text = " OR ".join(f"id = {i}" for i in range(1_500))
    assert len(text) < cql2.MAX_FILTER_LENGTH
    params: dict = {}
    sql = cql2.compile_filter(cql2.parse_text(text), queryables.queryables(plots), CRS84, params)
    assert len(params) == 1_500 and sql.count(" OR ") == 1_499
    # As deep as the limits let through: the compiler's recursion stays far from Python's.
    deep = "(" * cql2.MAX_DEPTH + "NOT " * cql2.MAX_RUN + "id = 1" + ")" * cql2.MAX_DEPTH
    cql2.compile_filter(cql2.parse_text(deep), queryables.queryables(plots), CRS84, {})
    arithmetic = "id = " + " + ".join(["1"] * (cql2.MAX_ARITHMETIC + 2))
    with pytest.raises(InvalidQuery, match="arithmetic"):
        cql2.parse_text(arithmetic)


def test_a_real_server_answers_400_and_lives_on(ref_server):
    """Over HTTP to a real uvicorn: a crash in the parser would take the process down, and
    the next request would find no server."""
    from urllib.parse import quote

    import httpx

    with httpx.Client(base_url=ref_server.url, timeout=30) as client:
        for case in sorted(DEEP):
            text, lang = DEEP[case]
            if len(quote(text)) > 60_000:  # beyond what httpx puts in a URL
                continue
            r = client.get("/collections/plots/items", params={"filter": text, "filter-lang": lang})
            # A filter longer than a request target may be is refused before it is parsed.
            too_long = len(r.request.url.raw_path) > MAX_TARGET
            assert r.status_code == (414 if too_long else 400), case
            assert r.headers["content-type"].startswith("application/problem+json")
        assert client.get("/collections/plots/items?limit=1").status_code == 200


def test_sellable_refuses_a_bad_filter_before_any_statement():
    from gis.errors import InvalidParameter
    from gis.land import sellable as land

    # No connection at all: the filter's properties are checked as the query is made.
    query = {"filter": ["price_dkk > 1"], "within": ["torvekvarteret"]}
    with pytest.raises(InvalidParameter) as err:
        land.SellableQuery.from_params(query, LAYERS["plots"])  # the public's view: no price_dkk
    assert err.value.parameter == "filter"
    confidential = LAYERS["plots"].for_reader(Reader(Role.ADMIN))
    assert land.SellableQuery.from_params(query, confidential).filter is not None
