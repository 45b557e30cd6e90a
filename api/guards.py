"""Requests refused before any route sees them, as problem details.

A NUL character (`%00`) in the path or query can never be stored or compared by
PostgreSQL (the driver refuses it in text), so it would otherwise end as a 500 wherever a
parameter reaches a statement; it is bad input, a 400, whichever parameter carries it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"]
            or b"%00" in scope["query_string"]
            or b"\x00" in scope["query_string"]
        ):
            response = problem(
                Request(scope), 400, "Bad request", "The request must not contain NUL (%00)."
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
