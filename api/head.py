"""HEAD on every GET route: the same status and headers, no body (RFC 9110 § 9.3.2).

FastAPI registers GET routes for GET only, so HEAD would be a 405. This middleware runs a
HEAD as the GET it stands for and drops the body on the way out; Content-Length and the
validators (ETag) stay those of the GET, as HEAD requires.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
