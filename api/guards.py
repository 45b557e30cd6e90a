"""Requests refused before any route sees them, as problem details.

A NUL character (`%00`) in the path or query can never be stored or compared by
PostgreSQL (the driver refuses it in text), so it would otherwise end as a 500 wherever a
parameter reaches a statement; it is bad input, a 400, whichever parameter carries it.

Bodies (`GuardBody`) are refused by size before they are read in full, and checked for
what no column can hold (NUL, lone surrogates, NaN) and for nesting no parser should
recurse into, before a route parses or stores any of it.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from gis.db import storable

# The largest body any route takes: a criteria CSV, a Part 4 feature (5 MB each).
MAX_BODY = 5 * 1024 * 1024
# JSON bodies nest a handful of levels (a GeoJSON MultiPolygon feature: six); json.loads,
# pydantic and the walks over a document recurse once per level.
MAX_JSON_DEPTH = 32
# Bodies that may carry any byte. Every other body is text (JSON, CSV, a form), where a NUL
# can only be bad input: PostgreSQL text cannot hold it.
BINARY = ("application/octet-stream", "image/", "multipart/", "application/geopackage")
# Part 4 checks its own bodies (gis.editing.validate: NUL, lone surrogates, NaN and nesting,
# each named by its field as the feature's schema has it); the JSON checks here would
# answer for it, less precisely.
SELF_CHECKED = ("/collections/",)


# The longest request target (path and query) a route reads: room for a CQL2 filter of 20,000
# characters (gis.ogc.cql2), most of them URL-encoded, beside a few parameters. Longer ones are a
# 414 here, as problem details. The HTTP server's own parser (uvicorn's httptools) refuses a
# request whose head passes 64 KiB before the platform sees it, in plain text: this limit
# stays below that with room for the headers.
MAX_TARGET = 48 * 1024


class RejectNul:
    """Refuses a NUL in the path or query (400) and a request target over MAX_TARGET (414)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = None
            if len(scope.get("raw_path") or b"") + len(scope["query_string"]) > MAX_TARGET:
                refused = problem(
                    Request(scope),
                    414,
                    "URI too long",
                    f"The path and query must not be longer than {MAX_TARGET} bytes; send a "
                    "long filter in fewer characters.",
                )
            elif (
                "\x00" in scope["path"]
                or b"%00" in scope["query_string"]
                or b"\x00" in scope["query_string"]
            ):
                refused = problem(
                    Request(scope), 400, "Bad request", "The request must not contain NUL (%00)."
                )
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyRefused(Exception):
    def __init__(self, status: int, title: str, detail: str, parameter: str = "body") -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.parameter = status, title, detail, parameter


