"""The platform's connection pool: a connection idle past the window is pinged and, if
dead, replaced before use; one that died inside the window costs one request."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text

from gis.db import make_engine, translate_errors
from gis.errors import DatabaseUnavailable


def _terminate(admin: Engine, pid: int) -> None:
    """Ends backend `pid` from outside, as a server restart would, and waits until it has gone
    (pg_terminate_backend only signals)."""
    with admin.connect() as c:
        assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        for _ in range(100):
            gone = not c.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
            ).scalar_one()
            if gone:
                break
            time.sleep(0.02)


def _kill_pooled_connection(platform: Engine, admin: Engine) -> int:
    """Opens and returns one pooled connection, then ends its backend."""
    with platform.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _terminate(admin, pid)
    return pid


def _backend_pid(platform: Engine) -> int:
    with translate_errors(), platform.connect() as c:
        return c.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_idle_connection_is_pinged_and_replaced(database_url: str, engine: Engine) -> None:
    platform = make_engine(database_url, pool_size=1, idle_ping_seconds=0)
    try:
        dead = _kill_pooled_connection(platform, engine)
        assert _backend_pid(platform) != dead  # no error: the ping found it and swapped it
    finally:
        platform.dispose()


def test_connection_in_steady_use_is_not_pinged(database_url: str, engine: Engine) -> None:
    platform = make_engine(database_url, pool_size=1, idle_ping_seconds=3600)
    try:
        _kill_pooled_connection(platform, engine)
        with pytest.raises(DatabaseUnavailable):
            _backend_pid(platform)
        # The failure invalidated the pool: the next request gets a live connection.
        assert _backend_pid(platform)
    finally:
        platform.dispose()


def test_no_ping_between_back_to_back_requests(database_url: str) -> None:
    platform = make_engine(database_url, pool_size=1)
    try:
        pings = 0
        original = platform.dialect.do_ping

        def counted(dbapi_conn):
            nonlocal pings
            pings += 1
            return original(dbapi_conn)

        platform.dialect.do_ping = counted  # type: ignore[method-assign]
        for _ in range(5):
            _backend_pid(platform)
        assert pings == 0
    finally:
        platform.dispose()


def test_read_engine_pings_an_idle_connection_too(database_url: str, engine: Engine) -> None:
    import asyncio

    from gis.db import make_read_engine

    async def backend_pid(read) -> int:
        async with read.connect() as c:
            return (await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()

    async def scenario() -> tuple[int, int]:
        read = make_read_engine(database_url, pool_size=1, idle_ping_seconds=0)
        try:
            first = await backend_pid(read)
            _terminate(engine, first)
            return first, await backend_pid(read)
        finally:
            await read.dispose()

    # A thread of its own: the session's browser keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        dead, alive = pool.submit(asyncio.run, scenario()).result()
    assert alive != dead
