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

from gis.db import storable
from gis.editing.specs import Prop, Spec
from gis.errors import InvalidParameter
from gis.ogc.crs import Crs

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


def parse_json(body: bytes) -> Any:
    """The request body as JSON (UTF-8). NaN and Infinity, which JSON does not have, are
    read as the numbers they spell, so that the check of the field holding one refuses it by
    name (every number written is checked finite). Text PostgreSQL cannot store (a NUL
    character, half a surrogate pair) is refused here, naming where it is."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidParameter("body", "The body is not valid JSON (UTF-8).") from None
    # Either can only come from a \u escape: raw control characters are not JSON.
    if b"\\u" in body:
        where = _unstorable(doc, "")
        if where is not None:
            name = _field(where)
            raise InvalidParameter(
                name,
                f"{name} holds text that cannot be stored (a NUL character or a lone surrogate).",
            )
    return doc


def _unstorable(node: Any, path: str) -> str | None:
    """The path (`properties.dwellings[0].tenure`) of the first string or key that is not
    `storable`, or None."""
    if isinstance(node, str):
        return None if storable(node) else path or "body"
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if not storable(key):
                return path or "body"
            found = _unstorable(value, here)
            if found is not None:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = _unstorable(value, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _field(path: str) -> str:
    """The field an error names: a property as the property checks name it
    (`dwellings[0].tenure`), any part of the geometry as `geometry`, else the member."""
    if path.startswith("properties."):
        return path[len("properties.") :]
    return re.split(r"[.\[]", path, maxsplit=1)[0]


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
        _check_text(value, name)
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
    _check_text(value, name)
    if prop.max_length is not None and len(value) > prop.max_length:
        raise InvalidParameter(name, f"{name} is longer than {prop.max_length} characters.")
    if prop.pattern is not None and not re.match(prop.pattern, value):
        raise InvalidParameter(name, f"{name} must match {prop.pattern}.")
    return value


def _check_text(value: str, name: str) -> None:
    if not storable(value):
        raise InvalidParameter(
            name, f"{name} holds text that cannot be stored (a NUL character or a lone surrogate)."
        )


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


# How many of the buildings a refused quarter edit names by id (the count is always given).
SHOWN_BUILDINGS = 10

_QUARTER_EDIT = text(
    """
    WITH e AS (
        SELECT CAST(:old_set AS integer) AS old_set, CAST(:old AS geometry) AS old_g,
               CAST(:new_set AS integer) AS new_set, CAST(:new AS geometry) AS new_g
    ),
    touched AS (
        SELECT b.id, b.anchor FROM building b, e
        WHERE ST_Intersects(b.anchor, e.old_g) OR ST_Intersects(b.anchor, e.new_g)
    ),
    counts AS (
        SELECT t.id, a.slug AS area, qs.slug AS quarter_set,
               (SELECT count(*) FROM quarter q
                 WHERE q.quarter_set_id = qs.id AND q.id IS DISTINCT FROM CAST(:fid AS bigint)
                   AND ST_Intersects(q.geom, t.anchor)) AS others,
               coalesce(e.old_set = qs.id AND ST_Intersects(e.old_g, t.anchor), false) AS was_in,
               coalesce(e.new_set = qs.id AND ST_Intersects(e.new_g, t.anchor), false) AS is_in
        FROM touched t CROSS JOIN e
        JOIN quarter_set qs ON qs.id IN (e.old_set, e.new_set)
        JOIN area a ON a.id = qs.area_id AND ST_Intersects(a.boundary, t.anchor)
    )
    SELECT area, quarter_set, others + is_in::int AS quarters, count(*) AS n,
           (array_agg(id ORDER BY id))[1:CAST(:shown AS integer)] AS ids
    FROM counts
    WHERE others + is_in::int = 0 AND others + was_in::int > 0
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    """
)


def check_quarter_edit(
    conn: Connection,
    fid: int | None,
    before: tuple[int, str] | None,
    after: tuple[int, str] | None,
    *,
    field: str = "geometry",
) -> None:
    """A quarter created, reshaped, moved to another set or deleted (`before`/`after`: its
    quarter set and geometry as hex EWKB, None where it is absent) must not take a
    building's anchor out of every quarter of its set: its dwellings would then count in no
    quarter of that set. An edit that puts a building in two quarters of a set is let
    through: moving a border that two quarters share is two writes (Part 4 writes one
    feature at a time), and growing the one quarter first is the order that never leaves a
    building outside; meanwhile the tenure mix counts such a building once, in the quarter
    with the lowest id (gis/sql/tenure_mix.sql). Checked in the version written to, before
    writing."""
    old_set, old = before or (None, None)
    new_set, new = after or (None, None)
    rows = conn.execute(
        _QUARTER_EDIT,
        {
            "fid": fid,
            "old_set": old_set,
            "old": old,
            "new_set": new_set,
            "new": new,
            "shown": SHOWN_BUILDINGS,
        },
    ).all()
    if not rows:
        return
    total = sum(r.n for r in rows)
    parts = []
    for r in rows:
        where = "no quarter" if r.quarters == 0 else f"{r.quarters} quarters"
        ids = ", ".join(str(i) for i in r.ids) + (", ..." if r.n > len(r.ids) else "")
        parts.append(
            f"{r.n} in {where} of quarter set '{r.quarter_set}' of area '{r.area}' "
            f"(buildings {ids})"
        )
    raise InvalidParameter(
        field,
        f"the edit would leave {total} building{'s' if total != 1 else ''} outside exactly one "
        f"quarter of a set: {'; '.join(parts)}. Each building must lie in a quarter of each "
        "quarter set of its area; to move a border two quarters share, grow the neighbouring "
        "quarter first, then shrink this one.",
    )
