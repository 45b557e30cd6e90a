"""A bad or stale link to a Danish page, followed in a real headless Chromium against a real
server over the reference data: a Danish page with the right status saying what was wrong and
linking back to the map, never the API's English problem document; the viewer with a year it
cannot show opens at its default year and says so. API clients keep problem+json."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.slow

ENGLISH = re.compile(r"Invalid|Not found|Nothing at|greater than|must|should|problem", re.I)


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/kort/lister?year=1990", 422, "År »1990« skal være mindst 2000."),
        ("/kort/omraader/vollsmose/fremdrift?year=1800", 422, "År »1800« skal være mindst"),
        ("/kort/omraader?from=2040&to=2020", 422, "Til år »2020« ligger før fra-året."),
        ("/kort/omraader/ukendt", 404, "Området »ukendt« findes ikke."),
        ("/kort/omraader/vollsmose?quarters=findes-ikke", 404, "»findes-ikke« findes ikke."),
        ("/kort/finnesikke", 404, "Der er ingen side på adressen »/kort/finnesikke«."),
    ],
)
def test_a_bad_link_gets_a_danish_page_with_its_status(
    page, ref_server, console, path, status, said
):
    answer = page.goto(ref_server.url + path)
    assert answer.status == status
    assert answer.headers["content-type"].startswith("text/html")
    text = page.locator("main").inner_text()
    assert said in text, text
    assert not ENGLISH.search(text), text
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").inner_text() in ("Linket kan ikke vises", "Siden findes ikke")
    back = page.get_by_role("link", name="Til kortet")
    assert back.get_attribute("href") == "/kort"
    # The page runs under the Content-Security-Policy like every other (its menu script).
    assert [e for e in console.errors if f"status of {status}" not in e] == []
    # An API client asking the same keeps the problem document.
    r = httpx.get(ref_server.url + path, headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("year", ["1900", "abc"])
def test_the_viewer_opens_at_its_default_year_on_a_stale_year(page, ref_server, console, year):
    answer = page.goto(f"{ref_server.url}/kort?year={year}&compare=3000")
    assert answer.status == 200
    page.wait_for_function("() => document.body.dataset.rendered && !document.body.dataset.busy")
    notice = page.locator("#link-notice")
    assert f"Året »{year}« i linket kan ikke vises" in notice.inner_text()
    assert "så kortet viser 1. januar 2020" in notice.inner_text()
    assert "Sammenligningsåret »3000«" in notice.inner_text()
    assert page.evaluate("window.kort.panes()")[0]["year"] == 2020
    assert page.locator(".year-btn.active").inner_text() == "2020"
    assert "year=2020" in page.url and "compare" not in page.url
    assert console.errors == []
    r = httpx.get(f"{ref_server.url}/kort?year={year}", timeout=30)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_a_value_of_the_link_is_shown_as_text_not_markup(ref_client):
    """The page quotes the value the link held: as text, whatever it holds."""
    markup = '<img src=x onerror="alert(1)">'
    r = ref_client.get("/kort/lister", params={"year": markup}, headers={"Accept": "text/html"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert markup not in r.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in r.text, r.text
