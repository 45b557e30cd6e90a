"""'Del dette kort': the fremtidsbillede of a year as ONE standalone HTML file, made with
folium, that a planner can mail to a board member and that opens without the platform or
the internet.

Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; none of them is linked
here: the map needs Leaflet only, and the vendored copy (web/static/vendor/leaflet) is
inlined, its images as data URIs. The features come from the viewer's layers
(`gis.mapdata.map_layer`, WGS84) with the styles the viewer and the print map share.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from sqlalchemy import Connection

from gis import mapdata, record
from gis.areas import get_area
from gis.overlays import wgs84_bounds
from gis.render.params import SHARE_LAYERS as LAYERS
from gis.styles import DATA_SOURCE, LAYER_STYLES, REFERENCE_NOTE, Style, danish
from gis.tenure import check_year

LEAFLET = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "leaflet"


@cache
def _leaflet() -> tuple[str, str]:
    """The vendored Leaflet's CSS (images inlined) and JS, as text."""
    css = (LEAFLET / "leaflet.css").read_text()
    for image in (LEAFLET / "images").glob("*.png"):
        data = base64.b64encode(image.read_bytes()).decode()
        css = css.replace(f"url(images/{image.name})", f"url(data:image/png;base64,{data})")
    js = (LEAFLET / "leaflet.js").read_text()
    # No script may end the inline <script> early.
    return css, js.replace("</script", "<\\/script")


def _style(layer: str, style: Style, props: dict) -> dict:
    fill, stroke = style.fill, style.stroke
    if layer == "quarters" and style.key == "quarter":
        fill = stroke = props.get("colour") or fill
    elif layer == "buildings" and style.key.startswith("new"):
        fill = props.get("colour") or fill
    if style.hatch:
        # No SVG patterns in a plain folium layer: the GeoTIFF's colour for a hatched class.
        fill = style.raster_colour or fill
    return {
        "color": stroke or "#000000",
        "weight": style.width,
        "opacity": 1 if stroke else 0,
        "dashArray": style.dash,
        "fill": bool(fill),
        "fillColor": fill,
        "fillOpacity": style.fill_opacity,
        "radius": style.radius,
    }


def _legend_html(layers: dict[str, dict]) -> str:
    rows = []
    for layer in sorted(layers, key=lambda k: -LAYER_STYLES[k].z):
        ls = LAYER_STYLES[layer]
        present = {f["properties"]["style"] for f in layers[layer]["features"]}
        items = []
        for st in ls.classes:
            if st.key not in present:
                continue
            s = _style(layer, st, {})
            colour = s["fillColor"] if s["fill"] else s["color"]
            items.append(
                f"<div><span class='sw' style='background:{colour};border-color:{s['color']}'>"
                f"</span>{html.escape(st.label)}</div>"
            )
        if items:
            rows.append(f"<h3>{html.escape(ls.title)}</h3>{''.join(items)}")
    return "".join(rows)


_LEGEND = """
{% macro html(this, kwargs) %}
<div class="del-legend" role="region" aria-label="Signaturforklaring">
  <h2>{{ this.title }}</h2>
  <p class="del-version">{{ this.version }}</p>
  {{ this.body }}
  <p class="del-note">{{ this.note }}</p>
</div>
<style>
  .del-legend { position: absolute; z-index: 1000; left: 10px; bottom: 24px; max-height: 70%;
    overflow: auto; max-width: 300px; background: rgba(255,255,255,.95); border: 1px solid #999;
    border-radius: 4px; padding: 8px 10px; font: 12px "DejaVu Sans", Arial, sans-serif; }
  .del-legend h2 { font-size: 14px; margin: 0 0 4px; }
  .del-legend h3 { font-size: 12px; margin: 6px 0 2px; }
  .del-legend .sw { display: inline-block; width: 16px; height: 10px; border: 1px solid;
    margin-right: 6px; vertical-align: middle; }
  .del-legend .del-version { font-weight: 700; margin: 0 0 4px; }
  .del-legend .del-note { color: #444; margin: 6px 0 0; }
</style>
{% endmacro %}
"""


