"""GET /land/sellable: each filter alone and combined, CQL2, the summary, the exports.

Expectations come from the tables read plainly (parcel, parcel_land, quarter) and from
`parcel_walks` itself, filtered in Python: never from the query under test.
"""

from __future__ import annotations

import csv
import io
import json

import pyogrio
import pytest
import shapely
from sqlalchemy import text

from gis.land.network import parcel_walks
from gis.land.sellable import DEFAULT_WALK_YEAR, SELLABLE_STATUSES, SellableQuery, sellable
from gis.layers import LAYERS
from tests.api.conftest import make_client

PLOTS = LAYERS["plots"]


@pytest.fixture(scope="module")
def land(ref_engine) -> dict[int, dict]:
    with ref_engine.connect() as conn:
        rows = conn.execute(
            text(
                """
                SELECT p.id, p.registered_area_m2 AS area, p.planned_use AS use,
                       ST_AsBinary(ST_PointOnSurface(p.geom)) AS anchor, l.*
                FROM parcel p JOIN parcel_land l ON l.parcel_id = p.id
                """
            )
        ).mappings()
        out = {}
        for r in rows:
            r = dict(r)
            r["anchor"] = shapely.from_wkb(bytes(r["anchor"]))
            r["right"] = r["building_right_m2"]
            if r["right"] is None and r["plot_ratio"] is not None:
                r["right"] = r["plot_ratio"] * r["area"]
            out[r["id"]] = r
        return out


@pytest.fixture(scope="module")
def walks_by_year(ref_engine) -> dict:
    cache: dict[int, dict] = {}

    def get(year: int):
        if year not in cache:
            with ref_engine.connect() as conn:
                cache[year] = parcel_walks(conn, year)
        return cache[year]

    return get


def ask(conn, **params) -> dict[int, dict]:
    multi = {k: v if isinstance(v, list) else [str(v)] for k, v in params.items()}
    found = sellable(conn, PLOTS, SellableQuery.from_params(multi))
    return {r[0]: dict(zip(found.columns, r, strict=True)) for r in found.rows}


def expect(land, test) -> set[int]:
    return {i for i, r in land.items() if test(r)}


def sellable_status(r) -> bool:
    return r["sale_status"] in SELLABLE_STATUSES


def test_without_filters_the_sellable_plots(ref_conn, land):
    assert set(ask(ref_conn)) == expect(land, sellable_status)
    assert set(SELLABLE_STATUSES) == {"planned", "on_offer"}


@pytest.mark.parametrize(
    "status", [["sold"], ["sold,under_option"], ["sold", "under_option"], ["reserved_welfare"]]
)
def test_status_alone(ref_conn, land, status):
    wanted = {s for v in status for s in v.split(",")}
    assert set(ask(ref_conn, status=status)) == expect(land, lambda r: r["sale_status"] in wanted)


def test_status_any_is_every_land_parcel(ref_conn, land):
    assert set(ask(ref_conn, status="any")) == set(land)


@pytest.mark.parametrize("year", [2025, 2026, 2030])
def test_available_by_alone(ref_conn, land, year):
    found = ask(ref_conn, available_by=year)
    assert set(found) == expect(
        land, lambda r: sellable_status(r) and r["sale_year"] is not None and r["sale_year"] <= year
    )
    assert found  # the reference data has plots for sale in each of these years


@pytest.mark.parametrize("use", ["housing", "mixed", "business"])
def test_use_alone(ref_conn, land, use):
    found = ask(ref_conn, use=use, status="any")
    assert set(found) == expect(land, lambda r: r["use"] == use)


@pytest.mark.parametrize(("low", "high"), [(2000, None), (None, 3000), (3000, 50000)])
def test_area_alone(ref_conn, land, low, high):
    params = {"status": "any"}
    if low is not None:
        params["min_area"] = low
    if high is not None:
        params["max_area"] = high
    found = ask(ref_conn, **params)
    assert set(found) == expect(
        land, lambda r: (low is None or r["area"] >= low) and (high is None or r["area"] <= high)
    )


