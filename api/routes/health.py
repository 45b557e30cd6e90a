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
    return JSONResponse({"status": "ok", "database": found})
