"""On a phone (390 px) a wide table scrolls inside its own box, never widening the page: the
program page, the monitoring page, the status report and the rehousing page, in a real
headless Chromium against a real server over the reference data. The box is a region a
keyboard user can reach (tabindex 0) and that a screen reader names in Danish."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# Page, and the tables on it that are wider than a phone.
PAGES = [
    ("/kort/program", ["#beskaeftigelse-tabel"]),
    ("/kort/omraader/vollsmose/fremdrift", ["#andel-maal", "#planpunkter"]),
    ("/areas/vollsmose/report?year=2025", ["#andel-maal", "#planpunkter"]),
    ("/kort/omraader/vollsmose/genhusning", ["#genhusning-flytninger"]),
]

# The elements wider than the window, to say what widens the page when the test fails.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 390 + 1)
  .filter(e => !e.closest('.table-scroll, .leaflet-container, .gantt-wrap, .chart-wrap'))
  .slice(0, 8).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className
                     + ' ' + Math.round(e.getBoundingClientRect().right))"""


PHONE = 390


@pytest.mark.parametrize(("path", "tables"), PAGES, ids=[p for p, _ in PAGES])
def test_a_wide_table_scrolls_in_its_box_not_the_page(phone, ref_server, console, path, tables):
    phone.goto(ref_server.url + path)
    phone.wait_for_load_state("load")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    inner = phone.evaluate("() => window.innerWidth")
    # A phone's browser widens its layout viewport to a page too wide for it (and shrinks
    # the text): the window is the phone's width still.
    assert inner == PHONE, inner
    assert width <= inner, (width, phone.evaluate(WIDE))
    for selector in tables:
        box = phone.locator(f"{selector}").locator("xpath=..")
        assert box.evaluate("b => b.classList.contains('table-scroll')"), selector
        assert box.get_attribute("tabindex") == "0"
        assert box.get_attribute("role") == "region"
        label = box.get_attribute("aria-label") or ""
        assert label.startswith("Tabel"), label
        sizes = box.evaluate(
            """b => ({overflow: getComputedStyle(b).overflowX, box: b.clientWidth,
                      scroll: b.scrollWidth, table: b.firstElementChild.offsetWidth,
                      right: b.getBoundingClientRect().right})"""
        )
        # The table keeps its width (whole, scrolled to), the box keeps to the window.
        assert sizes["overflow"] == "auto", sizes
        assert sizes["right"] <= inner, sizes
        assert sizes["table"] > sizes["box"], sizes
        assert sizes["scroll"] >= sizes["table"], sizes
        # The keyboard reaches the box; the arrow keys scroll it.
        box.focus()
        phone.keyboard.press("ArrowRight")
        phone.wait_for_function(
            "s => document.querySelector(s).parentElement.scrollLeft > 0", arg=selector
        )
    assert console.errors == []