@pytest.mark.parametrize("owner", ["company", "civica", "fab,civica"])
def test_owner_alone(ref_conn, land, owner):
    owners = owner.split(",")
    found = ask(ref_conn, owner=owner)
    assert set(found) == expect(
        land, lambda r: sellable_status(r) and r["owner_category"] in owners
    )
    assert found


@pytest.mark.parametrize("metres", [300, 500, 800])
def test_max_walk_to_stop_alone(ref_conn, land, walks_by_year, metres):
    walks = walks_by_year(DEFAULT_WALK_YEAR)
    found = ask(ref_conn, max_walk_to_stop=metres)

    def near(r):
        w = walks[r["id"]].walk_to_stop_m
        return sellable_status(r) and w is not None and w <= metres

    assert set(found) == expect(land, near)


def test_max_walk_to_bygade_alone_on_the_network_of_the_year(ref_conn, land, walks_by_year):
    walks = walks_by_year(2026)
    found = ask(ref_conn, max_walk_to_bygade=250, year=2026)

    def near(r):
        w = walks[r["id"]].walk_to_bygade_m
        return sellable_status(r) and w is not None and w <= 250

    assert set(found) == expect(land, near)
    for i, row in found.items():
        w = walks[i]
        assert row["walk_to_bygade_m"] == w.walk_to_bygade_m
        assert row["straight_to_bygade_m"] == w.straight_to_bygade_m
        assert row["walk_to_stop_m"] == w.walk_to_stop_m and row["nearest_stop"] == w.nearest_stop


def test_the_walk_year_is_available_by_unless_a_year_is_given(ref_conn, walks_by_year):
    found = sellable(ref_conn, PLOTS, SellableQuery.from_params({"available_by": ["2026"]}))
    assert found.walk_year == 2026
    found = sellable(ref_conn, PLOTS, SellableQuery.from_params({"year": ["2022"]}))
    assert found.walk_year == 2022
    walks = walks_by_year(2022)
    for r in found.rows:
        row = dict(zip(found.columns, r, strict=True))
        assert row["walk_to_stop_m"] == walks[row["id"]].walk_to_stop_m


@pytest.mark.parametrize("quarter", ["torvekvarteret", "granparken", "parkkvarteret"])
def test_within_a_quarter(ref_conn, land, quarter):
    polygon = shapely.from_wkb(
        bytes(
            ref_conn.execute(
                text("SELECT ST_AsBinary(geom) FROM quarter WHERE slug = :s"), {"s": quarter}
            ).scalar_one()
        )
    )
    found = ask(ref_conn, within=quarter, status="any")
    assert set(found) == expect(land, lambda r: polygon.covers(r["anchor"]))
    assert found


