"""What the app's own ASGI middlewares share: changing an answer's headers as it starts."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


def editing_headers(send: Send, edit: Callable[[Headers], Headers]) -> Send:
    """`send`, with the response's headers passed through `edit` when the response starts
    (the body and everything else go through unchanged). `edit` runs at that moment, so a
    header may say something about the time up to it."""

    async def send_edited(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": edit(list(message.get("headers", [])))}
        await send(message)

    return send_edited


class HeadersEdited:
    """Middleware passing every HTTP response's headers through `edit` (`editing_headers`)."""

    def __init__(self, app: ASGIApp, edit: Callable[[Headers], Headers]) -> None:
        self.app = app
        self.edit = edit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, editing_headers(send, self.edit))
