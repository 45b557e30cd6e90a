"""The monitoring page in a real headless Chromium against a real server, as a planner uses it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_gantt_tables_and_year_switch(page, ref_server, console, ref_client) -> None:
    page.goto(f"{ref_server.url}/kort/omraader/vollsmose/fremdrift?year=2025")
    expected = ref_client.get("/areas/vollsmose/progress?year=2025").json()["items"]

    rows = page.locator("svg.gantt .gantt-row")
    assert rows.count() == len(expected)
    statuses = page.eval_on_selector_all(
        "svg.gantt .gantt-row", "gs => gs.map(g => [g.dataset.key, g.dataset.status])"
    )
    assert dict(statuses) == {i["key"]: i["status"] for i in expected}
    # Every bar has a visible extent; the line of 1 January is drawn.
    widths = page.eval_on_selector_all(
        "svg.gantt .gantt-row rect:not(.done)", "rs => rs.map(r => r.getBBox().width)"
    )
    assert min(widths) > 0
    assert page.locator("svg.gantt line.today").count() == 1
    # The script adds each row's figures as a tooltip, from the table on the page.
    title = page.locator("svg.gantt .gantt-row[data-key='genhusning-civica'] title")
    assert "bagud" in title.text_content()

    deps = page.locator("#afdelingstabel tbody tr")
    assert deps.count() == 6
    assert page.locator("#afdelingstabel tr[data-department='Bøgeparken']").is_visible()

    # The year field steers the report link; submitting shows the other year.
    page.fill("#year", "2028")
    assert "year=2028" in page.get_attribute("#report-link", "href")
    page.click(".year-form button")
    page.wait_for_url("**year=2028")
    assert "1. januar 2028" in page.locator("h1").text_content()
    assert console.errors == []
