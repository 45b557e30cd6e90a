"""Back and forward in the browser step through what a person chose to see in the viewer
(the year, the recorded time), and the map follows: in a real headless Chromium against a
real server over the test plan. A pan only replaces the entry."""

from __future__ import annotations

import pytest

from tests.maps.test_viewer_browser import open_viewer, panes, url_state, wait_rendered

pytestmark = pytest.mark.slow


def shown_year(page) -> int:
    return panes(page)[0]["year"]


def step(page, action) -> None:
    mark = page.evaluate("document.body.dataset.rendered")
    action()
    wait_rendered(page, mark)


def test_back_and_forward_step_through_years_and_the_recorded_time(page, server, console):
    open_viewer(page, server, "?year=2020")
    step(page, lambda: page.get_by_role("button", name="2025").click())
    step(page, lambda: page.get_by_role("button", name="2030").click())
    # A pan is no step of its own.
    page.evaluate("window.kort.map.panBy([40, 0], {animate: false})")
    page.wait_for_function("() => location.search.includes('view=')")
    assert shown_year(page) == 2030

    step(page, page.go_back)
    assert shown_year(page) == 2025 and url_state(page)["year"] == "2025"
    assert page.locator(".year-btn.active").inner_text() == "2025"
    step(page, page.go_back)
    assert shown_year(page) == 2020
    assert page.locator("#year-slider").input_value() == "2020"
    step(page, page.go_forward)
    assert shown_year(page) == 2025

    # The recorded time, too: Back returns to the plan as recorded now.
    def record():
        page.locator("#recorded-date").fill("2021-03-01")
        page.locator("#recorded-date").dispatch_event("change")

    step(page, record)
    assert url_state(page)["recorded"] == "2021-03-01"
    step(page, page.go_back)
    assert "recorded" not in url_state(page)
    assert page.locator("#recorded-date").input_value() == ""
    assert "som registreret nu" in page.locator("#plan-label").inner_text()
    assert shown_year(page) == 2025
    assert console.errors == []
