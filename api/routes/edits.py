"""Writes that need a token: planners edit plan data, the company edits sale status; and the
public reads those writes start from, each with the ETag a write must send back (If-Match).

Every write here is optimistic: the client reads the item and its ETag, and writes against
that version. A write without `If-Match` on a building's life is 428; a stale one is 412 with
the current ETag, and nothing is written (`gis.record.check_if_match`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import (
    ConnectionDep,
    EditPlanDep,
    EditSaleDep,
    PlanViewDep,
    ReaderDep,
    RecordedQuery,
    ScenarioQuery,
    WriteConnectionDep,
)
from gis import plan_edits, record
from gis.errors import InvalidParameter
from gis.land import status as sale_status

router = APIRouter(tags=["edits"])

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the item as you read it (GET it first); `*` for any version.",
    ),
]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]
NOTE = "Why the change is made; kept in the change's audit record."
NoteQuery = Annotated[str | None, Query(max_length=2000, description=NOTE)]
# A read an editor starts from must be fresh: a cache may keep it, but asks again each time.
EDITABLE_CACHE = "no-cache"
PRECONDITIONS = {
    412: {"description": "The item changed since that ETag was read (ETag: the current one)"},
    428: {"description": "No If-Match: GET the item and send its ETag"},
}
WRITE_ERRORS = {
    401: {"description": "No valid token"},
    403: {"description": "Role may not"},
    **PRECONDITIONS,
}


class BuildingLifeIn(BaseModel):
    """The fields to change; those left out keep their value, `null` clears a year. A year
    is a JSON number and a flag true or false, as in the OGC API's writes: "2025" is no year."""

    model_config = ConfigDict(extra="forbid", strict=True)

    built_year: int | None = None
    built_decided: bool | None = None
    renovation_start_year: int | None = None
    renovation_end_year: int | None = None
    renovation_decided: bool | None = None
    demolished_year: int | None = None
    demolition_decided: bool | None = None
    note: str | None = Field(default=None, max_length=2000, description=NOTE)


class BuildingLifeOut(BaseModel):
    id: int
    built_year: int | None
    built_decided: bool
    renovation_start_year: int | None
    renovation_end_year: int | None
    renovation_decided: bool
    demolished_year: int | None
    demolition_decided: bool


def _tagged(response: Response, tag: str) -> None:
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = EDITABLE_CACHE


@router.get(
    "/buildings/{building_id}/life",
    response_model=BuildingLifeOut,
    summary="A building's life, with the ETag an edit of it sends back (If-Match)",
    responses={304: {"description": "If-None-Match names this version"}},
)
def get_building_life(
    building_id: int,
    view: PlanViewDep,
    conn: ConnectionDep,
    reader: ReaderDep,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> BuildingLifeOut | Response:
    found = plan_edits.building_life(conn, building_id, reader, view.scenario)
    if if_none_match and found.tag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": found.tag})
    _tagged(response, found.tag)
    return BuildingLifeOut(**found.life)


@router.patch(
    "/buildings/{building_id}/life",
    response_model=BuildingLifeOut,
    summary="Edit a building's life (planner, admin); needs If-Match",
    responses=WRITE_ERRORS,
)
def patch_building_life(
    building_id: int,
    body: BuildingLifeIn,
    reader: EditPlanDep,
    conn: WriteConnectionDep,
    response: Response,
    if_match: IfMatch = None,
    scenario: ScenarioQuery = None,
    note: NoteQuery = None,
    recorded: RecordedQuery = None,
) -> BuildingLifeOut:
    if recorded:
        raise InvalidParameter(
            "recorded", "recorded: a write changes the plan as it stands now; it is for reads."
        )
    changes = body.model_dump(exclude_unset=True)
    written_note = changes.pop("note", None) or note
    for flag in plan_edits.FLAGS:
        if flag in changes and changes[flag] is None:
            del changes[flag]  # a flag cannot be unknown: leaving it out keeps it
    edited = plan_edits.update_building_life(
        conn,
        building_id,
        changes,
        if_match=if_match,
        reader=reader,
        note=written_note,
        scenario=record.parse_scenario(scenario),
    )
    _tagged(response, edited.tag)
    return BuildingLifeOut(**edited.life)


class SaleStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_status: str = Field(
        description="The status you read and mean to leave; if the parcel has another now, "
        "the change is refused (412) and nothing is written."
    )
    to_status: str
    note: str | None = Field(default=None, max_length=2000, description=NOTE)


class SaleStatusOut(BaseModel):
    parcel: str
    parcel_id: int
    sale_status: str


@router.get(
    "/land/parcels/{parcel_key}/sale-status",
    response_model=SaleStatusOut,
    summary="A parcel's sale status (public), with the plot's ETag",
)
def get_sale_status(
    parcel_key: str, view: PlanViewDep, conn: ConnectionDep, response: Response
) -> SaleStatusOut:
    found = sale_status.current_status(conn, parcel_key, view.scenario)
    _tagged(response, found["etag"])
    return SaleStatusOut(**found)


@router.post(
    "/land/parcels/{parcel_key}/sale-status",
    summary="Change a parcel's sale status (developer_company, admin); names the status it "
    "leaves, and honours If-Match",
    responses={
        401: WRITE_ERRORS[401],
        403: WRITE_ERRORS[403],
        412: {
            "description": "The parcel is not in from_status now, or not at the If-Match "
            "version (ETag: the current one); nothing written"
        },
    },
)
def post_sale_status(
    parcel_key: str,
    body: SaleStatusIn,
    reader: EditSaleDep,
    conn: WriteConnectionDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict:
    changed = sale_status.change_sale_status(
        conn,
        parcel_key,
        body.to_status,
        from_status=body.from_status,
        actor=reader.name,
        role=reader.role.value,
        note=body.note,
        if_match=if_match,
    )
    response.headers["ETag"] = changed.pop("etag")
    return changed


@router.get(
    "/land/parcels/{parcel_key}/sale-status/history",
    summary="A parcel's sale-status history, in commit order: the statuses and the year of "
    "each change; the exact time, actor and note for developer_company, admin",
)
def get_sale_status_history(parcel_key: str, reader: ReaderDep, conn: ConnectionDep) -> list[dict]:
    # What each reader sees is declared once, in gis.land.confidential.
    return sale_status.status_history(conn, parcel_key, reader)
