"""`Server-Timing` (W3C) on every answer: the server's own time for it and, for the OGC
API's reads, how much of that the database took.

`app` runs from the moment the request reaches the application to the moment its
response starts; `db` is the time in `api.ogc.read.ReadDatabase.run` (checkout, the
statement, its result). A browser's developer tools show both, and the OGC benchmark
reads them to tell the API's own overhead from its query's time.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi import Headers, editing_headers

SCOPE_KEY = "vollsmose.timing"


class Timing:
    """The request's database time so far. Kept in the scope as one object: middlewares
    below pass on copies of the scope dict, and those copies share it."""

    __slots__ = ("db",)

    def __init__(self) -> None:
        self.db = 0.0


def timing_of(scope: Scope) -> Timing | None:
    return scope.get(SCOPE_KEY)


class ServerTiming:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        timing = scope[SCOPE_KEY] = Timing()

        def with_timing(headers: Headers) -> Headers:
            value = f"app;dur={(time.perf_counter() - start) * 1000:.3f}"
            if timing.db:
                value = f"db;dur={timing.db * 1000:.3f}, {value}"
            return [*headers, (b"server-timing", value.encode())]

        await self.app(scope, receive, editing_headers(send, with_timing))
