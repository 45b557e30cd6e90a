"""Rehousing across Odense: per year and organisation against the plan, where households
moved (aggregates, counts below 5 suppressed), the list rule, and the replacement dwellings."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from gis.criteria import areas_status
from gis.monitoring.rehousing import SUPPRESS_BELOW, rehousing, suppress
from gis.monitoring.status import annual_status
from gis.render.report import render_report
from tests.monitoring.expected import actuals


def _rows(ref_client) -> list[dict]:
    r = ref_client.get("/areas/vollsmose/rehousing")
    assert r.status_code == 200
    return r.json()["years"]


def test_per_year_and_organisation_against_the_plan(ref_client) -> None:
    rows = _rows(ref_client)
    by = {(y["item"], y["year"]): y for y in rows}
    # The plan (seed 001): Civica ~97 a year 2021-2028; FAB ~67 a year 2023-25; 26 Fyrreparken.
    assert all(by[("genhusning-civica", y)]["planned"] == 97 for y in range(2021, 2029))
    assert sum(by[("genhusning-fab", y)]["planned"] for y in (2023, 2024, 2025)) == 201
    assert sum(y["planned"] or 0 for y in rows if y["item"] == "genhusning-fab-fyrreparken") == 26
    for key in ("genhusning-civica", "genhusning-fab", "genhusning-fab-fyrreparken"):
        for year, quantity in actuals(key).items():
            row = by[(key, year)]
            # The destinations add up to what was recorded, and say they are invented.
            assert row["consistent"] and row["illustrative"]
            if quantity < SUPPRESS_BELOW:  # Fyrreparken 2022: 4 households, never shown
                assert row["suppressed"] and row["recorded"] is row["moved"] is None
            else:
                assert row["recorded"] == row["moved"] == quantity and not row["suppressed"]
            assert row["provenance"]["destinations"]["kind"] == "illustrative"
            assert "seed 001" in row["provenance"]["planned"]["source"]


def test_no_count_below_five_is_shown_or_derivable(ref_client) -> None:
    rows = _rows(ref_client)
    assert any(y["suppressed"] for y in rows)
    for y in rows:
        for n in (y["recorded"], y["moved"]):
            assert n is None or n == 0 or n >= SUPPRESS_BELOW
        shown = [d["households"] for d in y["destinations"] if d["households"] is not None]
        assert all(n >= SUPPRESS_BELOW for n in shown)
        hidden = [d for d in y["destinations"] if d["suppressed"]]
        # A single hidden cell beside a known total would give itself away: never.
        if hidden and y["recorded"] is not None:
            assert len(hidden) == 1 and y["recorded"] - sum(shown) < SUPPRESS_BELOW
    body = ref_client.get("/areas/vollsmose/rehousing?f=csv").text
    for r in csv.DictReader(io.StringIO(body)):
        assert r["households"] == "" or int(r["households"]) >= SUPPRESS_BELOW


@pytest.mark.parametrize(
    "counts",
    [[10, 3, 7], [10, 4], [3, 1], [6, 6, 2], [20, 2, 2, 9], [5, 5, 5, 4]],
)
def test_suppression_merges_small_and_never_leaves_one_derivable(counts) -> None:
    dest = [{"slug": f"a{i}", "name": f"a{i}", "households": n} for i, n in enumerate(counts)]
    out = suppress(dest)
    assert sum(d["households"] or 0 for d in out) <= sum(counts)
    shown = [d for d in out if d["households"] is not None]
    assert all(d["households"] >= SUPPRESS_BELOW for d in shown)
    # What is hidden is either nothing, or a group of at least two or of at least 5.
    hidden_total = sum(counts) - sum(d["households"] for d in shown)
    other = next((d for d in out if d["slug"] is None), None)
    if hidden_total:
        assert other is not None
        assert other["suppressed"] or other["households"] >= SUPPRESS_BELOW


def test_rule_no_rehousing_into_a_listed_area(ref_conn) -> None:
    def on_list(st: dict) -> bool:
        return st["status_key"] not in ("none", "unknown", "no_data", "no_rules")

    body = rehousing(ref_conn, "vollsmose")
    for y in body["years"]:
        # The list in force during the year: published 1 December the year before.
        listed = {a["slug"]: a for a in areas_status(ref_conn, y["year"] - 1)}
        found = False
        for d in y["destinations"]:
            if d["slug"] is not None:
                assert (d["check"] == "barred") is on_list(listed[d["slug"]])
                found |= on_list(listed[d["slug"]])
            else:  # merged: the breach is found even where the count is suppressed
                found |= any(on_list(listed[m]) for m in d["merged_areas"])
        assert y["rule_breached"] is found
    breached = {(y["item"], y["year"]) for y in body["years"] if y["rule_breached"]}
    # The illustrative data's two: 6 into Korsløkkeparken (2024), 3 into Risingparken (2025).
    assert breached == {("genhusning-fab", 2024), ("genhusning-civica", 2025)}
    civica = next(y for y in body["years"] if (y["item"], y["year"]) == ("genhusning-civica", 2025))
    other = next(d for d in civica["destinations"] if d["slug"] is None)
    assert "risingparken" in other["merged_areas"]


def test_replacement_dwellings_geojson_and_totals(ref_client) -> None:
    r = ref_client.get("/areas/vollsmose/replacement-dwellings?year=2026")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["target"] == 1000
    assert sum(f["properties"]["dwellings"] for f in fc["features"]) == fc["planned"] == 1000
    built = sum(
        f["properties"]["dwellings"] for f in fc["features"] if f["properties"]["year"] < 2026
    )
    assert fc["built_to_date"] == built
    for f in fc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 10.2 < lon < 10.6 and 55.3 < lat < 55.5  # in Odense
        assert f["properties"]["illustrative"] is True
    progress = ref_client.get("/areas/vollsmose/progress?year=2026").json()["items"]
    demolished = sum(i["done_to_date"] or 0 for i in progress if i["kind"] == "demolition")
    assert fc["demolished_to_date"] == demolished
    assert ref_client.get("/areas/nowhere/replacement-dwellings").status_code == 404


def test_page_shows_tables_map_and_marks(ref_client) -> None:
    r = ref_client.get("/kort/omraader/vollsmose/genhusning?year=2026")
    assert r.status_code == 200
    html = r.text
    assert 'id="genhusning-map"' in html and "genhusning.js" in html
    assert "Illustrativt:" in html
    flyt = html.split('id="genhusning-flytninger"', 1)[1].split("</table>", 1)[0]
    # Every year with (invented) destinations is marked; the plan's targets alone are not.
    assert flyt.count('<ul class="destinations">') == flyt.count('class="illustrative"') > 0
    assert "overtrådt" in flyt and f"under {SUPPRESS_BELOW}" in flyt
    rep = html.split('id="erstatning-tabel"', 1)[1].split("</table>", 1)[0]
    assert rep.count("(illustrativ)") == rep.count("<tr data-key=") == 11


def test_pdf_report_page_with_rehousing_replacement_and_a_vector_map(ref_conn) -> None:
    pdf = PdfReader(io.BytesIO(render_report(ref_conn, "vollsmose", 2026).content))
    found = [  # the title page's contents skipped
        (n, p) for n, p in enumerate(pdf.pages) if n and "Genhusning i Odense" in p.extract_text()
    ]
    assert len(found) == 1
    n, page = found[0]
    text = page.extract_text()
    assert text.count("overtrådt") == 2  # the two breaches before 1 January 2026
    assert "(illustrativ)" in text and "Illustrativt:" in text
    assert "af planens 1.000" in text and f"under {SUPPRESS_BELOW}" in text
    # The map is drawn as vector paths, not a raster image: the page draws no image XObject
    # (matplotlib names them /I1...; its pages share one resource dictionary, so
    # `page.images` lists the other pages' images too).
    content = page.get_contents().get_data()
    assert not re.search(rb"/I\d+ Do", content)
    assert content.count(b" re") + content.count(b" c\n") + content.count(b" l\n") > 50


def test_monitoring_page_and_report_summarise_and_link(ref_client) -> None:
    for path in ("/kort/omraader/vollsmose/fremdrift", "/areas/vollsmose/report"):
        html = ref_client.get(f"{path}?year=2026").text
        resume = html.split('id="genhusning-odense-resume"', 1)[1].split("</p>", 1)[0]
        assert "2 år og organisation" in resume and "495 af planens 1.000" in resume
        assert "(illustrativ)" in resume and "/kort/omraader/vollsmose/genhusning" in resume


def test_yearly_rehousing_table_never_shows_a_count_below_five(ref_client) -> None:
    html = ref_client.get("/kort/omraader/vollsmose/fremdrift?year=2026").text
    table = html.split('id="genhusning-aar"', 1)[1].split("</table>", 1)[0]
    row = table.split('data-key="genhusning-fab-fyrreparken"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>", 1)[0] for c in row.split("<td>")[2:]]
    recorded = [c.split(" / ")[0] for c in cells if " / " in c]
    # 10, 12 and 4 households recorded 2020-2022 (illustrative): the 4 is not shown.
    assert "under 5" in recorded[2] and recorded[:2] == ["10", "12"]


def test_timeline_marks_the_items_with_invented_progress(ref_client, ref_conn) -> None:
    marked = annual_status(ref_conn, "vollsmose", 2025).illustrative_items
    assert {"genhusning-civica", "genhusning-fab"} <= marked
    html = ref_client.get("/kort/omraader/vollsmose/fremdrift?year=2025").text
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    for row in svg.split("<g class='gantt-row'")[1:]:
        key = row.split("data-key='", 1)[1].split("'", 1)[0]
        assert ("class='illustrative'" in row) is (key in marked)


def test_progress_api_and_csv_mark_invented_recorded_progress(ref_client, ref_conn) -> None:
    marked = annual_status(ref_conn, "vollsmose", 2025).illustrative_items
    items = ref_client.get("/areas/vollsmose/progress?year=2025").json()["items"]
    assert {i["key"] for i in items if i["illustrative"]} == marked
    body = ref_client.get("/areas/vollsmose/progress?year=2025&f=csv").text
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {r["key"] for r in rows if r["illustrative"] == "True"} == marked


def test_an_area_without_rehousing_and_an_unknown_area(ref_client) -> None:
    r = ref_client.get("/kort/omraader/kertemindevejkvarteret/genhusning?year=2025")
    assert r.status_code == 200 and 'id="erstatning-tabel"' in r.text
    body = ref_client.get("/areas/kertemindevejkvarteret/rehousing").json()
    assert body["years"] == []
    for path in ("/areas/nowhere/rehousing", "/kort/omraader/nowhere/genhusning"):
        r = ref_client.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