def test_within_a_wkt_polygon_in_25832_and_geojson_in_crs84(ref_conn, land):
    xs = sorted(r["anchor"].x for r in land.values())
    ys = sorted(r["anchor"].y for r in land.values())
    # a metre beyond the anchors it is built from, so none lies on its edge
    box = shapely.box(xs[0] - 1, ys[0] - 1, xs[len(xs) // 2] + 1, ys[len(ys) // 2] + 1)
    wanted = expect(land, lambda r: sellable_status(r) and box.covers(r["anchor"]))
    assert wanted
    assert set(ask(ref_conn, within=box.wkt)) == wanted
    lonlat = ref_conn.execute(
        text("SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromText(:w, 25832), 4326), 9)"),
        {"w": shapely.segmentize(box, 10).wkt},
    ).scalar_one()
    found = ask(ref_conn, within=lonlat, **{"within-crs": "CRS84"})
    assert set(found) == wanted


def test_the_issue_s_question(ref_conn, land, walks_by_year):
    """Housing for sale by 2026, at least 2,000 m², within 500 m walk of a letbane stop."""
    walks = walks_by_year(2026)
    found = ask(ref_conn, use="housing", available_by=2026, min_area=2000, max_walk_to_stop=500)

    def fits(r):
        w = walks[r["id"]].walk_to_stop_m
        return (
            r["use"] == "housing"
            and sellable_status(r)
            and r["sale_year"] is not None
            and r["sale_year"] <= 2026
            and r["area"] >= 2000
            and w is not None
            and w <= 500
        )

    assert set(found) == expect(land, fits)
    assert len(found) >= 3


def test_filters_combine_with_owner_status_and_within(ref_conn, land):
    polygon = shapely.from_wkb(
        bytes(
            ref_conn.execute(
                text("SELECT ST_AsBinary(geom) FROM quarter WHERE slug = 'torvekvarteret'")
            ).scalar_one()
        )
    )
    found = ask(ref_conn, owner="company", status="on_offer,under_option", within="torvekvarteret")
    assert set(found) == expect(
        land,
        lambda r: (
            r["owner_category"] == "company"
            and r["sale_status"] in ("on_offer", "under_option")
            and polygon.covers(r["anchor"])
        ),
    )


@pytest.mark.parametrize(
    ("cql", "test"),
    [
        ("building_right_m2 >= 2000", lambda r: r["right"] is not None and r["right"] >= 2000),
        ("constraints LIKE '%noise%'", lambda r: "noise" in r["constraints"]),
        ("sale_year BETWEEN 2026 AND 2028", lambda r: (r["sale_year"] or 0) in (2026, 2027, 2028)),
        ("plot_label IN ('12', '17')", lambda r: r["plot_label"] in ("12", "17")),
    ],
)
def test_cql2_filter(ref_conn, land, cql, test):
    found = ask(ref_conn, filter=cql, status="any")
    assert set(found) == expect(land, test)
    assert found


def test_cql2_json_filter_combines_with_the_parameters(ref_conn, land):
    cql = json.dumps({"op": ">", "args": [{"property": "expected_dwellings"}, 20]})
    found = ask(ref_conn, filter=cql, **{"filter-lang": "cql2-json"}, use="housing")
    assert set(found) == expect(
        land,
        lambda r: (
            sellable_status(r) and r["use"] == "housing" and (r["expected_dwellings"] or 0) > 20
        ),
    )


def test_building_right_is_explicit_or_area_times_ratio(ref_conn, land):
    found = ask(ref_conn, status="any")
    ratio = explicit = 0
    for i, row in found.items():
        r = land[i]
        if r["right"] is None:
            assert row["building_right_m2"] is None
            continue
        assert row["building_right_m2"] == pytest.approx(r["right"], abs=0.5)
        explicit += r["building_right_m2"] is not None
        ratio += r["building_right_m2"] is None
    assert explicit and ratio


def test_the_summary_adds_up(ref_conn):
    found = sellable(ref_conn, PLOTS, SellableQuery.from_params({"status": ["any"]}))
    rows = [dict(zip(found.columns, r, strict=True)) for r in found.rows]
    s = found.summary
    assert s["count"] == len(rows)
    for key, col in (
        ("plot_area_m2", "plot_area_m2"),
        ("building_right_m2", "building_right_m2"),
        ("expected_business_m2", "expected_business_m2"),
    ):
        assert s[key] == pytest.approx(sum(r[col] or 0 for r in rows), abs=0.5)
    assert s["expected_dwellings"] == sum(r["expected_dwellings"] or 0 for r in rows)
    uses = {r["planned_use"] for r in rows}
    assert set(s["by_use"]) == uses
    for key in ("count", "expected_dwellings", "building_right_m2", "plot_area_m2"):
        assert sum(u[key] for u in s["by_use"].values()) == pytest.approx(s[key], abs=1)
    housing = [r for r in rows if r["planned_use"] == "housing"]
    assert s["by_use"]["housing"]["expected_dwellings"] == sum(
        r["expected_dwellings"] or 0 for r in housing
    )


# -- over HTTP ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ref_client(ref_database_url):
    with make_client(ref_database_url) as client:
        yield client


TYPICAL = {"use": "housing", "available_by": "2026", "min_area": "2000", "max_walk_to_stop": "500"}


def test_geojson_answer(ref_client):
    r = ref_client.get("/land/sellable", params=TYPICAL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["features"]
    assert "ILLUSTRATIVE" in body["data_source"]
    assert body["summary"]["count"] == len(body["features"])
    assert body["walk_year"] == 2026
    props = body["features"][0]["properties"]
    for key in (
        "building_right_m2",
        "expected_dwellings",
        "walk_to_stop_m",
        "straight_to_stop_m",
        "nearest_stop",
        "walk_to_bygade_m",
        "straight_to_bygade_m",
    ):
        assert key in props
    lon, lat = body["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 10.41 < lon < 10.45 and 55.40 < lat < 55.42
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "alternate", "collection"} <= rels


def test_csv_export_has_the_same_plots_and_fields(ref_client):
    doc = ref_client.get("/land/sellable", params=TYPICAL).json()
    r = ref_client.get("/land/sellable", params={**TYPICAL, "f": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(x["id"]) for x in rows] == [f["id"] for f in doc["features"]]
    assert set(rows[0]) == {"id", "wkt", *doc["features"][0]["properties"]}
    assert shapely.from_wkt(rows[0]["wkt"]).geom_type == "MultiPolygon"


def test_gpkg_export_reads_with_gdal(ref_client, tmp_path):
    doc = ref_client.get("/land/sellable", params=TYPICAL).json()
    r = ref_client.get("/land/sellable", params={**TYPICAL, "f": "gpkg", "crs": "EPSG:25832"})
    assert r.status_code == 200, r.text
    path = tmp_path / "sellable.gpkg"
    path.write_bytes(r.content)
    df = pyogrio.read_dataframe(path)
    assert df.crs.to_epsg() == 25832
    assert list(df["id"]) == [f["id"] for f in doc["features"]]
    first = doc["features"][0]["properties"]
    assert df["building_right_m2"].iloc[0] == pytest.approx(first["building_right_m2"])
    assert df["nearest_stop"].iloc[0] == first["nearest_stop"]
    assert df.geometry.iloc[0].area == pytest.approx(first["plot_area_m2"], rel=0.01)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"available_by": "soon"}, "available_by"),
        ({"available_by": "1800"}, "available_by"),
        ({"year": "2x"}, "year"),
        ({"min_area": "-5"}, "min_area"),
        ({"max_area": "big"}, "max_area"),
        ({"min_area": "500", "max_area": "100"}, "max_area"),
        ({"use": "castle"}, "use"),
        ({"owner": "nobody"}, "owner"),
        ({"status": "stolen"}, "status"),
        ({"max_walk_to_stop": "nan"}, "max_walk_to_stop"),
        ({"max_walk_to_bygade": "far"}, "max_walk_to_bygade"),
        ({"within": "no-such-quarter"}, "within"),
        ({"within": "POINT(1 2)"}, "within"),
        ({"within": "POLYGON((0 0, 1"}, "within"),
        ({"within": "torvekvarteret", "within-crs": "EPSG:9999"}, "within-crs"),
        ({"filter": "nosuch = 1"}, "filter"),
        ({"filter": "plot_label = "}, "filter"),
        ({"f": "xlsx"}, "f"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_400_naming_the_parameter(ref_client, params, parameter):
    r = ref_client.get("/land/sellable", params=params)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["parameter"] == parameter


def test_kept_walks_follow_a_change_of_the_network(ref_conn):
    """Walks are kept per state of roads, stops and parcels: a new path changes them."""
    before = {r[0]: r for r in sellable(ref_conn, PLOTS, SellableQuery.from_params({})).rows}
    ref_conn.execute(
        text(
            "INSERT INTO road (kind, name, status, geom) SELECT 'path', 'Test', 'existing', "
            "ST_Multi(ST_MakeLine(ST_Centroid(a.geom), ST_Centroid(b.geom))) "
            "FROM parcel a, parcel b "
            "WHERE a.id = (SELECT parcel_id FROM parcel_land WHERE plot_label = '30') "
            "AND b.id = (SELECT parcel_id FROM parcel_land WHERE plot_label = '1')"
        )
    )
    found = sellable(ref_conn, PLOTS, SellableQuery.from_params({}))
    walks = parcel_walks(ref_conn, DEFAULT_WALK_YEAR)
    col = found.columns.index("walk_to_stop_m")
    assert any(r[col] != before[r[0]][col] for r in found.rows)
    for r in found.rows:
        assert r[col] == walks[r[0]].walk_to_stop_m
