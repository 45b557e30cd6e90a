"""The coordinate reference systems the OGC API speaks (OGC API – Features Part 2).

Data is stored in EPSG:25832. A client may ask for CRS84 (longitude, latitude), EPSG:4326
(latitude first, as EPSG defines it), EPSG:25832 or EPSG:3857, for output (`crs`), for a
bbox (`bbox-crs`) and for filter geometries (`filter-crs`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
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
    returned as x (easting / longitude) first.

    In a geographic CRS a box whose west edge lies east of its east edge crosses the
    antimeridian (OGC API – Features, 7.15.3): it is kept as given, `envelope_sql` splits it.
    """
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
    if (x0 > x1 and not crs.geographic) or y0 > y1:
        raise InvalidQuery(parameter, f"{parameter}: the lower corner must come before the upper.")
    if not crs.in_range((min(x0, x1), y0, max(x0, x1), y1)):
        raise InvalidQuery(parameter, f"{parameter}: longitude or latitude out of range.")
    return x0, y0, x1, y1


# Query geometry (a bbox, a tile, a filter literal) goes to the storage CRS, UTM zone 32N,
# to meet the stored geometry on its index. Transverse Mercator is only defined within 90°
# of its central meridian (9°E) and PROJ fails the statement beyond, so query geometry is
# first clipped, in its own CRS, to DOMAIN: 40° either side of the meridian, pole to pole.
# There PROJ's exact algorithm round-trips to well under a millimetre (checked to 51°) and
# the map is one-to-one, so a geometry clipped to it is taken to UTM without folding. All
# stored data lies far inside it (Vollsmose is 41° from its west edge; edits must lie near a
# designated area, `gis.editing.validate.REACH_M`), so clipping the query changes no answer:
# a feature meets the query if and only if it meets the clipped query (for the predicates
# that ask more, see `to_storage_sql`). An empty clip is no feature, and PostGIS takes an
# empty geometry to UTM without asking PROJ.
CENTRAL_MERIDIAN = 9.0
DOMAIN_HALF_WIDTH = 40.0
DOMAIN_LON = (CENTRAL_MERIDIAN - DOMAIN_HALF_WIDTH, CENTRAL_MERIDIAN + DOMAIN_HALF_WIDTH)
_R = 6378137.0  # EPSG:3857's sphere: x = R · longitude in radians
# In EPSG:3857 the domain reaches y = ±3·10⁷ m, latitude ±88.96° (the Mercator pole is at
# infinity); WebMercatorQuad ends at ±85.05°.
MERCATOR_Y_MAX = 3.0e7
DOMAIN: dict[int, tuple[float, float, float, float]] = {
    4326: (DOMAIN_LON[0], -90.0, DOMAIN_LON[1], 90.0),
    3857: (
        _R * math.radians(DOMAIN_LON[0]),
        -MERCATOR_Y_MAX,
        _R * math.radians(DOMAIN_LON[1]),
        MERCATOR_Y_MAX,
    ),
}
# Edges are bent into UTM by segmenting them before the transform: into pieces of 0.01° (or
# 1 km in EPSG:3857), or of 1/2000 of the clipped geometry's width plus height where that is
# longer, which bounds a box to some 4,000 vertices (a world-sized one took 37 ms at 0.01°).
# A chord of 0.01° (about 1 km) strays centimetres from the true curve in UTM, one of
# 1/2000 of a world-sized box some metres.
SEGMENT = {4326: 0.01, 3857: 1000.0}
SEGMENTS = 2000


def domain_box_sql(srid: int) -> str:
    """SQL of DOMAIN in `srid` (x first) as a box2d, for `ST_ClipByBox2D`."""
    x0, y0, x1, y1 = DOMAIN[srid]
    return f"ST_MakeBox2D(ST_Point({x0!r}, {y0!r}), ST_Point({x1!r}, {y1!r}))"


# Where a query geometry reaching outside DOMAIN leaves a sign of it (MARKER, in lon/lat):
# outside DOMAIN, where UTM is still exact (51°E of the meridian), 4,000 km from any data.
MARKER = (60.0, 0.0, 60.1, 0.1)


def _segment_sql(g: str, srid: int) -> str:
    size = f"(ST_XMax({g}) - ST_XMin({g}) + ST_YMax({g}) - ST_YMin({g}))"
    return f"ST_Segmentize({g}, GREATEST({SEGMENT[srid]!r}, {size} / {SEGMENTS}))"


