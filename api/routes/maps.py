"""Static maps of the fremtidsbillede: PNG and PDF to print, GeoTIFF for GIS.

Drawn in a worker process (`gis.render.worker`), which gives back the memory a render takes;
the route waits for it on the event loop, holding neither a thread nor a connection.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.deps import PlanViewDep, SettingsDep

# The limits only: the renderers themselves are imported in the render worker, never here.
from gis.render import params, worker

router = APIRouter(prefix="/maps", tags=["maps"])

AreaQuery = Annotated[
    str, Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64, description="Area slug.")
]


@router.get(
    "/fremtidsbillede/{year}.{fmt}",
    summary="The fremtidsbillede of a year: A3 print map (PNG, PDF) or GeoTIFF (EPSG:25832)",
    responses={
        200: {"content": {"image/png": {}, "application/pdf": {}, "image/tiff": {}}},
    },
)
async def fremtidsbillede(
    request: Request,
    year: int,
    fmt: Literal["png", "pdf", "tif"],
    view: PlanViewDep,
    settings: SettingsDep,
    area: AreaQuery = "vollsmose",
    dpi: Annotated[
        int | None,
        Query(ge=params.MIN_DPI, le=params.MAX_DPI, description="PNG/PDF: default 150 / 300."),
    ] = None,
    resolution: Annotated[
        float,
        Query(
            ge=params.MIN_RESOLUTION_M,
            le=params.MAX_RESOLUTION_M,
            description="GeoTIFF: metres per pixel.",
        ),
    ] = params.DEFAULT_RESOLUTION_M,
    bbox: Annotated[
        str | None,
        Query(
            max_length=200,
            description="PNG/PDF: the extent to print, west,south,east,north in WGS84 degrees "
            "(centred at `scale`, or filling the frame); default the whole area.",
            examples=["10.425,55.402,10.445,55.412"],
        ),
    ] = None,
    scale: Annotated[
        int | None,
        Query(
            ge=params.MIN_SCALE,
            le=params.MAX_SCALE,
            description="PNG/PDF: print scale 1:N on A3; default what fits the extent.",
        ),
    ] = None,
) -> Response:
    extent = params.parse_extent(bbox)
    job = worker.map_job(
        settings.database_url,
        view,
        area,
        year,
        fmt,
        dpi=dpi,
        resolution=resolution,
        connect_timeout=settings.db_connect_timeout,
        extent=extent,
        scale=scale,
    )
    r = await request.app.state.renderer.arender(job)
    return Response(
        r.content,
        media_type=r.media_type,
        headers={"Content-Disposition": f'inline; filename="{r.filename}"'},
    )
