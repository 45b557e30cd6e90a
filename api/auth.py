"""Bearer tokens on the HTTP side: who is asking, and may they.

A request without `Authorization` reads as the public. A request with one that is not a
valid, live token gets a 401: it is never quietly read as public, which would hide a
misconfigured client and make a revoked token look like it still works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors
from api.asgi import Headers, editing_headers
from gis import auth
from gis.db import elevate, translate_errors
from gis.errors import DomainError, Forbidden, Unauthorized
from gis.roles import PUBLIC, Permission, Reader


def _verify(engine: Engine, secret: str) -> Reader | None:
    # Its own short transaction: last_used_at is written even on the read paths.
    with translate_errors(), engine.begin() as conn:
        # The token table is closed to the API's reader role (migration 0014).
        elevate(conn)
        return auth.verify_token(conn, secret)


# Where the middleware leaves the reader it checked, for the routes' dependency to take.
_READER = "vollsmose.reader"


# Async: every request passes here, and the public (no header) needs no thread-pool hop;
# only a token's check goes to a thread for its database work. The engine is taken from the
# app, not asked for as a dependency: every route solves this one, at about 0.02 ms each.
async def get_reader(request: Request) -> Reader:
    checked = request.scope.get(_READER)
    if checked is not None:
        return checked
    header = request.headers.get("authorization")
    if header is None:
        return PUBLIC
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    reader = await run_in_threadpool(_verify, request.app.state.engine, secret.strip())
    if reader is None:
        raise Unauthorized("The token is unknown, revoked or expired.")
    return reader


def require(permission: Permission) -> Callable[..., Reader]:
    def dependency(reader: Annotated[Reader, Depends(get_reader)]) -> Reader:
        if not reader.authenticated:
            raise Unauthorized()
        if not reader.may(permission):
            raise Forbidden(f"The role '{reader.role.value}' may not {permission.value}.")
        return reader

    return dependency


class PrivateWhenAuthorised:
    """Answers may differ by token: shared caches must key on it and keep tokened ones private.

    It also checks a token given on any path before routing, so that a dead token is a 401
    everywhere, as the README promises: on paths that are not API routes too (`/openapi.json`,
    `/docs`, `/static/*`, a redirect, a 404), which the routes' dependency never sees."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tokened = any(k == b"authorization" for k, _ in scope["headers"])

        def private_when_tokened(headers: Headers) -> Headers:
            if tokened:
                headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
            vary = [v for k, v in headers if k.lower() == b"vary"]
            if not any(b"authorization" in v.lower() for v in vary):
                headers.append((b"vary", b"Authorization"))
            if tokened:
                headers.append((b"cache-control", b"private, no-store"))
            return headers

        if tokened:
            request = Request(scope)
            try:
                scope[_READER] = await get_reader(request)
            except DomainError as exc:
                refused = await errors.domain_problem(request, exc)
                await refused(scope, receive, editing_headers(send, private_when_tokened))
                return

        await self.app(scope, receive, editing_headers(send, private_when_tokened))


def register(app: FastAPI) -> None:
    """Before the routers are included: every route then checks a token given to it, so a bad
    one is a 401 on public reads too (the check is cached per request for routes that ask)."""
    app.router.dependencies.append(Depends(get_reader))
    app.add_middleware(PrivateWhenAuthorised)
