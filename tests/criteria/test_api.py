"""The criteria over HTTP: one area year by year (JSON, CSV), all areas as GeoJSON, the page."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from gis.criteria import areas_status, evaluate


def test_area_criteria_json_is_the_evaluation(ref_client, ref_conn) -> None:
    r = ref_client.get("/areas/vollsmose/criteria?from=2015&to=2025")
    assert r.status_code == 200
    body = r.json()
    assert [y["year"] for y in body["years"]] == list(range(2015, 2026))
    assert body["years"] == evaluate(ref_conn, "vollsmose", 2015, 2025)
    y2019 = body["years"][4]
    assert y2019["status_key"] == "haard_ghetto" and y2019["reason"]
    assert {c["indicator"] for lst in y2019["lists"] for c in lst["criteria"]} == {
        "outside_work",
        "convicted",
        "basic_school",
        "income",
        "non_western",
    }


def test_area_criteria_csv_has_one_row_per_criterion(ref_client, ref_conn) -> None:
    r = ref_client.get("/areas/vollsmose/criteria?from=2019&to=2021&f=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    expected = evaluate(ref_conn, "vollsmose", 2019, 2021)
    n = sum(max(1, len(lst["criteria"])) for y in expected for lst in y["lists"])
    assert len(rows) == n
    assert {r["status_key"] for r in rows if r["year"] == "2019"} == {"haard_ghetto"}


def test_area_criteria_errors_are_problems(ref_client) -> None:
    r = ref_client.get("/areas/findes-ikke/criteria")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = ref_client.get("/areas/vollsmose/criteria?from=2025&to=2015")
    # A reversed period names `to`, as every period does (api.deps._period_errors).
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "to"
    r = ref_client.get("/areas/vollsmose/criteria?from=tyve")
    assert r.status_code == 422


def test_all_areas_as_geojson(ref_client, ref_conn) -> None:
    r = ref_client.get("/criteria/areas?year=2025")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    n_areas = ref_conn.execute(text("SELECT count(*) FROM area")).scalar_one()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == n_areas
    expected = {a["slug"]: a for a in areas_status(ref_conn, 2025)}
    for f in fc["features"]:
        p = f["properties"]
        assert p["status_key"] == expected[p["slug"]]["status_key"]
        assert p["approaching"] == expected[p["slug"]]["approaching"]
        lng, lat = f["geometry"]["coordinates"][0][0][0]
        assert 10.2 < lng < 10.6 and 55.3 < lat < 55.5  # Odense, in WGS84
    assert "illustrative" in fc["note"].lower()
    for entry in fc["lists"]:
        meet = sorted(
            f["properties"]["slug"]
            for f in fc["features"]
            for lst in f["properties"]["lists"]
            if lst["key"] == entry["key"] and lst["met"] is True
        )
        assert sorted(entry["meet"]) == meet
    by_key = {e["key"]: e for e in fc["lists"]}
    assert "korsloekkeparken" in by_key["udsat"]["meet"]
    assert "vollsmose" in by_key["parallelsamfund"]["approach"]


def test_lists_page_is_danish_with_legend_and_note(ref_client) -> None:
    r = ref_client.get("/kort/lister?year=2025")
    assert r.status_code == 200 and 'lang="da"' in r.text
    assert 'id="legend"' in r.text and "forebyggelsesområde" in r.text
    assert "illustrative" in r.text.lower()
    assert ref_client.get("/kort/lister?year=1900").status_code == 422


def test_monitoring_page_shows_the_computed_status(ref_client, ref_conn) -> None:
    html = ref_client.get("/kort/omraader/vollsmose/fremdrift?year=2025").text
    for y in evaluate(ref_conn, "vollsmose", 2010, 2025):
        row = html.split(f'<tr data-year="{y["year"]}"', 1)[1].split("</tr>", 1)[0]
        assert f"<td>{y['year']}</td><td>{y['status']}" in row
        # Invented figures are marked on the row; published and plan-stated ones are not.
        assert ("(illustrativ)" in row) is y["illustrative"]
        assert ('class="illustrative"' in row) is y["illustrative"]
