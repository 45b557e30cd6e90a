"""A confidential reader's OGC reads go through an engine of their own
(`gis.db.make_confidential_read_engine`): sessions of the login role, every statement READ
ONLY, in autocommit, so such a read is one statement as a public one is, where it was a
transaction of four round trips (BEGIN, SET LOCAL ROLE, the read, COMMIT) on the reader
role's engine. The public engine never holds the login role's rights at all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import DBAPIError

from api.ogc.read import ReadDatabase
from gis.db import make_confidential_read_engine
from gis.land.confidential import CONFIDENTIAL_FIELDS


@pytest.fixture
def sent(writable_client: TestClient) -> Iterator[dict[str, list[str]]]:
    """The statements each of the app's two read engines sends while the test runs."""
    state = writable_client.app.state
    engines = {
        "public": state.read_engine.sync_engine,
        "confidential": state.confidential_read_engine.sync_engine,
    }
    out: dict[str, list[str]] = {name: [] for name in engines}
    listeners = {name: lambda c, cur, s, *a, name=name: out[name].append(s) for name in engines}
    for name, engine in engines.items():
        event.listen(engine, "before_cursor_execute", listeners[name])
    yield out
    for name, engine in engines.items():
        event.remove(engine, "before_cursor_execute", listeners[name])


def test_a_confidential_read_is_one_statement_on_its_own_engine(
    writable_client: TestClient, writable_ref, sent
) -> None:
    path = "/collections/plots/items?limit=5"
    dev = writable_ref.bearer("developer_company")
    r = writable_client.get(path, headers=dev)
    assert r.status_code == 200, r.text
    props = r.json()["features"][0]["properties"]
    assert set(CONFIDENTIAL_FIELDS) <= set(props)
    assert sent["public"] == [] and len(sent["confidential"]) == 1, sent
    assert not any("ROLE" in s.upper() for s in sent["confidential"])
    sent["confidential"].clear()
    public = writable_client.get(path)
    assert public.status_code == 200
    assert not set(CONFIDENTIAL_FIELDS) & set(public.json()["features"][0]["properties"])
    assert len(sent["public"]) == 1 and sent["confidential"] == []


def _session(conn: Connection) -> tuple:
    return conn.execute(
        text(
            "SELECT current_user, session_user, current_setting('transaction_read_only'),"
            " now() = statement_timestamp()"
        )
    ).one()


def _write(conn: Connection) -> None:
    conn.execute(text("UPDATE building SET storeys = storeys WHERE id = 1"))


def test_the_confidential_engine_reads_as_the_login_role_and_writes_nothing(
    writable_ref,
) -> None:
    async def scenario() -> tuple:
        engine = make_confidential_read_engine(writable_ref.url, pool_size=1)
        try:
            db = ReadDatabase(engine, None)
            session = await db.run(_session)
            try:
                await db.run(_write)
                refused = None
            except DBAPIError as exc:
                refused = getattr(exc.orig, "sqlstate", None)
            return session, refused, await db.run(_session)
        finally:
            await engine.dispose()

    # A thread of its own: the session's browser keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        session, refused, after = pool.submit(asyncio.run, scenario()).result()
    user, login, read_only, own_transaction = session
    assert user == login and read_only == "on"
    assert own_transaction  # autocommit: the statement is its transaction, no BEGIN before it
    assert refused == "25006"  # read_only_sql_transaction
    assert after == session  # the refused write left the connection as it was
