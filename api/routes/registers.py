"""Register extracts uploaded over HTTP (planner, admin): the same importers, checks and
report as `vollsmose import` (gis.registers), for an extract up to the body limit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import ConnectionDep, EditPlanDep, WriteConnectionDep
from api.guards import MAX_BODY
from gis.land import confidential
from gis.ogc.params import Param, Parameters
from gis.registers import common, dar
from gis.registers.registry import IMPORTERS

router = APIRouter(tags=["registers"])

RegisterPath = Annotated[
    Literal["bbr", "matrikel", "dar", "plandata"],
    Path(
        description="`bbr` (file extract or GraphQL JSON), `matrikel` (GeoJSON or MAT2), "
        "`dar` (DAR file extract JSON) or `plandata` (Plandata.dk GeoJSON or GeoPackage)."
    ),
]
# The import's query, declared once (gis.ogc.params, as the OGC routes and /land/sellable
# declare theirs): a name it does not declare, or a parameter given twice, is a 400, as is a
# date the rule of every import refuses (gis.registers.common.check_extract_date).
IMPORT_PARAMETERS = Parameters(
    (
        Param(
            "extract_date",
            {"type": "string", "format": "date"},
            "The extract's date (default: today, Danish time): not after today, in the "
            "platform's years.",
            common.check_extract_date,
        ),
    )
)


def import_extract_date(request: Request, reader: EditPlanDep) -> dt.date:
    """The extract's date from the query, checked whole (after the token: a 401 first)
    before the body is read or a connection taken."""
    args = IMPORT_PARAMETERS.parse(request.query_params)
    return args.get("extract_date") or common.today()  # type: ignore[return-value]


@router.post(
    "/registers/{register}/import",
    summary="Import a BBR, Matrikel, DAR or Plandata extract (planner, admin)",
    description=f"Body: the extract's JSON as downloaded (at most {MAX_BODY // 1024**2} MB; "
    "a larger one through `vollsmose import`). All or nothing, as one recorded change of the "
    "plan: a bad file answers 422 problem+json whose `errors` lists every problem with its "
    "`record`, `field` and `message`, and nothing is written. The answer is the change "
    "report: what was added, removed, changed, split, merged or converted (`unchanged` when "
    "the plan already held the extract: nothing is recorded then), and the contradictions "
    "between the register and the plan.",
    responses={
        400: {
            "description": "An unknown or repeated query parameter, or an extract date "
            "outside the platform's years or after today"
        },
        401: {"description": "No valid token"},
        403: {"description": "Role may not"},
        413: {"description": f"The body is larger than {MAX_BODY // 1024**2} MB (refused unread)"},
        422: {"description": "The file's problems, each by record and field; nothing imported"},
    },
    openapi_extra={"parameters": IMPORT_PARAMETERS.openapi()},
)
async def import_register(
    register: RegisterPath,
    request: Request,
    reader: EditPlanDep,
    extract_date: Annotated[dt.date, Depends(import_extract_date)],
    conn: WriteConnectionDep,
) -> dict:
    # Its size and its NULs were checked by api.guards.GuardBody before this reads it.
    body = await request.body()
    # An import runs for seconds: in a worker thread, not on the event loop.
    report = await run_in_threadpool(
        IMPORTERS[register],
        conn,
        body,
        extract_date=extract_date,
        actor=reader.name or reader.role.value,
        role=reader.role.value,
    )
    # The change's id as the importer may see it (opaque unless they may read sale data).
    report.change_id = confidential.shown_change(conn, report.change_id, reader)
    return report.as_dict()


@router.get(
    "/addresses",
    summary="Find addresses (DAR) by street and number",
    description="Every imported DAR address whose text (`Vollsmose Allé 12, 5240 Odense NØ`) "
    "holds every word of `q`, streets starting with the first word first: a GeoJSON "
    "FeatureCollection (CRS84 points) with each address's building and parcel of the plan "
    "and its provenance (`source_register`, `source_id`, `source_extract_date`). Public.",
    responses={400: {"description": "`q` or `limit` out of range"}},
)
def find_addresses(
    conn: ConnectionDep,
    q: Annotated[str, Query(description="Street name and number, e.g. `Testvej 3`.")],
    limit: Annotated[int, Query(description=f"At most {dar.MAX_LIMIT}.")] = 10,
) -> dict:
    words = dar.check_search(q, limit)
    return dar.search(conn, words, limit)