def _marker_sql(srid: int, dimension: str) -> str:
    x0, y0, x1, y1 = MARKER
    if srid == 3857:
        x0, y0, x1, y1 = (_R * math.radians(v) for v in MARKER)
    point = f"ST_SetSRID(ST_Point({x0!r}, {y0!r}), {srid})"
    line = f"ST_SetSRID(ST_MakeLine(ST_Point({x0!r}, {y0!r}), ST_Point({x1!r}, {y0!r})), {srid})"
    box = f"ST_MakeEnvelope({x0!r}, {y0!r}, {x1!r}, {y1!r}, {srid})"
    return f"CASE {dimension} WHEN 0 THEN {point} WHEN 1 THEN {line} ELSE {box} END"


def to_storage_sql(geometry: str, srid: int, marked: bool = True) -> str:
    """SQL taking a geometry in `srid` (4326 or 3857, x first, SRID set) to the storage CRS:
    clipped to DOMAIN, segmented, transformed (see DOMAIN). One scalar subquery, so the
    geometry is built once per statement.

    Clipping alone keeps the answer of S_INTERSECTS, S_DISJOINT, S_WITHIN and S_TOUCHES,
    not of S_CONTAINS, S_EQUALS, S_OVERLAPS or S_CROSSES: a feature contains what is left of
    `MULTIPOINT((-100 40), (10.44 55.4))` but not the literal. So unless `marked` is false
    (a bbox: only ever intersected), a geometry reaching outside DOMAIN gets a small part of
    its own dimension at MARKER, outside DOMAIN and far from every feature, in place of what
    was cut off: no feature contains, equals or holds it, and it meets none, which is what
    the cut-off part did. S_DWITHIN keeps its answer for distances up to 1,500 km, the
    data's distance from DOMAIN's edge."""
    if srid == SRID:
        return geometry
    x0, y0, x1, y1 = DOMAIN[srid]
    inside = (
        f"ST_XMin(i.q) >= {x0!r} AND ST_XMax(i.q) <= {x1!r}"
        f" AND ST_YMin(i.q) >= {y0!r} AND ST_YMax(i.q) <= {y1!r}"
    )
    cut = f"ST_SetSRID(c.clip, {SRID})"
    if marked:
        parts = (
            f"ARRAY(SELECT d.geom FROM ST_Dump({_segment_sql('c.clip', srid)}) AS d"
            f" UNION ALL SELECT {_marker_sql(srid, 'c.dim')})"
        )
        outside = f"ST_Transform(ST_Collect({parts}), {SRID})"
    else:
        outside = (
            f"CASE WHEN ST_IsEmpty(c.clip) THEN {cut}"
            f" ELSE ST_Transform({_segment_sql('c.clip', srid)}, {SRID}) END"
        )
    # ST_ClipByBox2D, not ST_Intersection: it never throws on an invalid (self-crossing)
    # literal, which would be a 500; the predicates then see it as PostGIS always did.
    return f"""(SELECT CASE WHEN c.inside THEN ST_Transform({_segment_sql("c.q", srid)}, {SRID})
                ELSE {outside} END
         FROM (SELECT i.q, COALESCE({inside}, TRUE) AS inside, ST_Dimension(i.q) AS dim,
                      ST_ClipByBox2D(i.q, {domain_box_sql(srid)}) AS clip
               FROM (SELECT {geometry} AS q) AS i) AS c)"""


def envelope_sql(crs: Crs, prefix: str, part: int = 0) -> str:
    """SQL for a bbox bound as `:{prefix}x0` … `:{prefix}y1` (x first, from `parse_bbox`) in
    `crs`, in the storage CRS. A geographic box with x0 > x1 crosses the antimeridian: part 0
    is then its side east of x0, part 1 its side west of x1 (empty for any other box)."""
    x0, y0, x1, y1 = (f":{prefix}{k}" for k in ("x0", "y0", "x1", "y1"))
    empty = f"ST_GeomFromText('POLYGON EMPTY', {SRID})"
    if not crs.geographic:
        box = f"ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, {crs.srid})"
        return to_storage_sql(box, crs.srid, marked=False) if part == 0 else empty
    if part == 0:
        east = f"CASE WHEN {x0} <= {x1} THEN {x1} ELSE 180 END"
        box = f"ST_MakeEnvelope({x0}, {y0}, {east}, {y1}, {crs.srid})"
    else:
        west = f"ST_MakeEnvelope(-180, {y0}, {x1}, {y1}, {crs.srid})"
        box = f"CASE WHEN {x0} <= {x1} THEN {empty} ELSE {west} END"
    return to_storage_sql(box, crs.srid, marked=False)


# A box across the antimeridian whose sides lie closer than this (in degrees of longitude,
# about 0.1 m) is taken as all longitudes: two parts so close would touch in UTM, an
# invalid multipolygon on which GEOS fails the statement.
ANTIMERIDIAN_GAP = 1e-6


