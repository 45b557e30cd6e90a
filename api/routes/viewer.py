"""The map viewer at /kort: pages, and the JSON and images the pages fetch.

Thin: every answer comes from `gis.mapdata`, `gis.overlays`, `gis.render.charts` or the
layer registry; the Danish pages live in web/templates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from api.deps import ConnectionDep
from gis import areas, law, mapdata, overlays, styles, tenure
from gis.render import charts

WEB = Path(__file__).resolve().parents[2] / "web"
templates = Jinja2Templates(directory=WEB / "templates")


def _pct(share: float | None) -> str:
    """0.4123 -> '41,2 %' (Danish)."""
    return "–" if share is None else f"{share * 100:.1f} %".replace(".", ",")


templates.env.filters["pct"] = _pct

router = APIRouter(prefix="/kort", tags=["kort (viewer)"])

ViewerYear = Annotated[
    int,
    Query(
        ge=styles.VIEWER_MIN_YEAR,
        le=styles.VIEWER_MAX_YEAR,
        description="The state as of 1 January of this year.",
    ),
]
Slug = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
# Layer data barely changes; a minute of caching makes year switching back and forth instant.
CACHE = {"Cache-Control": "public, max-age=60"}


def _default_area(conn) -> areas.AreaInfo | None:
    found = areas.list_areas(conn)
    return next((a for a in found if a.slug == "vollsmose"), found[0] if found else None)


@router.get("", response_class=HTMLResponse, summary="The map viewer (Danish)")
def viewer(
    request: Request,
    conn: ConnectionDep,
    year: ViewerYear = 2020,
    compare: Annotated[
        int | None, Query(ge=styles.VIEWER_MIN_YEAR, le=styles.VIEWER_MAX_YEAR)
    ] = None,
) -> HTMLResponse:
    area = _default_area(conn)
    config = {
        "styles": styles.viewer_styles(),
        "bounds": overlays.wgs84_bounds(area.bbox_25832) if area else None,
        "area": area.slug if area else None,
        "overlays": overlays.list_overlays(),
        "year": year,
        "compare": compare,
    }
    return templates.TemplateResponse(
        request,
        "kort.html",
        {"config": config, "area": area, "note": styles.REFERENCE_NOTE},
    )


@router.get("/stil.json", summary="The styling definition the viewer and static maps share")
def style_definition() -> dict:
    return styles.viewer_styles()


@router.get("/lag/{layer}.geojson", summary="A viewer layer in one year, WGS84, with classes")
def layer_data(layer: Slug, conn: ConnectionDep, year: ViewerYear) -> JSONResponse:
    data = mapdata.map_layer(conn, layer.replace("-", "_"), year, srid=4326)
    return JSONResponse(data, media_type="application/geo+json", headers=CACHE)


@router.get("/bygninger/{building_id}.json", summary="A building: dwellings, owner and life")
def building(building_id: int, conn: ConnectionDep) -> dict:
    return mapdata.building_details(conn, building_id)


@router.get(
    "/kvarterer/{area}/{quarter_set}/{quarter}.json",
    summary="A quarter's tenure mix in 2020, 2025 and 2030, with an SVG chart",
)
def quarter(area: Slug, quarter_set: Slug, quarter: Slug, conn: ConnectionDep) -> dict:
    chart = mapdata.quarter_chart(conn, area, quarter_set, quarter)
    return {**chart, "svg": charts.tenure_bars_svg(chart)}


@router.get("/overlays/{overlay}.png", summary="A raster overlay from data/kort, in EPSG:3857")
def overlay_image(overlay: Slug) -> Response:
    return Response(overlays.overlay_png(overlay), media_type="image/png", headers=CACHE)


@router.get("/omraader/{area}", response_class=HTMLResponse, summary="An area's trajectory page")
def area_page(
    request: Request,
    area: Slug,
    conn: ConnectionDep,
    from_year: Annotated[int, Query(alias="from", ge=2000, le=2060)] = styles.VIEWER_MIN_YEAR,
    to_year: Annotated[int, Query(alias="to", ge=2000, le=2060)] = styles.VIEWER_MAX_YEAR,
    quarters: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)] = None,
) -> HTMLResponse:
    tr = tenure.trajectory(conn, area, from_year, to_year, quarters)
    points = [(y.year, y.total.legal_share) for y in tr.years]
    svg = charts.trajectory_svg(points, law.MAX_LEGAL_SHARE, law.DEADLINE_YEAR)
    snapshots = [tenure.tenure_mix(conn, area, y, quarters) for y in styles.FREMTIDSBILLEDE_YEARS]
    return templates.TemplateResponse(
        request,
        "omraade.html",
        {
            "trajectory": tr,
            "svg": svg,
            "snapshots": snapshots,
            "law": law,
            "note": styles.REFERENCE_NOTE,
            "tenure_labels": mapdata.TENURE_LABELS,
            "quarter_sets": tr.area.quarter_sets,
        },
    )
