"""Engine construction and the boundary where driver errors become domain errors."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain

import psycopg
from psycopg.types.numeric import FloatLoader
from sqlalchemy import Connection, Dialect, Engine, TextClause, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gis.errors import DatabaseUnavailable, InvalidParameter

log = logging.getLogger(__name__)


# Options of every platform session. JIT compilation costs more than it saves on the
# platform's short queries: a small area in a national-scale database takes 85 ms with it,
# 11 ms without (benchmarks/README.md).
SESSION_OPTIONS = "-c jit=off"

# The database role every connection of the platform's API starts as (migration 0014): no
# confidential data. A write, and a read by a reader who may see confidential data, take the
# login role back for their own transaction (`elevate`); a path that forgets its reader's
# rights meets "permission denied", never the data.
READER_ROLE = "vm_public"


# The read engine a reader who may see confidential data reads through (`make_read_engine`'s
# `role` None and `read_only`): its sessions are the login role's, so such a read is one
# statement in autocommit as a public one is, where a transaction on the reader role's engine
# cost three more round trips (BEGIN, SET LOCAL ROLE, COMMIT; figures in benchmarks/README.md).
# Every statement on it is READ ONLY: nothing is written with the login role's rights there.
READ_ONLY_OPTION = " -c default_transaction_read_only=on"


def storable(value: str) -> bool:
    """Text a PostgreSQL text column holds: UTF-8 (no lone surrogate, which JSON's \\ud800
    escapes make and UTF-8 cannot encode), without NUL. The one test for every way in: the
    body guard, the OGC writes' validation, the register imports."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _options(role: str | None) -> str:
    return SESSION_OPTIONS if role is None else f"{SESSION_OPTIONS} -c role={role}"


def application_name() -> str:
    """What `pg_stat_activity` shows for this process's sessions: with several workers (and
    machines), which one holds which connection. Taken when an engine is made, so each
    worker process names itself."""
    return f"vollsmose[{os.getpid()}]"


def elevate(conn: Connection) -> None:
    """The login role's rights (confidential data, writes) for the rest of `conn`'s
    transaction; its end gives the connection back its reader role."""
    conn.exec_driver_sql("SET LOCAL ROLE NONE")


def _between_transactions(conn: Connection) -> bool:
    """Whether `conn` is in autocommit between statements (a read engine's), where a
    `SET LOCAL` would last no longer than itself."""
    status = conn.connection.driver_connection.info.transaction_status
    return status == psycopg.pq.TransactionStatus.IDLE


@contextmanager
def elevated(conn: Connection) -> Iterator[None]:
    """The login role's rights for the statements inside the block only, then the rights
    `conn` had before. In a transaction, a failure inside leaves the rights to whoever rolls
    it back (a rolled-back savepoint restores them too); on a connection in autocommit the
    block is a transaction of its own, whose end, whatever happens inside, ends them."""
    if _between_transactions(conn):
        conn.exec_driver_sql("BEGIN")
        try:
            elevate(conn)
            yield
        finally:
            conn.exec_driver_sql("COMMIT")  # a ROLLBACK if a statement inside failed
        return
    prior = conn.exec_driver_sql("SELECT current_setting('role')").scalar()
    elevate(conn)
    yield
    conn.execute(text("SELECT set_config('role', :role, true)"), {"role": prior})


