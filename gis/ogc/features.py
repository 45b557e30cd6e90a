"""Features of a layer for the OGC API: one query's parameters checked, and one set-based
statement answering it.

`ItemsQuery.from_params` reads the query string of `/collections/{id}/items` (no web
framework needed) and raises `InvalidQuery` (a 400) for anything it cannot honour; `items`
then runs a single statement that returns the page as GeoJSON text, assembled in PostGIS,
and the number matched.

Paging is by keyset: a page's `next` link carries a `cursor`, the last row's sort keys and
id (`Cursor`), and the next page is the rows after it in the sort order, found by the
order's own index where there is one. The last page of the national stock costs what the
first does, and rows added or removed between pages neither repeat nor skip a feature.
`offset` still works (OGC API – Features leaves paging to the server; clients follow
`next`), and its pages link on by cursor too.

`numberMatched` is cheap unless asked otherwise (`count=exact`): on an offset page that
shows the end it is the offset plus the page, free; otherwise the page's own statement
counts the matches up to `NUMBER_MATCHED_CAP`, and where there are more, the answer is the
planner's estimate (`EXPLAIN`, a second statement only then); `numberMatchedExact` beside
it says which one it is.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Connection, text

from gis import data_version, temporal
from gis.db import statement
from gis.errors import InvalidQuery, NotFound
from gis.land import confidential
from gis.layers import Layer
from gis.ogc import cql2, params
from gis.ogc.crs import CRS84, STORAGE, Crs, bbox_sql, output_geometry_sql, parse_bbox
from gis.ogc.queryables import date_properties, queryables
from gis.roles import Reader

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# numberMatched is counted exactly up to this many matches, and estimated beyond. The count
# reads rows until it has found them, on every page: 1,000 of the national stock's
# buildings are ~1,000 rows without a filter, ~34,000 with one that 3 % of them match. A
# cap of 10,000 cost a page ~5 ms without a filter and ~90 ms with that one
# (benchmarks/README.md, the OGC API at national scale).
NUMBER_MATCHED_CAP = 1_000
MAX_OFFSET = 10_000_000
COUNT_MODES = ("estimate", "exact")
# `cql-text` is the pre-CQL2 name GDAL's OAPIF driver (3.6 to 3.12 at least) asks for: it
# sends a `-where` to the server only if the items path declares that value, and otherwise
# downloads every feature to filter it itself.
FILTER_LANGS = ("cql2-text", "cql2-json", "cql-text")
# The formats of /items: pages as GeoJSON or HTML, files as CSV or GeoPackage.
FORMATS = ("json", "html", "csv", "gpkg")
# A cursor is the server's own text; one longer than this is not.
MAX_CURSOR_LENGTH = 8_192


# The query parameters of /items, beside the layer's queryables as property filters (Part 1):
# the one declaration the parser (`ItemsQuery.from_params`), the API document and the HTML
# form take them from.
ITEMS = (
    params.Parameters(
        (
            params.Param(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                f"Features per page: default {DEFAULT_LIMIT}, at most {MAX_LIMIT} (CSV and "
                "GeoPackage: default the maximum). Follow `next` links for more.",
            ),
            params.Param(
                "offset",
                {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                "Features to skip. Kept for clients that page so; the `next` link pages by "
                "`cursor`, which costs the same on the last page as on the first.",
            ),
            params.Param(
                "cursor",
                {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
                "Where the page starts: opaque, taken from a `next` link (it holds the last "
                "feature's sort keys and id, so features added or removed meanwhile neither "
                "repeat nor go missing). Only with the sortby it was made for; not with offset.",
            ),
            params.Param(
                "count",
                {"type": "string", "enum": list(COUNT_MODES), "default": "estimate"},
                "How numberMatched is found: `estimate` (default) counts where that is cheap "
                f"(up to {NUMBER_MATCHED_CAP:,} matches) and otherwise gives the planner's "
                "estimate, `numberMatchedExact` saying which; `exact` always counts.",
            ),
            params.Param(
                "bbox",
                {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                "Bounding box in bbox-crs (default CRS84), in that CRS's axis order.",
            ),
            params.crs_param("bbox-crs", "CRS of bbox."),
            params.CRS,
            params.DATETIME,
            params.Param(
                "filter",
                {"type": "string", "maxLength": cql2.MAX_FILTER_LENGTH},
                "A CQL2 filter (see the queryables).",
            ),
            params.Param(
                "filter-lang",
                {"type": "string", "enum": list(FILTER_LANGS), "default": "cql2-text"},
                "Encoding of filter. `cql-text` is CQL2 text as GDAL writes it (booleans as 0 "
                "and 1, dates as quoted strings); GDAL pushes a `-where` to the server only "
                "when it is offered.",
            ),
            params.crs_param("filter-crs", "CRS of geometries in filter."),
            params.Param("sortby", {"type": "string"}, "Comma-separated properties, -desc."),
            params.Param(
                "properties",
                {"type": "string"},
                "Comma-separated properties.",
                keep_empty=True,
            ),
            params.Param("skipGeometry", {"type": "boolean"}, "Leave out geometries."),
            params.format_param(FORMATS),
        )
    )
    + params.VERSION
)
# The query parameters of one feature, /items/{featureId}.
ITEM = params.Parameters((params.format_param(("json", "html")), params.CRS)) + params.VERSION
# What a queryable given as a query parameter (an equality) is, as a schema.
_EQUALS_SCHEMAS = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date"},
}


@lru_cache(maxsize=256)
def items_parameters(layer: Layer) -> params.Parameters:
    """`ITEMS` and the layer's queryables that can be compared for equality, each as a
    parameter of its type (Part 1's property filters): per reader's view of the layer, as
    its confidential queryables are unknown to a reader without the right."""
    return ITEMS + (
        params.Param(name, _EQUALS_SCHEMAS[q.type], f"Features whose {name} equals this value.")
        for name, q in queryables(layer).items()
        if q.type in _EQUALS_SCHEMAS and name not in ITEMS
    )


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    crs: Crs = CRS84
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: Crs = CRS84
    datetime: temporal.YearRange | None = None
    filter: cql2.Node | None = None
    filter_crs: Crs = CRS84
    sortby: list[tuple[str, bool]] = field(default_factory=list)
    properties: list[str] | None = None
    skip_geometry: bool = False
    # Part 1 property filters: name=value, equality (the value as its queryable's type).
    equals: dict[str, object] = field(default_factory=dict)
    # Keyset paging: the page starts after this row of the sort order.
    after: Cursor | None = None
    count_exact: bool = False

    @classmethod
    def from_params(
        cls, layer: Layer, query: params.Query, *, default_limit: int = DEFAULT_LIMIT
    ) -> ItemsQuery:
        """From a query string (every name and value checked against `items_parameters`)."""
        args = items_parameters(layer).parse(query)
        return cls.from_args(layer, args, default_limit=default_limit)

    @classmethod
    def from_args(
        cls, layer: Layer, args: Mapping[str, object], *, default_limit: int = DEFAULT_LIMIT
    ) -> ItemsQuery:
        """From the parsed parameters (`items_parameters(layer).parse`): what one parameter
        means given another (bbox in bbox-crs, a filter's properties and types against the
        queryables, a cursor's sortby), all before any I/O."""
        q = cls()
        known = queryables(layer)
        q.limit = args.get("limit", default_limit)
        q.offset = args.get("offset", 0)
        q.crs = args.get("crs", CRS84)
        q.bbox_crs = args.get("bbox-crs", CRS84)
        if "bbox" in args:
            q.bbox = parse_bbox(args["bbox"], q.bbox_crs)
        elif "bbox-crs" in args:
            raise InvalidQuery("bbox-crs", "bbox-crs is given without a bbox.")
        q.datetime = args.get("datetime")
        q.filter_crs = args.get("filter-crs", CRS84)
        if "filter" in args:
            source, lang = args["filter"], args.get("filter-lang")
            if lang == "cql-text":
                source, lang = legacy_cql_text(source, known, date_properties(layer)), "cql2-text"
            q.filter = cql2.parse(source, lang)
            cql2.check(q.filter, known, q.filter_crs)
        q.sortby = _sortby(args.get("sortby"), known)
        q.properties = _properties(args.get("properties"), layer)
        q.skip_geometry = args.get("skipGeometry", False)
        q.equals = {k: v for k, v in args.items() if k in known and k not in ITEMS}
        if "cursor" in args:
            if q.offset:
                raise InvalidQuery("cursor", "cursor and offset cannot be given together.")
            q.after = Cursor.decode(args["cursor"], q.sortby, known)
        q.count_exact = args.get("count") == "exact"
        return q


# The SQL type a cursor's sort key is bound as, by queryable type (gis.ogc.cql2's types).
_KEY_SQL_TYPES = {
    "integer": "bigint",
    "number": "double precision",
    "string": "text",
    "boolean": "boolean",
    "date": "date",
}
_INT8 = 2**63


def _sortby_key(sortby: list[tuple[str, bool]]) -> str:
    return ",".join(("-" if d else "") + n for n, d in sortby)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's sort key values (in `sortby` order) and its id.

    Opaque to clients (base64url of JSON) but not secret: it holds what the page showed.
    `decode` checks it whole before any I/O, so every value is bound as the type its sort
    key has; a cursor that was not made for this sortby, or that the server did not make,
    is a 400 naming `cursor`."""

    keys: tuple
    id: int

    def encode(self, sortby: list[tuple[str, bool]]) -> str:
        doc = [1, _sortby_key(sortby), list(self.keys), self.id]
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(
        cls, value: str, sortby: list[tuple[str, bool]], known: dict[str, cql2.Queryable]
    ) -> Cursor:
        def bad(why: str) -> InvalidQuery:
            return InvalidQuery("cursor", f"cursor: {why} Follow the next link as given.")

        if len(value) > MAX_CURSOR_LENGTH:
            raise bad("too long.")
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            doc = json.loads(raw.decode())
        except (binascii.Error, ValueError, RecursionError):  # RecursionError: deep nesting
            raise bad("not a cursor this server made.") from None
        if not (isinstance(doc, list) and len(doc) == 4 and doc[0] == 1):
            raise bad("not a cursor this server made.")
        _, order, keys, fid = doc
        if order != _sortby_key(sortby):
            raise bad("made for another sortby.")
        if not isinstance(keys, list) or len(keys) != len(sortby):
            raise bad("not a cursor this server made.")
        if isinstance(fid, bool) or not isinstance(fid, int) or not 0 <= fid <= MAX_FEATURE_ID:
            raise bad("its id is not a feature id.")
        values = [
            _key_value(v, known[name].type, bad) for v, (name, _) in zip(keys, sortby, strict=True)
        ]
        return cls(tuple(values), fid)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _number(value) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    # float8's own, as PostgreSQL's JSON writes them
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value)


# Each sort key type's value from a cursor's JSON, as bound; None if it is not one.
_KEY_VALUES = {
    "integer": lambda v: (
        v if isinstance(v, int) and not isinstance(v, bool) and -_INT8 <= v < _INT8 else None
    ),
    "number": _number,
    "boolean": lambda v: v if isinstance(v, bool) else None,
    "date": _date,
    "string": lambda v: v if isinstance(v, str) and "\x00" not in v else None,
}


def _key_value(value, kind: str, bad):
    """A sort key value from a cursor, as the Python value bound for its SQL type."""
    if value is None:
        return None
    found = _KEY_VALUES[kind](value) if isinstance(value, str | int | float | bool) else None
    if found is None:
        raise bad(f"a value is not a {kind}.")
    return found


# What GDAL writes that CQL2 text spells otherwise: a boolean (an integer field to GDAL)
# compared with 0 or 1, and a date or timestamp as a quoted string (GDAL's
# BuildFilterCQLText). Outside quoted strings only, so a literal is never rewritten.
_LEGACY_TOKEN = re.compile(
    r"'(?:[^']|'')*'|(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op><>|<=|>=|=|<|>)\s*"
    r"(?P<value>'(?:[^']|'')*'|[0-9]+)"
)
# GDAL writes a date as '2024-05-01T' (a date-time with no time) and a date-time as
# '2024-05-01T10:30:00Z'.
_GDAL_DATE = re.compile(r"'(\d{4}-\d{2}-\d{2})T?'")
_GDAL_TIMESTAMP = re.compile(r"'(\d{4}-\d{2}-\d{2}T\d{2}(?::\d{2}){0,2}Z)'")


def legacy_cql_text(
    source: str, known: dict[str, cql2.Queryable], dates: frozenset[str] = frozenset()
) -> str:
    """GDAL's `cql-text` as CQL2 text: `decided = 0` is `decided = FALSE`, and a date
    compared with a date property (`dates`: ISO text to the queryables, a date to GDAL,
    see `feature_schema`) is '2024-05-01', not GDAL's '2024-05-01T', which sorts after
    it as text; a date or timestamp queryable gets a DATE() or TIMESTAMP() literal.
    Everything else is CQL2 text already."""

    def rewrite(m: re.Match) -> str:
        name = m.group("name")
        if name is None or name not in known:
            return m.group(0)
        kind, value, op = known[name].type, m.group("value"), m.group("op")
        if kind == "boolean" and value in ("0", "1") and op in ("=", "<>"):
            return f"{name} {op} {'TRUE' if value == '1' else 'FALSE'}"
        if (d := _GDAL_DATE.fullmatch(value)) and (kind == "date" or name in dates):
            day = d.group(1)
            return f"{name} {op} " + (f"DATE('{day}')" if kind == "date" else f"'{day}'")
        if kind == "timestamp" and (t := _GDAL_TIMESTAMP.fullmatch(value)):
            return f"{name} {op} TIMESTAMP('{t.group(1)}')"
        return m.group(0)

    return _LEGACY_TOKEN.sub(rewrite, source)


def _sortby(value: str | None, known: dict[str, cql2.Queryable]) -> list[tuple[str, bool]]:
    out = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in known or known[name].type in ("geometry", "life"):
            raise InvalidQuery("sortby", f"sortby: cannot sort by '{name}'.")
        out.append((name, descending))
    return out


def _properties(value: str | None, layer: Layer) -> list[str] | None:
    if value is None:
        return None
    names = [p.strip() for p in value.split(",") if p.strip()]
    unknown = [p for p in names if p not in layer.properties]
    if unknown:
        raise InvalidQuery("properties", f"properties: unknown property '{unknown[0]}'.")
    return names


def _where(layer: Layer, q: ItemsQuery, params: dict) -> str:
    known = queryables(layer)
    where = ["TRUE"]
    if q.bbox is not None:
        params.update(zip(("bb_x0", "bb_y0", "bb_x1", "bb_y1"), q.bbox, strict=True))
        where.append(bbox_sql(layer.geometry, q.bbox_crs, "bb_", q.bbox))
    if q.datetime is not None:
        where.append(temporal.life_in_range(layer, q.datetime, params))
    for i, (name, value) in enumerate(q.equals.items()):
        where.append(_equals(known[name], value, params, f"eq{i}"))
    if q.filter is not None:
        where.append(cql2.compile_filter(q.filter, known, q.filter_crs, params))
    return " AND ".join(where)


def _equals(queryable: cql2.Queryable, value: object, params: dict, name: str) -> str:
    params[name] = value  # typed by the declaration (`items_parameters`)
    return f"{queryable.sql} = :{name}"


def _order(layer: Layer, q: ItemsQuery) -> str:
    known = queryables(layer)
    keys = [f"{known[n].sql} {'DESC' if d else 'ASC'} NULLS LAST" for n, d in q.sortby]
    return ", ".join([*keys, "t.id"])


def _after(layer: Layer, q: ItemsQuery, params: dict) -> str:
    """The rows after the cursor in `_order`'s order: lexicographic over the sort keys
    (NULLs last either way) and then the id. Without sortby it is `t.id > :after_id`,
    the primary key's range scan."""
    assert q.after is not None
    known = queryables(layer)
    params["after_id"] = q.after.id
    cond = "t.id > CAST(:after_id AS integer)"
    for i in reversed(range(len(q.sortby))):
        name, descending = q.sortby[i]
        key, value = known[name].sql, q.after.keys[i]
        if value is None:  # only NULLs are level with a NULL, and nothing comes after them
            cond = f"({key} IS NULL AND {cond})"
            continue
        params[f"after{i}"] = value
        bound = f"CAST(:after{i} AS {_KEY_SQL_TYPES[known[name].type]})"
        op = "<" if descending else ">"
        cond = f"({key} {op} {bound} OR {key} IS NULL OR ({key} = {bound} AND {cond}))"
    return cond


def _cursor_keys_sql(layer: Layer, q: ItemsQuery) -> str:
    """A row's sort keys and id as a JSON array, the cursor of a page ending on it."""
    known = queryables(layer)
    return f"json_build_array({', '.join([*(known[n].sql for n, _ in q.sortby), 't.id'])})"


def _next_cursor(q: ItemsQuery, last: list | None) -> str | None:
    if last is None:
        return None
    return Cursor(tuple(last[:-1]), last[-1]).encode(q.sortby)


def _feature_sql(layer: Layer, q: ItemsQuery, extra: str = "") -> str:
    names = layer.properties if q.properties is None else q.properties
    props = ", ".join([*(f"'{p}', t.{p}" for p in names), *([extra] if extra else [])])
    if q.skip_geometry:
        geometry = "'null'"
    else:
        out = output_geometry_sql(layer.geometry, q.crs)
        geometry = f"COALESCE(ST_AsGeoJSON({out}, {q.crs.precision}, 0), 'null')"
    return (
        '\'{"type":"Feature","id":\' || t.id || \',"geometry":\' || '
        f"{geometry} || ',\"properties\":' || json_build_object({props})::text || '}}'"
    )


@dataclass(frozen=True)
class Page:
    features: str  # the GeoJSON features, comma-separated, as text
    number_returned: int
    number_matched: int | None
    data_version: int  # the version the page was read at (`gis.data_version`)
    # The cursor of the next page; None when this page is the last.
    next_cursor: str | None = None
    # Whether number_matched is a count (or the planner's estimate).
    number_matched_exact: bool = True


def estimate_matches(conn: Connection, source: str, where: str, params: dict) -> int:
    """The planner's estimate of the rows of `source` matching `where` (EXPLAIN: nothing
    is run)."""
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {source} WHERE {where}"
    plan = conn.execute(statement(sql), params).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return round(plan[0]["Plan"]["Plan Rows"])


def _page_numbers(q: ItemsQuery) -> tuple[str, str, str]:
    """How the statement names the page's limit, offset and count cap: as bound values, or
    written in as numbers when no bound value selects the page's rows.

    A statement with a bound LIMIT or OFFSET is planned anew on every request: PostgreSQL
    costs its generic plan for an unknown LIMIT as if it read a tenth of the table, never
    cheaper than the plan made for the values, so it keeps making that one (planning was
    half the database's CPU of an items page, benchmarks/README.md). With the numbers in
    the text, the generic plan costs what the custom one does and is kept. Only where no
    bound value selects rows (a bbox is bound, but met through a scalar subquery: unknown
    to the planner either way): a filter's, a property's or a time's values tell the
    planner how many rows match, and a generic plan made without them may scan the whole
    table for a rare value. The offset is written in only as 0, the first page: every
    other offset would be a statement of its own."""
    if q.filter is not None or q.equals or q.datetime is not None:
        return ":limit", ":offset", ":cap"
    offset = "0" if q.offset == 0 else ":offset"
    return str(int(q.limit)), offset, str(NUMBER_MATCHED_CAP + 1)


def items(conn: Connection, layer: Layer, q: ItemsQuery) -> Page:
    params: dict = {"limit": q.limit, "offset": q.offset, "cap": NUMBER_MATCHED_CAP + 1}
    where = _where(layer, q, params)
    limit, offset, cap = _page_numbers(q)
    page_where = where if q.after is None else f"{where} AND {_after(layer, q, params)}"
    order = _order(layer, q)
    if q.count_exact:
        counted = f"(SELECT count(*) FROM {layer.source} WHERE {where})"
    else:
        counted = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {layer.source} WHERE {where} LIMIT {cap}) c)"
        )
    # One row more than the page says whether there is a next one; an offset page that is
    # the last (or an empty first one) knows its count for free; one past the end does not.
    free = f"NOT more AND (returned > 0 OR {offset} = 0)" if q.after is None else "FALSE"
    # The features are made above the LIMIT, from the page's rows only: made in the same
    # SELECT, every row OFFSET skips was made too (the national stock's last page by offset
    # took 10.4 s so, benchmarks/README.md).
    sql = f"""
        WITH found AS (
            SELECT t.*, row_number() OVER (ORDER BY {order}) AS vm_n
            FROM {layer.source}
            WHERE {page_where}
            ORDER BY {order}
            LIMIT {limit} + 1 OFFSET {offset}
        ), page AS (
            SELECT {_feature_sql(layer, q)} AS feature, {_cursor_keys_sql(layer, q)} AS keys,
                   t.vm_n AS n
            FROM found t
        ), agg AS (
            SELECT coalesce(string_agg(feature, ',' ORDER BY n)
                                FILTER (WHERE n <= {offset} + {limit}), '') AS features,
                   count(*) FILTER (WHERE n <= {offset} + {limit}) AS returned,
                   count(*) > {limit} AS more
            FROM page
        )
        SELECT features, returned, more, {free} AS free,
               CASE WHEN {free} THEN {offset} + returned ELSE {counted} END AS matched,
               CASE WHEN more THEN (SELECT keys FROM page WHERE n = {offset} + {limit}) END AS last,
               {data_version.COLUMN_SQL} AS version
        FROM agg
    """
    row = conn.execute(statement(sql), params).one()
    nxt = _next_cursor(q, row.last if row.more else None)
    seen = q.offset + row.returned + (1 if row.more else 0)  # at least this many match
    if row.free or q.count_exact or row.matched <= NUMBER_MATCHED_CAP:
        return Page(row.features, row.returned, row.matched, row.version, nxt)
    # More than the cap: the planner's estimate, but never fewer than were counted.
    estimate = max(estimate_matches(conn, layer.source, where, params), seen, row.matched)
    return Page(row.features, row.returned, estimate, row.version, nxt, False)


