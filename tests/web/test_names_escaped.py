"""A name a planner writes is text wherever a page shows it, never markup.

Found by an audit at 2026-12-03: the sellable-land page put a letbane stop's name into its
tooltip as HTML (Leaflet's `bindTooltip` takes HTML), so a name holding an `<img onerror>`
ran script in the page, where an editor's token is kept; and the shared map file ("Del
dette kort") handed folium's tooltip the names unescaped. Over a committed copy of the
reference data, in a real Chromium.
"""

from __future__ import annotations

import html

import pytest

from gis.render import share
from tests.support import merge_patch

pytestmark = pytest.mark.slow

PAYLOAD = 'Stop<img src=x onerror="document.body.dataset.xss=1">'


def _rename(client, writable_ref, path: str, name: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text
    written = merge_patch(client, writable_ref, path, "planner", r.headers["etag"], {"name": name})
    assert written.status_code == 200, written.text


def test_a_stop_s_name_is_text_in_the_sellable_land_page(
    writable_client, writable_ref, writable_server, page
):
    _rename(writable_client, writable_ref, "/collections/rail_stops/items/1", PAYLOAD)
    page.goto(f"{writable_server.url}/kort/arealer")
    page.wait_for_function("() => document.body.dataset.rendered || document.body.dataset.failed")
    opened = """() => {
        let n = 0;
        window.arealer.map.eachLayer((l) => {
            if (l.getTooltip && l.getTooltip()) { l.openTooltip(); n += 1; }
        });
        return [...document.querySelectorAll('.leaflet-tooltip')].map((t) => t.textContent);
    }"""
    page.wait_for_function(f"() => ({opened})().some((t) => t.startsWith('Letbanestop'))")
    page.wait_for_timeout(300)  # an <img> that failed would have run its onerror by now
    shown = page.evaluate(opened)
    assert f"Letbanestop {PAYLOAD}" in shown
    assert page.evaluate("document.body.dataset.xss || null") is None


def test_a_facility_s_name_is_text_in_the_shared_map_file(writable_client, writable_ref):
    _rename(writable_client, writable_ref, "/collections/facilities/items/2", PAYLOAD)
    r = writable_client.get("/kort/del/2030.html")
    assert r.status_code == 200, r.text
    names = [f["properties"]["navn"] for fc in share.features_json(r.text) for f in fc["features"]]
    # folium's tooltip writes the property into the page as HTML: it goes in escaped.
    assert html.escape(PAYLOAD) in names and PAYLOAD not in names