# A pooled connection idle longer than this is pinged before it is handed out. Pinging
# every checkout (SQLAlchemy's pool_pre_ping) costs a round trip per request, a fifth of a
# small tile's time; a connection in steady use was alive a moment ago. One that died
# within the window (the server restarted) fails its first statement: that request gets a
# 503 and the pool replaces its connections (the disconnect invalidates the pool).
IDLE_PING_SECONDS = 5.0


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    connect_timeout: int = 5,
    idle_ping_seconds: float = IDLE_PING_SECONDS,
    role: str | None = None,
) -> Engine:
    """`role`: the database role its sessions start as (`READER_ROLE` for the API's); None
    for the login role itself (the command line, migrations, tests' own connections)."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        connect_args={
            "connect_timeout": connect_timeout,
            "options": _options(role),
            "application_name": application_name(),
            "cursor_factory": _NamedCursor,
        },
    )
    _ping_when_idle(engine, idle_ping_seconds)
    return engine


def make_read_engine(
    url: str,
    *,
    pool_size: int = 5,
    connect_timeout: int = 5,
    idle_ping_seconds: float = IDLE_PING_SECONDS,
    role: str | None = None,
    read_only: bool = False,
) -> AsyncEngine:
    """An asyncio engine (psycopg's async connection) for read-only answers in autocommit.
    `read_only`: every statement of its sessions READ ONLY (`READ_ONLY_OPTION`), for the
    engine of the login role's reads, which nothing may write through.

    For the OGC API's requests, which come by the hundred: run on the event loop, they
    skip the thread-pool hop a sync route costs (about 0.2 ms, as much as a small tile's
    query) and do not queue behind one another for the GIL under concurrent load. The
    domain functions stay sync: run in a greenlet, as `AsyncConnection.run_sync` runs them,
    they get a Connection (`api.ogc.read.ReadDatabase`).
    Autocommit: each answer is one statement (one snapshot), so BEGIN and ROLLBACK would
    be two round trips for nothing.
    """
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        isolation_level="AUTOCOMMIT",
        connect_args={
            "connect_timeout": connect_timeout,
            "options": _options(role) + (READ_ONLY_OPTION if read_only else ""),
            "application_name": application_name(),
            "cursor_factory": _NamedAsyncCursor,
        },
    )
    _ping_when_idle(engine.sync_engine, idle_ping_seconds)
    return engine


def make_confidential_read_engine(url: str, **options) -> AsyncEngine:
    """The read engine of readers who may see confidential data (`READ_ONLY_OPTION` says
    why): `make_read_engine` as the login role, READ ONLY; `options` as for it (a `role`
    given is ignored)."""
    options["role"] = None
    return make_read_engine(url, read_only=True, **options)


# The attribute of a driver connection that names the version of the plan it answers: the
# comment its cursors put before each statement (`name_the_version`).
VERSION_NAME = "vm_version_name"


def name_the_version(conn: Connection, schema: str | None) -> None:
    """Each statement on `conn`'s database connection starts with a comment naming the
    schema of the version of the plan it answers (`gis.record.enter`), until named again
    (None: the adopted plan, no comment). psycopg prepares a statement per text, and
    PostgreSQL plans a prepared statement again whenever the search_path differs from the
    one it was planned with: a connection that answers the adopted plan and a scenario in
    turn would plan every statement anew; with a text per schema, each keeps its plan.

    The name lives on the driver's connection, read by its cursors (`_NamedCursor`), so it
    costs a statement an attribute read. (A SQLAlchemy listener on the Connection cost a
    read of another version about 0.1 ms over five statements: with a listener, SQLAlchemy
    takes its slower path around every statement.) A name left behind only costs plans:
    PostgreSQL plans a statement again for the search_path it runs with, whatever its text.
    """
    name_driver_connection(conn.connection.driver_connection, schema)


def name_driver_connection(driver, schema: str | None) -> None:
    """`name_the_version` on the driver's connection itself (a pool event has no other)."""
    setattr(driver, VERSION_NAME, None if schema is None else f"/* {schema} */ ")


def _named(cursor, query):
    """`query` with the version name of `cursor`'s connection before it, if it has one."""
    name = getattr(cursor.connection, VERSION_NAME, None)
    if name is not None and isinstance(query, str):
        return name + query
    return query


class _NamedCursor(psycopg.Cursor):
    """A cursor whose statements carry its connection's version name (`name_the_version`)."""

    __slots__ = ()

    def execute(self, query, params=None, **kwargs):
        return super().execute(_named(self, query), params, **kwargs)

    def stream(self, query, params=None, **kwargs):
        return super().stream(_named(self, query), params, **kwargs)


class _NamedAsyncCursor(psycopg.AsyncCursor):
    """`_NamedCursor` for the read engines' async connections."""

    __slots__ = ()

    async def execute(self, query, params=None, **kwargs):
        return await super().execute(_named(self, query), params, **kwargs)


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < seconds:
            return
        # The dialect's own ping (it leaves the session's autocommit as it was); a
        # DisconnectionError makes the pool drop this connection and hand out another.
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("pooled connection found dead") from exc


@lru_cache(maxsize=1024)
def statement(sql: str) -> TextClause:
    """`text(sql)`, kept for the next time: the per-request statements (items, tiles)
    repeat with each request's shape, and finding the bind parameters in a long statement
    costs about 40 µs a time. Only for SQL built from code, never from values."""
    return text(sql)


@lru_cache(maxsize=256)
def driver_sql(sql: str, dialect: Dialect) -> str:
    """`sql`, written with `text()`'s `:name` placeholders, in the driver's own parameter
    style (psycopg's `%(name)s`), for `exec_driver_sql` or the driver's cursor: a `text()`
    statement's execution costs SQLAlchemy much of a tile's Python time, all of it for
    nothing a tile needs (benchmarks/README.md)."""
    return str(text(sql).compile(dialect=dialect))


# Rows a streamed statement's result comes in: psycopg's chunked mode, from libpq 17 (its
# binary package carries its own); one at a time, libpq's single-row mode, before.
STREAM_ROWS = 100


def _stream_rows() -> int:
    return STREAM_ROWS if psycopg.pq.version() >= 170000 else 1


class Streamed:
    """A statement's rows as they come (`streamed`): its column names, whether it has any
    row, and the rows, read once, as plain tuples."""

    __slots__ = ("_any", "_rows", "columns")

    def __init__(self, columns: list[str], first: tuple | None, rest: Iterator[tuple]) -> None:
        self.columns = columns
        self._any = first is not None
        # A chain, not a generator around the stream: an iterator of it dropped early must
        # not close (cancel) the stream under `streamed`, which reads the rest out.
        self._rows = chain((first,), rest) if self._any else iter(())

    def __bool__(self) -> bool:
        return self._any

    def __iter__(self) -> Iterator[tuple]:
        return self._rows


@contextmanager
def streamed(conn: Connection, sql: str, parameters: dict) -> Iterator[Streamed]:
    """The rows of `sql` (`text()`'s placeholders) as the server sends them: a caller that
    works on each row as it comes does so while the server makes the next, on the other
    core, instead of after the last (a national trajectory's 45,000 rows; benchmarks/
    README.md, "The trajectory streamed"). On `conn`'s own driver connection, in its
    transaction; nothing else runs on `conn` until the block ends, and rows left unread when
    it ends are read out then.

    numeric columns come as float (the nearest double, as a CAST to float8 gives it).

    A driver error, in the statement or in a row read inside the block, is raised as
    SQLAlchemy raises it (a `DBAPIError` around it; a lost database invalidates `conn`), so
    `translate_errors` and every caller treat it as any other statement's."""
    dialect = conn.dialect
    driver = conn.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError("streamed() needs a sync psycopg connection, not a read engine's")
    query = driver_sql(sql, dialect)
    cursor = driver.cursor()
    # numeric as float, parsed here: the value a CAST to float8 gives (both take the nearest
    # double to the decimal text), without the server writing it out and reading it back.
    cursor.adapters.register_loader("numeric", FloatLoader)
    stream = None
    try:
        stream = rows = cursor.stream(query, parameters, size=_stream_rows())
        first = next(rows, None)
        if first is None:
            # A stream without a row names no columns (psycopg keeps a row's result only):
            # the statement again, whole, for its columns (and any row come since).
            cursor.execute(query, parameters)
            whole = cursor.fetchall()
            first, rows = (whole[0] if whole else None), iter(whole[1:])
        streamed_rows = Streamed([c.name for c in cursor.description], first, rows)
        yield streamed_rows
        # Left before the last row: the rest is read out, for cancelling the statement would
        # end the connection's transaction with it (an error leaves it to psycopg's cancel).
        for _ in streamed_rows:
            pass
    except psycopg.Error as exc:
        lost = dialect.is_disconnect(exc, driver, cursor)
        wrapped = DBAPIError.instance(
            query, parameters, exc, psycopg.Error, connection_invalidated=lost, dialect=dialect
        )
        if lost:
            conn.invalidate(exc)
        raise wrapped from exc
    finally:
        # A stream an error left is cancelled here (psycopg's), before the next statement.
        if stream is not None:
            stream.close()
        cursor.close()


# The SQLSTATE of the database's owner guard (migration 0011).
OWNER_LEAK_SQLSTATE = "VM422"
# The SQLSTATE of `vm_scenario()` when the scenario a session's settings name is gone
# (migration 0022).
SCENARIO_GONE_SQLSTATE = "VM404"


# Where a connection of the API notes, in its pool record's `info` (which lives and dies
# with the database connection), the version of the plan its session settings answer
# (`gis.record.keep`): `(PlanView.key(), epoch)`, or True while that is not known (being set,
# or set in a transaction that did not commit). No mark: the adopted plan now.
KEPT = "vm_plan_view"
# What a read's transaction set (the mark, from its commit on).
KEPT_AT_COMMIT = "vm_plan_view_at_commit"


def note_kept(info: dict, kept: tuple | None) -> None:
    """Notes in a pool record's `info` that its session settings now answer `kept` (a
    `KEPT` mark; None: the adopted plan now)."""
    if kept is None:
        info.pop(KEPT, None)
    else:
        info[KEPT] = kept


def close_read(conn: Connection, *, commit: bool = False) -> None:
    """Closes a read's connection, rolling its transaction back, or with `commit` (a
    read-only transaction that answered) committing it, which keeps the statements psycopg
    prepared on the connection, and the version of the plan its session settings answer
    from then on (`gis.record.keep`). A database lost since the read was answered makes
    either fail: that loses nothing, and the pool replaces the connection; any other
    failure is raised."""
    try:
        committed = commit and conn.in_transaction()
        if committed:
            conn.commit()
        if not conn.invalidated:
            info = conn.info
            if KEPT_AT_COMMIT in info:
                at_commit = info.pop(KEPT_AT_COMMIT)
                if committed:  # else rolled back: the mark stays True, the next read resets
                    note_kept(info, at_commit)
            if info.get(KEPT) is None:
                # A version entered for the transaction alone ends with it.
                name_the_version(conn, None)
        conn.close()
    except DBAPIError as exc:
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            raise
        log.warning("database lost after a read was answered: %s", exc.orig)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turns a lost or unreachable database into `DatabaseUnavailable`, and the database's
    refusal of a public owner naming a confidential buyer into `InvalidParameter`.

    Other database errors pass on unchanged, to be logged and answered as a plain 500 by
    the HTTP layer: their text (SQL, parameters) must never reach a client.
    """
    try:
        yield
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.warning("database unavailable: %s", exc.orig)
            raise DatabaseUnavailable() from exc
        diag = getattr(exc.orig, "diag", None)
        if getattr(exc.orig, "sqlstate", None) == OWNER_LEAK_SQLSTATE and diag is not None:
            # Raised by the owner guard (migration 0011) at commit, for a write the domain's
            # check did not see; its message names the parcel, never the name.
            raise InvalidParameter("owner", diag.message_primary) from exc
        raise


def versions(conn: Connection) -> dict[str, str]:
    row = conn.execute(
        text("SELECT current_setting('server_version') AS pg, postgis_full_version() AS gis")
    ).one()
    postgis = row.gis.split('"')[1] if '"' in row.gis else row.gis
    return {"postgresql": row.pg, "postgis": postgis}
