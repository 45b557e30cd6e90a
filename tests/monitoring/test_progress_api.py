"""GET /areas/{area}/progress, /plan-items and the monitoring page, over the reference data."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from gis.monitoring.disclosure import shown_total
from tests.gis.test_progress import add_block, add_item
from tests.gis.test_tenure import AREA, add_area
from tests.monitoring.expected import actuals, to_date


def test_progress_json_rehousing_against_the_seeds_targets(ref_client) -> None:
    for year in (2021, 2025, 2029):
        r = ref_client.get(f"/areas/vollsmose/progress?year={year}")
        assert r.status_code == 200
        body = r.json()
        assert body["as_of"] == f"{year}-01-01" and "illustrative" in body["data_source"]
        civica = next(i for i in body["items"] if i["key"] == "genhusning-civica")
        assert civica["planned_to_date"] == 97 * max(0, min(year, 2029) - 2021)
        # Households: a running total is given rounded to 5 (gis.monitoring.disclosure).
        recorded = shown_total(to_date(actuals("genhusning-civica"), year), "households")
        assert civica["done_to_date"] == (recorded or None)
        assert civica["done_from"] == ("recorded" if recorded else None)
        assert body["discrepancies"] == []


def test_progress_demolition_matches_the_buildings(ref_client, ref_conn) -> None:
    gone = dict(
        ref_conn.execute(
            text(
                "SELECT b.department, sum(s.dwellings) FROM building b"
                " JOIN dwelling_stock s ON s.building_id = b.id"
                " WHERE b.demolished_year < 2025 GROUP BY b.department"
            )
        ).all()
    )
    items = ref_client.get("/areas/vollsmose/progress?year=2025").json()["items"]
    for i in items:
        if i["kind"] == "demolition":
            assert i["done_to_date"] == gone.get(i["department"], 0), i["key"]
            assert i["done_from"] == "map"


def test_progress_csv(ref_client) -> None:
    r = ref_client.get("/areas/vollsmose/progress?year=2025&f=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    json_items = ref_client.get("/areas/vollsmose/progress?year=2025").json()["items"]
    assert [r["key"] for r in rows] == [i["key"] for i in json_items]
    fab = next(r for r in rows if r["key"] == "genhusning-fab")
    total = to_date(actuals("genhusning-fab"), 2025)
    assert float(fab["done_to_date"]) == shown_total(total, "households")


def test_conflict_is_reported_with_both_numbers(conn_client, conn) -> None:
    area = add_area(conn)
    add_block(conn, 10, 30, demolished=2023)
    add_item(conn, area, "nedrivning", targets={2023: 30.0}, actuals={2023: 25.0})
    body = conn_client.get(f"/areas/{AREA}/progress?year=2024").json()
    assert body["discrepancies"] == [
        {"key": "nedrivning", "title": "nedrivning", "derived": 30.0, "recorded": 25.0}
    ]
    [item] = body["items"]
    assert item["conflict"] == {"derived": 30.0, "recorded": 25.0}
    page = conn_client.get(f"/kort/omraader/{AREA}/fremdrift?year=2024")
    assert page.status_code == 200 and 'id="uoverensstemmelser"' in page.text


def test_bad_requests_name_the_parameter(ref_client) -> None:
    r = ref_client.get("/areas/nowhere/progress")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = ref_client.get("/areas/vollsmose/progress?year=1800")
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "year"
    assert ref_client.get("/areas/vollsmose/progress?f=xml").status_code == 422


def test_plan_items_carry_targets_and_actuals(ref_client) -> None:
    items = {i["key"]: i for i in ref_client.get("/areas/vollsmose/plan-items").json()}
    fab = {y["year"]: y for y in items["genhusning-fab"]["years"]}
    assert {y: f["target"] for y, f in fab.items()} == {2023: 67, 2024: 67, 2025: 67}
    assert {y: f["recorded"] for y, f in fab.items()} == actuals("genhusning-fab")
    assert items["letbane-anlaeg"]["decided"] is False


def test_monitoring_page_in_danish(ref_client) -> None:
    r = ref_client.get("/kort/omraader/vollsmose/fremdrift?year=2025")
    assert r.status_code == 200
    html = r.text
    for text_ in (
        "Nedrivning og renovering pr. afdeling",
        "Bøgeparken",
        "Ikke besluttet",
        "Genhusning pr. boligorganisation",
        "Områdekriterier og listestatus",
    ):
        assert text_ in html
    assert html.count("class='gantt-row'") == len(
        ref_client.get("/areas/vollsmose/progress?year=2025").json()["items"]
    )
    assert "illustrative" in html or "illustrativ" in html
