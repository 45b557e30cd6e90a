"""Checks of an edit before anything is written: the body, each property against its
column, the geometry's shape (in Python, no I/O) and then its validity and place (PostGIS).

Every failure is an `InvalidParameter` naming the field (`geometry`, a property's name,
`dwellings[0].tenure`): the HTTP layer answers 422 with it, and nothing has been written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from gis.crs import Crs
from gis.editing.specs import Prop, Spec
from gis.errors import InvalidParameter

MISSING: Any = object()

# How far from a designated area (table `area`) a feature may lie: the plan reaches the
# streets and paths around its areas and the replacement housing elsewhere in Odense, all
# well within this of some area; a feature farther off is a slip (wrong CRS, swapped axes).
REACH_M = 5000.0
# A geometry read back in CRS84 (7 decimals, about a centimetre) and sent again is the
# same geometry: within this it keeps the stored one, so round trips never drift.
SAME_GEOMETRY_M = 0.05
MAX_POSITIONS = 100_000
MAX_LIST = 200
# Projected CRSs' coordinate ranges (metres): UTM's northern hemisphere with room for an
# extended zone, and Web Mercator's square.
PROJECTED_RANGE = {
    25832: (-2_000_000.0, 0.0, 3_000_000.0, 10_000_000.0),
    3857: (-20037508.34, -20048966.1, 20037508.34, 20048966.1),
}
ACCEPTED_TYPES = {
    "MultiPolygon": ("Polygon", "MultiPolygon"),
    "MultiLineString": ("LineString", "MultiLineString"),
    "Point": ("Point",),
}
MATRIKEL = re.compile(r"^(\d{1,9})-(\S.{0,31})$")


def _refuse_constant(name: str) -> None:
    raise ValueError(name)


def parse_json(body: bytes) -> Any:
    """The request body as JSON; NaN and Infinity are not JSON and are refused."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise InvalidParameter("body", "The body is not valid JSON (UTF-8).") from None


def feature_parts(doc: Any, *, patch: bool = False) -> tuple[Any, dict[str, Any], Any]:
    """(geometry, properties, id) of a GeoJSON Feature, or of a merge patch of one (where
    an absent member is MISSING)."""
    if not isinstance(doc, dict):
        raise InvalidParameter("body", "The body must be a GeoJSON Feature (a JSON object).")
    kind = doc.get("type", MISSING if patch else None)
    if kind is not MISSING and kind != "Feature":
        raise InvalidParameter("type", "type must be 'Feature'.")
    for name in doc:
        if name not in ("type", "id", "geometry", "properties", "links", "bbox"):
            raise InvalidParameter(name, f"'{name}' is not a member of a Feature here.")
    props = doc.get("properties", MISSING if patch else {})
    if props is MISSING:
        props = {}
    if not isinstance(props, dict):
        raise InvalidParameter("properties", "properties must be a JSON object.")
    geometry = doc.get("geometry", MISSING) if patch else doc.get("geometry")
    return geometry, props, doc.get("id", MISSING)


def check_value(prop: Prop, value: Any, where: str | None = None) -> Any:
    """The value converted for its column; `where` names it in the error."""
    name = where or prop.name
    if value is None:
        if prop.default is not None:
            return prop.default
        if not prop.nullable:
            raise InvalidParameter(name, f"{name} is required and cannot be null.")
        return None
    kind = prop.kind
    if kind == "special":
        if not isinstance(value, str) or not value.strip():
            raise InvalidParameter(name, f"{name} must be a non-empty string.")
        return value.strip()
    if kind == "bool":
        if not isinstance(value, bool):
            raise InvalidParameter(name, f"{name} must be true or false.")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidParameter(name, f"{name} must be a number.")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidParameter(name, f"{name} must be a finite number.")
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise InvalidParameter(name, f"{name} must be a whole number.")
            value = int(value)
        _check_range(prop, value, name)
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat() if isinstance(value, str) else _bad()
        except ValueError:
            raise InvalidParameter(name, f"{name} must be a date (YYYY-MM-DD).") from None
    if kind == "enum":
        if value not in prop.choices or isinstance(value, bool):
            allowed = ", ".join(str(c) for c in prop.choices)
            raise InvalidParameter(name, f"{name} must be one of: {allowed}.")
        return value
    if kind == "enum_list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidParameter(name, f"{name} must be a list of strings.")
        items = [i.strip() for i in items if i.strip()]
        bad = [i for i in items if i not in prop.choices]
        if bad:
            allowed = ", ".join(prop.choices)
            raise InvalidParameter(name, f"{name}: '{bad[0]}' is not one of: {allowed}.")
        return [c for c in prop.choices if c in items]
    if not isinstance(value, str):
        raise InvalidParameter(name, f"{name} must be a string.")
    if prop.max_length is not None and len(value) > prop.max_length:
        raise InvalidParameter(name, f"{name} is longer than {prop.max_length} characters.")
    if prop.pattern is not None and not re.match(prop.pattern, value):
        raise InvalidParameter(name, f"{name} must match {prop.pattern}.")
    return value


