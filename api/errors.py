"""RFC 9457 problem details for every error, mapped from domain errors in one table.

Clients see a title, a status and a safe detail; never a stack trace, SQL or driver text.
Those go to the log with an id that the answer carries, so a report can be traced.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.caching import NotModified
from api.error_pages import error_page, wants_page
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
    Unavailable,
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
    Unavailable: 503,
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


async def _domain(request: Request, exc: DomainError) -> Response:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    extra = {}
    if isinstance(exc, InvalidParameter):
        extra["errors"] = [{"parameter": exc.parameter, "message": exc.detail}]
    if wants_page(request) and status in (400, 404, 422, 503):
        return error_page(request, status, extra.get("errors"), exc)
    if isinstance(exc, DataError) and getattr(exc, "errors", None):
        extra["errors"] = exc.errors  # an import file's problems, each by record and field
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


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = [{"parameter": _location(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    if wants_page(request):
        return error_page(request, 422, errors)
    named = ", ".join(sorted({e["parameter"] for e in errors}))
    return problem(request, 422, "Invalid parameter", f"Invalid value for: {named}.", errors=errors)


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    if wants_page(request) and exc.status_code in (404, 405):
        return error_page(request, exc.status_code)
    title = _TITLES.get(exc.status_code) or _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"Nothing at {request.url.path}."
    return problem(request, exc.status_code, title, detail)


_TITLES = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}


def _phrase(status: int) -> str:
    """HTTP's own name of a status (415 "Unsupported Media Type"), not a bare "Error"."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _not_modified(request: Request, exc: NotModified) -> Response:
    # Not an error: the client's copy is current (api.caching).
    return Response(status_code=304, headers=exc.headers)


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
    app.add_exception_handler(NotModified, _not_modified)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)


# The rendering of a domain error, for what answers before routing (the token check in
# api.auth); the mapping is the one above.
domain_problem = _domain


# What every error answer is, as the OpenAPI document declares it (api.ogc.openapi.complete
# puts it under components and refers every 4xx and 5xx response to it).
PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details; never a stack trace, SQL or a token.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "description": "What was wrong, by parameter, field, or line and column.",
            "type": "array",
            "items": {"type": "object"},
        },
        "conflicts": {"type": "array", "items": {}},
        "incident": {"type": "string", "description": "The id of a 500 in the server's log."},
    },
}

# The errors any operation can answer: a parameter it cannot honour (400), a dead token
# (401, on every path), nothing at the path (404), a request target over the guard's limit
# (414, api.guards), a value of the wrong type (422), a fault of ours (500), the database
# gone (503, with Retry-After).
READ_ERRORS = {
    400: "A parameter that cannot be honoured, named in `errors`",
    401: "The token is unknown, revoked or expired (or, for a write, missing)",
    404: "Nothing at this path (no such area, collection, feature, scenario...)",
    414: "The path and query are longer than the platform reads (the limit is in `detail`)",
    422: "An invalid parameter or body, named in `errors`",
    500: "A fault of the server; the answer carries an incident id for its log",
    503: "The database cannot be reached; try again after Retry-After",
}
# And a write's: a role that may not (403), a conflict with the data (409), a precondition
# (If-Match, `from_status`) that no longer holds (412), a body too large (413) or of another
# media type (415), If-Match missing (428).
WRITE_ERRORS = {
    403: "The token's role may not do this",
    409: "A conflict with the data as it is (a taken slug, a feature in use...)",
    412: "If-Match (or the status expected) names another version than the current one",
    413: "The body is too large",
    415: "The body is of a media type this operation does not take",
    428: "If-Match is required",
}
