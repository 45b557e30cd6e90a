"""`gis.db.streamed`: a statement's rows as the server sends them, on the connection's own
driver connection, with its errors raised as SQLAlchemy raises any statement's."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, DBAPIError

from gis.db import make_engine, name_the_version, streamed, translate_errors
from gis.errors import DatabaseUnavailable

SERIES = "SELECT g AS n, g * 2 AS twice FROM generate_series(1, :last) AS g"


def test_rows_come_in_order_with_their_columns(conn) -> None:
    with streamed(conn, SERIES, {"last": 1000}) as rows:
        assert rows
        assert rows.columns == ["n", "twice"]
        assert list(rows) == [(g, 2 * g) for g in range(1, 1001)]
        assert list(rows) == []  # read once


def test_no_row_is_false_and_still_names_the_columns(conn) -> None:
    with streamed(conn, SERIES, {"last": 0}) as rows:
        assert not rows
        assert rows.columns == ["n", "twice"]
        assert list(rows) == []


def test_runs_in_the_connections_transaction(conn) -> None:
    conn.execute(text("CREATE TEMP TABLE streamed_t (n int)"))
    conn.execute(text("INSERT INTO streamed_t VALUES (1), (2)"))
    with streamed(conn, "SELECT n FROM streamed_t ORDER BY n", {}) as rows:
        assert list(rows) == [(1,), (2,)]


def test_an_error_in_a_later_row_is_raised_as_sqlalchemys(conn) -> None:
    # The division fails at the 10th row, after the first rows have come.
    seen = []
    failing = "SELECT 1 / (10 - g) FROM generate_series(1, 20) g"
    with pytest.raises(DataError) as raised, translate_errors(), streamed(conn, failing, {}) as r:
        seen.extend(r)
    assert raised.value.orig.sqlstate == "22012"
    assert not raised.value.connection_invalidated
    assert len(seen) < 10


def test_leaving_early_keeps_the_transaction(conn) -> None:
    conn.execute(text("CREATE TEMP TABLE streamed_t (n int)"))
    with streamed(conn, SERIES, {"last": 100_000}) as rows:
        first = [row for _, row in zip(range(5), rows, strict=False)]
    assert first == [(g, 2 * g) for g in range(1, 6)]
    conn.execute(text("INSERT INTO streamed_t VALUES (42)"))
    assert conn.execute(text("SELECT n FROM streamed_t")).scalar_one() == 42


def test_statements_carry_the_version_name(database_url: str) -> None:
    platform = make_engine(database_url, pool_size=1)
    try:
        with platform.connect() as c:
            name_the_version(c, "plan_v7")
            with streamed(c, "SELECT current_query() AS q", {}) as rows:
                (query,) = next(iter(rows))
        assert query.startswith("/* plan_v7 */ ")
    finally:
        platform.dispose()


def test_a_database_lost_mid_stream_is_unavailable_and_the_pool_recovers(
    database_url: str, engine: Engine
) -> None:
    platform = make_engine(database_url, pool_size=1)
    try:
        with platform.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
            read = 0

            def terminate() -> None:
                with engine.connect() as admin:
                    admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})

            with (
                pytest.raises(DatabaseUnavailable),
                translate_errors(),
                streamed(c, "SELECT g, pg_sleep(0.01) FROM generate_series(1, 3000) g", {}) as rows,
            ):
                for _ in rows:
                    read += 1
                    if read == 3:
                        threading.Thread(target=terminate).start()
            assert read < 3000
            assert c.invalidated
        with platform.connect() as c:
            assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        platform.dispose()


def test_the_error_is_a_dbapi_error_around_the_drivers(conn) -> None:
    wrong = "SELECT no_such_column FROM generate_series(1, 2)"
    with pytest.raises(DBAPIError) as raised, streamed(conn, wrong, {}) as rows:
        list(rows)
    assert raised.value.orig.sqlstate == "42703"


def test_numeric_comes_as_the_float_a_cast_gives(conn) -> None:
    values = (
        "SELECT x, CAST(x AS float8) AS cast FROM (VALUES (CAST(0.1 AS numeric)), (85.3),"
        " (1e-7), (123456789.123456789), (-2.5), (1234567.0000000000001), (NULL)) v(x)"
    )
    with streamed(conn, values, {}) as rows:
        got = list(rows)
    assert all(type(x) is float for x, _ in got[:-1])
    assert [x for x, _ in got] == [cast for _, cast in got]
