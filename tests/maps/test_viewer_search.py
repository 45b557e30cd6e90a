"""The viewer's search ("Søg adresse eller sted") and its Lokalplaner layer, in a real headless
Chromium against a real server over the reference data (issues 17 and 18).

The addresses are the hand-made DAR extract of the registers tests
(tests/registers/fixtures/dar.json: Testvej 3 at 571255.5, 6223095.25, EPSG:25832), imported
into this module's own database part way through, so the same page first finds no address
and says so. The lokalplan is the reference data's illustrative one (data/kort/lokalplaner.json:
a proposal, delområde A 110 % / 22 m, B 60 % / 14 m).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path

import pytest
from pyproj import Transformer
from sqlalchemy import create_engine, text

from gis.registers import dar
from gis.styles import LAYER_STYLES, classify
from tests.web.test_pages import _english

DAR_FIXTURE = Path(__file__).parents[1] / "registers" / "fixtures" / "dar.json"
TO_WGS84 = Transformer.from_crs(25832, 4326, always_xy=True)


def test_local_plans_are_classed_by_kind_and_status():
    assert classify("local_plans", {"kind": "lokalplan", "status": "vedtaget"}, 2025) == (
        "plan_adopted"
    )
    assert classify("local_plans", {"kind": "lokalplan", "status": "forslag"}, 2025) == (
        "plan_proposed"
    )
    assert classify("local_plans", {"kind": "delomraade", "status": "vedtaget"}, 2025) == (
        "subarea_adopted"
    )
    assert classify("local_plans", {"kind": "delomraade", "status": "aflyst"}, 2025) == (
        "cancelled"
    )
    ls = LAYER_STYLES["local_plans"]
    assert ls.title == "Lokalplaner" and not ls.default_on
    # Delområder hatched and lighter than their plan's outline; a proposal dashed.
    assert ls.style("subarea_adopted").hatch and not ls.style("plan_adopted").hatch
    assert ls.style("subarea_adopted").width < ls.style("plan_adopted").width
    assert ls.style("plan_proposed").dash and not ls.style("plan_adopted").dash
    # Under the roads and buildings, so those stay clickable through a plan.
    assert ls.z < LAYER_STYLES["roads"].z < LAYER_STYLES["buildings"].z


def _open(page, server, query: str = "?year=2025") -> None:
    page.goto(f"{server.url}/kort{query}")
    page.wait_for_function("() => document.body.dataset.rendered && !document.body.dataset.busy")


def _tab_to(page, selector: str, most: int = 60) -> None:
    """Tab from where the focus is until it reaches `selector`, as a keyboard user would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _type(page, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def _centre(page) -> tuple[float, float, float]:
    return page.evaluate(
        "(() => { const c = kort.map.getCenter(); return [c.lat, c.lng, kort.map.getZoom()]; })()"
    )


@pytest.mark.slow
def test_search_finds_places_and_addresses_from_the_keyboard(
    page, writable_ref, writable_server, console
):
    _open(page, writable_server)
    _tab_to(page, "#search-input")
    box = page.locator("#search-input")
    assert box.get_attribute("placeholder") == "Søg adresse eller sted"
    assert box.get_attribute("role") == "combobox"

    # A facility by part of its name, accents and case aside.
    page.keyboard.type("vollsmose biblio")
    option = page.locator("#search-list li[data-kind='place']", has_text="Vollsmose Bibliotek")
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    # The arrow keys move the choice (round the list), Enter opens it.
    first = box.get_attribute("aria-activedescendant")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first == option.get_attribute("id")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup .feature-popup h3")
    popup.wait_for()
    assert popup.inner_text() == "Vollsmose Bibliotek"
    lat, lng, zoom = _centre(page)
    facility = next(
        f
        for f in page.evaluate("kort.layerData('facilities')")["features"]
        if f["properties"]["name"] == "Vollsmose Bibliotek"
    )
    f_lng, f_lat = facility["geometry"]["coordinates"]
    assert zoom >= 17 and abs(lat - f_lat) < 1e-4 and abs(lng - f_lng) < 1e-4
    assert page.locator("#search-list").is_hidden()

    # A quarter, whose popup is its tenure chart.
    _type(page, "torvekv")
    page.locator("#search-list li", has_text="Torvekvarteret").wait_for()
    page.keyboard.press("Enter")
    page.locator(".quarter-popup h3", has_text="Torvekvarteret").wait_for()

    # A lokalplan's delområde, its layer (off) switched on to show it.
    _type(page, "delområde b")
    page.locator("#search-list li", has_text="Delområde B, illustrativ 1").wait_for()
    page.keyboard.press("Enter")
    page.locator(".local-plan-popup h3", has_text="Delområde B").wait_for()
    assert "local_plans" in page.evaluate("[...kort.state.layers]")

    # No DAR data loaded: the address part finds nothing, and says so in Danish.
    _type(page, "Testvej")
    status = page.locator("#search-status")
    page.wait_for_function(
        "() => document.getElementById('search-status').dataset.addresses === '0'"
    )
    assert "ingen adresser fundet" in status.inner_text()
    assert "DAR" in status.inner_text()

    # The DAR extract imported (committed, as `vollsmose import dar` does), Testvej 9's point
    # moved into a standing building of the reference data, which DAR then places it on.
    engine = create_engine(writable_ref.url)
    try:
        with engine.begin() as conn:
            building = conn.execute(
                text(
                    "SELECT id, name, ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT id, name,"
                    " ST_PointOnSurface(footprint) AS p FROM building WHERE name IS NOT NULL"
                    " AND built_year IS NULL AND demolished_year IS NULL ORDER BY id LIMIT 1) b"
                )
            ).one()
            extract = json.loads(DAR_FIXTURE.read_text())
            [nine] = [
                h["adgangspunkt"]
                for h in extract["HusnummerList"]
                if h["husnummertekst"] == "9" and h["registreringTil"] is None
            ]
            for point in extract["AdressepunktList"]:
                if point["id_lokalId"] == nine:
                    point["position"] = f"POINT ({building.x} {building.y})"
            dar.import_dar(
                conn,
                json.dumps(extract).encode(),
                extract_date=dt.date(2026, 6, 1),
                actor="test",
            )
    finally:
        engine.dispose()
    _type(page, "testvej 3")
    address = page.locator("#search-list li[data-kind='address']", has_text="Testvej 3")
    address.wait_for()
    assert page.locator("#search-list li[data-kind='address']").count() == 1
    assert "1 adresse" in status.inner_text()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup .address-popup")
    popup.wait_for()
    shown = popup.inner_text()
    assert shown.startswith("Testvej 3, 8210")
    assert "Kilde: DAR, udtræk af 1. juni 2026" in shown
    lat, lng, zoom = _centre(page)
    a_lng, a_lat = TO_WGS84.transform(571255.5, 6223095.25)
    assert zoom >= 18 and abs(lat - a_lat) < 1e-5 and abs(lng - a_lng) < 1e-5
    page.keyboard.press("Escape")  # the focus stayed in the box: the popup closes
    popup.wait_for(state="detached")

    # Escape closes the list.
    _type(page, "Testvej")
    page.locator("#search-list li").first.wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#search-list").is_hidden()

    # Enter at once, before the pause and the request are over: the hit of what was typed
    # (not of what the list showed before) opens. Its building is a button away, focused.
    _type(page, "testvej 9")
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup .address-popup h3", has_text="Testvej 9, 8210").wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Vis bygningen"
    page.keyboard.press("Enter")
    page.locator(".building-popup h3", has_text=building.name).wait_for()
    assert "boliger" in page.locator(".building-popup").inner_text()
    assert _english(page) == []
    assert console.errors == []


@pytest.mark.slow
def test_local_plan_layer_toggles_on_with_its_legend_and_popup(page, writable_server, console):
    _open(page, writable_server)
    [a] = page.evaluate("kort.panes()")
    assert "local_plans" not in a["drawn"]  # off by default
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Lokalplaner")
    checkbox = toggle.locator("input")
    assert not checkbox.is_checked()
    before = page.evaluate("document.body.dataset.rendered")
    checkbox.focus()
    page.keyboard.press("Space")
    page.wait_for_function(
        "prev => document.body.dataset.rendered !== prev && !document.body.dataset.busy", arg=before
    )
    assert "local_plans" in page.url
    [a] = page.evaluate("kort.panes()")
    styles = sorted(f["style"] for f in a["features"]["local_plans"])
    assert styles == ["plan_proposed", "subarea_proposed", "subarea_proposed"]

    # Drawn: the plan dashed, its delområder hatched.
    paths = page.locator("#map-a path[data-layer='local_plans']")
    assert paths.count() == 3
    fills = paths.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    assert sum("hatch-a-local_plans-subarea_proposed" in (f or "") for f in fills) == 2
    assert page.locator("#hatch-a-local_plans-subarea_proposed").count() == 1

    legend = page.locator("#legend")
    assert legend.locator("h3", has_text="Lokalplaner").count() == 1
    for cls in ("plan_proposed", "subarea_proposed", "illustrative"):
        assert legend.locator(f"[data-class='local_plans:{cls}']").count() == 1, cls
    assert "Illustrativ lokalplan" in legend.inner_text()

    # Each delområde opens its popup from the keyboard, in Danish, marked illustrative.
    seen = {}
    for i in range(3):
        path = paths.nth(i)
        path.focus()
        page.keyboard.press("Enter")
        pop = page.locator(".leaflet-popup .local-plan-popup")
        pop.wait_for()
        text = pop.inner_text()
        seen[text.splitlines()[0]] = text
        page.keyboard.press("Escape")
        pop.wait_for(state="detached")
    assert set(seen) == {
        "Illustrativ lokalplan: Vollsmose Torv og bygaden",
        "Delområde A",
        "Delområde B",
    }
    a_text = seen["Delområde A"]
    for want in (
        "Lokalplan\tillustrativ 1: Illustrativ lokalplan: Vollsmose Torv og bygaden",
        "Delområde\tA",
        "Anvendelse\tBoliger, butikker og service ved torvet",
        "Bebyggelsesprocent\t110 %",
        "Max. højde\t22 m",
        "Status\tForslag",
        "Illustrativ lokalplan i referencedatasættet",
    ):
        assert want in a_text, (want, a_text)
    assert "Bebyggelsesprocent\t60 %" in seen["Delområde B"]
    assert "Bebyggelsesprocent" not in seen["Illustrativ lokalplan: Vollsmose Torv og bygaden"]
    # "Del dette kort" carries the layer, and the shared file draws it.
    share = page.locator("#share-link").get_attribute("href")
    assert "local_plans" in share
    with urllib.request.urlopen(writable_server.url + share) as r:
        assert "Delområde, forslag" in r.read().decode()
    assert _english(page) == []
    assert console.errors == []