class GuardBody:
    """Reads a request's body (at most MAX_BODY bytes: a larger Content-Length is refused
    unread, a chunked body as soon as it grows past the limit), checks it, and hands the
    route the same bytes. A request without a body passes untouched."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        try:
            coding = headers.get(b"content-encoding", b"identity").strip().lower()
            if coding not in (b"", b"identity"):
                # No route decodes a compressed body: read as it is, gzip's bytes would be
                # refused as NUL or as bad JSON, saying nothing of why (RFC 9110, 8.4.1).
                raise BodyRefused(
                    415,
                    "Unsupported Media Type",
                    "The body must be sent uncompressed (no Content-Encoding).",
                    "Content-Encoding",
                )
            if length is not None:
                # The HTTP server has parsed it already; an app called otherwise may not have.
                if not length.isdigit():
                    raise BodyRefused(400, "Bad request", "Content-Length must be a byte count.")
                if int(length) > self.max_body:
                    raise self._too_large()
            body = await self._read(receive)
            if body is None:  # the client went away
                return
            kind = headers.get(b"content-type", b"").decode("latin-1").split(";")[0]
            self._check(body, kind.strip().lower(), scope["path"])
        except BodyRefused as refused:
            extra = {"errors": [{"parameter": refused.parameter, "message": refused.detail}]}
            response = problem(
                Request(scope), refused.status, refused.title, refused.detail, **extra
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _too_large(self) -> BodyRefused:
        mb = self.max_body / 1024**2
        return BodyRefused(413, "Content too large", f"The body is larger than {mb:g} MB.")

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:  # a chunked body, or one longer than it said
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _check(self, body: bytes, kind: str, path: str) -> None:
        if kind.startswith(BINARY) or not body:
            return
        nul = body.find(b"\x00")
        if nul >= 0:
            line = body.count(b"\n", 0, nul) + 1
            raise BodyRefused(
                400, "Bad request", f"The body must not contain NUL (byte {nul + 1}, line {line})."
            )
        if (kind == "application/json" or kind.endswith("+json")) and not path.startswith(
            SELF_CHECKED
        ):
            _check_json(body)


# A JSON string, or the rest of the body from a quote that never closes. The pattern matches
# from every quote it starts at (a closing quote, or the end, perhaps after a last backslash),
# so the scan never starts again inside a string: it is linear in the body. Without the
# unclosed alternative, each quote of an unclosed string scanned to the end anew (quadratic:
# 40 KB of escaped quotes held the event loop 5 s, before any token was asked for; an audit
# at 2026-12-04).
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# What a parsed document holds that no column can, comes only from: an escape (\u0000, a
# \ud800-\udfff half) or a raw encoded surrogate (ED A0-BF, which json.loads decodes with
# surrogatepass), for text; NaN, Infinity or a number too large for a double (an exponent of
# three digits, or 300 digits in a row), for numbers. A body with none of them needs no walk
# over its values; a match (perhaps inside a string) only means the exact walk runs.
_MAYBE_UNSTORABLE = re.compile(
    rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]"
    rb"|NaN|Infinity|[eE]\+?0*[1-9][0-9]{2}|[0-9]{300}"
)


def _check_json(body: bytes) -> None:
    # Depth first, without recursing: brackets outside strings, +1 opening and -1 closing.
    brackets = np.frombuffer(_JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS), np.uint8)
    if brackets.size:
        steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
        if int(np.cumsum(steps).max()) > MAX_JSON_DEPTH:
            raise BodyRefused(
                422,
                "Invalid parameter",
                f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.",
            )
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route says so, naming the body
    if not _MAYBE_UNSTORABLE.search(body):
        return
    stack: list[tuple[str, object]] = [("", doc)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else key
                if not storable(key):
                    raise _unstorable(where or "body", "a property name")
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, str) and not storable(value):
            raise _unstorable(where or "body", "text")
        elif isinstance(value, float) and not math.isfinite(value):
            raise BodyRefused(
                422, "Invalid parameter", f"{where or 'body'}: must be a finite number.", where
            )


def _unstorable(where: str, what: str) -> BodyRefused:
    return BodyRefused(
        422,
        "Invalid parameter",
        f"{where}: {what} must not contain NUL (\\u0000) or a lone surrogate.",
        where,
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the route: the body as read, then whatever the client sends next (its
    disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


# What a page of the platform may load and run. Scripts come only from its own files (a
# page's configuration is a JSON block, which no browser runs), so a name that slipped past
# the escaping could still not run script in the origin that keeps an editor's token. Inline
# styles stay allowed: Leaflet and Swagger UI set them, and a style runs no code. Map images
# are the platform's own, drawn ones (data:, blob:) and OpenStreetMap's basemap tiles.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https://tile.openstreetmap.org",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)

# What every answer tells a browser (found missing by an audit at 2026-12-03): not to guess
# a media type the answer did not name (a GeoJSON or CSV answer is never a page), that no
# other site may frame the platform's pages (the viewer's edit forms act with a token), and
# the policy above.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"same-origin"),
)


def secured(headers: list) -> list:
    """`headers` and SECURITY_HEADERS (`api.asgi.HeadersEdited` adds them to every answer)."""
    return [*headers, *SECURITY_HEADERS]
