"""`Server-Timing` (W3C) on every answer: the server's own time for it and, for the OGC
API's reads, how much of that the database took.

`app` runs from the moment the request reaches the application to the moment its
response starts; `db` is the time in `api.ogc_common.ReadDatabase.run` (checkout, the
statement, its result). A browser's developer tools show both, and the OGC benchmark
reads them to tell the API's own overhead from its query's time.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                app_ms = (time.perf_counter() - start) * 1000
                value = f"app;dur={app_ms:.3f}"
                if timing.db:
                    value = f"db;dur={timing.db * 1000:.3f}, {value}"
                headers = [*message.get("headers", []), (b"server-timing", value.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_timing)
