"""Dependencies, as `Annotated` aliases routes can declare."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request, Response
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from api import replicas
from api.auth import get_reader, require
from api.caching import REVALIDATE, NotModified, Validator
from api.retry import StaleVersion
from api.settings import Settings
from gis import record
from gis.db import (
    SCENARIO_GONE_SQLSTATE,
    close_read,
    elevate,
    name_the_version,
    translate_errors,
)
from gis.errors import InvalidParameter
from gis.models import AREA_KINDS
from gis.record import PlanView
from gis.roles import PUBLIC, Permission, Reader
from gis.state import MAX_YEAR, MIN_YEAR, check_period


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


ScenarioQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="The scenario to answer (its slug); default `vedtaget`, the adopted plan.",
        examples=["vedtaget"],
    ),
]
RecordedQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description=(
            "Answer the plan as it was recorded at this time: an RFC 3339 date-time, or a "
            "date (the end of that day, Danish time). Default: now."
        ),
        examples=["2021-03-01"],
    ),
]


def get_plan_view(scenario: ScenarioQuery = None, recorded: RecordedQuery = None) -> PlanView:
    """The version of the plan a read answers (`gis.record`): checked before any I/O."""
    return record.plan_view(scenario, recorded)


PlanViewDep = Annotated[PlanView, Depends(get_plan_view)]


def as_reader(conn: Connection, reader: Reader) -> None:
    """`conn`'s transaction with the database rights of `reader`: the API's connections start
    without confidential data (`gis.db.READER_ROLE`); a reader who may read it gets it."""
    if reader.may(Permission.READ_CONFIDENTIAL):
        elevate(conn)


def get_connection(
    request: Request,
    view: PlanViewDep,
    # Called as a plain function (a report's HTML), it answers the public.
    reader: Annotated[Reader, Depends(get_reader)] = PUBLIC,
) -> Iterator[Connection]:
    """A read connection for one request, answering the version of the plan the request
    names, with the reader's rights; a lost database becomes a 503 here. From a replica
    when one may answer it (api.replicas); one that cannot be reached falls back to the
    primary.

    Its transaction is READ ONLY and ends in a COMMIT: psycopg forgets which statements it
    has prepared at every ROLLBACK (and every statement's count towards preparing it), so a
    read that ended in one planned each of its statements anew on every request; a
    read-only transaction has nothing a COMMIT could keep."""
    yield from _read(request, view, reader, read_only=True)


def get_scratch_connection(
    request: Request,
    view: PlanViewDep,
    reader: Annotated[Reader, Depends(get_reader)] = PUBLIC,
) -> Iterator[Connection]:
    """As `get_connection`, for a read that writes hypothetical rows it rolls back (what-if,
    the gap): a transaction that may write, always rolled back."""
    yield from _read(request, view, reader, read_only=False)


def check_route_parameters(request: Request) -> None:
    """The route's own path, query and header parameters, validated as FastAPI will validate
    them, before a connection is taken: FastAPI solves a route's dependencies (this
    connection among them) before it validates the route's own parameters, so a bad `year`
    would otherwise cost a pooled connection, or be a 503 while the database is away."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    errors = []
    for fields, given in (
        (dependant.path_params, request.path_params),
        (dependant.query_params, request.query_params),
        (dependant.header_params, request.headers),
    ):
        values, bad = request_params_to_args(fields, given)
        errors += bad
        if fields is dependant.query_params and not bad:
            errors += _period_errors(fields, values)
    if errors:
        raise RequestValidationError(errors)


def _period_errors(fields, values: dict) -> list[dict]:
    """A period given as `from` and `to` (a trajectory, the lists' years, a page's chart)
    ends no earlier than it starts: the one rule across two parameters, checked here with
    theirs, before any I/O (the domain checks it again for callers outside HTTP)."""
    named = {f.alias: values.get(f.name) for f in fields if f.alias in ("from", "to")}
    first, last = named.get("from"), named.get("to")
    if not (isinstance(first, int) and isinstance(last, int)):
        return []
    try:
        check_period(first, last)
    except InvalidParameter as exc:
        return [
            {
                "type": "value_error",
                "loc": ("query", exc.parameter),
                "msg": exc.detail,
                "input": last,
            }
        ]
    return []


def _read(
    request: Request, view: PlanView, reader: Reader, read_only: bool
) -> Iterator[Connection]:
    check_route_parameters(request)
    replica, engine = replicas.engine(request)
    with translate_errors():
        try:
            conn = _open_read(engine, view, reader, read_only)
        except DBAPIError as exc:
            if replica is None or not (
                isinstance(exc, OperationalError) or exc.connection_invalidated
            ):
                raise
            replicas.fell_back(request, replica, exc)
            conn = _open_read(request.app.state.engine, view, reader, read_only)
    answered = False
    try:
        with translate_errors():
            yield conn
        answered = True
    except NotModified:
        # The client holds the answer: a read that ended well (its COMMIT keeps the
        # connection's prepared statements, as above).
        answered = True
        raise
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == SCENARIO_GONE_SQLSTATE:
            # Settings kept from an earlier read name a scenario by an id that is gone
            # (deleted, or made again under its slug): asked again, the read sets them
            # from the slug (api.retry).
            record.forget_kept()
            raise StaleVersion() from exc
        raise
    finally:
        # After the answer is sent (FastAPI ends a yield dependency then): too late for a
        # 503, and nothing of a read is lost if the database went away meanwhile.
        close_read(conn, commit=answered and read_only)


