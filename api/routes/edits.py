"""Writes that need a token: planners edit plan data, the company edits sale status."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.deps import ConnectionDep, EditPlanDep, EditSaleDep, ReaderDep, WriteConnectionDep
from gis import plan_edits
from gis.land import status as sale_status
from gis.roles import Permission

router = APIRouter(tags=["edits"])


class BuildingLifeIn(BaseModel):
    """The fields to change; those left out keep their value, `null` clears a year."""

    model_config = ConfigDict(extra="forbid")

    built_year: int | None = None
    built_decided: bool | None = None
    renovation_start_year: int | None = None
    renovation_end_year: int | None = None
    renovation_decided: bool | None = None
    demolished_year: int | None = None
    demolition_decided: bool | None = None


class BuildingLifeOut(BaseModel):
    id: int
    built_year: int | None
    built_decided: bool
    renovation_start_year: int | None
    renovation_end_year: int | None
    renovation_decided: bool
    demolished_year: int | None
    demolition_decided: bool


@router.patch(
    "/buildings/{building_id}/life",
    response_model=BuildingLifeOut,
    summary="Edit a building's life (planner, admin)",
    responses={401: {"description": "No valid token"}, 403: {"description": "Role may not"}},
)
def patch_building_life(
    building_id: int, body: BuildingLifeIn, reader: EditPlanDep, conn: WriteConnectionDep
) -> BuildingLifeOut:
    changes = body.model_dump(exclude_unset=True)
    for flag in ("built_decided", "renovation_decided", "demolition_decided"):
        if flag in changes and changes[flag] is None:
            del changes[flag]  # a flag cannot be unknown: leaving it out keeps it
    return BuildingLifeOut(**plan_edits.update_building_life(conn, building_id, changes))


class SaleStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_status: str
    note: str | None = None


@router.post(
    "/land/parcels/{parcel_key}/sale-status",
    summary="Change a parcel's sale status (developer_company, admin)",
    responses={401: {"description": "No valid token"}, 403: {"description": "Role may not"}},
)
def post_sale_status(
    parcel_key: str, body: SaleStatusIn, reader: EditSaleDep, conn: WriteConnectionDep
) -> dict:
    return sale_status.change_sale_status(
        conn, parcel_key, body.to_status, reader.name, note=body.note
    )


# Who changed a status and why is the company's business (sale data): the public and planners
# see when and from what to what, as the status itself is public; actor and note are not.
PUBLIC_HISTORY_FIELDS = ("changed_at", "from_status", "to_status")


@router.get(
    "/land/parcels/{parcel_key}/sale-status/history",
    summary="A parcel's sale-status history (actor and note for developer_company, admin)",
)
def get_sale_status_history(parcel_key: str, reader: ReaderDep, conn: ConnectionDep) -> list[dict]:
    rows = [dict(r) for r in sale_status.status_history(conn, parcel_key)]
    if reader.may(Permission.READ_CONFIDENTIAL):
        return rows
    return [{k: v for k, v in r.items() if k in PUBLIC_HISTORY_FIELDS} for r in rows]
