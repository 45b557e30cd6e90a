"""The fremtidsbillede as a GeoTIFF in EPSG:25832: land-use and status classes rasterised at a
stated resolution, with a colour table and the class names in the metadata, so QGIS opens it
in the right place and a GIS team can classify by value.

The classes are those of the viewer and the print map (`gis.styles`); where the print map
hatches (blocks to be demolished) the raster uses the class's `raster_colour`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.enums import ColorInterp
from rasterio.features import rasterize
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from shapely.geometry import shape
from sqlalchemy import Connection

from gis import mapdata, record
from gis.areas import get_area
from gis.errors import InvalidParameter
from gis.models import SRID
from gis.render.params import DEFAULT_RESOLUTION_M, MAX_RESOLUTION_M, MIN_RESOLUTION_M
from gis.styles import DATA_SOURCE, LAYER_STYLES, REFERENCE_NOTE
from gis.tenure import check_year

# Margin around the area's boundary, in metres.
MARGIN_M = 100.0
# Widths (metres) that lines and points are drawn with in the raster.
LINE_WIDTH_M = {"road": 10.0, "road_undecided": 10.0, "bygade": 14.0, "sivegade": 8.0, "path": 3.0}
RAIL_WIDTH_M = 8.0
STOP_RADIUS_M = 15.0
BOUNDARY_WIDTH_M = 4.0


@dataclass(frozen=True)
class RasterClass:
    value: int
    key: str
    label: str
    colour: str


def _classes() -> list[RasterClass]:
    out = [RasterClass(0, "background", "Baggrund", "#ffffff")]

    def add(key: str, label: str, colour: str) -> None:
        out.append(RasterClass(len(out), key, label, colour))

    add("quarter", "Kvarter (inden for et af planens kvarterer)", "#eae6da")
    for st in LAYER_STYLES["roads"].classes:
        add(f"roads:{st.key}", st.label, st.stroke or "#999999")
    for layer in ("rail_lines", "rail_stops"):
        for st in LAYER_STYLES[layer].classes:
            add(f"{layer}:{st.key}", st.label, st.stroke or "#1f5fbf")
    for st in LAYER_STYLES["buildings"].classes:
        add(f"buildings:{st.key}", st.label, st.raster_colour or st.fill or "#000000")
    for st in LAYER_STYLES["areas"].classes:
        add(f"areas:{st.key}", f"Grænse: {st.label}", st.stroke or "#d7191c")
    return out


CLASSES = _classes()
CLASS_VALUE = {c.key: c.value for c in CLASSES}


def _rgba(hex_colour: str) -> tuple[int, int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255


@dataclass(frozen=True)
class RenderedRaster:
    content: bytes
    filename: str
    width: int
    height: int
    bounds: tuple[float, float, float, float]


def render_geotiff(
    conn: Connection,
    area: str,
    year: int,
    *,
    resolution: float = DEFAULT_RESOLUTION_M,
    today: dt.date | None = None,
) -> RenderedRaster:
    """The area's classes in `year` (as of 1 January) as a single-band, paletted GeoTIFF."""
    check_year(year)
    if not MIN_RESOLUTION_M <= resolution <= MAX_RESOLUTION_M:
        raise InvalidParameter(
            "resolution",
            f"'resolution' must be from {MIN_RESOLUTION_M} to {MAX_RESOLUTION_M} m, "
            f"not {resolution}.",
        )
    info = get_area(conn, area)
    version = record.shown(conn)
    x0, y0, x1, y1 = info.bbox_25832
    # Snap the grid to whole multiples of the resolution so outputs line up with each other.
    x0 = np.floor((x0 - MARGIN_M) / resolution) * resolution
    y0 = np.floor((y0 - MARGIN_M) / resolution) * resolution
    x1 = np.ceil((x1 + MARGIN_M) / resolution) * resolution
    y1 = np.ceil((y1 + MARGIN_M) / resolution) * resolution
    width, height = int(round((x1 - x0) / resolution)), int(round((y1 - y0) / resolution))
    transform = from_origin(x0, y1, resolution, resolution)

    layers = {
        layer: mapdata.map_layer(conn, layer, year)
        for layer in ("quarters", "roads", "rail_lines", "rail_stops", "buildings", "areas")
    }
    shapes: list[tuple] = []
    for f in layers["quarters"]["features"]:
        shapes.append((shape(f["geometry"]), CLASS_VALUE["quarter"]))
    for f in layers["roads"]["features"]:
        key = f["properties"]["style"]
        shapes.append(
            (
                shape(f["geometry"]).buffer(LINE_WIDTH_M.get(key, 6.0) / 2),
                CLASS_VALUE[f"roads:{key}"],
            )
        )
    for f in layers["rail_lines"]["features"]:
        shapes.append(
            (
                shape(f["geometry"]).buffer(RAIL_WIDTH_M / 2),
                CLASS_VALUE[f"rail_lines:{f['properties']['style']}"],
            )
        )
    for f in layers["buildings"]["features"]:
        shapes.append((shape(f["geometry"]), CLASS_VALUE[f"buildings:{f['properties']['style']}"]))
    for f in layers["rail_stops"]["features"]:
        shapes.append(
            (
                shape(f["geometry"]).buffer(STOP_RADIUS_M),
                CLASS_VALUE[f"rail_stops:{f['properties']['style']}"],
            )
        )
    for f in layers["areas"]["features"]:
        boundary = shape(f["geometry"]).boundary.buffer(BOUNDARY_WIDTH_M / 2)
        shapes.append((boundary, CLASS_VALUE[f"areas:{f['properties']['style']}"]))

    data = (
        rasterize(
            shapes,
            out_shape=(height, width),
            transform=transform,
            fill=0,
            dtype="uint8",
            all_touched=False,
        )
        if shapes
        else np.zeros((height, width), dtype="uint8")
    )
    today = today or dt.date.today()
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "uint8",
        "crs": f"EPSG:{SRID}",
        "transform": transform,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    names = {str(c.value): c.label for c in CLASSES}
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(data, 1)
            dst.write_colormap(1, {c.value: _rgba(c.colour) for c in CLASSES})
            dst.colorinterp = [ColorInterp.palette]
            dst.set_band_description(1, f"Fremtidsbillede {year}: klasse")
            dst.update_tags(
                TIFFTAG_DOCUMENTNAME=f"Fremtidsbillede {year} – {info.name}"
                + (f" – {version.label_da()}" if version.label_da() else ""),
                TIFFTAG_IMAGEDESCRIPTION=REFERENCE_NOTE,
                TIFFTAG_DATETIME=today.strftime("%Y:%m:%d 00:00:00"),
                TIFFTAG_SOFTWARE="Fremtidens Vollsmose",
                AREA=info.slug,
                YEAR=str(year),
                # Which version of the plan: the scenario, and when recorded ("" = now).
                SCENARIO=version.scenario,
                RECORDED=version.recorded.isoformat() if version.recorded else "",
                STATE="as of 1 January",
                RESOLUTION_M=f"{resolution:g}",
                SOURCE=info.data_source or DATA_SOURCE,
                NOTE=REFERENCE_NOTE,
                CLASSES=json.dumps(names, ensure_ascii=False),
            )
            dst.update_tags(1, **{f"CLASS_{c.value}": f"{c.key}: {c.label}" for c in CLASSES})
        content = mem.read()
    return RenderedRaster(
        content,
        f"fremtidsbillede-{info.slug}-{year}.tif",
        width,
        height,
        (float(x0), float(y0), float(x1), float(y1)),
    )


def read_classes(path_or_bytes) -> dict[int, str]:
    """The class names stored in a GeoTIFF this module wrote (value -> label)."""
    if isinstance(path_or_bytes, bytes | bytearray):
        with MemoryFile(path_or_bytes) as mem, mem.open() as src:
            tags = src.tags()
    else:
        with rasterio.open(path_or_bytes) as src:
            tags = src.tags()
    return {int(k): v for k, v in json.loads(tags["CLASSES"]).items()}
