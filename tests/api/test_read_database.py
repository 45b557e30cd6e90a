"""`api.ogc.read.ReadDatabase`, the OGC API's reads on the event loop: each run checks a
connection out of the read engine and always gives it back, whether the work returns,
fails or is cancelled (a client that hangs up mid-request), and its time goes to the
answer's Server-Timing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.ogc.read import ReadDatabase
from api.timing import Timing
from gis.db import make_read_engine
from gis.errors import NotFound

# Before the reference plan was recorded (2020): no plan yet.
_BEFORE_ANY_PLAN = dt.datetime(2019, 6, 1, tzinfo=dt.UTC)


def _in_own_loop(
    database_url: str, scenario: Callable[[AsyncEngine], Coroutine[Any, Any, Any]]
) -> Any:
    async def run() -> Any:
        engine = make_read_engine(database_url, pool_size=1)
        try:
            return await scenario(engine)
        finally:
            await engine.dispose()

    # A thread of its own: the session's browser keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _checked_out(engine: AsyncEngine) -> int:
    return engine.sync_engine.pool.checkedout()


def _pid_and_autocommit(conn: Connection, offset: int) -> tuple[int, bool, int]:
    pid, value = conn.execute(text("SELECT pg_backend_pid(), 1 + :o"), {"o": offset}).one()
    return pid, conn.connection.driver_connection.autocommit, value


def test_run_hands_the_work_a_connection_and_takes_it_back(database_url: str) -> None:
    async def scenario(engine: AsyncEngine) -> tuple:
        timing = Timing()
        db = ReadDatabase(engine, timing)
        first = await db.run(_pid_and_autocommit, 41)
        after_first = _checked_out(engine)
        second = await db.run(_pid_and_autocommit, 1)
        return first, second, after_first, _checked_out(engine), timing.db

    first, second, after_first, after_second, db_seconds = _in_own_loop(database_url, scenario)
    assert first[1] is True and first[2] == 42 and second[2] == 2
    # A pool of one: the second run got the very connection the first gave back.
    assert first[0] == second[0]
    assert after_first == 0 and after_second == 0
    assert db_seconds > 0


def test_a_failed_statement_gives_its_connection_back(database_url: str) -> None:
    def broken(conn: Connection) -> None:
        conn.execute(text("SELECT * FROM no_such_table"))

    async def scenario(engine: AsyncEngine) -> tuple:
        db = ReadDatabase(engine, None)
        with pytest.raises(ProgrammingError):
            await db.run(broken)
        left = _checked_out(engine)
        return left, await db.run(_pid_and_autocommit, 0)

    left, after = _in_own_loop(database_url, scenario)
    assert left == 0
    assert after[2] == 1


def test_a_cancelled_read_gives_its_connection_back_and_the_next_one_works(
    database_url: str,
) -> None:
    def slow(conn: Connection) -> None:
        conn.execute(text("SELECT pg_sleep(30)"))

    async def scenario(engine: AsyncEngine) -> tuple:
        db = ReadDatabase(engine, None)
        task = asyncio.ensure_future(db.run(slow))
        # Until the statement is on the server, as a slow query would be.
        for _ in range(500):
            if _checked_out(engine) == 1:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        left = _checked_out(engine)
        # A pool of one: this read only runs if the cancelled one gave its connection back.
        return left, await asyncio.wait_for(db.run(_pid_and_autocommit, 0), timeout=20)

    left, after = _in_own_loop(database_url, scenario)
    assert left == 0
    assert after[2] == 1


def _path_and_buildings(conn: Connection) -> tuple[int, str, int]:
    pid, path = conn.execute(text("SELECT pg_backend_pid(), current_setting('search_path')")).one()
    return pid, path, conn.execute(text("SELECT count(*) FROM building")).scalar_one()


def test_a_read_of_the_adopted_plan_after_another_version_answers_the_adopted_plan(
    ref_database_url: str,
) -> None:
    """A version read leaves its settings on the (autocommit) connection to save round
    trips; the next read of the adopted plan on that very connection must not inherit them."""
    from gis.record import PlanView

    async def scenario(engine: AsyncEngine) -> tuple:
        then = await ReadDatabase(engine, None, PlanView(recorded=_BEFORE_ANY_PLAN)).run(
            _path_and_buildings
        )
        now = await ReadDatabase(engine, None).run(_path_and_buildings)
        unknown = ReadDatabase(engine, None, PlanView(scenario="findes-ikke"))
        with pytest.raises(NotFound):
            await unknown.run(_path_and_buildings)
        after_unknown = await ReadDatabase(engine, None).run(_path_and_buildings)
        return then, now, after_unknown

    then, now, after_unknown = _in_own_loop(ref_database_url, scenario)
    assert then[0] == now[0] == after_unknown[0]  # one connection throughout
    assert then[1].startswith("plan_recorded") and then[2] == 0
    assert "plan_" not in now[1] and now[2] > 0
    assert after_unknown[1] == now[1] and after_unknown[2] == now[2]


def _statements(engine: AsyncEngine) -> list[str]:
    """Every statement the engine sends from now on, as sent."""
    sent: list[str] = []
    event.listen(engine.sync_engine, "after_cursor_execute", lambda c, cur, s, *a: sent.append(s))
    return sent


def _session(conn: Connection) -> tuple[str, str, int]:
    path, mode = conn.execute(
        text("SELECT current_setting('search_path'), current_setting('plan_cache_mode')")
    ).one()
    return path, mode, conn.execute(text("SELECT count(*) FROM building")).scalar_one()


def _last_statement(admin, pid: int) -> str:
    """The last statement the database got on the backend `pid`, as the driver sent it
    (with the name `gis.db.name_the_version` gives it, if any)."""
    with admin.connect() as c:
        return c.execute(
            text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar_one()


def test_a_connection_left_at_a_recorded_time_answers_it_again_with_no_settings_statement(
    ref_database_url: str,
) -> None:
    """The adopted plan at a recorded time: its settings follow from the request alone, so a
    connection still at that time reads at once; another time is entered, the adopted plan
    left, and each version's statements carry its schema's name (a prepared plan per
    version) and run with generic plans; leaving gives the session back what it had."""
    from gis.record import PlanView

    later = PlanView(recorded=dt.datetime(2022, 12, 31, tzinfo=dt.UTC))
    admin = create_engine(ref_database_url)

    async def scenario(engine: AsyncEngine) -> list:
        pid = (await ReadDatabase(engine, None).run(_pid_and_autocommit, 0))[0]
        sent = _statements(engine)
        out = []
        for view in (
            (PlanView(), PlanView(recorded=_BEFORE_ANY_PLAN)) + (later,) * 2 + (PlanView(),)
        ):
            sent.clear()
            read = await ReadDatabase(engine, None, view).run(_session)
            out.append((read, list(sent), _last_statement(admin, pid)))
        return out

    try:
        adopted, before, first, again, back = _in_own_loop(ref_database_url, scenario)
    finally:
        admin.dispose()
    assert adopted[0][1] == "auto" and adopted[0][2] > 0 and len(adopted[1]) == 2
    assert before[0][:2] == ("plan_recorded, public", "force_generic_plan")
    assert before[0][2] == 0 and len(before[1]) == 3  # the settings, then the two reads
    assert first[0][2] == adopted[0][2] and len(first[1]) == 3  # another time: entered
    assert again[0] == first[0] and len(again[1]) == 2  # the same time: read at once
    # As the database got them: the version's statements named by its schema, the adopted
    # plan's not.
    assert again[2] == "/* plan_recorded */ " + again[1][-1]
    assert back[0] == adopted[0] and len(back[1]) == 3  # left, then read
    assert back[2] == back[1][-1] and adopted[2] == adopted[1][-1]


def test_a_connection_left_in_a_scenario_reads_it_again_at_once_until_it_is_deleted(
    database_url: str,
) -> None:
    """A scenario's settings name it by its id: a connection still in it reads at once, and
    one deleted since (migration 0022) is a 404, not the adopted plan without its rows; one
    made again under the slug is that new scenario (here pinned to a version of its base)."""
    from gis.record import PlanView

    admin = create_engine(database_url)
    with admin.begin() as c:
        c.execute(text("INSERT INTO scenario (slug, name) VALUES ('kortlivet', 'Kortlivet')"))

    async def scenario(engine: AsyncEngine) -> tuple:
        pid = (await ReadDatabase(engine, None).run(_pid_and_autocommit, 0))[0]
        sent = _statements(engine)
        db = ReadDatabase(engine, None, PlanView("kortlivet"))
        first = await db.run(_session)
        sent.clear()
        again = await db.run(_session)
        statements = list(sent) + [_last_statement(admin, pid)]
        with admin.begin() as c:
            c.execute(text("DELETE FROM scenario WHERE slug = 'kortlivet'"))
        with pytest.raises(NotFound):
            await db.run(_session)
        with admin.begin() as c:
            c.execute(
                text(
                    "INSERT INTO scenario (slug, name, base_recorded)"
                    " VALUES ('kortlivet', 'Kortlivet igen', '2021-01-01T00:00:00Z')"
                )
            )
        remade = await db.run(_session)
        after = await ReadDatabase(engine, None).run(_session)
        return first, again, statements, remade, after

    try:
        first, again, statements, remade, after = _in_own_loop(database_url, scenario)
    finally:
        with admin.begin() as c:
            c.execute(text("DELETE FROM scenario WHERE slug = 'kortlivet'"))
        admin.dispose()
    assert first[0] == "plan_scenario, public" and again == first
    # Two statements, no settings; the database got them named.
    assert len(statements) == 3 and statements[2] == "/* plan_scenario */ " + statements[1]
    assert remade[0] == "plan_view, public"
    assert "plan_" not in after[0] and after[1] == "auto"


def test_the_read_engine_listens_to_no_statement_of_its_own(database_url: str) -> None:
    """With any statement event on the engine, SQLAlchemy dispatches its connection events
    around every statement of every read (about 0.03 ms of the API's CPU a read); a read
    of another version names its statements in the driver's cursor instead
    (`gis.db.name_the_version`, whose statements the tests above see named)."""

    async def scenario(engine: AsyncEngine) -> tuple:
        sync = engine.sync_engine
        before = [list(sync.dispatch.before_cursor_execute), list(sync.dispatch.before_execute)]
        return before, await ReadDatabase(engine, None).run(_pid_and_autocommit, 1)

    listeners, read = _in_own_loop(database_url, scenario)
    assert listeners == [[], []] and read[2] == 2
