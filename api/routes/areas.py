from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import (
    ConnectionDep,
    FormatQuery,
    FromYearQuery,
    QuarterSetQuery,
    ToYearQuery,
    YearQuery,
)
from api.schemas import AreaOut, TenureMixOut, TrajectoryOut
from gis import areas, tenure, tenure_table

router = APIRouter(prefix="/areas", tags=["areas"])

CSV = "text/csv; charset=utf-8"


def _csv(body: str, filename: str) -> Response:
    return Response(
        body, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("", response_model=list[AreaOut], summary="Designated areas")
def list_areas(conn: ConnectionDep) -> list[AreaOut]:
    return [AreaOut.of(a) for a in areas.list_areas(conn)]


@router.get("/{area}", response_model=AreaOut, summary="One area and its quarter sets")
def get_area(area: str, conn: ConnectionDep) -> AreaOut:
    return AreaOut.of(areas.get_area(conn, area))


@router.get(
    "/{area}/tenure-mix",
    response_model=TenureMixOut,
    response_model_by_alias=True,
    summary="Tenure mix per quarter and the legal share (§ 168 a) in one year",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_tenure_mix(
    area: str,
    conn: ConnectionDep,
    year: YearQuery,
    quarters: QuarterSetQuery = None,
    f: FormatQuery = "json",
):
    result = tenure.tenure_mix(conn, area, year, quarters)
    if f == "csv":
        return _csv(tenure_table.to_csv(tenure_table.rows(result)), f"{area}-{year}.csv")
    return TenureMixOut.of(result)


@router.get(
    "/{area}/tenure-mix/trajectory",
    response_model=TrajectoryOut,
    response_model_by_alias=True,
    summary="The tenure mix year by year, and the first compliant year",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_trajectory(
    area: str,
    conn: ConnectionDep,
    from_year: FromYearQuery = 2020,
    to_year: ToYearQuery = 2030,
    quarters: QuarterSetQuery = None,
    f: FormatQuery = "json",
):
    result = tenure.trajectory(conn, area, from_year, to_year, quarters)
    if f == "csv":
        body = tenure_table.to_csv(tenure_table.trajectory_rows(result))
        return _csv(body, f"{area}-{from_year}-{to_year}.csv")
    return TrajectoryOut.of(result)
