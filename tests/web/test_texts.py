"""The Danish pages' words where the plan has its own: rows of boligafdelinger headed so,
sale plots as 'Salgsfelt' (a 'delområde' is a lokalplan's), the plan's 'Måske nedrives', and
the bundled dataset's English metadata shown in Danish."""

from __future__ import annotations

import re
from pathlib import Path

from gis import styles

WEB = Path(__file__).resolve().parents[2] / "web"


def _headers(html: str) -> list[str]:
    return [
        re.search(r"<th>([^<]*)</th>", t).group(1)
        for t in re.findall(r"<thead>.*?</thead>", html, re.S)
    ]


def test_area_page_heads_rows_by_what_they_are(ref_client):
    depts = ref_client.get("/kort/omraader/vollsmose?quarters=afdelinger").text
    quarters = ref_client.get("/kort/omraader/vollsmose?quarters=kvarterer").text
    assert set(_headers(depts)[:3]) == {"Boligafdeling"}
    assert set(_headers(quarters)[:3]) == {"Kvarter"}


def test_area_page_says_its_source_and_description_in_danish(ref_client):
    html = ref_client.get("/kort/omraader/vollsmose").text
    assert "Kilde: Referencedatasæt for Fremtidens Vollsmose" in html
    assert "Det hårde ghettoområde (omdannelsesområde) Vollsmose" in html
    assert "Reference dataset" not in html and "The hard ghetto area" not in html


def test_sale_plots_are_salgsfelter_not_delomraader(ref_client):
    html = ref_client.get("/kort/arealer").text
    assert "<th>Salgsfelt</th>" in html
    script = (WEB / "static" / "land" / "arealer.js").read_text()
    assert "Salgsfelt" in script
    assert "delområde" not in (html + script).lower()


def test_hatching_is_the_plans_maaske_nedrives():
    assert styles.LAYER_STYLES["buildings"].style("to_demolish").label == "Måske nedrives"


def test_danish_leaves_other_text_as_written():
    assert styles.danish("Test data, hand-made") == "Test data, hand-made"
    assert styles.danish(None) is None
    # Line breaks or doubled spaces in the stored text do not defeat the translation.
    english = next(iter(styles._REFERENCE_TEXTS_DA))
    assert styles.danish(english.replace(" ", "\n", 3)) == styles._REFERENCE_TEXTS_DA[english]


def test_areas_overview_shows_every_areas_share_as_the_api_gives_it(ref_client):
    """A row per area, in the API's order, each fremtidsbillede year's share and the first
    year under the limit as `/legal-share` answers them, and a link to the area's own page."""
    api = ref_client.get("/legal-share", params={"from": 2020, "to": 2030}).json()
    html = ref_client.get("/kort/omraader", params={"from": 2020, "to": 2030}).text
    rows = re.findall(r'<tr data-area="([^"]+)">(.*?)</tr>', html, re.S)
    assert [slug for slug, _ in rows] == [a["area"] for a in api["areas"]]
    for (slug, row), area in zip(rows, api["areas"], strict=True):
        assert re.search(rf'href="[^"]*/kort/omraader/{slug}"', row)
        cells = dict(re.findall(r'<td data-year="(\d+)"[^>]*>([^<]*)</td>', row))
        assert list(cells) == ["2020", "2025", "2030"]
        for year in area["years"]:
            share = year["total"]["legal_share"]
            if str(year["year"]) in cells:
                shown = "–" if share is None else f"{share * 100:.1f} %".replace(".", ",")
                assert cells[str(year["year"])] == shown, (slug, year["year"])
        first = re.search(r'class="first-compliant">([^<]*)<', row).group(1)
        measured = any(y["total"]["legal_share"] is not None for y in area["years"])
        if area["first_compliant_year"]:
            assert first == str(area["first_compliant_year"])
        else:
            # An area without a dwelling in the data is not "over the limit": it has no share.
            assert first == ("ikke i perioden" if measured else "ingen boliger registreret")
    assert "ingen boliger registreret" in dict(rows)["tarup"]
    assert "ikke i perioden" in dict(rows)["kertemindevejkvarteret"]
    vollsmose = dict(rows)["vollsmose"]
    assert re.search(r'data-year="2030" class="ok"', vollsmose)
    assert "/legal-share?from=2020&amp;to=2030&amp;f=csv" in html
    # The default period is the area pages' own.
    default = ref_client.get("/kort/omraader").text
    assert f"{styles.VIEWER_MIN_YEAR}–{styles.VIEWER_MAX_YEAR}" in default


def test_an_area_without_dwellings_has_no_share_not_a_missed_limit(ref_client):
    """A criteria area the plan holds no dwellings of: its page says the share cannot be
    computed, not that it stays over the limit, and marks no year over or under it."""
    html = ref_client.get("/kort/omraader/tarup").text
    assert 'id="no-dwellings"' in html
    assert "Andelen kommer ikke under grænsen" not in html
    assert "Ikke nået i perioden" not in html
    assert 'class="over"' not in html
    years = re.findall(r"<tr><td>(\d{4})</td>.*?<td>([^<]*)</td></tr>", html)
    assert years and all(under == "–" for _, under in years)
    vollsmose = ref_client.get("/kort/omraader/vollsmose").text
    assert 'id="no-dwellings"' not in vollsmose
    assert 'id="first-compliant">2028<' in vollsmose


def test_areas_overview_refuses_a_backwards_period(ref_client):
    response = ref_client.get("/kort/omraader", params={"from": 2031, "to": 2020})
    assert response.status_code == 422
