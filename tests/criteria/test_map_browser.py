"""The list-status map in a real headless Chromium against a real server."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

import pytest

from gis.criteria.labels import STATUS_STYLE

pytestmark = pytest.mark.slow


def _visit(page, url: str) -> dict:
    seen: dict = {}
    page.goto(f"{url}/kort/lister?year=2025")
    page.wait_for_function("() => document.body.dataset.rendered || document.body.dataset.failed")
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
    seen["marked"] = page.eval_on_selector_all(
        "#lister-tabel tbody tr",
        "rs => rs.filter(r => r.querySelector('.illustrative-mark')).map(r => r.dataset.slug)",
    )
    return seen


def test_the_map_colours_every_area_by_its_status(ref_server, page, console) -> None:
    with urllib.request.urlopen(f"{ref_server.url}/criteria/areas?year=2025") as r:
        fc = json.load(r)
    seen = _visit(page, ref_server.url)
    assert seen["failed"] is None and console.errors == []
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
    # Every status built on invented figures is marked in the table, and only those.
    invented = [f["properties"]["slug"] for f in fc["features"] if f["properties"]["illustrative"]]
    assert invented and sorted(seen["marked"]) == sorted(invented)
