"""The rehousing page's map of Odense in a real headless Chromium against a real server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_map_draws_the_projects_and_the_areas(ref_server, ref_client, page, console) -> None:
    fc = ref_client.get("/areas/vollsmose/replacement-dwellings?year=2026").json()
    areas = ref_client.get("/criteria/areas?year=2025").json()
    page.goto(f"{ref_server.url}/kort/omraader/vollsmose/genhusning?year=2026")
    page.wait_for_function("() => document.body.dataset.rendered || document.body.dataset.failed")
    assert page.evaluate("document.body.dataset.failed || null") is None
    assert console.errors == []
    drawn = page.locator("#genhusning-map path.leaflet-interactive").count()
    # One path per project (circle markers) and one per monitored area.
    assert drawn == len(fc["features"]) + len(areas["features"])
    undecided = page.locator("#genhusning-map path.leaflet-interactive[stroke-dasharray]")
    assert undecided.count() == sum(1 for f in fc["features"] if not f["properties"]["decided"])
