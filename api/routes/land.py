"""The arealudviklingsselskab's land: which plots can be sold, with their building rights,
expected dwellings and walking distances (issue 5)."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response

from api.declared import Declared, document
from api.deps import ConnectionDep, ReaderDep
from gis import feature_files
from gis.land import sellable as land
from gis.layers import LAYERS, Layer
from gis.ogc.features import Rows

router = APIRouter(prefix="/land", tags=["land"])

GEOJSON = "application/geo+json"
CSV = "text/csv; charset=utf-8"
GPKG = "application/geopackage+sqlite3"


class SellableReading(Declared):
    """The query of /land/sellable from its declaration (`gis.land.sellable.PARAMETERS`),
    checked whole against the plots as the reader may see them, before the route's
    connection is taken (FastAPI solves a route's dependencies in their order)."""

    async def __call__(self, request: Request, reader: ReaderDep) -> SellableRequest:
        args = self.declared.parse(request.query_params)
        layer = LAYERS["plots"].for_reader(reader)
        query = land.SellableQuery.from_args(args, layer)
        return SellableRequest(query, layer, args.get("f", "json"))


class SellableRequest:
    """What /land/sellable is asked: the query, the plots as the reader sees them, the format."""

    __slots__ = ("fmt", "layer", "query")

    def __init__(self, query: land.SellableQuery, layer: Layer, fmt: str) -> None:
        self.query, self.layer, self.fmt = query, layer, fmt


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
    asked: Annotated[SellableRequest, Depends(SellableReading(land.PARAMETERS))],
    conn: ConnectionDep,
):
    q, layer, fmt = asked.query, asked.layer, asked.fmt
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


document(router)
