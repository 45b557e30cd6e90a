"""OGC API – Features Parts 1, 2 and 3 over the reference data, through HTTP."""

from __future__ import annotations

import io
import json

import pyogrio
import pytest
from sqlalchemy import text

from gis.layers import LAYERS
from tests.api.test_errors import assert_problem

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
UTM = "http://www.opengis.net/def/crs/EPSG/0/25832"
WEB = "http://www.opengis.net/def/crs/EPSG/0/3857"
# Vollsmose, generously (DOMAIN.md: 55.401–55.416 N, 10.418–10.446 E).
LON, LAT = (10.40, 10.46), (55.39, 55.43)
# The areas layer also holds Odense's other almene housing areas (the criteria's city-wide
# monitoring), so it spans the city.
CITY_LON, CITY_LAT = (10.25, 10.55), (55.32, 55.47)


# Layers only an import fills (Plandata's lokalplaner): the reference dataset has none.
EMPTY_IN_REFERENCE: set[str] = set()


def box_of(layer: str) -> tuple[tuple[float, float], tuple[float, float]]:
    return (CITY_LON, CITY_LAT) if layer == "areas" else (LON, LAT)


def rels(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for link in doc["links"]:
        out.setdefault(link["rel"], []).append(link)
    return out


def get_json(client, url: str, **params) -> dict:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def count(ref_conn, sql: str, **params) -> int:
    return ref_conn.execute(text(sql), params).scalar_one()


def test_landing_page_links(ref_client):
    doc = get_json(ref_client, "/")
    links = rels(doc)
    for rel in ("self", "alternate", "service-desc", "service-doc", "conformance", "data"):
        assert rel in links, rel
    api = ref_client.get(links["service-desc"][0]["href"])
    assert api.status_code == 200
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    limit = api.json()["components"]["parameters"]["limit"]["schema"]
    assert limit["default"] == 10 and limit["maximum"] == 10_000
    assert "/collections/buildings/items" in api.json()["paths"]


def test_conformance_declares_what_qgis_looks_for(ref_client):
    classes = set(get_json(ref_client, "/conformance")["conformsTo"])
    for c in (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    ):
        assert c in classes


def test_every_layer_is_a_collection(ref_client):
    doc = get_json(ref_client, "/collections")
    assert [c["id"] for c in doc["collections"]] == list(LAYERS)
    for c in doc["collections"]:
        assert c["storageCrs"] == UTM
        assert {CRS84, EPSG4326, UTM, WEB} <= set(c["crs"])
        links = rels(c)
        if c["id"] in EMPTY_IN_REFERENCE:
            assert "spatial" not in c.get("extent", {})  # no features, no extent
        else:
            box = c["extent"]["spatial"]["bbox"][0]
            lon, lat = box_of(c["id"])
            assert lon[0] < box[0] < box[2] < lon[1] and lat[0] < box[1] < box[3] < lat[1], c["id"]
        assert {"self", "items", "http://www.opengis.net/def/rel/ogc/1.0/queryables"} <= set(links)
    buildings = get_json(ref_client, "/collections/buildings")
    assert buildings["extent"]["temporal"]["interval"][0][0] is None  # stood before 2020


def test_queryables(ref_client):
    r = ref_client.get("/collections/buildings/queryables")
    assert r.headers["content-type"].startswith("application/schema+json")
    props = r.json()["properties"]
    assert props["owner"]["type"] == "string"
    assert props["demolished_year"]["type"] == "integer"
    assert props["floor_area_m2"]["type"] == "number"
    assert props["geometry"]["format"] == "geometry-multipolygon"
    assert "life" in props
    assert "life" not in get_json(ref_client, "/collections/parcels/queryables")["properties"]


def test_items_page_and_follow_next_links(ref_client, ref_conn):
    total = count(ref_conn, "SELECT count(*) FROM building")
    doc = get_json(ref_client, "/collections/buildings/items")
    assert doc["type"] == "FeatureCollection"
    assert doc["numberReturned"] == 10 and doc["numberMatched"] == total
    seen = []
    url = "/collections/buildings/items?limit=50"
    pages = 0
    while url:
        page = ref_client.get(url)
        assert page.headers["content-type"].startswith("application/geo+json")
        assert page.headers["content-crs"] == f"<{CRS84}>"
        body = page.json()
        seen += [f["id"] for f in body["features"]]
        nxt = rels(body).get("next")
        url = nxt[0]["href"] if nxt else None
        pages += 1
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 50)
    last = get_json(ref_client, "/collections/buildings/items", limit=50, offset=50)
    assert "prev" in rels(last)


