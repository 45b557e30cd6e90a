"""The maps over the bundled Vollsmose reference data, once its loader (gis.reference) exists.

Kept to what any faithful reference layout must show: blocks demolished before 2030 are gone
from the 2030 map, blocks still to be demolished are hatched in 2020, every output renders.
"""

from __future__ import annotations

from sqlalchemy import text


def test_reference_viewer_2020_to_2030(page, ref_server, ref_conn, console):
    gone = set(
        ref_conn.execute(text("SELECT id FROM building WHERE demolished_year < 2030")).scalars()
    )
    assert gone, "the reference plan demolishes blocks before 2030"
    page.goto(f"{ref_server.url}/kort?year=2020")
    page.wait_for_function("() => document.body.dataset.rendered && !document.body.dataset.busy")
    [a] = page.evaluate("window.kort.panes()")
    styles = {f["style"] for f in a["features"]["buildings"]}
    assert "to_demolish" in styles
    assert gone <= {f["id"] for f in a["features"]["buildings"]}

    mark = page.evaluate("document.body.dataset.rendered")
    page.get_by_role("button", name="2030").click()
    page.wait_for_function(
        "m => document.body.dataset.rendered !== m && !document.body.dataset.busy", arg=mark
    )
    [a] = page.evaluate("window.kort.panes()")
    assert a["year"] == 2030
    assert not gone & {f["id"] for f in a["features"]["buildings"]}
    assert a["drawn"]["quarters"] > 0 and a["drawn"]["areas"] > 0
    assert console.errors == []


def test_reference_static_maps(ref_conn):
    from gis.render import geotiff, static

    png = static.render_map(ref_conn, "vollsmose", 2030, "png", dpi=60)
    assert png.content.startswith(b"\x89PNG")
    tif = geotiff.render_geotiff(ref_conn, "vollsmose", 2030, resolution=10)
    assert tif.width > 50 and tif.height > 50
