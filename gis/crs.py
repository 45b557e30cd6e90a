"""The coordinate reference systems the OGC API speaks (OGC API – Features Part 2).

Data is stored in EPSG:25832. A client may ask for CRS84 (longitude, latitude), EPSG:4326
(latitude first, as EPSG defines it), EPSG:25832 or EPSG:3857, for output (`crs`), for a
bbox (`bbox-crs`) and for filter geometries (`filter-crs`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from gis.errors import InvalidQuery
from gis.models import SRID


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    # EPSG:4326 is latitude, longitude: coordinates are swapped on the way in and out.
    lat_first: bool = False
    geographic: bool = False
    # Decimal places of coordinates written out: about a centimetre either way.
    precision: int = 2

    @property
    def header(self) -> str:
        """The value of a `Content-Crs` header."""
        return f"<{self.uri}>"

    def x_first(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A box `min, min, max, max` in this CRS's own axis order, easting/longitude first."""
        a0, b0, a1, b1 = box
        return (b0, a0, b1, a1) if self.lat_first else (a0, b0, a1, b1)

    def in_range(self, box: tuple[float, float, float, float]) -> bool:
        """Whether an x-first box lies within longitude ±180 and latitude ±90 (a geographic
        CRS); a projected one has no such range here."""
        x0, y0, x1, y1 = box
        return not self.geographic or (x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90)


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, geographic=True, precision=7)
EPSG4326 = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    4326,
    lat_first=True,
    geographic=True,
    precision=7,
)
STORAGE = Crs(f"http://www.opengis.net/def/crs/EPSG/0/{SRID}", SRID)
WEB_MERCATOR = Crs("http://www.opengis.net/def/crs/EPSG/0/3857", 3857)

SUPPORTED: tuple[Crs, ...] = (CRS84, EPSG4326, STORAGE, WEB_MERCATOR)
_BY_URI = {c.uri: c for c in SUPPORTED}
_SHORT = re.compile(r"^\[?(?:EPSG:{1,2})(\d+)\]?$", re.IGNORECASE)


def parse_crs(value: str | None, parameter: str, default: Crs = CRS84) -> Crs:
    """A CRS from its OGC URI; `EPSG:n`, `[EPSG:n]` and `CRS84` are accepted too."""
    if value is None or value == "":
        return default
    v = value.strip()
    v = v[1:-1] if v.startswith("<") and v.endswith(">") else v
    if v.startswith("https://"):
        v = "http://" + v[len("https://") :]
    if v in _BY_URI:
        return _BY_URI[v]
    if v.upper() in ("CRS84", "OGC:CRS84", "[OGC:CRS84]"):
        return CRS84
    m = _SHORT.match(v)
    if m:
        uri = f"http://www.opengis.net/def/crs/EPSG/0/{m.group(1)}"
        if uri in _BY_URI:
            return _BY_URI[uri]
    supported = ", ".join(c.uri for c in SUPPORTED)
    raise InvalidQuery(parameter, f"Unsupported {parameter} '{value}'; supported: {supported}.")


def check_bounds(bounds: tuple[float, float, float, float], crs: Crs, parameter: str) -> None:
    """Refuses (400 naming `parameter`) a geometry given in `crs` whose bounds, in the CRS's
    own axis order, PostGIS could not take to the storage CRS: an infinite (or NaN)
    coordinate, or a longitude or latitude out of range in a geographic CRS, on which PROJ
    fails the whole statement."""
    if not all(math.isfinite(v) for v in bounds):
        raise InvalidQuery(parameter, f"{parameter}: coordinates must be finite numbers.")
    if not crs.in_range(crs.x_first(bounds)):
        raise InvalidQuery(parameter, f"{parameter}: longitude or latitude out of range.")


def parse_bbox(value: str, crs: Crs, parameter: str = "bbox") -> tuple[float, float, float, float]:
    """`minx,miny,maxx,maxy` (or 6 numbers, the heights ignored) in `crs`'s own axis order,
    returned as x (easting / longitude) first."""
    try:
        numbers = [float(n) for n in value.split(",")]
    except ValueError:
        raise InvalidQuery(
            parameter, f"{parameter} must be 4 or 6 comma-separated numbers."
        ) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidQuery(parameter, f"{parameter} must be 4 or 6 comma-separated numbers.")
    x0, y0, x1, y1 = crs.x_first(tuple(numbers))
    if x0 > x1 or y0 > y1:
        raise InvalidQuery(parameter, f"{parameter}: the lower corner must come before the upper.")
    if not crs.in_range((x0, y0, x1, y1)):
        raise InvalidQuery(parameter, f"{parameter}: longitude or latitude out of range.")
    if crs.srid == 3857:
        x0, x1 = max(x0, -20037508.34), min(x1, 20037508.34)
        y0, y1 = max(y0, -20048966.1), min(y1, 20048966.1)
    return x0, y0, x1, y1


def envelope_sql(crs: Crs, prefix: str) -> str:
    """SQL for a bbox bound as `:{prefix}x0` … `:{prefix}y1` in `crs`, in the storage CRS.

    A geographic box is clamped to ±85° before it goes to UTM, where the poles do not fit.
    """
    x0, y0, x1, y1 = (f":{prefix}{k}" for k in ("x0", "y0", "x1", "y1"))
    if crs.geographic:
        y0, y1 = f"GREATEST({y0}, -85.0)", f"LEAST({y1}, 85.0)"
    box = f"ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, {crs.srid})"
    if crs.srid == SRID:
        return box
    if crs.geographic:
        # Edges bent into UTM stay close to the box the client meant.
        box = f"ST_Segmentize({box}, 0.01)"
    return f"ST_Transform({box}, {SRID})"


def output_geometry_sql(geometry: str, crs: Crs) -> str:
    """SQL turning a stored geometry into `crs`, axes in the order the CRS defines."""
    g = geometry if crs.srid == SRID else f"ST_Transform({geometry}, {crs.srid})"
    return f"ST_FlipCoordinates({g})" if crs.lat_first else g


def input_geometry_sql(geometry: str, crs: Crs) -> str:
    """SQL turning a geometry given in `crs` (its own axis order) into the storage CRS."""
    g = f"ST_FlipCoordinates({geometry})" if crs.lat_first else geometry
    return g if crs.srid == SRID else f"ST_Transform({g}, {SRID})"
