"""The list years 2010-2014: the 2012 values of seeds 000/002, the plan's statement that
Vollsmose has been on the list since 2010, provenance per year, and years without data."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import text

from gis.criteria import evaluate
from gis.criteria.importer import import_values
from gis.render.report import render_report
from tests.criteria.support import make_area, year_of

# Seeds 000/002: "pr. 1.10.12": 67,5 % (kriterium 50 %), 53,7 % (40 %), 375 dømte pr. 10.000
# beboere på 18 år (270).
SEED_2012 = {"non_western": 67.5, "outside_work": 53.7, "convicted": 3.75}
THRESHOLDS_2010 = {"non_western": 50.0, "outside_work": 40.0, "convicted": 2.70}


def test_2012_values_of_the_seeds_decide_the_ghetto_list(ref_conn) -> None:
    (y,) = evaluate(ref_conn, "vollsmose", 2012, 2012)
    assert y["rule_set"]["key"] == "ghetto_2010"
    assert not y["illustrative"] and y["listing"] is None  # decided by the figures
    ghetto = next(r for r in y["lists"] if r["key"] == "ghetto")
    by = {c["indicator"]: c for c in ghetto["criteria"]}
    for indicator, value in SEED_2012.items():
        assert by[indicator]["value"] == value
        assert by[indicator]["threshold"] == THRESHOLDS_2010[indicator]
        assert by[indicator]["met"] is True
    assert y["status_key"] == "ghetto" and y["certain"] is True
    assert y["provenance"]["kind"] == "register"
    assert y["provenance"]["date"] == "2012-10-01"
    assert "000/002" in y["provenance"]["source"]


def test_2010_2014_follow_from_the_plan_and_say_there_are_no_figures(ref_conn) -> None:
    years = {y["year"]: y for y in evaluate(ref_conn, "vollsmose", 2010, 2014)}
    for year in (2010, 2011, 2013, 2014):
        y = years[year]
        # Decided (the plan says so), not "kan ikke afgøres"; and no number made up.
        assert y["status_key"] == "ghetto" and y["status"] == "ghettoområde"
        assert y["certain"] is True
        assert y["values"] is None and y["provenance"]["kind"] is None
        assert all(c["value"] is None for r in y["lists"] for c in r["criteria"])
        assert y["listing"]["provenance"]["kind"] == "plan"
        assert "siden den første ghettoliste kom i 2010" in y["listing"]["provenance"]["source"]
        assert f"Ingen indikatorværdier for {year}" in y["reason"]
        assert "Offentliggjort liste" in y["reason"]


def test_years_without_figures_or_statement_say_so(ref_conn) -> None:
    for y in evaluate(ref_conn, "kertemindevejkvarteret", 2010, 2014):
        assert y["values"] is None and y["status_key"] == "no_data"
        assert y["status"] == "ingen data" and y["listing"] is None


def test_invented_years_are_illustrative_with_provenance(ref_conn) -> None:
    for y in evaluate(ref_conn, "vollsmose", 2015, 2025):
        if y["year"] == 2019:
            assert not y["illustrative"] and y["provenance"]["kind"] == "register"
            assert y["provenance"]["date"] == "2019-12-01"
        else:
            assert y["illustrative"] is True
            assert y["provenance"]["kind"] == "illustrative"


def test_a_listing_makes_a_run_of_years_decidable(conn) -> None:
    area = make_area(conn)
    conn.execute(
        text(
            "INSERT INTO criteria_listing (area_id, year, list_key, provenance, data_source)"
            " VALUES (:a, 2013, 'ghetto', 'plan', 'test')"
        ),
        {"a": area},
    )
    assert year_of(conn, 2013)["status_key"] == "ghetto"
    assert year_of(conn, 2012)["status_key"] == "no_data"


def test_reimport_resets_provenance_to_import(ref_conn) -> None:
    csv_text = (
        "area,year,residents,outside_work,convicted,basic_school,income,non_western,"
        "published,illustrative,data_source\n"
        "vollsmose,2012,9000,50.0,3.0,,,66.0,true,false,an import\n"
    )
    import_values(ref_conn, csv_text)
    (y,) = evaluate(ref_conn, "vollsmose", 2012, 2012)
    assert y["provenance"] == {
        "kind": "import",
        "source": "an import",
        "date": dt.date.today().isoformat(),
        "national": None,
    }


def test_api_carries_provenance_and_csv_marks(ref_client) -> None:
    body = ref_client.get("/areas/vollsmose/criteria?from=2010&to=2020").json()
    by = {y["year"]: y for y in body["years"]}
    assert by[2012]["provenance"]["kind"] == "register"
    assert by[2011]["listing"]["provenance"]["kind"] == "plan"
    assert by[2016]["provenance"]["kind"] == "illustrative"
    rows = ref_client.get("/areas/vollsmose/criteria?from=2010&to=2020&f=csv").text.splitlines()
    header = rows[0].split(",")
    assert "provenance" in header and "source" in header


def test_pdf_report_marks_invented_years_and_names_sources(ref_conn) -> None:
    years = evaluate(ref_conn, "vollsmose", 2010, 2025)
    pdf = PdfReader(io.BytesIO(render_report(ref_conn, "vollsmose", 2025).content))
    pages = [p.extract_text() for p in pdf.pages]
    page = next(p for p in pages if "Områdekriterier og listestatus 2010–2025" in p)
    invented = sum(1 for y in years if y["illustrative"])
    assert invented and page.count("(illustrativ)") == invented
    assert page.count("offentliggjort listeværdi") == 2  # 2012 and 2019
    assert page.count("ingen indikatorværdier") >= 4  # 2010, 2011, 2013, 2014
    assert "pr. 2012-10-01" in page and "Illustrativ: værdierne er opfundet" in page
    # The summary's rehousing figures are the bundled invented actuals: marked too (pages[0]
    # is the title page).
    assert "(illustrativ)" in pages[1]


def test_html_pages_mark_invented_rehousing_figures(ref_client) -> None:
    for path in ("/kort/omraader/vollsmose/fremdrift", "/areas/vollsmose/report"):
        html = ref_client.get(f"{path}?year=2025").text
        table = html.split('id="genhusningstabel"', 1)[1].split("</table>", 1)[0]
        assert table.count('class="illustrative"') == table.count("<tr data-key=") > 0
