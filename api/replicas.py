"""Read replicas on the HTTP side: which server answers a request, and read-your-writes.

With replicas configured (`VOLLSMOSE_REPLICA_URLS`), a write's answer carries the WAL
position its commit reached on the primary, as the header `Vollsmose-Min-LSN` and a cookie
of the same name (so a browser needs nothing of its own); a read carrying either is served
by a replica only once it has replayed that far, else by the primary
(`gis.replication.Replication.choose`). Every answer read from the database says which
server answered it (`Vollsmose-Served-By: primary` or `replica-N`).

Without replicas none of this is installed: nothing is added to a request.
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie

from fastapi import Request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors
from api.asgi import Headers, editing_headers
from gis.errors import DomainError
from gis.replication import Replica, commit_lsn, format_lsn, parse_lsn

log = logging.getLogger(__name__)

HEADER = "Vollsmose-Min-LSN"
SERVED_BY = "Vollsmose-Served-By"
# A write's position matters only until the replicas have replayed it, normally within a
# second; a minute covers a replica that lags up to the default bound and more.
COOKIE_MAX_AGE = 60
SCOPE_KEY = "vollsmose.replication"


class Routing:
    """One request's part in replication, kept in the scope as one object (middlewares below
    pass on copies of the scope dict; the copies share it)."""

    __slots__ = ("commit_lsn", "min_lsn", "served_by")

    def __init__(self, min_lsn: int | None) -> None:
        self.min_lsn = min_lsn
        self.commit_lsn: int | None = None
        self.served_by: str | None = None


def _min_lsn(scope: Scope) -> int | None:
    """The position a read must see: the header's (a bad one is the client's error, a 400
    naming it), else the cookie's (a bad cookie is ignored: it would fail every request)."""
    header = cookie = None
    for k, v in scope["headers"]:
        if k == b"vollsmose-min-lsn":
            header = v.decode("latin-1")
        elif k == b"cookie":
            cookie = v.decode("latin-1")
    if header is not None:
        return parse_lsn(header, HEADER)
    if cookie is not None and HEADER in cookie:
        try:
            morsel = SimpleCookie(cookie).get(HEADER)
        except Exception:  # noqa: BLE001 - a malformed Cookie header is not ours to judge
            return None
        if morsel is not None:
            try:
                return parse_lsn(morsel.value, HEADER)
            except DomainError:
                return None
    return None


class ReadYourWrites:
    """Reads the position a request must see; adds the commit position after a write and
    the answering server to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            routing = scope[SCOPE_KEY] = Routing(_min_lsn(scope))
        except DomainError as exc:
            refused = await errors.domain_problem(Request(scope), exc)
            await refused(scope, receive, send)
            return

        def with_positions(headers: Headers) -> Headers:
            if routing.commit_lsn is not None:
                lsn = format_lsn(routing.commit_lsn).encode()
                headers.append((HEADER.lower().encode(), lsn))
                headers.append(
                    (
                        b"set-cookie",
                        b"%s=%s; Max-Age=%d; Path=/; SameSite=Lax; HttpOnly"
                        % (HEADER.encode(), lsn, COOKIE_MAX_AGE),
                    )
                )
            if routing.served_by is not None:
                headers.append((SERVED_BY.lower().encode(), routing.served_by.encode()))
            return headers

        await self.app(scope, receive, editing_headers(send, with_positions))


def _routing(request: Request) -> Routing | None:
    return request.scope.get(SCOPE_KEY)


def choose(request: Request) -> Replica | None:
    """The replica this request reads from, None for the primary (no I/O)."""
    rep = request.app.state.replication
    if rep is None:
        return None
    routing = _routing(request)
    replica = rep.choose(routing.min_lsn if routing is not None else None)
    served(request, replica)
    return replica


def served(request: Request, replica: Replica | None) -> None:
    """Notes who answers (a read that fell back to the primary calls it again)."""
    routing = _routing(request)
    if routing is not None:
        routing.served_by = replica.name if replica is not None else "primary"


def read_engine(request: Request, confidential: bool = False) -> AsyncEngine:
    """The OGC API's async engine for this request's read (`api.ogc.read.ReadDatabase`
    uses only its `sync_engine.connect()`): the primary's, or a replica's that falls back to
    the primary's when the replica cannot be reached. `confidential`: the engine of readers
    who may see confidential data (`gis.db.make_confidential_read_engine`)."""
    name = "confidential_read_engine" if confidential else "read_engine"
    replica = choose(request)
    if replica is None:
        return getattr(request.app.state, name)
    return _ReplicaRead(request, replica, name)  # type: ignore[return-value]


class _ReplicaRead:
    __slots__ = ("sync_engine",)

    def __init__(self, request: Request, replica: Replica, name: str) -> None:
        self.sync_engine = _FallingBack(request, replica, name)


class _FallingBack:
    """`connect()` on the replica, else (unreachable) on the primary, noting which; `name`
    is the engine's, the same on both."""

    __slots__ = ("_name", "_replica", "_request")

    def __init__(self, request: Request, replica: Replica, name: str) -> None:
        self._request = request
        self._replica = replica
        self._name = name

    def connect(self) -> Connection:
        try:
            return getattr(self._replica, self._name).sync_engine.connect()
        except DBAPIError as exc:
            if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                raise
            fell_back(self._request, self._replica, exc)
            return getattr(self._request.app.state, self._name).sync_engine.connect()


def engine(request: Request) -> tuple[Replica | None, Engine]:
    """The sync engine for this request's read (REST routes), and its replica."""
    replica = choose(request)
    if replica is None:
        return None, request.app.state.engine
    return replica, replica.engine


def committed(request: Request, conn) -> None:
    """After a write committed on `conn`: its position, for the answer to carry. One round
    trip, on the write's own connection, only with replicas configured."""
    rep = request.app.state.replication
    routing = _routing(request)
    if rep is None or routing is None:
        return
    try:
        routing.commit_lsn = commit_lsn(conn)
    except DBAPIError as exc:
        # The write is committed: its answer must say so. Without the position, the client's
        # next reads may lag (within the bound) instead.
        log.warning("commit position not read after a write: %s", exc.orig)


def fell_back(request: Request, replica: Replica, exc: BaseException) -> None:
    """`replica` could not be reached: the read goes to the primary, and says so."""
    request.app.state.replication.fell_back(replica, exc)
    served(request, None)