# What one item carries beyond the layer's properties (not in pages, tiles or files): a
# building's dwellings by tenure, the rows its tenure mix counts, as an editor edits them.
ITEM_EXTRAS = {
    "buildings": """'dwellings', (
        SELECT coalesce(json_agg(json_build_object(
            'tenure', d.tenure, 'dwellings', d.dwellings, 'floor_area_m2', d.floor_area_m2,
            'start_year', d.start_year, 'end_year', d.end_year, 'change', d.change,
            'decided', d.decided) ORDER BY d.id), '[]'::json)
        FROM dwelling_stock d WHERE d.building_id = t.id)"""
}
# The table whose row is a feature's version (its `change_id`, moved by a change of any
# part of it, gis.record); a layer without one (areas) has no version of its own.
VERSIONED_BY = {"plots": "parcel", "areas": None}
# Feature ids are int4 in every table: a larger number names nothing (and sent to the
# database, would fail the statement).
MAX_FEATURE_ID = 2**31 - 1


def parse_feature_id(value: str | int) -> int:
    """A feature id from a path; `NotFound` if it cannot name one."""
    try:
        fid = int(value)
    except ValueError:
        raise NotFound("feature", str(value)) from None
    if not 0 < fid <= MAX_FEATURE_ID:
        raise NotFound("feature", str(value))
    return fid