# Leaflet's controls in Danish and metric, as in the viewer (web/static/kort-da.js).
_CONTROLS = """
{% macro script(this, kwargs) %}
{% set map = this._parent.get_name() %}
L.control.zoom({zoomInTitle: "Zoom ind", zoomOutTitle: "Zoom ud"}).addTo({{ map }});
L.control.scale({imperial: false, position: "bottomright", maxWidth: 160}).addTo({{ map }});
document.querySelectorAll(".leaflet-control-layers-toggle").forEach(function (a) {
  a.title = "Kortlag"; a.setAttribute("aria-label", "Kortlag");
});
{% endmacro %}
"""


class _Controls(MacroElement):
    _template = Template(_CONTROLS)


class _Legend(MacroElement):
    _template = Template(_LEGEND)

    def __init__(self, title: str, version: str, body: str, note: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.title, self.version, self.body, self.note = (
            html.escape(title),
            html.escape(version),
            body,
            html.escape(note),
        )


def share_html(
    conn: Connection,
    area: str,
    year: int,
    *,
    layers: tuple[str, ...] = LAYERS,
    view: tuple[float, float, float] | None = None,
) -> str:
    """The fremtidsbillede of `area` in `year` (as of 1 January) as one HTML file."""
    check_year(year)
    info = get_area(conn, area)
    version = record.shown(conn)
    data = {layer: mapdata.map_layer(conn, layer, year, srid=4326) for layer in layers}
    title = f"Fremtidsbillede {year} – {info.name}"
    m = folium.Map(
        location=view[:2] if view else None,
        zoom_start=view[2] if view else None,
        tiles=None,
        control_scale=False,
        zoom_control=False,
        prefer_canvas=False,
        attribution_control=False,
    )
    # Folium's CDN links, none of which the map needs (Leaflet comes inline below).
    m.default_js, m.default_css = [], []
    css, js = _leaflet()
    root = m.get_root()
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="title")
    root.header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css")
    root.header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js")
    root.header.add_child(Element('<meta name="generator" content="Fremtidens Vollsmose">'))
    legend = _legend_html(data)
    for layer, fc in data.items():
        ls = LAYER_STYLES[layer]
        if not fc["features"]:
            continue
        for f in fc["features"]:
            p = f["properties"]
            st = ls.style(p["style"])
            # Only what a reader of the map needs, never the platform's internal fields;
            # escaped, for folium's tooltip writes them into the page as HTML (a planner
            # names the features).
            name = p.get(ls.label or "name") or p.get("name") or ls.title
            f["properties"] = {
                "navn": html.escape(str(name)),
                "klasse": html.escape(st.label),
                "_style": _style(layer, st, p),
            }
        points = ls.classes[0].radius is not None
        folium.GeoJson(
            fc,
            name=ls.title,
            style_function=lambda f: f["properties"]["_style"],
            marker=folium.CircleMarker(radius=5) if points else None,
            tooltip=folium.GeoJsonTooltip(["navn", "klasse"], aliases=["", ""], labels=False),
        ).add_to(m)
    bounds = wgs84_bounds(info.bbox_25832)
    if not view:
        m.fit_bounds(bounds)
    folium.LayerControl(collapsed=True).add_to(m)
    m.add_child(_Controls())
    source = danish(info.data_source) or DATA_SOURCE
    m.add_child(
        _Legend(
            title,
            version.label_da() or "Vedtaget plan, som registreret nu",
            legend,
            f"Tilstand pr. 1. januar {year}. Kilde: {source} {REFERENCE_NOTE}",
        )
    )
    out = m.get_root().render()
    return out.replace("<html>", '<html lang="da">', 1)


def features_json(text: str) -> list[dict]:
    """The GeoJSON layers inside a shared map (for tests and for checking a mailed file)."""
    found = []
    for m in re.finditer(r"geo_json_[0-9a-f]+_add\(", text):
        obj, _ = json.JSONDecoder().raw_decode(text, m.end())
        found.append(obj)
    return found
