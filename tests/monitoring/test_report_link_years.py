"""The monitoring page offers the status report only for a year the report is made for,
and says in Danish why there is none for any other year, in a real headless Chromium
against a real server over the reference data."""

from __future__ import annotations

import pytest

from gis.monitoring import texts

pytestmark = pytest.mark.slow


def test_the_report_route_refuses_a_year_before_the_reports(ref_client) -> None:
    # What the page must not offer: the report of 2015 does not exist.
    assert ref_client.get("/areas/vollsmose/report?year=2015").status_code == 422
    assert texts.FIRST_YEAR == 2020


def test_no_report_link_for_a_year_without_a_report(ref_server, page, console) -> None:
    page.goto(f"{ref_server.url}/kort/omraader/vollsmose/fremdrift?year=2015")
    assert page.locator("#report-link").is_hidden()
    none = page.locator("#no-report")
    assert none.is_visible()
    assert none.inner_text() == (
        "Ingen statusrapport for 2015: statusrapporten laves for årene 2020–2040."
    )
    assert page.get_by_role("link", name="Statusrapport (PDF)").count() == 0

    # Typing a year the report is made for offers it again, and back.
    page.fill("#year", "2026")
    assert page.locator("#report-link").is_visible() and none.is_hidden()
    assert "year=2026" in page.get_attribute("#report-link", "href")
    page.fill("#year", "2041")
    assert page.locator("#report-link").is_hidden()
    assert "for 2041:" in none.inner_text()
    assert console.errors == []


def test_the_report_link_for_a_year_with_a_report(ref_server, page, console) -> None:
    page.goto(f"{ref_server.url}/kort/omraader/vollsmose/fremdrift?year=2025")
    assert page.get_by_role("link", name="Statusrapport (PDF)").is_visible()
    assert page.locator("#no-report").is_hidden()
    assert console.errors == []