def test_feature_ids_are_stable(ref_client):
    first = get_json(ref_client, "/collections/buildings/items", limit=3)["features"]
    for f in first:
        one = get_json(ref_client, f"/collections/buildings/items/{f['id']}")
        # One item carries its dwellings besides what a page does (gis.ogc.features.ITEM_EXTRAS).
        assert "dwellings" in one["properties"]
        del one["properties"]["dwellings"]
        assert one["id"] == f["id"] and one["properties"] == f["properties"]
        assert "self" in rels(one) and "collection" in rels(one)


def test_coordinates_land_in_vollsmose(ref_client):
    for layer in LAYERS:
        box_lon, box_lat = box_of(layer)
        for f in get_json(ref_client, f"/collections/{layer}/items", limit=5)["features"]:
            lon, lat = _first_position(f["geometry"]["coordinates"])
            assert box_lon[0] < lon < box_lon[1] and box_lat[0] < lat < box_lat[1], layer
    vollsmose = get_json(ref_client, "/collections/areas/items", filter="slug = 'vollsmose'")
    lon, lat = _first_position(vollsmose["features"][0]["geometry"]["coordinates"])
    assert LON[0] < lon < LON[1] and LAT[0] < lat < LAT[1]


def _first_position(coords):
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


@pytest.mark.parametrize(
    ("crs", "check"),
    [
        (CRS84, lambda x, y: LON[0] < x < LON[1] and LAT[0] < y < LAT[1]),
        (EPSG4326, lambda x, y: LAT[0] < x < LAT[1] and LON[0] < y < LON[1]),
        ("EPSG:25832", lambda x, y: 585_000 < x < 595_000 and 6_135_000 < y < 6_145_000),
        (WEB, lambda x, y: 1_150_000 < x < 1_170_000 and 7_430_000 < y < 7_450_000),
    ],
)
def test_output_crs_and_content_crs(ref_client, crs, check):
    r = ref_client.get("/collections/facilities/items", params={"crs": crs, "limit": 3})
    assert r.status_code == 200, r.text
    uri = crs if crs.startswith("http") else UTM
    assert r.headers["content-crs"] == f"<{uri}>"
    for f in r.json()["features"]:
        assert check(*f["geometry"]["coordinates"])


def test_bbox_in_each_crs_selects_the_same_features(ref_client, ref_conn):
    # A UTM box around Vollsmose Torv and the same box in other CRSs.
    x0, y0, x1, y1 = 590800, 6140600, 591500, 6141200
    expected = count(
        ref_conn,
        "SELECT count(*) FROM building WHERE ST_Intersects(footprint, "
        "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 25832))",
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
    )
    assert 0 < expected < count(ref_conn, "SELECT count(*) FROM building")
    utm = get_json(
        ref_client,
        "/collections/buildings/items",
        limit=1000,
        bbox=f"{x0},{y0},{x1},{y1}",
        **{"bbox-crs": UTM},
    )
    assert utm["numberMatched"] == expected
    ll = ref_conn.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform("
            "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 25832), 4326)::box2d b) s"
        ),
        dict(x0=x0, y0=y0, x1=x1, y1=y1),
    ).one()
    # The geographic box of a UTM box is a little larger: at least the same features.
    crs84 = get_json(
        ref_client, "/collections/buildings/items", limit=1000, bbox=",".join(map(str, ll))
    )
    lat_first = get_json(
        ref_client,
        "/collections/buildings/items",
        limit=1000,
        bbox=f"{ll[1]},{ll[0]},{ll[3]},{ll[2]}",
        **{"bbox-crs": EPSG4326},
    )
    assert crs84["numberMatched"] == lat_first["numberMatched"] >= expected


