"""Static maps of the fremtidsbillede: PNG and PDF to print, GeoTIFF for GIS."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ConnectionDep
from gis.render import geotiff, static

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
def fremtidsbillede(
    year: int,
    fmt: Literal["png", "pdf", "tif"],
    conn: ConnectionDep,
    area: AreaQuery = "vollsmose",
    dpi: Annotated[
        int | None,
        Query(ge=static.MIN_DPI, le=static.MAX_DPI, description="PNG/PDF: default 150 / 300."),
    ] = None,
    resolution: Annotated[
        float,
        Query(
            ge=geotiff.MIN_RESOLUTION_M,
            le=geotiff.MAX_RESOLUTION_M,
            description="GeoTIFF: metres per pixel.",
        ),
    ] = geotiff.DEFAULT_RESOLUTION_M,
) -> Response:
    if fmt == "tif":
        r = geotiff.render_geotiff(conn, area, year, resolution=resolution)
        content, media, name = r.content, "image/tiff; application=geotiff", r.filename
    else:
        m = static.render_map(conn, area, year, fmt, dpi=dpi)
        content, media, name = m.content, m.media_type, m.filename
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )
