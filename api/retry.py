"""A read asked again when the version of the plan its connection kept is gone.

A read connection keeps the session settings of the version of the plan it last answered
(`gis.record.keep`), so the next read of that version needs no statement to set them. They
name a scenario by its id; when that scenario has been deleted since, or deleted and made
again under its slug, the database refuses the read (SQLSTATE VM404, migration 0022) and
the read's dependency raises `StaleVersion` (api.deps). Nothing has been sent by then: the
request is handled once more, and its read sets the settings from the slug (a 404 if the
scenario is gone, else the scenario that has the slug now). A read route's own retry would
be the dependency's, which cannot run the route again.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only reads are asked again: they change nothing, and carry no body to replay.
_READS = frozenset({"GET", "HEAD"})


class StaleVersion(Exception):
    """The settings a read's connection kept name a scenario that is gone."""


class RetryStaleVersion:
    """Handles a read once more when it raises `StaleVersion` before its answer started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _READS:
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except StaleVersion:
            if started:
                raise
            await self.app(scope, receive, send)