def test_datetime_on_the_life_of_buildings(ref_client, ref_conn):
    fid = count(ref_conn, "SELECT min(id) FROM building WHERE demolished_year = 2026")

    def ids(**params) -> set[int]:
        doc = get_json(ref_client, "/collections/buildings/items", limit=1000, **params)
        return {f["id"] for f in doc["features"]}

    assert fid in ids(datetime="2025-06-01")
    assert fid in ids(datetime="2026-12-31T23:00:00Z")
    assert fid not in ids(datetime="2027-01-01")
    assert fid not in ids(datetime="2030")
    assert fid not in ids(datetime="2027-01-01/2030-01-01")
    n2030 = count(
        ref_conn,
        "SELECT count(*) FROM building WHERE state_includes(built_year, demolished_year, 2030)",
    )
    assert len(ids(datetime="2030")) == n2030
    assert fid in ids(datetime="2020/2026") and fid not in ids(datetime="2027/..")


def test_filters_civica_demolished_between_2024_and_2027(ref_client, ref_conn):
    expected = count(
        ref_conn,
        "SELECT count(*) FROM building WHERE owner = 'Civica' "
        "AND demolished_year BETWEEN 2024 AND 2027",
    )
    assert expected > 0
    text_filter = "owner = 'Civica' AND demolished_year BETWEEN 2024 AND 2027"
    doc = get_json(ref_client, "/collections/buildings/items", filter=text_filter, limit=1000)
    assert doc["numberMatched"] == doc["numberReturned"] == expected
    json_filter = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "owner"}, "Civica"]},
            {"op": "between", "args": [{"property": "demolished_year"}, 2024, 2027]},
        ],
    }
    doc = get_json(
        ref_client,
        "/collections/buildings/items",
        limit=1000,
        filter=json.dumps(json_filter),
        **{"filter-lang": "cql2-json"},
    )
    assert doc["numberReturned"] == expected
    # Part 1 property filter, as QGIS sends it.
    assert get_json(ref_client, "/collections/buildings/items", owner="Civica", limit=1000)[
        "numberReturned"
    ] == count(ref_conn, "SELECT count(*) FROM building WHERE owner = 'Civica'")


def test_spatial_filter_near_the_torv(ref_client, ref_conn):
    doc = get_json(
        ref_client,
        "/collections/facilities/items",
        limit=100,
        filter="S_DWITHIN(geometry, POINT(10.4413 55.4068), 300, meters)",
    )
    expected = count(
        ref_conn,
        "SELECT count(*) FROM facility WHERE ST_DWithin(geom, "
        "ST_Transform(ST_SetSRID(ST_MakePoint(10.4413, 55.4068), 4326), 25832), 300)",
    )
    assert doc["numberReturned"] == expected > 0


def test_sortby_properties_skip_geometry(ref_client):
    doc = get_json(
        ref_client,
        "/collections/buildings/items",
        limit=5,
        sortby="-floor_area_m2,name",
        properties="name,floor_area_m2",
        skipGeometry="true",
    )
    areas = [f["properties"]["floor_area_m2"] for f in doc["features"]]
    assert areas == sorted(areas, reverse=True)
    assert all(set(f["properties"]) == {"name", "floor_area_m2"} for f in doc["features"])
    assert all(f["geometry"] is None for f in doc["features"])


