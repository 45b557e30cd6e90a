"""'Del dette kort': the year's map as one standalone HTML file (folium) that opens from a
mail attachment in Chromium with the network cut off, with no CDN (or any other) link."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from gis.render import share
from tests.maps import kort_data

pytestmark = pytest.mark.slow

# Hosts folium links by default, and others a map page could reach for.
CDN = re.compile(
    r"https?://[^\s\"'<>]*(cdn|jsdelivr|unpkg|jquery|bootstrap|fontawesome|googleapis|"
    r"cloudflare|openstreetmap)",
    re.IGNORECASE,
)
# URLs that are text inside Leaflet's code (the SVG namespace, its attribution and two bug
# reports in comments), never fetched.
TEXT_URLS = {
    "http://www.w3.org/2000/svg",
    "https://leafletjs.com",
    "https://bugs.chromium.org/p/chromium/issues/detail?id=600120",
    "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
}


def _get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def test_shared_map_is_one_file_without_a_cdn(server, browser, tmp_path):
    status, headers, html = _get(f"{server.url}/kort/del/2030.html?area=testby")
    assert status == 200
    assert "attachment" in headers["content-disposition"]
    assert "fremtidsbillede-testby-2030.html" in headers["content-disposition"]
    assert not CDN.search(html)
    assert set(re.findall(r"https?://[^\s\"'<>)\\]+", html)) <= TEXT_URLS
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "L.map(" in html and "leaflet.js" not in html.split("<script>")[0]
    layers = share.features_json(html)
    buildings = next(
        fc
        for fc in layers
        if fc["features"][0]["properties"]["klasse"]
        in {"Eksisterende bygning", "Renoveret", "Ny bygning (kvarterets farve)"}
    )
    # No internal field leaves in a mailed file: a name, a class and the drawing style.
    assert all(set(f["properties"]) == {"navn", "klasse", "_style"} for f in buildings["features"])

    path = tmp_path / "kort.html"
    path.write_text(html)
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    asked: list[str] = []

    def cut_off(route):
        asked.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^https?://"), cut_off)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(
            "() => document.querySelectorAll('path.leaflet-interactive').length > 0"
        )
        drawn = page.locator("path.leaflet-interactive").count()
        circles = sum(len(fc["features"]) for fc in layers)
        assert drawn == circles  # every feature of every layer, points as circles too
        legend = page.locator(".del-legend").inner_text()
        assert "Fremtidsbillede 2030 – Testby" in legend
        assert "Ny bygning (kvarterets farve)" in legend and "omtrentligt layout" in legend
        assert re.fullmatch(r"\d+ k?m", page.locator(".leaflet-control-scale-line").inner_text())
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom ind"
        assert page.evaluate("document.documentElement.lang") == "da"
    finally:
        context.close()
    assert asked == [] and errors == []


def test_shared_map_of_2020_and_a_refused_layer(server):
    status, _, html = _get(f"{server.url}/kort/del/2020.html?area=testby&layers=buildings")
    assert status == 200
    [buildings] = share.features_json(html)
    assert len(buildings["features"]) == 24
    assert sum(f["properties"]["klasse"] == "Måske nedrives" for f in buildings["features"]) == len(
        kort_data.DEMOLISHED
    )
    for query, parameter in (("layers=bygninger", "layers"), ("view=55.4,10.4", "view")):
        status, headers, body = _get(f"{server.url}/kort/del/2020.html?area=testby&{query}")
        assert status == 400 and headers["content-type"].startswith("application/problem+json")
        assert json.loads(body)["errors"][0]["parameter"] == parameter
    # The view the planner had: the file opens where the viewer was.
    _, _, html = _get(f"{server.url}/kort/del/2020.html?area=testby&view=55.40123,10.43456,16")
    assert re.search(r"center:\s*\[55\.40123,\s*10\.43456\]", html)
    assert re.search(r"\"zoom\": 16", html)
    assert not re.search(r"map_[0-9a-f]+\.fitBounds\(", html)