def _open_read(engine: Engine, view: PlanView, reader: Reader, read_only: bool) -> Connection:
    with record.taking_to_keep():
        conn = engine.connect()
    if read_only:
        # BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY (psycopg sends it before the first
        # statement); reset when the connection goes back to the pool. One snapshot for the
        # whole read: the data version its ETag names and every statement of its answer see
        # the same data, even when a write commits between them (an answer of every area is
        # a statement per area). A read-only transaction is never refused for it.
        conn = conn.execution_options(postgresql_readonly=True, isolation_level="REPEATABLE READ")
    try:
        as_reader(conn, reader)
        if read_only:
            # The version's settings kept from the connection's last read, if they are this
            # one's: no statement of its own (gis.record.keep).
            record.keep(conn, view)
        else:
            # A read that writes and rolls back (what-if): the version for its transaction
            # alone, on the adopted plan's settings.
            record.keep(conn, record.CURRENT)
            schema = record.enter(conn, view)
            if schema is not None:
                # A text per version's schema, so that a pooled connection answering the
                # adopted plan and other versions in turn keeps each statement's plan.
                name_the_version(conn, schema)
    except BaseException:
        close_read(conn)
        raise
    return conn


def get_write_connection(
    request: Request, engine: Annotated[Engine, Depends(get_engine)]
) -> Iterator[Connection]:
    """One transaction per write request: committed when the route returns, else rolled back.
    A write has the login role's rights (the routes check the writer's); what it answers is
    the route's to filter by its reader. Always the primary; with replicas, the answer
    carries the commit's WAL position (api.replicas), for the client's next reads."""
    check_route_parameters(request)
    with translate_errors(), engine.connect() as conn:
        with conn.begin():
            elevate(conn)
            yield conn
        replicas.committed(request, conn)


def get_validator(
    request: Request,
    response: Response,
    conn: Annotated[Connection, Depends(get_connection)],
    reader: Annotated[Reader, Depends(get_reader)],
    if_none_match: Annotated[
        str | None,
        Header(
            description="An ETag of an earlier answer: a 304 without a body if the answer "
            "would be the same (the data, the request and the reader's rights unchanged)."
        ),
    ] = None,
) -> Validator:
    """The ETag of a REST read's answer (`api.caching`), from the data version read first on
    the read's own connection: a 304 (`NotModified`) before the route computes anything when
    the client holds it, else the route answers with the ETag and `Cache-Control: no-cache`
    set here. The ETag names the data version, the whole request and whether the reader sees
    confidential data, so it agrees across workers and replicas at one version of the data.
    A route that builds its own Response passes `Validator.headers` to it."""
    view = "confidential" if reader.may(Permission.READ_CONFIDENTIAL) else "public"
    cache = Validator(request, view, REVALIDATE)
    cache.if_none_match = if_none_match
    held = cache.not_modified(conn)
    if held is not None:
        raise NotModified(dict(held.headers))
    response.headers.update(cache.headers)
    return cache


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ConnectionDep = Annotated[Connection, Depends(get_connection)]
ScratchConnectionDep = Annotated[Connection, Depends(get_scratch_connection)]
ValidatorDep = Annotated[Validator, Depends(get_validator)]
# scope="function": the transaction commits before the answer is sent, so a client that
# reads again the moment it has its answer sees its own write (with FastAPI's default, a
# yield dependency ends after the answer is sent), and a refusal at commit (a deferred
# constraint, the owner guard) is the answer instead of coming after a 200.
WriteConnectionDep = Annotated[Connection, Depends(get_write_connection, scope="function")]


def _year(alias: str | None, description: str):
    return Query(alias=alias, ge=MIN_YEAR, le=MAX_YEAR, description=description, examples=[2030])


YearQuery = Annotated[int, _year(None, "The state as of 1 January of this year.")]
FromYearQuery = Annotated[int, _year("from", "First year of the trajectory.")]
ToYearQuery = Annotated[int, _year("to", "Last year of the trajectory (included).")]
QuarterSetQuery = Annotated[
    str | None,
    Query(
        alias="quarters",
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=64,
        description="Quarter set, e.g. `afdelinger` or `kvarterer`; default: the area's first.",
    ),
]
AreaKind = Literal[AREA_KINDS]
AreaKindsQuery = Annotated[
    list[AreaKind] | None,
    Query(
        alias="kind",
        description="Only areas of this kind (repeat for several); default: every area.",
        examples=[["hard_ghetto", "parallelsamfund"]],
    ),
]
TableFormat = Literal["json", "csv"]
FormatQuery = Annotated[TableFormat, Query(alias="f", description="`json` or `csv`.")]


# Who is asking (api/auth.py): the public without a token, a 401 for a bad one.
ReaderDep = Annotated[Reader, Depends(get_reader)]
EditSaleDep = Annotated[Reader, Depends(require(Permission.EDIT_SALE))]
EditPlanDep = Annotated[Reader, Depends(require(Permission.EDIT_PLAN))]
