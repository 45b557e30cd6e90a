"""A scenario with a long name (120 characters, a long unbroken word in it) in the viewer, in
a real headless Chromium against a real server over a writable copy of the reference data:
the Plan menu cuts the name with an ellipsis (its full name in the title) and the label
beside the map breaks it; neither widens the page, on a phone or at a desk."""

from __future__ import annotations

import pytest

from tests.maps.test_viewer_browser import wait_rendered
from tests.maps.test_viewer_editing import api, require_route

pytestmark = pytest.mark.slow

SLUG = "langt-navn"
NAME = ("Egeparken udskudt til " + "Realiseringsplanensomregistreretefterlokalplanen" * 3)[:120]


@pytest.fixture(scope="module")
def long_scenario(writable_server, writable_ref) -> str:
    assert len(NAME) == 120
    require_route(writable_server, "POST", "/scenarios", "POST /scenarios")
    with api(writable_server, writable_ref.tokens["planner"]) as c:
        r = c.post("/scenarios", json={"slug": SLUG, "name": NAME})
    assert r.status_code == 201, r.text
    return SLUG


@pytest.mark.parametrize(("screen", "width"), [("phone", 390), ("page", 1400)])
def test_a_long_scenario_name_never_widens_the_viewer(
    request, writable_server, long_scenario, console, screen, width
):
    pg = request.getfixturevalue(screen)
    pg.goto(f"{writable_server.url}/kort?year=2030&scenario={long_scenario}")
    wait_rendered(pg)
    pg.locator("#plan-label", has_text="Egeparken udskudt til").wait_for()
    sizes = pg.evaluate(
        """() => ({page: document.documentElement.scrollWidth, inner: window.innerWidth,
                  select: document.getElementById('scenario-select').getBoundingClientRect().right,
                  label: document.getElementById('plan-label').getBoundingClientRect().right,
                  bar: document.getElementById('planbar').scrollWidth})"""
    )
    assert sizes["inner"] == width, sizes
    assert sizes["page"] <= width, sizes
    assert sizes["bar"] <= width, sizes
    assert sizes["select"] <= width and sizes["label"] <= width, sizes
    select = pg.locator("#scenario-select")
    # Cut, not lost: the whole name is the select's title and its option's.
    assert select.evaluate("s => getComputedStyle(s).textOverflow") == "ellipsis"
    assert select.get_attribute("title") == f"Scenarie: {NAME}"
    assert pg.locator(f"#scenario-select option[value='{SLUG}']").get_attribute("title") == (
        f"Scenarie: {NAME}"
    )
    assert NAME in pg.locator("#plan-label").inner_text()
    # The adopted plan chosen: the title follows.
    mark = pg.evaluate("document.body.dataset.rendered")
    select.select_option("vedtaget")
    wait_rendered(pg, mark)
    assert select.get_attribute("title") == "Vedtaget plan"
    assert console.errors == []