def versioned_table(layer: Layer) -> str | None:
    if layer.id in VERSIONED_BY:
        return VERSIONED_BY[layer.id]
    return layer.table or layer.source.split()[0]


def item(conn: Connection, layer: Layer, feature_id: str, crs: Crs = CRS84) -> str:
    """One feature as GeoJSON text; `NotFound` if there is no such id."""
    return item_version(conn, layer, feature_id, crs)[0]


# A land feature's sale data as part of its version (`item_version`'s `with_sale`): the
# change that last wrote its sale row. Change ids grow with the order changes commit in
# (every change queues on the data version's row first, migration 0010), so the greater of
# the two is the last change of either.
_SALE_VERSION = "(SELECT s.change_id FROM parcel_sale s WHERE s.parcel_id = t.id)"


def item_version(
    conn: Connection, layer: Layer, feature_id: str, crs: Crs = CRS84, *, with_sale: bool = False
) -> tuple[str, int | None]:
    """One feature as GeoJSON text and the change that last wrote it (None for a layer
    without versions), in one statement; `NotFound` if there is no such id. `with_sale`:
    a land feature's version covers its sale data too, as for a reader who may read it
    (`gis.land.confidential.sale_versioned`); a change of sale data alone moves no other
    reader's version (`gis.editing.store.touch`)."""
    fid = parse_feature_id(feature_id)
    q = ItemsQuery(crs=crs)
    table = versioned_table(layer)
    # A parcel's version as the reader may see it: opaque unless they may read sale data
    # (its change id would bound a sale change's time). The database gives it so: the
    # reader role's `parcel` is a view with the change ids opaque, in every version of the
    # plan (migrations 0026, 0032).
    version = f"(SELECT v.change_id FROM {table} v WHERE v.id = t.id)" if table else "NULL"
    if with_sale and table:
        version = f"GREATEST({version}, {_SALE_VERSION})"
    feature = _feature_sql(layer, q, ITEM_EXTRAS.get(layer.id, ""))
    sql = f"SELECT {feature} AS feature, {version} AS version FROM {layer.source} WHERE t.id = :id"
    found = conn.execute(text(sql), {"id": fid}).first()
    if found is None:
        raise NotFound("feature", feature_id)
    return found.feature, found.version


