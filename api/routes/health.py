from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from api.deps import EngineDep
from api.errors import problem
from gis.db import versions

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check")
def healthz(engine: EngineDep, request: Request) -> JSONResponse:
    try:
        with engine.connect() as conn:
            found = versions(conn)
    except DBAPIError:
        return problem(request, 503, "Database unavailable", "The database cannot be reached.")
    body = {"status": "ok", "database": found}
    if request.app.state.replication is not None:
        # What this worker last saw of the read replicas (gis/replication.py): each up or
        # not, its lag, and whether reads go to it. The primary answering is the 200.
        body["replicas"] = request.app.state.replication.status()
    return JSONResponse(body)