def _bad() -> Any:
    raise ValueError


def _check_range(prop: Prop, value: float, name: str) -> None:
    low_ok = prop.low is None or (value > prop.low if prop.exclusive_low else value >= prop.low)
    if not low_ok or (prop.high is not None and value > prop.high):
        low = (
            ""
            if prop.low is None
            else f"{'above' if prop.exclusive_low else 'at least'} {prop.low}"
        )
        high = "" if prop.high is None else f"at most {prop.high}"
        raise InvalidParameter(name, f"{name} must be {' and '.join(p for p in (low, high) if p)}.")


def check_order(values: dict[str, Any], order: tuple[str, ...], prefix: str = "") -> None:
    """Years that must not go backwards (each may be unknown): the later one is named."""
    known = [(f, values.get(f)) for f in order if values.get(f) is not None]
    for (a, ya), (b, yb) in zip(known, known[1:], strict=False):
        if ya > yb:
            raise InvalidParameter(
                prefix + b, f"{prefix}{b} ({yb}) comes before {prefix}{a} ({ya})."
            )


def check_items(spec: Spec, value: Any) -> list[dict[str, Any]]:
    """A list property's rows (a building's dwellings by tenure), each checked."""
    name = spec.list_prop or ""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidParameter(name, f"{name} must be a list of at most {MAX_LIST} objects.")
    out = []
    known = {p.name: p for p in spec.child_props}
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            raise InvalidParameter(where, f"{where} must be an object.")
        for key in item:
            if key not in known:
                raise InvalidParameter(f"{where}.{key}", f"{where}: unknown field '{key}'.")
        row = {
            p.column: check_value(p, item.get(p.name), f"{where}.{p.name}")
            for p in spec.child_props
        }
        for order in spec.child_orders:
            check_order(row, order, f"{where}.")
        out.append(row)
    return out


def parse_matrikel(value: str) -> tuple[int, str]:
    m = MATRIKEL.match(value)
    if m is None or int(m.group(1)) < 1:
        raise InvalidParameter(
            "matrikel", "matrikel must be '<ejerlavskode>-<matrikelnummer>', e.g. '2000151-12a'."
        )
    return int(m.group(1)), m.group(2)


def check_geometry_shape(geometry: Any, spec: Spec, crs: Crs) -> None:
    """The geometry's type and coordinates, before any I/O: a type the layer holds (a
    Polygon for a MultiPolygon layer, promoted), closed rings, finite coordinates within
    the CRS's range."""
    if not isinstance(geometry, dict):
        raise InvalidParameter("geometry", "geometry must be a GeoJSON geometry object.")
    accepted = ACCEPTED_TYPES[spec.geometry_type]
    kind = geometry.get("type")
    if kind not in accepted:
        raise InvalidParameter(
            "geometry", f"geometry of {spec.layer} must be a {' or '.join(accepted)}, not {kind}."
        )
    coords = geometry.get("coordinates")
    depth = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}
    count = [0]

    def walk(node: Any, level: int) -> None:
        if level == 0:
            _position(node, crs)
            count[0] += 1
            if count[0] > MAX_POSITIONS:
                raise InvalidParameter(
                    "geometry", f"geometry has more than {MAX_POSITIONS} positions."
                )
            return
        if not isinstance(node, list) or not node:
            raise InvalidParameter(
                "geometry", "geometry's coordinates are not nested as its type needs."
            )
        for child in node:
            walk(child, level - 1)

    walk(coords, depth[kind])
    lines = [coords] if kind == "LineString" else coords if kind == "MultiLineString" else []
    rings = coords if kind == "Polygon" else []
    if kind == "MultiPolygon":
        rings = [ring for polygon in coords for ring in polygon]
    if any(len(line) < 2 for line in lines):
        raise InvalidParameter("geometry", "a line needs at least two positions.")
    for ring in rings:
        if len(ring) < 4 or ring[0][:2] != ring[-1][:2]:
            raise InvalidParameter(
                "geometry", "a polygon's rings must be closed, of 4 positions or more."
            )