def test_csv_and_geopackage(ref_client, ref_conn):
    total = count(ref_conn, "SELECT count(*) FROM road")
    r = ref_client.get("/collections/roads/items", params={"f": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,") and lines[0].endswith(",wkt")
    assert len(lines) == total + 1
    r = ref_client.get("/collections/roads/items", params={"f": "gpkg", "crs": "EPSG:25832"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geopackage+sqlite3"
    assert r.headers["content-crs"] == f"<{UTM}>"
    df = pyogrio.read_dataframe(io.BytesIO(r.content))
    assert len(df) == total and df.crs.to_epsg() == 25832
    assert 585_000 < df.geometry.total_bounds[0] < 595_000


def test_html_pages(ref_client):
    for url in (
        "/",
        "/collections",
        "/collections/buildings",
        "/collections/buildings/items",
        "/collections/buildings/queryables",
        "/conformance",
    ):
        r = ref_client.get(url, params={"f": "html"})
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("text/html")
        assert "<table" in r.text or "<ul" in r.text
    # A browser gets HTML without asking.
    r = ref_client.get("/collections/buildings/items", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html")
    first = ref_client.get("/collections/buildings/items?limit=1").json()["features"][0]
    page = ref_client.get(f"/collections/buildings/items/{first['id']}", params={"f": "html"})
    assert first["properties"]["name"] in page.text


@pytest.mark.parametrize(
    ("url", "params", "says"),
    [
        ("/collections/buildings/items", {"bbox": "1,2,3"}, "bbox"),
        ("/collections/buildings/items", {"bbox": "10.4,56,10.5,55"}, "bbox"),
        ("/collections/buildings/items", {"bbox": "a,b,c,d"}, "bbox"),
        ("/collections/buildings/items", {"crs": "EPSG:9999"}, "Unsupported crs"),
        ("/collections/buildings/items", {"bbox-crs": "urn:x", "bbox": "1,2,3,4"}, "bbox-crs"),
        ("/collections/buildings/items", {"filter": "owner = "}, "filter"),
        ("/collections/buildings/items", {"filter": "colour = 'red'"}, "unknown property"),
        ("/collections/buildings/items", {"filter": "name LIKE '%\\'"}, "escape character"),
        ("/collections/buildings/items", {"limit": "0"}, "limit"),
        ("/collections/buildings/items", {"limit": "10001"}, "limit"),
        ("/collections/buildings/items", {"limit": "ten"}, "limit"),
        ("/collections/buildings/items", {"datetime": "yesterday"}, "datetime"),
        ("/collections/buildings/items", {"sortby": "colour"}, "sortby"),
        ("/collections/buildings/items", {"properties": "colour"}, "properties"),
        ("/collections/buildings/items", {"colour": "red"}, "colour"),
        ("/collections/buildings/items", {"storeys": "three"}, "integer"),
        ("/collections/buildings/items", {"f": "xml"}, "f must be"),
    ],
)
def test_bad_requests_are_400_problems(ref_client, url, params, says):
    body = assert_problem(ref_client.get(url, params=params), 400)
    assert says in body["detail"]


def test_unknowns_are_404(ref_client):
    assert_problem(ref_client.get("/collections/nope"), 404)
    assert_problem(ref_client.get("/collections/nope/items"), 404)
    assert_problem(ref_client.get("/collections/buildings/items/999999"), 404)
    assert_problem(ref_client.get("/collections/buildings/items/abc"), 404)


def test_injection_attempts_are_data(ref_client, ref_conn):
    before = count(ref_conn, "SELECT count(*) FROM building")
    for value in ("'; DROP TABLE building; --", "x' OR '1'='1"):
        doc = get_json(ref_client, "/collections/buildings/items", owner=value)
        assert doc["numberReturned"] == 0
        doc = get_json(
            ref_client,
            "/collections/buildings/items",
            filter=f"owner = '{value.replace(chr(39), chr(39) * 2)}'",
        )
        assert doc["numberReturned"] == 0
    assert count(ref_conn, "SELECT count(*) FROM building") == before
