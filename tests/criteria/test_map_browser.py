"""The list-status map in a real headless Chromium against a real server.

The browser runs in a thread of its own, as in the monitoring tests: the map tests keep a
session-wide Playwright open in the main thread.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from gis.criteria.labels import STATUS_STYLE
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


def _visit(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(15000)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        page.goto(f"{url}/kort/lister?year=2025")
        page.wait_for_function("document.body.dataset.rendered || document.body.dataset.failed")
        seen["failed"] = page.evaluate("document.body.dataset.failed || null")
        seen["fills"] = page.eval_on_selector_all(
            "#lister-map path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))"
        )
        seen["dashed"] = page.eval_on_selector_all(
            "#lister-map path.leaflet-interactive[stroke-dasharray]",
            "ps => ps.map(p => p.getAttribute('stroke'))",
        )
        seen["legend_visible"] = page.locator("#legend").is_visible()
        seen["legend"] = page.locator("#legend").inner_text()
        seen["rows"] = page.eval_on_selector_all(
            "#lister-tabel tbody tr", "rs => rs.map(r => [r.dataset.slug, r.dataset.status])"
        )
        # Click Vollsmose's row's area on the map: its popup names it.
        drawn = page.evaluate("window.lister.drawn()")
        seen["drawn"] = drawn
        seen["footer"] = page.locator("footer.note").inner_text()
        browser.close()
    return seen


def test_the_map_colours_every_area_by_its_status(criteria_server) -> None:
    with urllib.request.urlopen(f"{criteria_server.url}/criteria/areas?year=2025") as r:
        fc = json.load(r)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_visit, criteria_server.url).result()
    assert seen["failed"] is None and seen["errors"] == []
    colour = {k: s["colour"] for s in STATUS_STYLE for k in s["keys"]}
    statuses = [f["properties"]["status_key"] for f in fc["features"]]
    assert Counter(seen["fills"]) == Counter(colour[s] for s in statuses)
    approached = [f["properties"]["approaching"] for f in fc["features"]]
    assert Counter(seen["dashed"]) == Counter(colour[a[0]["key"]] for a in approached if a)
    assert sorted(seen["rows"]) == sorted(
        [f["properties"]["slug"], f["properties"]["status_key"]] for f in fc["features"]
    )
    assert seen["legend_visible"] and "forebyggelsesområde" in seen["legend"]
    assert "Illustrativt" in seen["legend"] and "illustrative" in seen["footer"]
    assert len(seen["drawn"]) == len(fc["features"])
