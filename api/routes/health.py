from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from api.deps import EngineDep, ReaderDep
from api.errors import problem
from gis.db import versions
from gis.roles import Role

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check")
def healthz(engine: EngineDep, reader: ReaderDep, request: Request) -> JSONResponse:
    try:
        with engine.connect() as conn:
            found = versions(conn)
    except DBAPIError:
        return problem(request, 503, "Database unavailable", "The database cannot be reached.")
    body = {"status": "ok", "database": found}
    if request.app.state.replication is not None:
        # What this worker last saw of the read replicas (gis/replication.py): each up or
        # not, and whether reads go to it; an admin also gets its lag and WAL position. The
        # primary answering is the 200.
        detail = reader.role is Role.ADMIN
        body["replicas"] = request.app.state.replication.status(detail=detail)
    return JSONResponse(body)
