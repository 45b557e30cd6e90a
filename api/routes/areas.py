from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.caching import Validator
from api.deps import (
    AreaKindsQuery,
    ConnectionDep,
    FormatQuery,
    FromYearQuery,
    QuarterSetQuery,
    ToYearQuery,
    ValidatorDep,
    YearQuery,
    get_validator,
)
from api.schemas import AreaOut, EveryAreaOut, TenureMixOut, TrajectoryOut
from gis import areas, tenure, tenure_table

# Every read here is a function of the data and the request: each answer carries an ETag
# and is a 304 to a client that holds it (api.deps.get_validator), so a national trajectory
# asked again before the data changes costs one tiny query. A route that builds its own
# Response (the CSV) names the validator too, for its headers: the same one.
router = APIRouter(
    prefix="/areas",
    tags=["areas"],
    dependencies=[Depends(get_validator)],
    responses={304: {"description": "Not modified: the answer of the ETag sent is current."}},
)

# The national question, every area at once: not under /areas, where its name would be
# taken for an area's slug.
national = APIRouter(
    tags=["areas"],
    dependencies=[Depends(get_validator)],
    responses={304: {"description": "Not modified: the answer of the ETag sent is current."}},
)

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


def _csv(body: str, filename: str, cache: Validator) -> Response:
    headers = {**cache.headers, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=CSV, headers=headers)


def _json(body: bytes, cache: Validator) -> Response:
    """A tenure answer as written once (`TenureMixOut.json_of`, `TrajectoryOut.json_of`):
    the bytes the response model's own dump would send, without building its models."""
    return Response(body, media_type=JSON, headers=cache.headers)


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
    cache: ValidatorDep,
    year: YearQuery,
    quarters: QuarterSetQuery = None,
    f: FormatQuery = "json",
):
    result = tenure.tenure_mix(conn, area, year, quarters)
    if f == "csv":
        return _csv(tenure_table.to_csv(result), f"{area}-{year}.csv", cache)
    return _json(TenureMixOut.json_of(result), cache)


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
    cache: ValidatorDep,
    from_year: FromYearQuery = 2020,
    to_year: ToYearQuery = 2030,
    quarters: QuarterSetQuery = None,
    f: FormatQuery = "json",
):
    result = tenure.trajectory(conn, area, from_year, to_year, quarters)
    if f == "csv":
        return _csv(tenure_table.to_csv(result), f"{area}-{from_year}-{to_year}.csv", cache)
    return _json(TrajectoryOut.json_of(result), cache)


@national.get(
    "/legal-share",
    response_model=EveryAreaOut,
    response_model_by_alias=True,
    summary="Every area's tenure mix and legal share (§ 168 a), year by year",
    description="The areas as wholes (no quarters), in one answer: what a ministry or a "
    "housing organisation with areas in many municipalities asks. As CSV, one row per area "
    "and year, in the columns of an area's own tenure-mix CSV.",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_legal_share(
    conn: ConnectionDep,
    cache: ValidatorDep,
    from_year: FromYearQuery = 2020,
    to_year: ToYearQuery = 2030,
    kinds: AreaKindsQuery = None,
    f: FormatQuery = "json",
):
    result = tenure.every_area(conn, from_year, to_year, kinds)
    if f == "csv":
        return _csv(tenure_table.to_csv(result), f"areas-{from_year}-{to_year}.csv", cache)
    return EveryAreaOut.of(result, from_year, to_year)
