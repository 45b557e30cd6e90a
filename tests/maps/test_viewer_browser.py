"""The viewer in a real headless Chromium against a real server, as a planner uses it."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from tests.maps import kort_data

pytestmark = pytest.mark.slow

TO_WGS84 = Transformer.from_crs(25832, 4326, always_xy=True)


def latlng(x: float, y: float) -> tuple[float, float]:
    """Offsets in metres from the test plan's centre -> (lat, lng)."""
    lng, lat = TO_WGS84.transform(kort_data.CENTRE[0] + x, kort_data.CENTRE[1] + y)
    return lat, lng


def open_viewer(page, server, query: str = "") -> None:
    page.goto(f"{server.url}/kort{query}")
    wait_rendered(page)


def wait_rendered(page, previous: str | None = None) -> str:
    page.wait_for_function(
        "prev => document.body.dataset.rendered && !document.body.dataset.busy"
        " && document.body.dataset.rendered !== prev",
        arg=previous,
    )
    return page.evaluate("document.body.dataset.rendered")


def panes(page) -> list[dict]:
    return page.evaluate("window.kort.panes()")


def styles_drawn(pane: dict, layer: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in pane["features"].get(layer, []):
        out[f["style"]] = out.get(f["style"], 0) + 1
    return out


def map_pixels(page, selector: str = "#map-a") -> np.ndarray:
    png = page.locator(selector).screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def click_at(page, pane: str, x: float, y: float) -> None:
    lat, lng = latlng(x, y)
    pt = page.evaluate("([p, a, b]) => window.kort.toPixel(p, a, b)", [pane, lat, lng])
    page.mouse.click(pt["x"], pt["y"])


def url_state(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_map_renders_with_layers_and_legend(page, server, console):
    open_viewer(page, server)
    [a] = panes(page)
    assert a["year"] == 2020
    assert a["drawn"]["buildings"] == 24
    assert a["drawn"]["quarters"] == 2
    assert a["drawn"]["areas"] == 1
    # Not blank: many colours, and most of the map is not the plain background.
    pixels = map_pixels(page)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 50
    # (2020: the quarters are not yet formed and have no fill, so more background shows.)
    background = np.all(pixels == (244, 241, 234), axis=-1).mean()
    assert background < 0.9
    # The black blocks are drawn (existing buildings: near-black pixels).
    assert (pixels.sum(axis=-1) < 90).mean() > 0.005
    legend = page.locator("#legend")
    assert "Eksisterende bygning" in legend.inner_text()
    assert "Hårdt ghettoområde" in legend.inner_text()
    # The reference-data note is on the page.
    assert "omtrentligt layout" in page.locator("footer").inner_text()
    # The platform served every script and style itself.
    assert page.evaluate("typeof L") == "object"
    assert console.errors == []


def test_year_buttons_show_demolished_blocks_gone_in_2030(page, server, console):
    open_viewer(page, server, "?year=2020")
    before = panes(page)[0]
    hatched_2020 = page.locator("#map-a path[fill^='url(#hatch']").count()
    assert styles_drawn(before, "buildings")["to_demolish"] == len(kort_data.DEMOLISHED)
    assert hatched_2020 == len(kort_data.DEMOLISHED)
    pixels_2020 = map_pixels(page)

    mark = page.evaluate("document.body.dataset.rendered")
    page.get_by_role("button", name="2030").click()
    wait_rendered(page, mark)
    after = panes(page)[0]
    assert after["year"] == 2030
    ids_2030 = {f["id"] for f in after["features"]["buildings"]}
    assert not ids_2030 & set(kort_data.DEMOLISHED)
    drawn = styles_drawn(after, "buildings")
    assert "to_demolish" not in drawn
    assert drawn["new"] + drawn["new_undecided"] == kort_data.NEW_BUILDINGS
    assert page.locator("#map-a path[fill^='url(#hatch']").count() == 0
    # Letbane line 2 (not decided, opening 2029) is there, dashed and blue.
    assert after["drawn"]["rail_lines"] == 1 and after["drawn"]["rail_stops"] == 3
    rail = page.locator("#map-a path[stroke='#1f5fbf'][stroke-dasharray]")
    assert rail.count() >= 1
    # New buildings take their quarter's colour.
    nord = page.locator(
        f"#map-a path[fill='{kort_data.QUARTER_COLOURS['nord']}'][fill-opacity='1']"
    )
    assert nord.count() >= 1
    # What is drawn changed.
    assert np.abs(map_pixels(page).astype(int) - pixels_2020.astype(int)).sum() > 0
    assert url_state(page)["year"] == "2030"
    assert page.locator(".year-btn.active").inner_text() == "2030"
    assert console.errors == []


def test_slider_reaches_any_year_and_url_reproduces_the_view(page, server, console):
    open_viewer(page, server)
    mark = page.evaluate("document.body.dataset.rendered")
    page.locator("#year-slider").fill("2026")
    page.locator("#year-slider").dispatch_event("change")
    wait_rendered(page, mark)
    assert panes(page)[0]["year"] == 2026
    # 2026: blocks of column 5 (demolished 2026) still stand; column 4's (2025) are gone.
    ids = {f["id"] for f in panes(page)[0]["features"]["buildings"]}
    assert all((b in ids) == (y >= 2026) for b, y in kort_data.DEMOLISHED.items())

    page.evaluate("window.kort.panes()")
    state = url_state(page)
    assert state["year"] == "2026" and "buildings" in state["layers"].split(",")
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    wait_rendered(other)
    assert panes(other)[0]["year"] == 2026
    assert other.locator("#year-label").inner_text() == "2026"
    other.close()
    assert console.errors == []


def test_switching_a_layer_off_removes_it_and_is_kept_in_the_url(page, server, console):
    open_viewer(page, server, "?year=2020")
    paths_before = page.locator("#map-a path.leaflet-interactive").count()
    mark = page.evaluate("document.body.dataset.rendered")
    page.locator(".leaflet-control-layers label", has_text="Bygninger").locator("input").uncheck()
    wait_rendered(page, mark)
    assert "buildings" not in panes(page)[0]["drawn"]
    assert page.locator("#map-a path.leaflet-interactive").count() == paths_before - 24
    assert "buildings" not in url_state(page)["layers"].split(",")
    assert "Eksisterende bygning" not in page.locator("#legend").inner_text()

    mark = page.evaluate("document.body.dataset.rendered")
    page.locator(".leaflet-control-layers label", has_text="Matrikler").locator("input").check()
    wait_rendered(page, mark)
    assert panes(page)[0]["drawn"]["parcels"] == 2
    assert "parcels" in url_state(page)["layers"].split(",")
    assert console.errors == []


def test_quarter_popup_shows_its_tenure_chart(page, server, console):
    open_viewer(page, server, "?year=2030")
    click_at(page, "a", -500, 450)  # open ground in Nordkvarteret
    popup = page.locator(".quarter-popup")
    popup.wait_for()
    assert "Nordkvarteret" in popup.inner_text()
    chart = popup.locator("svg.tenure-chart")
    assert chart.count() == 1
    labels = chart.locator("text").all_text_contents()
    assert {"2020", "2025", "2030"} <= set(labels)
    # Bars for the almene family dwellings and, from 2025, the new owner-occupied ones.
    assert chart.locator("rect[data-tenure='almen_family']").count() == 3
    assert chart.locator("rect[data-tenure='owner_occupied']").count() >= 1
    assert any("%" in t for t in labels)
    assert console.errors == []


def test_building_popup_shows_dwellings_owner_and_life(page, server, console):
    open_viewer(page, server, "?year=2025")
    click_at(page, "a", -725, -220)  # Blok 2: renovated, not demolished
    popup = page.locator(".building-popup")
    popup.wait_for()
    page.wait_for_function("() => document.querySelector('.building-popup h3')")
    text = popup.inner_text()
    assert "Blok 2" in text
    assert "FAB" in text
    assert "almen boligorganisation" in text and "Bolig" in text
    assert "40 boliger" in text
    assert "Renovering" in text
    assert "Kilde: referencedatasættet (illustrativt" in text  # its provenance (issue 17)
    assert console.errors == []


def test_compare_view_shows_two_linked_maps(page, server, console):
    open_viewer(page, server, "?year=2020&compare=2030")
    a, b = panes(page)
    assert (a["year"], b["year"]) == (2020, 2030)
    assert page.locator(".leaflet-container:visible").count() == 2
    assert "to_demolish" in styles_drawn(a, "buildings")
    assert "to_demolish" not in styles_drawn(b, "buildings")
    assert page.locator("#pane-b-year").inner_text().startswith("1. januar 2030")
    # Both maps are drawn, and differ.
    left, right = map_pixels(page, "#map-a"), map_pixels(page, "#map-b")
    assert left.shape == right.shape
    assert np.abs(left.astype(int) - right.astype(int)).sum() > 0
    # Panning one moves the other.
    lat, lng = latlng(0, 0)
    centre = page.evaluate(f"window.kort.toPixel('a', {lat}, {lng})")
    page.mouse.move(centre["x"], centre["y"])
    page.mouse.down()
    page.mouse.move(centre["x"] + 150, centre["y"] + 60, steps=5)
    page.mouse.up()
    page.wait_for_timeout(600)  # inertia ends
    pa = page.evaluate(f"window.kort.toPixel('a', {lat}, {lng})")
    pb = page.evaluate(f"window.kort.toPixel('b', {lat}, {lng})")
    box_a = page.locator("#map-a").bounding_box()
    box_b = page.locator("#map-b").bounding_box()
    # The same place at the same spot of each map, to a few pixels (fractional zoom rounds).
    assert abs((pa["x"] - box_a["x"]) - (pb["x"] - box_b["x"])) < 5
    assert abs((pa["y"] - box_a["y"]) - (pb["y"] - box_b["y"])) < 5
    assert pa["x"] - centre["x"] > 100  # and the map did move (inertia may carry it further)
    assert url_state(page)["compare"] == "2030"
    # Switching compare off again leaves one map.
    mark = page.evaluate("document.body.dataset.rendered")
    page.locator("#compare-toggle").uncheck()
    wait_rendered(page, mark)
    assert len(panes(page)) == 1
    assert "compare" not in url_state(page)
    assert console.errors == []


def test_raster_overlay_from_data_kort(page, server, console):
    open_viewer(page, server, "?layers=areas,overlay:plantegning")
    img = page.locator("#map-a img.leaflet-image-layer")
    img.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#map-a img.leaflet-image-layer').naturalWidth > 0"
    )
    assert "Skannet plantegning (test)" in page.locator(".leaflet-control-layers").inner_text()
    # The overlay sits over the west half of the area: the left of the map is tinted red.
    pixels = map_pixels(page)
    h, w, _ = pixels.shape
    west = pixels[h // 3 : 2 * h // 3, w // 4 : w // 2 - 40]
    east = pixels[h // 3 : 2 * h // 3, w // 2 + 40 : 3 * w // 4]
    assert west[..., 0].mean() > west[..., 2].mean() + 40
    assert abs(int(east[..., 0].mean()) - int(east[..., 2].mean())) < 30
    assert console.errors == []


def test_area_page_shows_trajectory_against_the_limit(page, server, console):
    page.goto(f"{server.url}/kort/omraader/testby")
    chart = page.locator("#trajectory-chart svg")
    assert chart.count() == 1
    assert chart.locator("line.limit").count() == 1
    assert chart.locator("circle").count() == 2040 - 2010 + 1
    assert "omtrentligt layout" in page.locator(".note").first.inner_text()
    assert page.locator("table.mix[data-year='2030'] tbody tr").count() == 2
    assert console.errors == []


def _features(server, layer: str, year: int) -> list[dict]:
    with urllib.request.urlopen(f"{server.url}/kort/lag/{layer}.geojson?year={year}") as r:
        return json.load(r)["features"]


def test_quarters_take_their_colours_only_once_formed(page, server, console):
    open_viewer(page, server, "?year=2020")
    nord = kort_data.QUARTER_COLOURS["nord"]
    # 2020 is Vollsmose as it is: the quarters are borders only, in no colour of their own.
    assert page.locator(f"#map-a path[fill='{nord}'], #map-a path[stroke='{nord}']").count() == 0
    legend = page.locator("#legend").inner_text()
    assert "Kommende kvarter (grænse)" in legend and "Nordkvarteret" not in legend
    mark = page.evaluate("document.body.dataset.rendered")
    page.get_by_role("button", name="2030").click()
    wait_rendered(page, mark)
    assert page.locator(f"#map-a path[stroke='{nord}']").count() >= 1
    assert "Nordkvarteret" in page.locator("#legend").inner_text()
    assert console.errors == []


def test_scale_bar_and_the_area_clear_of_the_header(page, server, console):
    open_viewer(page, server)
    scale = page.locator("#map-a .leaflet-control-scale-line")
    assert scale.count() == 1 and re.fullmatch(r"\d+ k?m", scale.inner_text())
    # The area's northern edge shows below the year label over the map, not under it.
    label = page.locator("#pane-a-year").bounding_box()
    north = page.evaluate(
        "() => { const c = JSON.parse(document.getElementById('kort-config').textContent);"
        " return window.kort.toPixel('a', c.bounds[1][0], (c.bounds[0][1] + c.bounds[1][1]) / 2); }"
    )
    assert north["y"] >= label["y"] + label["height"]
    share = page.locator("#share-panel").bounding_box()
    assert page.locator("#map-a").bounding_box()["y"] >= share["y"] + share["height"] - 1
    assert console.errors == []


def test_compare_view_marks_what_changed(page, server, console):
    open_viewer(page, server, "?year=2020&compare=2030")
    expected = {"added": 0, "changed": 0, "removed": 0}
    for layer in ("buildings", "roads", "rail-lines", "rail-stops", "facilities"):
        before = {f["id"]: f["properties"]["style"] for f in _features(server, layer, 2020)}
        after = {f["id"]: f["properties"]["style"] for f in _features(server, layer, 2030)}
        expected["added"] += len(after.keys() - before.keys())
        expected["removed"] += len(before.keys() - after.keys())
        expected["changed"] += sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
    assert expected["removed"] >= len(kort_data.DEMOLISHED) and expected["added"] > 0
    _, b = panes(page)
    assert b["changed"] == expected
    marked = page.locator("#map-b path.change-added, #map-b path.change-changed")
    assert marked.count() == expected["added"] + expected["changed"]
    assert page.locator("#map-b path.change-removed").count() == expected["removed"]
    assert page.locator("#map-a path[class*='change-']").count() == 0
    label = page.locator("#pane-b-year").inner_text()
    assert f"{expected['removed']} fjernet siden 2020" in label
    assert "Ny eller ændret siden 2020" in page.locator("#legend").inner_text()
    assert console.errors == []


def test_labels_never_overlap_nor_leave_the_map(page, server, console):
    open_viewer(page, server, "?year=2030")
    for zoom in (13, 14.5, 16):
        page.evaluate(f"window.kort.map.setZoom({zoom}, {{animate: false}})")
        page.wait_for_timeout(250)
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('#map-a .lbl')]
                 .filter((el) => getComputedStyle(el).visibility !== 'hidden')
                 .map((el) => el.getBoundingClientRect().toJSON())"""
        )
        frame = page.locator("#map-a").bounding_box()
        for i, a in enumerate(boxes):
            assert a["left"] >= frame["x"] and a["right"] <= frame["x"] + frame["width"]
            for b in boxes[i + 1 :]:
                apart = (
                    a["right"] <= b["left"]
                    or b["right"] <= a["left"]
                    or a["bottom"] <= b["top"]
                    or b["bottom"] <= a["top"]
                )
                assert apart, (zoom, a, b)
        if zoom == 13:
            assert panes(page)[0]["labelsHidden"] > 0  # zoomed out, some had to give way
            assert boxes, "the first labels are still shown"
    assert console.errors == []


def test_quarter_popup_says_the_limit_is_the_whole_areas(page, server, console):
    open_viewer(page, server, "?year=2030")
    click_at(page, "a", -500, 450)
    popup = page.locator(".quarter-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "gælder hele området, ikke det enkelte kvarter" in text
    assert "grænse 40" not in text
    assert console.errors == []


def test_share_link_names_the_year_and_layers_shown(page, server, console):
    open_viewer(page, server, "?year=2025&layers=buildings,roads,overlay:plantegning")
    href = page.get_attribute("#share-link", "href")
    assert href.startswith("/kort/del/2025.html?area=testby&layers=")
    assert set(parse_qs(urlparse(href).query)["layers"][0].split(",")) == {"buildings", "roads"}
    with urllib.request.urlopen(server.url + href) as r:
        assert r.status == 200 and "Fremtidsbillede 2025" in r.read().decode()
    assert console.errors == []


def test_measuring_distance_and_area(page, server, console):
    open_viewer(page, server, "?year=2030")
    page.locator("#measure-toggle").click()
    assert page.locator("#measure-toggle").get_attribute("aria-pressed") == "true"
    for x, y in ((-500, -100), (500, -100), (500, 200)):
        click_at(page, "a", x, y)
    el = page.locator("#measure")
    # 1,000 m and 300 m in EPSG:25832; a click lands within a pixel or two (a few metres).
    assert abs(float(el.get_attribute("data-length-m")) - 1300) < 13
    assert abs(float(el.get_attribute("data-area-m2")) - 150_000) < 3000
    assert re.search(r"Afstand 1,[23]\d km · areal 1[45],\d\d ha \(3 punkter\)", el.inner_text())
    # No popup opened while measuring: the clicks were points.
    assert page.locator(".leaflet-popup").count() == 0
    # From the keyboard: Enter on the focused map adds its centre.
    page.locator("#map-a").focus()
    page.keyboard.press("Enter")
    assert "(4 punkter)" in el.inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#measure-toggle").get_attribute("aria-pressed") == "false"
    page.locator("#measure-clear").click()
    assert page.locator("#measure").is_hidden()
    assert console.errors == []


def test_print_link_takes_the_chosen_extent_and_scale(page, server, console):
    open_viewer(page, server, "?year=2030")
    assert "bbox" not in page.get_attribute("#print-link", "href")
    page.select_option("#print-scale", "2000")
    href = page.get_attribute("#print-link", "href")
    query = parse_qs(urlparse(href).query)
    assert query["scale"] == ["2000"] and len(query["bbox"][0].split(",")) == 4
    bounds = page.evaluate("window.kort.map.getBounds().toBBoxString()").split(",")
    assert [round(float(v), 4) for v in query["bbox"][0].split(",")] == [
        round(float(v), 4) for v in bounds
    ]
    with urllib.request.urlopen(server.url + href) as r:
        assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    page.select_option("#print-scale", "view")
    assert "scale" not in parse_qs(urlparse(page.get_attribute("#print-link", "href")).query)
    assert console.errors == []