def tagged_item(
    conn: Connection, layer: Layer, feature_id: str, crs: Crs, scenario: str, reader: Reader
) -> tuple[str, str]:
    """One feature of a versioned layer as GeoJSON text and its version tag (ETag) as
    `reader` reads it (`gis.land.confidential.version_tag`: opaque unless they may read sale
    data, and of a land feature covering its sale data if they may)."""
    with_sale = confidential.sale_versioned(layer.id, reader)
    found, version = item_version(conn, layer, feature_id, crs, with_sale=with_sale)
    return found, confidential.version_tag(conn, version, scenario, reader)


@dataclass(frozen=True)
class Rows:
    """A page as plain rows, for CSV and GeoPackage: properties and WKB geometry."""

    columns: list[str]
    rows: list[tuple]
    crs: Crs
    geometry_type: str
    next_cursor: str | None = None


def rows(conn: Connection, layer: Layer, q: ItemsQuery) -> Rows:
    params: dict = {"limit": q.limit, "offset": q.offset}
    where = _where(layer, q, params)
    if q.after is not None:
        where = f"{where} AND {_after(layer, q, params)}"
    names = list(layer.properties if q.properties is None else q.properties)
    geometry = (
        "NULL::bytea"
        if q.skip_geometry
        else (f"ST_AsBinary({output_geometry_sql(layer.geometry, q.crs)})")
    )
    cols = ", ".join(f"t.{p}" for p in names)
    order = _order(layer, q)
    # Geometries made above the LIMIT, as in `items`: not for the rows OFFSET skips.
    sql = f"""
        SELECT t.id, {cols}{", " if cols else ""}{geometry} AS geometry,
               {_cursor_keys_sql(layer, q)} AS keys
        FROM (
            SELECT t.* FROM {layer.source} WHERE {where}
            ORDER BY {order} LIMIT :limit + 1 OFFSET :offset
        ) t
        ORDER BY {order}
    """
    found = [tuple(r) for r in conn.execute(statement(sql), params)]
    nxt = _next_cursor(q, found[q.limit - 1][-1]) if len(found) > q.limit else None
    page = [r[:-1] for r in found[: q.limit]]
    return Rows(["id", *names, "geometry"], page, q.crs, layer.geometry_type, nxt)


