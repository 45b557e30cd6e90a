"""The OGC API's read path: the collection a path names, the database work of a read on a
pooled connection of the read engine (the plan version and the reader's rights set on it),
and the one dependency (`Read`) that hands a route both and its answer's validator."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Annotated, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from api import replicas
from api.auth import get_reader
from api.caching import Validator
from api.declared import Declared
from api.ogc.links import negotiated
from api.timing import Timing, timing_of
from gis import record
from gis.db import SCENARIO_GONE_SQLSTATE, translate_errors
from gis.errors import NotFound
from gis.layers import LAYERS, Layer
from gis.ogc.params import VERSION, Parameters, view_of
from gis.record import PlanView
from gis.roles import Permission, Reader

T = TypeVar("T")


# The dependencies below do no I/O: declared async, FastAPI runs them on the event loop
# instead of a thread-pool hop each.


async def get_collection(collection_id: str) -> Layer:
    layer = LAYERS.get(collection_id)
    if layer is None:
        raise NotFound("collection", collection_id)
    return layer


CollectionDep = Annotated[Layer, Depends(get_collection)]


class ReadDatabase:
    """Runs a route's database work on the event loop, on a connection of the read engine
    (`gis.db.make_read_engine`), checked out only when the work runs.

    `run(fn, *args)` calls the sync `fn(conn, *args)` with a Connection, as the domain
    functions expect; a lost database becomes a 503 here. The time it takes goes to the
    answer's Server-Timing (`api.timing`).
    """

    __slots__ = ("_engine", "_timing", "_view")

    def __init__(
        self, engine: AsyncEngine, timing: Timing | None, view: PlanView = record.CURRENT
    ) -> None:
        # The engine's sessions have the reader's rights: the reader role's
        # (gis.db.READER_ROLE), or for a reader who may see confidential data the login
        # role's, READ ONLY (gis.db.make_confidential_read_engine); both read in autocommit.
        self._engine = engine
        self._timing = timing
        self._view = view

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        start = time.perf_counter()
        try:
            with translate_errors():
                # One greenlet (SQLAlchemy's, as `run_sync` spawns) for checkout, work and
                # check-in, where `async with engine.connect()` and `run_sync` take three.
                # Items limit 10's read, in process: 0.83 ms that way, 0.71 ms this way
                # (medians, the two alternated).
                if self._view.is_current_adopted:
                    return await greenlet_spawn(_on_connection, self._engine.sync_engine, fn, *args)
                return await greenlet_spawn(
                    _on_version, self._engine.sync_engine, self._view, fn, *args
                )
        finally:
            if self._timing is not None:
                self._timing.db += time.perf_counter() - start

    async def read_unless_held(
        self, check: Callable[[Connection], Response | None], read: Callable[..., T], *args: object
    ) -> tuple[Response | None, T | None]:
        """`(a 304, None)` if `check` (a Validator's `not_modified` or `revalidate`) finds the
        client holds the answer, else `(None, read(conn, *args))`: both on one connection."""
        return await self.run(_read_unless_held, check, read, *args)


# A connection of the read engine (autocommit) keeps the session settings of the version of
# the plan it last answered (`gis.record.keep`): one round trip instead of a transaction's
# three, none for the next read of that same version there, and one for the next read of
# the adopted plan there, which gives them back first.


def _on_connection(engine: Engine, fn: Callable[..., T], *args: object) -> T:
    # Runs inside the greenlet: the async engine's sync face awaits its driver from here.
    with engine.connect() as conn:
        record.keep(conn, record.CURRENT)
        return fn(conn, *args)


def _on_version(engine: Engine, view: PlanView, fn: Callable[..., T], *args: object) -> T:
    with engine.connect() as conn:
        for attempt in (1, 2):
            record.keep(conn, view)
            try:
                return fn(conn, *args)
            except DBAPIError as exc:
                # The settings name a scenario by its id, found from the slug when they were
                # set: a scenario deleted since (or made again under that slug) is refused
                # by the database (migration 0022). Set them again from the slug, here and
                # on every connection: a 404 if it is gone, else the scenario that has it now.
                if attempt == 2 or getattr(exc.orig, "sqlstate", None) != SCENARIO_GONE_SQLSTATE:
                    raise
                record.forget_kept()
        raise AssertionError("unreachable")


def _read_unless_held(conn: Connection, check, read, *args):
    if (hit := check(conn)) is not None:
        return hit, None
    return None, read(conn, *args)


class Read:
    """What an OGC API read needs, solved as one dependency: the database (`db`) and the
    answer's validator (`cache`, its ETag), for the reader asking.

    FastAPI spends about 0.02 ms a request on each dependency it solves. As separate
    dependencies, the collection, the reader's view, the database and the validator took
    about 0.07 ms of the 0.3–0.4 ms the API spends beside a small page's query (in process).
    """

    __slots__ = ("args", "cache", "db", "format", "reader")

    def __init__(self, request: Request, reader: Reader, args: Mapping[str, object]) -> None:
        self.reader = reader
        # The route's query parameters as its declaration parsed them (gis.ogc.params).
        self.args = args
        self.format = negotiated(request, args.get("f"))  # type: ignore[arg-type]
        confidential = reader.may(Permission.READ_CONFIDENTIAL)
        # The primary's, or a replica's (api/replicas.py), with the reader's rights.
        engine = replicas.read_engine(request, confidential)
        self.db = ReadDatabase(engine, timing_of(request.scope), view_of(args))
        self.cache = Validator(request, "confidential" if confidential else "public")


class CollectionRead(Read):
    """A read of one collection (`collection_id` in the path; 404 if unknown)."""

    __slots__ = ("collection", "layer")

    def __init__(
        self, request: Request, reader: Reader, collection: Layer, args: Mapping[str, object]
    ) -> None:
        super().__init__(request, reader, args)
        self.collection = collection
        # The collection as the reader may see it: items, queryables, filters and sorting
        # take their properties from it, so a confidential one is unknown (400) to a reader
        # without the right. Tiles keep `collection`: they never carry confidential
        # properties.
        self.layer = collection.for_reader(reader)


class Reading(Declared):
    """The dependency of a route whose query parameters are `declared`: its `Read`, the
    query string parsed and checked whole (a 400 naming a parameter) before the route runs,
    so before any connection is taken."""

    async def __call__(
        self, request: Request, reader: Annotated[Reader, Depends(get_reader)]
    ) -> Read:
        return Read(request, reader, self.declared.parse(request.query_params))


class CollectionReading(Declared):
    """As `Reading`, for a route of one collection; `of_layer`, where given, is the
    declaration of the collection as the reader may see it (its queryables as property
    filters), `declared` what every collection shares (the generic path's document)."""

    def __init__(
        self, declared: Parameters, of_layer: Callable[[Layer], Parameters] | None = None
    ) -> None:
        super().__init__(declared)
        self.of_layer = of_layer

    async def __call__(
        self,
        request: Request,
        collection_id: str,
        reader: Annotated[Reader, Depends(get_reader)],
    ) -> CollectionRead:
        collection = await get_collection(collection_id)
        layer = collection.for_reader(reader)
        declared = self.declared if self.of_layer is None else self.of_layer(layer)
        args = declared.parse(request.query_params)
        return CollectionRead(request, reader, collection, args)


# For the routes that check their query string themselves (tiles): the version only.
_VERSION_ONLY = Parameters(VERSION.params, closed=False)


async def get_read(request: Request, reader: Annotated[Reader, Depends(get_reader)]) -> Read:
    return Read(request, reader, _VERSION_ONLY.parse(request.query_params))


async def get_collection_read(
    request: Request, collection_id: str, reader: Annotated[Reader, Depends(get_reader)]
) -> CollectionRead:
    collection = await get_collection(collection_id)
    return CollectionRead(request, reader, collection, _VERSION_ONLY.parse(request.query_params))


ReadDep = Annotated[Read, Depends(get_read)]
CollectionReadDep = Annotated[CollectionRead, Depends(get_collection_read)]
