"""RFC 9457 problem details for every error, mapped from domain errors in one table.

Clients see a title, a status and a safe detail; never a stack trace, SQL or driver text.
Those go to the log with an id that the answer carries, so a report can be traced.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis.errors import (
    Conflict,
    DatabaseUnavailable,
    DataError,
    DomainError,
    Forbidden,
    InvalidParameter,
    InvalidQuery,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
)

log = logging.getLogger("api")

PROBLEM = "application/problem+json"

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    # Before its base class InvalidParameter: the first match wins.
    InvalidQuery: 400,
    InvalidParameter: 422,
    DataError: 422,
    DatabaseUnavailable: 503,
    Conflict: 409,
    PreconditionFailed: 412,
    PreconditionRequired: 428,
}


def problem(request: Request, status: int, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["instance"] = request.url.path
    body.update(extra)
    headers = {"Retry-After": "10"} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="vollsmose"'}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _domain(request: Request, exc: DomainError) -> JSONResponse:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    extra = {}
    if isinstance(exc, InvalidParameter):
        extra["errors"] = [{"parameter": exc.parameter, "message": exc.detail}]
    if isinstance(exc, Conflict) and exc.conflicts:
        extra["conflicts"] = exc.conflicts
    response = problem(request, status, exc.title, exc.detail, **extra)
    if isinstance(exc, PreconditionFailed) and exc.current:
        response.headers["ETag"] = exc.current
    return response


def _location(loc: tuple) -> str:
    # ("query", "year") -> "year"; ("body", "items", 0, "x") -> "items[0].x"
    parts = [p for p in loc if p not in ("query", "path", "body", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "request"


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"parameter": _location(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    named = ", ".join(sorted({e["parameter"] for e in errors}))
    return problem(request, 422, "Invalid parameter", f"Invalid value for: {named}.", errors=errors)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
    detail = exc.detail if isinstance(exc.detail, str) else titles.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"Nothing at {request.url.path}."
    return problem(request, exc.status_code, titles.get(exc.status_code, "Error"), detail)


async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
    if exc.connection_invalidated or type(exc).__name__ in {"OperationalError", "InterfaceError"}:
        log.warning("database unavailable on %s: %s", request.url.path, exc.orig)
        return await _domain(request, DatabaseUnavailable())
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.exception("unexpected error %s on %s %s", incident, request.method, request.url.path)
    return problem(
        request,
        500,
        "Internal server error",
        f"Something went wrong on our side (incident {incident}).",
        incident=incident,
    )


def register(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
