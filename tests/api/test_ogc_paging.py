"""Keyset paging of the OGC items (issue 19): `next` links carry a cursor, every feature comes
once and in order with any sortby, filter, bbox, datetime or plan version, rows changing
between pages neither repeat nor skip one, and a cursor is checked before any I/O.
numberMatched is exact where counting is cheap and says so."""

from __future__ import annotations

import base64
import json
import math
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, text

from gis.errors import InvalidQuery
from gis.layers import LAYERS
from gis.ogc import features, queryables
from tests.api.test_errors import assert_problem as _problem
from tests.support import make_client

ITEMS = "/collections/{}/items"


@pytest.fixture(scope="module")
def client(ref_database_url):
    """One in-process API over the reference data for the module (reads only)."""
    with make_client(ref_database_url) as c:
        yield c


def _next(doc: dict) -> str | None:
    found = [x["href"] for x in doc["links"] if x["rel"] == "next"]
    assert len(found) <= 1
    return found[0] if found else None


def walk(client, layer: str, **params) -> tuple[list[int], list[dict]]:
    """Every page from the first by `next` links: the ids in order, and each page's body."""
    url, pages, ids = ITEMS.format(layer), [], []
    r = client.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        doc = r.json()
        pages.append(doc)
        ids += [f["id"] for f in doc["features"]]
        url = _next(doc)
        if url is None:
            return ids, pages
        assert "offset" not in parse_qs(urlsplit(url).query)
        r = client.get(url)


def all_at_once(client, layer: str, **params) -> list[int]:
    r = client.get(ITEMS.format(layer), params={**params, "limit": 10_000})
    assert r.status_code == 200, r.text
    assert _next(r.json()) is None
    return [f["id"] for f in r.json()["features"]]


# Sort keys of every kind, ascending and descending, with and without NULLs (buildings'
# name and storeys hold NULLs), combined with filters, bbox, datetime and plan versions.
CASES = [
    ("buildings", {}),
    ("buildings", {"sortby": "-name,storeys"}),
    ("buildings", {"sortby": "use,-floor_area_m2", "filter": "floor_area_m2 > 500"}),
    ("buildings", {"sortby": "-built_decided,demolished_year", "datetime": "2030"}),
    ("buildings", {"bbox": "10.42,55.40,10.435,55.41", "sortby": "-storeys"}),
    ("buildings", {"sortby": "source_extract_date,-id"}),
    ("buildings", {"recorded": "2022-12-31", "sortby": "name"}),
    ("plots", {"sortby": "-plot_area_m2"}),
    ("plots", {"sortby": "sale_status,plot_ratio", "filter": "sale_status <> 'sold'"}),
    ("roads", {"sortby": "-opening_year,kind", "datetime": "2020/2030"}),
    ("parcels", {"sortby": "registered_area_m2"}),
]


