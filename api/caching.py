"""HTTP caching of reads (the OGC API's, and the REST reads that declare `ValidatorDep`): an
answer's ETag, known before the answer is built, and Cache-Control."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from sqlalchemy import Connection

from gis import data_version

# Public answers: fresh for a minute, then revalidated with the ETag (a 304 costs one tiny
# query). A change to the data therefore shows within a minute at most. Answers to a token
# are made `private, no-store` by api.auth.PrivateWhenAuthorised.
CACHE_CONTROL = "public, max-age=60"
# The REST reads a planner watches while editing (the tenure mix after an edit): stored, but
# asked again every time, so that nobody is shown the plan as it was before their own
# edit; the revalidation is the same tiny query, and a 304 when nothing changed.
REVALIDATE = "no-cache"


class NotModified(Exception):
    """The client holds this very answer: a 304 with these headers (api.errors answers it;
    a read that ends in it commits like one that answered, api.deps)."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("not modified")
        self.headers = headers


class Validator:
    """The ETag of one request's answer, known before the answer is built.

    Strong, and derived from the data version, the full request (host, path, query, and the
    Accept header when it picks the format) and the reader's view (public or confidential),
    so it changes whenever any of them would change the bytes; a matching `If-None-Match`
    is then a 304 without running the request's query at all.
    """

    __slots__ = ("cache_control", "etag", "if_none_match", "key")

    def __init__(self, request: Request, view: str, cache_control: str = CACHE_CONTROL) -> None:
        query = sorted(request.query_params.multi_items())
        accept = "" if "f" in request.query_params else request.headers.get("accept", "")
        self.key = "\n".join(
            (view, str(request.base_url), request.url.path, repr(query), accept)
        ).encode()
        self.etag = ""
        self.cache_control = cache_control
        self.if_none_match = request.headers.get("if-none-match")

    @property
    def headers(self) -> dict[str, str]:
        if not self.etag:
            raise RuntimeError("ETag asked for before the data version was read")
        return {"ETag": self.etag, "Cache-Control": self.cache_control, "Vary": "Accept"}

    def not_modified(self, conn: Connection) -> Response | None:
        """Read the data version (one tiny query); a 304 if the client holds this very
        answer, else None. Called by the route before any other query:
        the answer then reflects this version or a later one, never an earlier one, so an
        ETag never labels older data than it names (a REST read answers in the snapshot it
        read the version in: exactly this version, api.deps._open_read)."""
        self.seal(data_version.current(conn))
        return self._match()

    def revalidate(self, conn: Connection) -> Response | None:
        """For a route whose own statement returns the version it read (items, tiles):
        the version is read first only to answer a client that holds an ETag (304 if it
        matches). Otherwise the answer's statement reads it in its own snapshot and the
        route calls `seal` with it: the ETag then names exactly the data sent, and the
        request costs one round trip instead of two."""
        if self.if_none_match is None:
            return None
        return self.not_modified(conn)

    def seal(self, version: int) -> None:
        """Sets the ETag from the data version the answer was read at."""
        digest = hashlib.blake2b(self.key + b"\n" + str(version).encode(), digest_size=12)
        self.etag = '"' + digest.hexdigest() + '"'

    def hold(self, etag: str) -> Response | None:
        """Sets an ETag the answer names itself (an item's version); a 304 if the client
        holds it."""
        self.etag = etag
        return self._match()

    def _match(self) -> Response | None:
        if self.if_none_match is None:
            return None
        tags = [t.strip().removeprefix("W/") for t in self.if_none_match.split(",")]
        if "*" in tags or self.etag in tags:
            return Response(status_code=304, headers=self.headers)
        return None

    def finish(self, response: Response) -> Response:
        response.headers.update(self.headers)
        return response
