"""The arealudviklingsselskab's land: which plots can be sold, with their building rights,
expected dwellings and walking distances (issue 5)."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from api.deps import ConnectionDep, ReaderDep
from gis import feature_files
from gis.errors import InvalidQuery
from gis.land import sellable as land
from gis.layers import LAYERS
from gis.ogc.features import Rows

router = APIRouter(prefix="/land", tags=["land"])

GEOJSON = "application/geo+json"
CSV = "text/csv; charset=utf-8"
GPKG = "application/geopackage+sqlite3"


def _doc(description: str):
    return Query(description=description)


@router.get(
    "/sellable",
    summary="Plots that can be sold: filters, walking distances, building rights, a summary",
    description=(
        "Without `status`, the sellable statuses only (" + ", ".join(land.SELLABLE_STATUSES) + "; "
        "`status=any` for all). `available_by=Y`: sale_year <= Y and a sellable status. "
        "Walking distances (m) along the street and path network of `year` (default: "
        f"`available_by`, else {land.DEFAULT_WALK_YEAR}); a plot from which no stop (or "
        "bygade) can be reached is left out by `max_walk_to_stop` (`max_walk_to_bygade`). "
        "`within`: a quarter's slug, or a WKT or GeoJSON polygon in `within-crs` (default "
        "EPSG:25832); a plot is within when its point on surface is. `filter`: CQL2 over the "
        "`plots` collection's queryables. Confidential sale data only for developer_company "
        "and admin. Bad values: 400 naming the parameter. The data is ILLUSTRATIVE."
    ),
    responses={
        200: {"content": {GEOJSON: {}, "text/csv": {}, GPKG: {}}},
        400: {"description": "A parameter that cannot be honoured (named in the problem)"},
    },
)
def get_sellable(
    request: Request,
    conn: ConnectionDep,
    reader: ReaderDep,
    available_by: Annotated[str | None, _doc("Year by which the plot is for sale.")] = None,
    year: Annotated[str | None, _doc("Year of the walking network.")] = None,
    use: Annotated[list[str] | None, _doc("Planned use(s): housing, business, …")] = None,
    min_area: Annotated[str | None, _doc("Minimum plot area, m².")] = None,
    max_area: Annotated[str | None, _doc("Maximum plot area, m².")] = None,
    owner: Annotated[list[str] | None, _doc("Owner categories, e.g. company, civica.")] = None,
    status: Annotated[list[str] | None, _doc("Sale statuses, or `any`.")] = None,
    max_walk_to_stop: Annotated[str | None, _doc("Max walk to a letbane stop, m.")] = None,
    max_walk_to_bygade: Annotated[str | None, _doc("Max walk to the bygade, m.")] = None,
    within: Annotated[str | None, _doc("Quarter slug, or a WKT/GeoJSON polygon.")] = None,
    filter: Annotated[str | None, _doc("CQL2 filter (text or JSON).")] = None,
    f: Annotated[str | None, _doc("`json` (GeoJSON, default), `csv` or `gpkg`.")] = None,
):
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    fmt = (params.get("f") or ["json"])[-1]
    if fmt not in ("json", "csv", "gpkg"):
        raise InvalidQuery("f", "f must be one of: json, csv, gpkg.")
    q = land.SellableQuery.from_params(params)
    layer = LAYERS["plots"].for_reader(reader)
    found = land.sellable(conn, layer, q)
    name = f"sellable-{found.walk_year}"
    if fmt in ("csv", "gpkg"):
        rows = Rows(
            [*found.columns, "geometry"],
            [(*r, g) for r, g in zip(found.rows, found.wkb, strict=True)],
            q.crs,
            layer.geometry_type,
        )
        if fmt == "csv":
            body, media = feature_files.to_csv(rows).encode(), CSV
        else:
            body, media = feature_files.to_gpkg(rows, "sellable"), GPKG
        ext = "csv" if fmt == "csv" else "gpkg"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'},
        )
    features = [
        {
            "type": "Feature",
            "id": r[0],
            "geometry": None if g is None else json.loads(g),
            "properties": dict(zip(found.columns[1:], r[1:], strict=True)),
        }
        for r, g in zip(found.rows, found.geojson, strict=True)
    ]
    base = str(request.url)
    links = [
        {"href": base, "rel": "self", "type": GEOJSON, "title": "This answer"},
        {"href": _with(request, f="csv"), "rel": "alternate", "type": CSV, "title": "As CSV"},
        {"href": _with(request, f="gpkg"), "rel": "alternate", "type": GPKG, "title": "As GPKG"},
        {
            "href": str(request.base_url).rstrip("/") + "/collections/plots",
            "rel": "collection",
            "type": "application/json",
            "title": "The plots collection (OGC API – Features)",
        },
    ]
    body = {
        "type": "FeatureCollection",
        "features": features,
        "summary": found.summary,
        "walk_year": found.walk_year,
        "links": links,
        "data_source": land.DATA_SOURCE,
    }
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        media_type=GEOJSON,
        headers={"Content-Crs": f"<{q.crs.uri}>"},
    )


def _with(request: Request, **changes: str) -> str:
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    items += list(changes.items())
    return str(request.url.replace(query=urlencode(items)))
