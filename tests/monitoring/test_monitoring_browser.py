"""The monitoring page in a real headless Chromium against a real server, as a planner uses it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _visit(page, url: str) -> dict:
    """Drives the page as a planner does; returns what was seen."""
    seen: dict = {}
    page.goto(f"{url}/kort/omraader/vollsmose/fremdrift?year=2025")
    seen["statuses"] = dict(
        page.eval_on_selector_all(
            "svg.gantt .gantt-row", "gs => gs.map(g => [g.dataset.key, g.dataset.status])"
        )
    )
    seen["bar_widths"] = page.eval_on_selector_all(
        "svg.gantt .gantt-row rect:not(.done)", "rs => rs.map(r => r.getBBox().width)"
    )
    seen["today_lines"] = page.locator("svg.gantt line.today").count()
    seen["civica_tooltip"] = page.locator(
        "svg.gantt .gantt-row[data-key='genhusning-civica'] title"
    ).text_content()
    seen["departments"] = page.locator("#afdelingstabel tbody tr").count()
    seen["boegeparken_visible"] = page.locator(
        "#afdelingstabel tr[data-department='Bøgeparken']"
    ).is_visible()
    page.fill("#year", "2028")
    seen["report_href"] = page.get_attribute("#report-link", "href")
    page.click(".year-form button")
    page.wait_for_url("**year=2028")
    seen["heading_after"] = page.locator("h1").text_content()
    return seen


def test_gantt_tables_and_year_switch(ref_server, ref_client, page, console) -> None:
    expected = ref_client.get("/areas/vollsmose/progress?year=2025").json()["items"]
    seen = _visit(page, ref_server.url)

    assert seen["statuses"] == {i["key"]: i["status"] for i in expected}
    assert min(seen["bar_widths"]) > 0 and len(seen["bar_widths"]) == len(expected)
    assert seen["today_lines"] == 1
    # The script adds each row's figures as a tooltip, from the table on the page.
    assert "bagud" in seen["civica_tooltip"]
    assert seen["departments"] == 6 and seen["boegeparken_visible"]
    # The year field steers the report link; submitting shows the other year.
    assert "year=2028" in seen["report_href"]
    assert "1. januar 2028" in seen["heading_after"]
    assert console.errors == []
