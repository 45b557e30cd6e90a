"""Editing the plan on a phone (390x844), in a real headless Chromium against a real server
over a writable copy of the reference data: the edit panel is a bottom sheet folded with a
Danish button (aria-expanded), a building's popup stays above it so its "Redigér" takes a
real click, and the map keeps at least half the screen while the sheet is open."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from tests.maps.test_viewer_editing import (
    EGEPARKEN_BLOK_4,
    item,
    log_in,
    open_viewer,
    save_and_wait,
)

pytestmark = pytest.mark.slow

# How much of the screen's height the map shows above the sheet (and below the page's top).
MAP_SHOWN = """() => {
  const m = document.getElementById('map-a').getBoundingClientRect();
  const p = document.getElementById('edit-panel');
  const sheet = p.hidden ? innerHeight : p.getBoundingClientRect().top;
  return (Math.min(m.bottom, sheet, innerHeight) - Math.max(m.top, 0)) / innerHeight;
}"""


def test_a_planner_edits_a_building_on_a_phone(phone, writable_server, writable_ref, console):
    open_viewer(phone, writable_server, "?year=2028")
    log_in(phone, writable_ref.tokens["planner"])
    fold = phone.locator("#edit-fold")
    assert fold.get_attribute("aria-expanded") == "false"
    assert fold.inner_text() == "Vis redigering"
    phone.locator("#maps").scroll_into_view_if_needed()
    p = shape(item(writable_server, "buildings", EGEPARKEN_BLOK_4).json()["geometry"])
    p = p.representative_point()
    phone.evaluate("([a, b]) => window.kort.map.setView([a, b], 17, {animate: false})", [p.y, p.x])
    pt = phone.evaluate("([a, b]) => window.kort.toPixel('a', a, b)", [p.y, p.x])
    phone.mouse.click(pt["x"], pt["y"])
    # A real click: Playwright refuses one on a button another element covers.
    phone.locator(".building-popup .edit-btn").click(timeout=5000)
    phone.wait_for_selector(f"body[data-editing='buildings:{EGEPARKEN_BLOK_4}']")
    assert fold.get_attribute("aria-expanded") == "true"
    assert fold.inner_text() == "Skjul redigering"
    sheet = phone.locator("#edit-panel").bounding_box()
    assert sheet["height"] <= 0.45 * 844, sheet
    assert phone.evaluate(MAP_SHOWN) >= 0.5
    phone.locator("#f-storeys").fill("6")
    save_and_wait(phone, "Gemt")
    assert phone.evaluate(MAP_SHOWN) >= 0.5
    # Folded, the sheet is its button only.
    fold.click()
    assert fold.get_attribute("aria-expanded") == "false"
    assert phone.locator("#edit-form").is_hidden()
    assert phone.locator("#edit-panel").bounding_box()["height"] < 60
    # Open again, then logged out: no room is kept at the page's foot for a sheet.
    fold.click()
    assert phone.evaluate("() => document.body.classList.contains('edit-sheet-open')")
    phone.locator("#logout").click()
    assert phone.evaluate("() => getComputedStyle(document.body).paddingBottom") == "0px"
    assert console.errors == []
