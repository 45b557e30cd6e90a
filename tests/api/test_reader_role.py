"""Confidentiality enforced by the database: the API's sessions are the reader role
(`gis.db.READER_ROLE`, migration 0014), and only a reader who may read confidential data, or
a write, gets the login role's rights for its own transaction.

The database is held to the declaration (`gis.land.confidential.CONFIDENTIAL_TABLES`), and a
path that forgets its reader (a route added here that selects a buyer's name) meets
"permission denied" for the public on both of the API's engines, never the name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from api.deps import ConnectionDep
from api.ogc.read import ReadDep
from gis import auth
from gis.db import READER_ROLE, make_engine
from gis.land.confidential import CONFIDENTIAL_COLUMNS, CONFIDENTIAL_TABLES, READER_VIEW_TABLES
from tests.api.conftest import make_client
from tests.support import prepared_database

BUYER = "Sentinel Rolle Køber 4417"
SCHEMAS = ("public", "plan_view", "plan_recorded", "plan_scenario")


@pytest.fixture(scope="module")
def role_db(new_database) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def load(conn):
        from gis.reference import default_reference_path, load_reference

        load_reference(conn, default_reference_path())
        # A sold plot's buyer: public owners may name it (the owner guard allows it once sold).
        conn.execute(
            text(
                "UPDATE parcel_sale SET buyer = :b WHERE parcel_id = "
                "(SELECT parcel_id FROM parcel_land WHERE sale_status = 'sold' "
                "ORDER BY parcel_id LIMIT 1)"
            ),
            {"b": BUYER},
        )
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, role, role)

    return prepared_database(new_database, load), tokens


def _closed(conn) -> set[str]:
    """Every table and view of the platform's schemas the reader role may not select from."""
    rows = conn.execute(
        text(
            """
            SELECT n.nspname || '.' || c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'p', 'm') AND n.nspname = ANY(:schemas)
              AND NOT has_table_privilege(:role, c.oid, 'SELECT')
            """
        ),
        {"schemas": list(SCHEMAS), "role": READER_ROLE},
    )
    return {r[0] for r in rows}


def test_the_database_closes_exactly_the_declared_tables(role_db):
    url, _ = role_db
    engine = create_engine(url)
    with engine.connect() as conn:
        closed = _closed(conn)
        expected = {f"public.{t}" for t in CONFIDENTIAL_TABLES}
        # A plan table's version views are as closed as the table.
        expected |= {
            f"{s}.{t}"
            for s in SCHEMAS[1:]
            for t in CONFIDENTIAL_TABLES
            if conn.execute(text("SELECT to_regclass(:n)"), {"n": f"{s}.{t}"}).scalar()
        }
        # A table of which only some columns are open is not open as a whole.
        expected |= {f"public.{t}" for t in CONFIDENTIAL_COLUMNS}
        assert closed == expected
        for table, columns in CONFIDENTIAL_COLUMNS.items():
            for column in columns:
                assert not conn.execute(
                    text("SELECT has_column_privilege(:role, :t, :c, 'SELECT')"),
                    {"role": READER_ROLE, "t": table, "c": column},
                ).scalar(), f"{table}.{column} is open to {READER_ROLE}"
        # Every plan version view checks its reader's rights, not its owner's: a view made
        # again without that option (vm_version_table_refresh) would be caught here. But for
        # the land tables' (migration 0032): they read the columns closed to the reader and
        # give it the versions by the year (tests/api/test_land_times_closed.py).
        owners_rights = conn.execute(
            text(
                """
                SELECT n.nspname || '.' || c.relname
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'v' AND n.nspname = ANY(:schemas)
                  AND NOT coalesce('security_invoker=true' = ANY(c.reloptions), false)
                """
            ),
            {"schemas": list(SCHEMAS[1:])},
        ).scalars()
        assert set(owners_rights) == {f"{s}.{t}" for s in SCHEMAS[1:] for t in READER_VIEW_TABLES}
    engine.dispose()


def test_a_session_of_the_reader_role_cannot_read_a_buyer(role_db):
    url, _ = role_db
    engine = make_engine(url, role=READER_ROLE)
    try:
        for sql in (
            "SELECT buyer FROM parcel_sale",
            "SELECT buyer FROM plan_view.parcel_sale",
            "SELECT buyer FROM parcel_sale_version",
            "SELECT changed_at FROM sale_status_change",
            "SELECT * FROM api_token",
        ):
            with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
                conn.execute(text(sql))
        with engine.connect() as conn:
            years = conn.execute(text("SELECT changed_year FROM sale_status_history")).scalars()
            assert all(isinstance(y, int) for y in years)
    finally:
        engine.dispose()


def _forgetful_app(url: str):
    """The platform with two routes that forget their reader: each selects every buyer's
    name, one on a request's connection (sync routes), one on the OGC read engine."""
    # One connection per pool: consecutive requests share a session.
    client = make_client(url, db_pool_size=1)
    router = APIRouter()

    def buyers(conn) -> list[str]:
        return list(conn.execute(text("SELECT buyer FROM parcel_sale WHERE buyer IS NOT NULL")))

    @router.get("/test/buyers")
    def sync_buyers(conn: ConnectionDep) -> list[str]:
        return [r[0] for r in buyers(conn)]

    @router.get("/test/ogc-buyers")
    async def ogc_buyers(read: ReadDep) -> list[str]:
        return [r[0] for r in await read.db.run(buyers)]

    client.app.include_router(router)
    return client


@pytest.fixture(scope="module")
def forgetful(role_db) -> Iterator:
    url, tokens = role_db
    with _forgetful_app(url) as client:
        yield client, tokens


@pytest.mark.parametrize("path", ["/test/buyers", "/test/ogc-buyers"])
@pytest.mark.parametrize("role", [None, "planner"])
def test_a_forgotten_path_gives_others_no_buyer(forgetful, path, role):
    client, tokens = forgetful
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    r = client.get(path, headers=headers)
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert BUYER not in r.text
    assert "permission" not in r.text.lower() and "parcel_sale" not in r.text


@pytest.mark.parametrize("path", ["/test/buyers", "/test/ogc-buyers"])
@pytest.mark.parametrize("role", ["developer_company", "admin"])
def test_a_reader_who_may_sees_the_buyer_on_the_same_path(forgetful, path, role):
    client, tokens = forgetful
    r = client.get(path, headers={"Authorization": f"Bearer {tokens[role]}"})
    assert r.status_code == 200, r.text
    assert BUYER in r.json()


def test_a_confidential_read_leaves_the_connection_as_it_came(forgetful):
    """The rights end with the reader's transaction: the next public read on the same pool
    (one connection, so the same session) is refused again."""
    client, tokens = forgetful
    dev = {"Authorization": f"Bearer {tokens['developer_company']}"}
    for _ in range(3):
        assert client.get("/test/ogc-buyers", headers=dev).status_code == 200
        assert client.get("/test/ogc-buyers").status_code == 500
        assert client.get("/test/buyers", headers=dev).status_code == 200
        assert client.get("/test/buyers").status_code == 500
