"""The one way a CSV upload route reads its body and answers (criteria, program)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from api.errors import problem
from gis.criteria.importer import CsvImportError
from gis.errors import InvalidParameter

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid token"},
    400: {"description": "The body contains a NUL character"},
    403: {"description": "Role may not"},
    413: {"description": "The body is larger than 5 MB (refused unread)"},
    422: {"description": "Bad rows; nothing imported"},
}


async def import_csv(
    request: Request, conn: Connection, import_values: Callable[[Connection, str], Any]
) -> Response:
    """Decodes the body as UTF-8 and hands it to `import_values`, which stores every row or
    none: its CsvImportError becomes a 422 whose `errors` list each row's problem."""
    # Its size and its NULs were checked by api.guards.GuardBody before this reads it.
    body = await request.body()
    try:
        content = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParameter("body", "The file is not UTF-8 text.") from exc
    try:
        # Off the event loop: the import's statements are blocking calls.
        result = await run_in_threadpool(import_values, conn, content)
    except CsvImportError as exc:
        # Nothing was written: every row is checked before the first insert.
        return problem(request, 422, exc.title, exc.detail, errors=exc.errors)
    return JSONResponse(result)