@dataclass(frozen=True)
class Extent:
    bbox_crs84: list[float] | None
    bbox_storage: list[float] | None
    years: tuple[int | None, int | None] | None


def extents(conn: Connection, layers: list[Layer]) -> dict[str, Extent]:
    """Spatial extent of each layer (CRS84 and storage CRS) and the years its features live,
    in one statement."""
    parts, params = [], {}
    for i, layer in enumerate(layers):
        params[f"id{i}"] = layer.id
        # An open start or end anywhere makes the layer's time extent open on that side.
        first = last = "NULL::int"
        if layer.start:
            s = f"t.{layer.start}"
            first = f"CASE WHEN bool_or({s} IS NULL) THEN NULL ELSE min({s}) + 1 END"
        if layer.end:
            e = f"t.{layer.end}"
            last = f"CASE WHEN bool_or({e} IS NULL) THEN NULL ELSE max({e}) END"
        parts.append(
            f"SELECT CAST(:id{i} AS text) AS id, ST_Extent({layer.geometry}) AS box, "
            f"{first} AS first, {last} AS last FROM {layer.source}"
        )
    sql = f"""
        SELECT id, ST_XMin(box) AS x0, ST_YMin(box) AS y0, ST_XMax(box) AS x1, ST_YMax(box) AS y1,
               ST_AsGeoJSON(ST_Transform(ST_SetSRID(box::geometry, {STORAGE.srid}), 4326))
                   AS wgs, first, last
        FROM ({" UNION ALL ".join(parts)}) e
    """
    out = {}
    for r in conn.execute(text(sql), params):
        storage = crs84 = None
        if r.x0 is not None:
            storage = [round(v, 2) for v in (r.x0, r.y0, r.x1, r.y1)]
            coords = json.loads(r.wgs)["coordinates"]
            flat = _flatten(coords)
            xs, ys = [c[0] for c in flat], [c[1] for c in flat]
            crs84 = [round(v, 6) for v in (min(xs), min(ys), max(xs), max(ys))]
        layer = next(candidate for candidate in layers if candidate.id == r.id)
        years = (r.first, r.last) if layer.has_life else None
        out[r.id] = Extent(crs84, storage, years)
    return out


def _flatten(coords) -> list:
    if coords and isinstance(coords[0], int | float):
        return [coords]
    return [c for sub in coords for c in _flatten(sub)]