def box_literal_sql(
    box: tuple[float, float, float, float], crs: Crs, bind: Callable[[float], str]
) -> str:
    """SQL of a CQL2 BBOX literal, `box` as given (`crs`'s own axis order), in that axis
    order (for `input_geometry_sql`), values bound by `bind`. In a geographic CRS a west
    longitude greater than the east one crosses the antimeridian, as a bbox parameter does
    (CQL2 2.0, 6.2.4): the two boxes either side, as one multipolygon."""
    a0, b0, a1, b1 = box

    def envelope(a0: float, b0: float, a1: float, b1: float) -> str:
        values = ", ".join(bind(float(v)) for v in (a0, b0, a1, b1))
        return f"ST_MakeEnvelope({values}, {crs.srid})"

    west, east = (b0, b1) if crs.lat_first else (a0, a1)
    if not crs.geographic or west <= east:
        return envelope(a0, b0, a1, b1)
    if west - east < ANTIMERIDIAN_GAP:
        return envelope(a0, -180, a1, 180) if crs.lat_first else envelope(-180, b0, 180, b1)
    if crs.lat_first:
        parts = envelope(a0, west, a1, 180), envelope(a0, -180, a1, east)
    else:
        parts = envelope(west, b0, 180, b1), envelope(-180, b0, east, b1)
    return f"ST_Collect({parts[0]}, {parts[1]})"


def bbox_sql(geometry: str, crs: Crs, prefix: str, box: tuple[float, float, float, float]) -> str:
    """SQL of the condition that `geometry` (stored) meets the bbox bound as in
    `envelope_sql`, whose values `box` (x first, from `parse_bbox`) are. The SQL is made for
    the box: only one that crosses the antimeridian has two sides, met one by one, never as
    one multipolygon (sides a hair apart, `170.000…1,…,170,…`, would touch in UTM, an invalid
    geometry on which GEOS fails the statement); and one inside DOMAIN, as a box over the
    data is, is segmented and transformed with no clipping: items limit 10 bbox's query
    about 30 % faster than with both sides clipped (benchmarks/README.md, "The bbox made for
    the box")."""
    x0, y0, x1, y1 = box
    if crs.geographic and x0 > x1:
        one = f"ST_Intersects({geometry}, {envelope_sql(crs, prefix)})"
        return f"({one} OR ST_Intersects({geometry}, {envelope_sql(crs, prefix, 1)}))"
    if crs.srid == SRID:
        return f"ST_Intersects({geometry}, {envelope_sql(crs, prefix)})"
    d0, e0, d1, e1 = DOMAIN[crs.srid]
    if not (d0 <= x0 and x1 <= d1 and e0 <= y0 and y1 <= e1):
        return f"ST_Intersects({geometry}, {envelope_sql(crs, prefix)})"
    # As `to_storage_sql` segments a box inside DOMAIN, its piece length known here.
    piece = max(SEGMENT[crs.srid], (x1 - x0 + y1 - y0) / SEGMENTS)
    corners = ", ".join(f"CAST(:{prefix}{k} AS float8) AS {k}" for k in ("x0", "y0", "x1", "y1"))
    envelope = f"ST_MakeEnvelope(c.x0, c.y0, c.x1, c.y1, {crs.srid})"
    # A scalar subquery, as in `to_storage_sql`: made once per statement, in a generic plan
    # too (where the bound corners are no constants to fold), not once per row. The corners
    # come from a subquery the planner may not flatten (OFFSET 0), so a plan made for the
    # values does not fold the box either: both plans then cost the same, and PostgreSQL
    # keeps the generic one instead of planning the statement on every request
    # (`gis.ogc.features._page_numbers`; figures in benchmarks/README.md).
    box_sql = (
        f"(SELECT ST_Transform(ST_Segmentize({envelope}, {piece!r}), {SRID})"
        f" FROM (SELECT {corners} OFFSET 0) c)"
    )
    return f"ST_Intersects({geometry}, {box_sql})"


def output_geometry_sql(geometry: str, crs: Crs) -> str:
    """SQL turning a stored geometry into `crs`, axes in the order the CRS defines."""
    g = geometry if crs.srid == SRID else f"ST_Transform({geometry}, {crs.srid})"
    return f"ST_FlipCoordinates({g})" if crs.lat_first else g


def input_geometry_sql(geometry: str, crs: Crs) -> str:
    """SQL turning a geometry given in `crs` (its own axis order, SRID set) into the storage
    CRS, clipped to where that is well defined (see DOMAIN)."""
    g = f"ST_FlipCoordinates({geometry})" if crs.lat_first else geometry
    return to_storage_sql(g, crs.srid)
