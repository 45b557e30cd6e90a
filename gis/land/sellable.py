"""Which plots can be sold: the land query of the arealudviklingsselskab.

`SellableQuery.from_params` reads the query string (no web framework needed) and raises
`InvalidQuery` (a 400 naming the parameter) for anything it cannot honour; `sellable` then
answers in one parameterised statement over the `plots` collection's source, so the CQL2
`filter` has exactly the plots collection's queryables, confidential ones included only for
a reader allowed to read them.

Meanings (documented in the README and the OpenAPI text):
- `status`: the sale statuses to include (repeatable or comma-separated, `any` for all);
  without it, the sellable ones: `SELLABLE_STATUSES` (planned, on offer).
- `available_by` Y: the plot is for sale by Y: sale_year <= Y and a sellable status.
- `use`, `owner`: planned use and owner category (repeatable or comma-separated).
- `min_area`, `max_area`: plot area in m² (the registered area).
- `max_walk_to_stop`, `max_walk_to_bygade`: metres walked along the street and path network
  of the walk year (`year`, else `available_by`, else `DEFAULT_WALK_YEAR`), from
  `gis.land.network.parcel_walks`. A plot no stop or bygade can be reached from is left out.
- `within`: a quarter's slug, or a WKT or GeoJSON (Multi)Polygon in `within-crs` (default
  EPSG:25832); a plot is within when its point on surface is covered by it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.geometry
from sqlalchemy import Connection, text

from gis.errors import InvalidQuery
from gis.land.network import Walk, parcel_walks
from gis.layers import LAYERS, Layer
from gis.models import PLANNED_USES
from gis.models.land import OWNER_CATEGORIES, SALE_STATUSES
from gis.ogc import cql2, params
from gis.ogc.crs import (
    CRS84,
    STORAGE,
    Crs,
    check_bounds,
    input_geometry_sql,
    output_geometry_sql,
)
from gis.ogc.queryables import queryables
from gis.state import MAX_YEAR, MIN_YEAR

SELLABLE_STATUSES = ("planned", "on_offer")
# Walks are measured on the network of the plan's horizon unless a year is asked for: the
# question is how far a plot will be from the letbane and the bygade.
DEFAULT_WALK_YEAR = 2030
WALK_FIELDS = (
    "walk_to_stop_m",
    "straight_to_stop_m",
    "nearest_stop",
    "walk_to_bygade_m",
    "straight_to_bygade_m",
)
# The lokalplan's word on each plot (Plandata.dk, gis.registers.plandata): the delområde
# holding the plot's point on surface (else the lokalplan), adopted before proposed, and the
# building right its bebyggelsesprocent allows on the plot's area, beside the plot's own.
PLAN_FIELDS = (
    "local_plan",
    "local_plan_status",
    "local_plan_plot_ratio_pct",
    "local_plan_building_right_m2",
)
_PLAN_JOIN = """
        LEFT JOIN LATERAL (
            SELECT concat_ws(' ', lp.plan_number, lp.subarea) AS local_plan,
                   lp.status AS local_plan_status,
                   lp.plot_ratio_pct AS local_plan_plot_ratio_pct,
                   round(lp.plot_ratio_pct / 100.0 * t.plot_area_m2)
                       AS local_plan_building_right_m2
            FROM local_plan lp
            WHERE lp.status <> 'aflyst' AND ST_Covers(lp.geom, ST_PointOnSurface(t.geom))
            ORDER BY lp.kind = 'delomraade' DESC, lp.status = 'vedtaget' DESC,
                     lp.adopted_date DESC NULLS LAST, lp.id
            LIMIT 1
        ) lp ON TRUE"""
DATA_SOURCE = (
    "ILLUSTRATIVE land data of the Vollsmose reference dataset (plots, sale statuses, building "
    "rights, expected dwellings; the company's totals follow its public figures, the rest is "
    "chosen); the layout is approximate, not surveyed. Walking distances along the street and "
    "path network of the walk year (pgRouting); straight-line distances beside them."
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# A polygon to select plots by is a few vertices; as long as a CQL2 filter may be.
MAX_WITHIN = cql2.MAX_FILTER_LENGTH


@dataclass
class SellableQuery:
    available_by: int | None = None
    year: int | None = None
    uses: list[str] | None = None
    min_area: float | None = None
    max_area: float | None = None
    owners: list[str] | None = None
    statuses: list[str] | None = None  # None: any status
    max_walk_to_stop: float | None = None
    max_walk_to_bygade: float | None = None
    within_quarter: str | None = None
    within_geometry: str | None = None  # GeoJSON text of a (Multi)Polygon
    within_crs: Crs = STORAGE
    filter: cql2.Node | None = None
    filter_crs: Crs = CRS84
    crs: Crs = CRS84

    @property
    def walk_year(self) -> int:
        return self.year or self.available_by or DEFAULT_WALK_YEAR

    @classmethod
    def from_params(cls, query: params.Query, layer: Layer | None = None) -> SellableQuery:
        """From the query string (every name and value checked against `PARAMETERS`)."""
        return cls.from_args(PARAMETERS.parse(query), layer)

    @classmethod
    def from_args(cls, args: Mapping[str, object], layer: Layer | None = None) -> SellableQuery:
        """From the parsed parameters: what one means given another, and the filter's
        properties and types against `layer` (the plots collection as the reader may see
        it; the public's if not given), all before any I/O."""
        q = cls()
        q.available_by = args.get("available_by")
        q.year = args.get("year")
        q.uses = args.get("use")
        q.owners = args.get("owner")
        statuses = args.get("status")
        if statuses is None:
            q.statuses = list(SELLABLE_STATUSES)
        elif "any" in statuses:
            q.statuses = None
        else:
            q.statuses = statuses
        q.min_area = args.get("min_area")
        q.max_area = args.get("max_area")
        if q.min_area is not None and q.max_area is not None and q.min_area > q.max_area:
            raise InvalidQuery("max_area", "max_area must not be below min_area.")
        q.max_walk_to_stop = args.get("max_walk_to_stop")
        q.max_walk_to_bygade = args.get("max_walk_to_bygade")
        q.within_crs = args.get("within-crs", STORAGE)
        within = (args.get("within") or "").strip()
        if within:
            if _SLUG.match(within):
                q.within_quarter = within
            else:
                q.within_geometry = _polygon(within, q.within_crs)
        elif "within-crs" in args:
            raise InvalidQuery("within-crs", "within-crs is given without within.")
        q.filter_crs = args.get("filter-crs", CRS84)
        if "filter" in args:
            q.filter = cql2.parse(args["filter"], args.get("filter-lang"))
            cql2.check(q.filter, queryables(layer or LAYERS["plots"]), q.filter_crs)
        q.crs = args.get("crs", CRS84)
        return q


def _year(description: str, name: str) -> params.Param:
    return params.Param(
        name, {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}, description
    )


def _metres(description: str, name: str) -> params.Param:
    return params.Param(name, {"type": "number", "minimum": 0}, description)


def _listed(description: str, name: str, allowed: Sequence[str]) -> params.Param:
    schema = {"type": "array", "items": {"type": "string", "enum": list(allowed)}}
    return params.Param(name, schema, description, repeat=True)


# The query parameters of /land/sellable, declared once: the parser (`from_params`), the
# API document and the route's checks all take them from here.
PARAMETERS = (
    params.Parameters(
        (
            _year("Year by which the plot is for sale.", "available_by"),
            _year("Year of the walking network.", "year"),
            _listed("Planned use(s): housing, business, …", "use", PLANNED_USES),
            _metres("Minimum plot area, m².", "min_area"),
            _metres("Maximum plot area, m².", "max_area"),
            _listed("Owner categories, e.g. company, civica.", "owner", OWNER_CATEGORIES),
            _listed("Sale statuses, or `any`.", "status", (*SALE_STATUSES, "any")),
            _metres("Max walk to a letbane stop, m.", "max_walk_to_stop"),
            _metres("Max walk to the bygade, m.", "max_walk_to_bygade"),
            params.Param(
                "within",
                {"type": "string", "maxLength": MAX_WITHIN},
                "Quarter slug, or a WKT/GeoJSON polygon.",
            ),
            params.crs_param("within-crs", "CRS of within (default EPSG:25832).", STORAGE),
            params.Param(
                "filter",
                {"type": "string", "maxLength": cql2.MAX_FILTER_LENGTH},
                "CQL2 filter (text or JSON) over the plots collection's queryables.",
            ),
            params.Param(
                "filter-lang",
                {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
                "Encoding of filter.",
            ),
            params.crs_param("filter-crs", "CRS of geometries in filter."),
            params.CRS,
            params.Param(
                "f",
                {"type": "string", "enum": ["json", "csv", "gpkg"], "default": "json"},
                "`json` (GeoJSON, default), `csv` or `gpkg`.",
            ),
        )
    )
    + params.VERSION
)


def _polygon(value: str, crs: Crs) -> str:
    """A WKT or GeoJSON (Multi)Polygon in `crs` as GeoJSON text; 400 on `within` otherwise."""
    if len(value) > MAX_WITHIN:
        raise InvalidQuery("within", f"within is longer than {MAX_WITHIN} characters.")
    try:
        if value.startswith("{"):
            geom = shapely.geometry.shape(json.loads(value))
        else:
            with np.errstate(over="ignore"):  # 1e400 overflows to inf: refused below
                geom = shapely.from_wkt(value)
    except Exception:
        raise InvalidQuery(
            "within",
            "within must be a quarter's slug, or a WKT or GeoJSON polygon.",
        ) from None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise InvalidQuery("within", f"within must be a polygon, not a {geom.geom_type}.")
    if not geom.is_valid:
        raise InvalidQuery("within", "within: the polygon is not valid (self-intersecting?).")
    # PROJ fails the whole statement on a longitude or latitude out of range (a 500 for bad
    # input), and an infinite coordinate (1e400) fails wherever it goes.
    check_bounds(geom.bounds, crs, "within")
    return json.dumps(shapely.geometry.mapping(geom))


# -- walking distances, kept while the network, the stops and the parcels stay the same -------
_FINGERPRINT = text(
    """
    SELECT md5(
        coalesce((SELECT string_agg(concat_ws(':', id, kind, opening_year, closing_year,
                                              md5(ST_AsBinary(geom))), ',' ORDER BY id)
                  FROM road), '')
        || '|' || coalesce((SELECT string_agg(concat_ws(':', id, name, md5(ST_AsBinary(geom))),
                                              ',' ORDER BY id) FROM rail_stop), '')
        || '|' || coalesce((SELECT string_agg(concat_ws(':', id, md5(ST_AsBinary(geom))),
                                              ',' ORDER BY id) FROM parcel), ''))
    """
)
_CACHE: OrderedDict[tuple[int, str], dict[int, Walk]] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def walks(conn: Connection, year: int) -> dict[int, Walk]:
    """`parcel_walks` of every parcel in `year`, computed once per state of the data it
    depends on (roads, stops, parcels: a fingerprint of them is part of the key)."""
    key = (year, conn.execute(_FINGERPRINT).scalar_one())
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    found = parcel_walks(conn, year)
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


# -- the query ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sellable:
    columns: list[str]  # id, the properties, the walking fields
    rows: list[tuple]  # in `columns` order
    geojson: list[str | None]  # each row's geometry as GeoJSON text, in the query's crs
    wkb: list[bytes | None]
    summary: dict
    walk_year: int


def sellable(conn: Connection, layer: Layer, q: SellableQuery) -> Sellable:
    """The plots matching `q`, as `layer` (the plots collection as the reader may see it)
    shows them, with walking distances and a summary. `q` was made for `layer`
    (`SellableQuery.from_args`), its filter checked against it."""
    params: dict = {}
    where = ["TRUE"]
    if q.statuses is not None:
        params["statuses"] = q.statuses
        where.append("t.sale_status = ANY(CAST(:statuses AS text[]))")
    if q.available_by is not None:
        params.update(available_by=q.available_by, sellable=list(SELLABLE_STATUSES))
        where.append(
            "t.sale_year <= :available_by AND t.sale_status = ANY(CAST(:sellable AS text[]))"
        )
    if q.uses is not None:
        params["uses"] = q.uses
        where.append("t.planned_use = ANY(CAST(:uses AS text[]))")
    if q.owners is not None:
        params["owners"] = q.owners
        where.append("t.owner_category = ANY(CAST(:owners AS text[]))")
    if q.min_area is not None:
        params["min_area"] = q.min_area
        where.append("t.plot_area_m2 >= :min_area")
    if q.max_area is not None:
        params["max_area"] = q.max_area
        where.append("t.plot_area_m2 <= :max_area")
    if q.max_walk_to_stop is not None:
        params["max_stop"] = q.max_walk_to_stop
        where.append("w.walk_to_stop_m <= :max_stop")
    if q.max_walk_to_bygade is not None:
        params["max_bygade"] = q.max_walk_to_bygade
        where.append("w.walk_to_bygade_m <= :max_bygade")
    if q.within_quarter is not None:
        found = conn.execute(
            text("SELECT count(*) FROM quarter WHERE slug = :s"), {"s": q.within_quarter}
        ).scalar_one()
        if not found:
            raise InvalidQuery("within", f"within: no quarter '{q.within_quarter}'.")
        params["quarter"] = q.within_quarter
        where.append(
            "EXISTS (SELECT 1 FROM quarter q WHERE q.slug = :quarter"
            " AND ST_Covers(q.geom, ST_PointOnSurface(t.geom)))"
        )
    if q.within_geometry is not None:
        params["within"] = q.within_geometry
        g = f"ST_SetSRID(ST_GeomFromGeoJSON(CAST(:within AS text)), {q.within_crs.srid})"
        where.append(f"ST_Covers({input_geometry_sql(g, q.within_crs)}, ST_PointOnSurface(t.geom))")
    if q.filter is not None:
        where.append(cql2.compile_filter(q.filter, queryables(layer), q.filter_crs, params))

    year = q.walk_year
    found = walks(conn, year)
    ordered = sorted(found.values(), key=lambda w: w.parcel_id)
    params["w_id"] = [w.parcel_id for w in ordered]
    for name in WALK_FIELDS:
        params[f"w_{name}"] = [getattr(w, name) for w in ordered]

    names = list(layer.properties)
    out = output_geometry_sql(layer.geometry, q.crs)
    sql = f"""
        WITH w AS (
            SELECT * FROM unnest(
                CAST(:w_id AS integer[]),
                CAST(:w_walk_to_stop_m AS float8[]), CAST(:w_straight_to_stop_m AS float8[]),
                CAST(:w_nearest_stop AS text[]),
                CAST(:w_walk_to_bygade_m AS float8[]), CAST(:w_straight_to_bygade_m AS float8[])
            ) AS w(id, {", ".join(WALK_FIELDS)})
        )
        SELECT t.id, {", ".join(f"t.{n}" for n in names)},
               {", ".join(f"w.{n}" for n in WALK_FIELDS)},
               {", ".join(f"lp.{n}" for n in PLAN_FIELDS)},
               ST_AsGeoJSON({out}, {q.crs.precision}, 0) AS geojson,
               ST_AsBinary({out}) AS wkb
        FROM {layer.source}
        LEFT JOIN w ON w.id = t.id{_PLAN_JOIN}
        WHERE {" AND ".join(where)}
        ORDER BY t.sale_year NULLS LAST, t.id
    """
    result = conn.execute(text(sql), params).all()
    columns = ["id", *names, *WALK_FIELDS, *PLAN_FIELDS]
    rows = [tuple(r[: len(columns)]) for r in result]
    return Sellable(
        columns=columns,
        rows=rows,
        geojson=[r.geojson for r in result],
        wkb=[None if r.wkb is None else bytes(r.wkb) for r in result],
        summary=summarise([dict(zip(columns, r, strict=True)) for r in rows]),
        walk_year=year,
    )


def summarise(plots: list[dict]) -> dict:
    """Count, plot area, building right, expected dwellings and business m²: in all and by
    planned use."""

    def totals(group: list[dict]) -> dict:
        return {
            "count": len(group),
            "plot_area_m2": round(sum(p["plot_area_m2"] or 0 for p in group), 1),
            "building_right_m2": round(sum(p["building_right_m2"] or 0 for p in group), 1),
            # What the lokalplaner allow on the same plots (those a delområde says it of).
            "local_plan_building_right_m2": round(
                sum(p.get("local_plan_building_right_m2") or 0 for p in group), 1
            ),
            "expected_dwellings": sum(p["expected_dwellings"] or 0 for p in group),
            "expected_business_m2": round(sum(p["expected_business_m2"] or 0 for p in group), 1),
        }

    uses = sorted({p["planned_use"] or "unknown" for p in plots})
    return {
        **totals(plots),
        "by_use": {
            u: totals([p for p in plots if (p["planned_use"] or "unknown") == u]) for u in uses
        },
    }