def _position(node: Any, crs: Crs) -> None:
    if (
        not isinstance(node, list)
        or len(node) not in (2, 3)
        or any(isinstance(v, bool) or not isinstance(v, int | float) for v in node)
    ):
        raise InvalidParameter("geometry", "a position must be 2 or 3 numbers.")
    if not all(math.isfinite(v) for v in node):
        raise InvalidParameter("geometry", "coordinates must be finite numbers.")
    a, b = node[0], node[1]
    if crs.geographic:
        lon, lat = (b, a) if crs.lat_first else (a, b)
        ok = -180 <= lon <= 180 and -90 <= lat <= 90
    else:
        x0, y0, x1, y1 = PROJECTED_RANGE.get(crs.srid, (-math.inf, -math.inf, math.inf, math.inf))
        ok = x0 <= a <= x1 and y0 <= b <= y1
    if not ok:
        raise InvalidParameter(
            "geometry", f"coordinates ({a}, {b}) lie outside the range of {crs.uri}."
        )


def prepare_geometry(
    conn: Connection, geometry: dict, spec: Spec, crs: Crs, current: str | None = None
) -> str:
    """The geometry in the storage CRS as hex EWKB, checked in PostGIS: valid (the reason
    named if not), not empty, within REACH_M of a designated area. Within SAME_GEOMETRY_M of
    `current` (the stored one, hex EWKB) it is the stored one."""
    g = "ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(:g), :srid))"
    if crs.lat_first:
        g = f"ST_FlipCoordinates({g})"
    if crs.srid != 25832:
        g = f"ST_Transform({g}, 25832)"
    if spec.geometry_type.startswith("Multi"):
        g = f"ST_Multi({g})"
    sql = f"""
        WITH n AS (SELECT {g} AS g),
        c AS (SELECT n.g,
                     CASE WHEN CAST(:cur AS text) IS NOT NULL
                           AND GeometryType(CAST(:cur AS geometry)) = GeometryType(n.g)
                           AND ST_HausdorffDistance(CAST(:cur AS geometry), n.g) < :same
                          THEN CAST(:cur AS geometry) ELSE n.g END AS kept
              FROM n)
        SELECT encode(ST_AsEWKB(kept), 'hex') AS hex, ST_IsEmpty(g) AS empty,
               ST_IsValidReason(g) AS reason, ST_IsValid(g) AS valid,
               NOT EXISTS (SELECT 1 FROM area) OR EXISTS (
                   SELECT 1 FROM area a WHERE ST_DWithin(a.boundary, c.g, :reach)) AS near
        FROM c
    """
    params = {
        "g": json.dumps(geometry),
        "srid": crs.srid,
        "cur": current,
        "same": SAME_GEOMETRY_M,
        "reach": REACH_M,
    }
    try:
        with conn.begin_nested():
            row = conn.execute(text(sql), params).one()
    except DBAPIError:
        raise InvalidParameter(
            "geometry", "geometry cannot be read as GeoJSON in that CRS."
        ) from None
    if row.empty:
        raise InvalidParameter("geometry", "geometry is empty.")
    if not row.valid:
        raise InvalidParameter("geometry", f"geometry is not valid: {row.reason}.")
    if not row.near:
        raise InvalidParameter(
            "geometry",
            f"geometry lies more than {REACH_M:.0f} m from every designated area "
            "(is the CRS right? send Content-Crs for anything but CRS84).",
        )
    return row.hex


def check_anchor(conn: Connection, footprint: str) -> None:
    """A building's anchor (the point on its footprint that places it) must lie in exactly
    one quarter of each quarter set of every area it lies in, as the version written to
    shows the quarters: else its dwellings would count twice, or nowhere."""
    rows = conn.execute(
        text(
            """
            WITH b AS (SELECT ST_PointOnSurface(CAST(:g AS geometry)) AS p)
            SELECT a.slug AS area, qs.slug AS quarter_set, count(q.id) AS n
            FROM b JOIN area a ON ST_Intersects(a.boundary, b.p)
            JOIN quarter_set qs ON qs.area_id = a.id
            LEFT JOIN quarter q ON q.quarter_set_id = qs.id AND ST_Intersects(q.geom, b.p)
            GROUP BY a.slug, qs.slug HAVING count(q.id) <> 1
            ORDER BY 1, 2
            """
        ),
        {"g": footprint},
    ).all()
    if rows:
        r = rows[0]
        raise InvalidParameter(
            "geometry",
            f"the building's anchor lies in {r.n} quarters of quarter set '{r.quarter_set}' "
            f"of area '{r.area}'; it must lie in exactly one.",
        )
