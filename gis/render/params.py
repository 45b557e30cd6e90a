"""What a render may be asked for, and the parsing of it, without the renderers.

The routes declare and check a render's parameters before any I/O; the drawing itself
(matplotlib, rasterio, folium) happens in the render worker (`gis.render.worker`). Keeping
the limits here means a serving process never imports a renderer to validate a request: the
renderers take these names from here, and this module imports nothing heavier than pyproj.
"""

from __future__ import annotations

import math
from functools import cache

from gis.errors import InvalidQuery
from gis.styles import LAYER_STYLES

# ---- the print map (gis.render.static) -----------------------------------------------------

FORMATS = ("png", "pdf")
PDF_DPI = 300
PNG_DPI = 150
MIN_DPI, MAX_DPI = 50, 300
# A chosen print scale (1:N) and extent: from a block to the whole city.
MIN_SCALE, MAX_SCALE = 500, 50_000
MAX_EXTENT_M = 25_000
# How far outside the area's bounding box a chosen extent may lie.
EXTENT_REACH_M = 5_000

# ---- the GeoTIFF (gis.render.geotiff) ------------------------------------------------------

DEFAULT_RESOLUTION_M = 2.0
MIN_RESOLUTION_M, MAX_RESOLUTION_M = 0.5, 50.0

# ---- the shared map (gis.render.share) -----------------------------------------------------

# The layers a mailed map carries: what the viewer shows when it opens.
SHARE_LAYERS = tuple(
    name for name, s in sorted(LAYER_STYLES.items(), key=lambda kv: kv[1].z) if s.default_on
)


@cache
def _to_utm():
    from pyproj import Transformer

    return Transformer.from_crs(4326, 25832, always_xy=True)


def parse_extent(value: str | None) -> tuple[float, float, float, float] | None:
    """`bbox=` of a print map: west,south,east,north in WGS84 degrees (the viewer's map
    bounds) -> EPSG:25832 metres; checked before any I/O."""
    if value is None:
        return None
    try:
        w, s, e, n = (float(v) for v in value.split(","))
    except ValueError:
        raise InvalidQuery(
            "bbox", "bbox must be four numbers: west,south,east,north (WGS84 degrees)."
        ) from None
    if not all(math.isfinite(v) for v in (w, s, e, n)) or not (
        -180 <= w < e <= 180 and -85 <= s < n <= 85
    ):
        raise InvalidQuery("bbox", "bbox must be west < east and south < north, in degrees.")
    xs, ys = _to_utm().transform([w, e, w, e], [s, s, n, n])
    box = (min(xs), min(ys), max(xs), max(ys))
    if not all(math.isfinite(v) for v in box):
        raise InvalidQuery("bbox", "bbox lies outside what EPSG:25832 can show.")
    if max(box[2] - box[0], box[3] - box[1]) > MAX_EXTENT_M:
        raise InvalidQuery("bbox", f"bbox may be at most {MAX_EXTENT_M // 1000} km across.")
    return box


def parse_layers(value: str | None) -> tuple[str, ...]:
    """`layers=` as the viewer's URL has it ("buildings,roads"); checked before any I/O."""
    if not value:
        return SHARE_LAYERS
    names = tuple(dict.fromkeys(v for v in value.split(",") if v and not v.startswith("overlay:")))
    unknown = [n for n in names if n not in LAYER_STYLES]
    if unknown or not names:
        raise InvalidQuery(
            "layers",
            f"Unknown layer(s): {', '.join(unknown) or value}; known: {', '.join(LAYER_STYLES)}.",
        )
    return tuple(sorted(names, key=lambda n: LAYER_STYLES[n].z))


def parse_view(value: str | None) -> tuple[float, float, float] | None:
    """`view=lat,lng,zoom` as the viewer's URL has it; checked before any I/O."""
    if not value:
        return None
    try:
        lat, lng, zoom = (float(v) for v in value.split(","))
    except ValueError:
        raise InvalidQuery("view", "view must be three numbers: lat,lng,zoom.") from None
    if not (-85 <= lat <= 85 and -180 <= lng <= 180 and 1 <= zoom <= 20):
        raise InvalidQuery("view", "view must be a latitude, a longitude and a zoom of 1 to 20.")
    return lat, lng, zoom