@pytest.mark.parametrize(("layer", "params"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_next_links_give_every_feature_once_in_order(client, layer, params):
    expected = all_at_once(client, layer, **params)
    assert len(expected) > 7, "the case must span pages"
    ids, pages = walk(client, layer, limit=7, **params)
    assert ids == expected
    # Fetching one row more than the page tells the last page: no empty page after it.
    assert len(pages) == math.ceil(len(expected) / 7)
    assert all(p["numberMatched"] == len(expected) and p["numberMatchedExact"] for p in pages)


def test_offset_still_pages_and_links_on_by_cursor(client):
    expected = all_at_once(client, "buildings", sortby="-floor_area_m2")
    r = client.get(
        ITEMS.format("buildings"), params={"sortby": "-floor_area_m2", "limit": 10, "offset": 20}
    )
    doc = r.json()
    assert [f["id"] for f in doc["features"]] == expected[20:30]
    assert "prev" in {x["rel"] for x in doc["links"]}
    rest, _ = walk(client, "buildings", sortby="-floor_area_m2", limit=10, offset=30)
    assert rest == expected[30:]
    # The last offset page counts for free; past the end is empty, and exact.
    end = client.get(ITEMS.format("buildings"), params={"offset": len(expected) - 3}).json()
    assert end["numberReturned"] == 3 and _next(end) is None
    assert end["numberMatched"] == len(expected) and end["numberMatchedExact"] is True
    beyond = client.get(ITEMS.format("buildings"), params={"offset": len(expected) + 5}).json()
    assert beyond["numberReturned"] == 0 and beyond["numberMatched"] == len(expected)


def test_files_page_by_cursor_too(client):
    expected = all_at_once(client, "buildings", sortby="name")
    ids, url = [], ITEMS.format("buildings") + "?f=csv&limit=50&sortby=name"
    while url:
        r = client.get(url)
        assert r.status_code == 200
        ids += [int(line.split(",")[0]) for line in r.text.splitlines()[1:]]
        link = r.headers.get("link")
        url = link[1 : link.index(">")] if link else None
    assert ids == expected


def test_rows_changing_between_pages_neither_repeat_nor_skip(writable_ref):
    """Rows removed before the cursor and added after it between two pages: the walk still
    gives every feature that stood throughout exactly once (an offset walk skips one for
    each row removed behind it)."""
    engine = create_engine(writable_ref.url)
    try:
        with make_client(writable_ref.url) as client:
            url = ITEMS.format("buildings") + "?limit=20&sortby=name"
            first = client.get(url).json()
            before = all_at_once(client, "buildings", sortby="name")
            seen = [f["id"] for f in first["features"]]
            with engine.begin() as conn:
                gone = seen[:5]
                conn.execute(
                    text("DELETE FROM dwelling_stock WHERE building_id = ANY(:ids)"), {"ids": gone}
                )
                conn.execute(text("DELETE FROM building WHERE id = ANY(:ids)"), {"ids": gone})
                # Named to sort first: before the cursor, so not on a later page.
                conn.execute(
                    text(
                        "INSERT INTO building (name, use, footprint) SELECT 'AAA ny', use, "
                        "footprint FROM building WHERE id = :id"
                    ),
                    {"id": seen[-1]},
                )
            nxt = _next(first)
            while nxt:
                doc = client.get(nxt).json()
                seen += [f["id"] for f in doc["features"]]
                nxt = _next(doc)
            assert len(seen) == len(set(seen))
            assert seen == before
            # A scenario (its own views of the plan tables) pages the same way.
            r = client.post(
                "/scenarios",
                json={"slug": "paging", "name": "Paging", "base": "vedtaget"},
                headers=writable_ref.bearer("planner"),
            )
            assert r.status_code == 201, r.text
            params = {"scenario": "paging", "sortby": "-storeys,name"}
            expected = all_at_once(client, "buildings", **params)
            assert walk(client, "buildings", limit=30, **params)[0] == expected
    finally:
        engine.dispose()


FORGED = [
    "abc",  # not base64 of JSON
    "!!!!",
    base64.urlsafe_b64encode(b'[1,"",[],"5"]').decode(),  # id not a number
    base64.urlsafe_b64encode(b'[1,"",[],-1]').decode(),
    base64.urlsafe_b64encode(b'[1,"",[],2147483648]').decode(),  # beyond int4
    base64.urlsafe_b64encode(b'[2,"",[],5]').decode(),  # another version
    base64.urlsafe_b64encode(b'[1,"name",["x"],5]').decode(),  # another sortby
    base64.urlsafe_b64encode(b'{"id":5}').decode(),
    "A" * (features.MAX_CURSOR_LENGTH + 1),
    base64.urlsafe_b64encode(b"[" * 6000).decode(),  # nesting deeper than Python's stack
    base64.urlsafe_b64encode('[1,"",[],5]'.encode("utf-16")).decode(),  # not UTF-8
]
TYPED = [  # made for sortby=storeys,-name,built_decided,source_extract_date
    [1.5, "x", True, "2020-01-01"],
    [99999999999999999999, "x", True, "2020-01-01"],
    [True, "x", True, "2020-01-01"],
    [2, 3, True, "2020-01-01"],
    [2, "x\u0000", True, "2020-01-01"],
    [2, "x", "yes", "2020-01-01"],
    [2, "x", True, "2020-13-01"],
    [2, "x", True],
]
SORTBY = "storeys,-name,built_decided,source_extract_date"


def assert_problem(response, status: int, parameter: str) -> None:
    body = _problem(response, status)
    assert [e["parameter"] for e in body["errors"]] == [parameter], body


def _cursor(doc) -> str:
    raw = json.dumps(doc, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_forged_cursor_is_a_400_before_any_io():
    """Over a database that cannot be reached: every forged cursor is a 400 naming cursor,
    where a good one reaches the database (and is a 503)."""
    with make_client("postgresql+psycopg://postgres@127.0.0.1:9/none") as client:
        url = ITEMS.format("buildings")
        for cursor in FORGED:
            assert_problem(client.get(url, params={"cursor": cursor}), 400, "cursor")
        for keys in TYPED:
            cursor = _cursor([1, SORTBY, keys, 5])
            r = client.get(url, params={"cursor": cursor, "sortby": SORTBY})
            assert_problem(r, 400, "cursor")
        with_offset = {"cursor": _cursor([1, "", [], 5]), "offset": 10}
        assert_problem(client.get(url, params=with_offset), 400, "cursor")
        assert_problem(client.get(url, params={"count": "some"}), 400, "count")
        good = _cursor([1, SORTBY, [2, "x", True, "2020-01-01"], 5])
        assert client.get(url, params={"cursor": good, "sortby": SORTBY}).status_code == 503


def test_good_cursors_decode_to_bound_values():
    layer = LAYERS["buildings"]
    known = queryables.queryables(layer)
    q = features.ItemsQuery.from_params(
        layer, {"sortby": SORTBY, "cursor": _cursor([1, SORTBY, [None, "x", False, None], 7])}
    )
    assert q.after == features.Cursor((None, "x", False, None), 7)
    sortby = features._sortby(SORTBY, known)
    assert features.Cursor.decode(q.after.encode(sortby), sortby, known) == q.after
    with pytest.raises(InvalidQuery):
        features.Cursor.decode(q.after.encode(sortby), [], known)


def test_number_matched_exact_on_request_and_estimated_beyond_the_cap(client, monkeypatch):
    total = len(all_at_once(client, "buildings"))
    exact = client.get(ITEMS.format("buildings"), params={"count": "exact"}).json()
    assert exact["numberMatched"] == total and exact["numberMatchedExact"] is True
    # With a cap below the data, counting stops and the planner estimates (the reference
    # data is ANALYZEd: its estimate of a whole table is its size).
    monkeypatch.setattr(features, "NUMBER_MATCHED_CAP", 20)
    est = client.get(ITEMS.format("buildings")).json()
    assert est["numberMatchedExact"] is False
    assert est["numberMatched"] >= 21
    exact = client.get(ITEMS.format("buildings"), params={"count": "exact"}).json()
    assert exact["numberMatched"] == total and exact["numberMatchedExact"] is True
    # The last page of an offset walk still knows its count without counting.
    last = client.get(ITEMS.format("buildings"), params={"offset": total - 2}).json()
    assert last["numberMatched"] == total and last["numberMatchedExact"] is True


def test_the_api_document_declares_cursor_and_count(client):
    api = client.get("/api").json()
    params = api["components"]["parameters"]
    assert params["cursor"]["schema"]["maxLength"] == features.MAX_CURSOR_LENGTH
    assert params["count"]["schema"]["enum"] == ["estimate", "exact"]
    names = {
        p.get("name") or p["$ref"].rsplit("/", 1)[1]
        for p in api["paths"]["/collections/buildings/items"]["get"]["parameters"]
    }
    assert {"cursor", "count", "offset"} <= names
