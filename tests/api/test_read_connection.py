"""`api.deps.get_connection`, the sync routes' read connection: a READ ONLY transaction that
ends in a COMMIT, so the statements psycopg prepared on the pooled connection outlive the
request (a ROLLBACK makes psycopg forget them: each read planned its statements anew); a
read that fails is rolled back; what-if, which writes hypothetical rows, keeps a transaction
that may write and is always rolled back."""

from __future__ import annotations

from sqlalchemy import text

from api.deps import ConnectionDep
from tests.support import make_client

TENURE = "/areas/vollsmose/tenure-mix?year=2030"


def _pooled(client):
    """The psycopg connection of a one-connection pool, checked in."""
    pool = client.app.state.engine.pool
    conn = pool.connect()
    try:
        return conn.dbapi_connection
    finally:
        conn.close()


def test_a_read_keeps_what_psycopg_prepared(ref_database_url):
    with make_client(ref_database_url, db_pool_size=1) as client:
        for _ in range(8):  # psycopg prepares a statement at its fifth run on a connection
            assert client.get(TENURE).status_code == 200
        prepared = _pooled(client)._prepared._names
        # Each read's statements are prepared on the connection, not forgotten at its end.
        assert prepared, "no statement survived the reads' ends"
        assert client.get(TENURE).status_code == 200
        assert _pooled(client)._prepared._names.keys() >= prepared.keys()


def test_a_read_may_not_write(ref_database_url):
    with make_client(ref_database_url, db_pool_size=1) as client:
        captured = {}

        @client.app.get("/_probe_read_only")
        def probe(conn: ConnectionDep) -> dict:
            captured["ro"] = conn.execute(text("SHOW transaction_read_only")).scalar()
            return {}

        assert client.get("/_probe_read_only").status_code == 200
        assert captured["ro"] == "on"


def test_what_if_still_writes_and_leaves_nothing(ref_client):
    """What-if inserts its hypothetical rows (in a savepoint it rolls back): a read-only
    transaction would make it a 500."""
    before = ref_client.get(TENURE).json()
    body = {"area": "vollsmose", "developments": [{"parcel": 12, "year": 2027}]}
    r = ref_client.post("/land/what-if", json=body)
    assert r.status_code == 200, r.text
    assert ref_client.get(TENURE).json() == before


def test_versions_read_in_turn_keep_their_plans(ref_database_url):
    """The adopted plan and a recorded time read in turn on one pooled connection: entering
    the version changes the search_path, and PostgreSQL plans a prepared statement again
    whenever the search_path differs from the one it was planned with. So each version's
    statements get a text of their own (`gis.db.name_the_version`), prepared beside the
    adopted plan's, each keeping its plan."""
    recorded = TENURE + "&recorded=2021-03-01T00:00:00Z"
    with make_client(ref_database_url, db_pool_size=1) as client:
        for _ in range(8):
            assert client.get(TENURE).status_code == 200
            assert client.get(recorded).status_code == 200
        pool = client.app.state.engine.pool
        conn = pool.connect()
        try:
            with conn.dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT statement FROM pg_prepared_statements")
                texts = [r[0] for r in cursor.fetchall()]
        finally:
            conn.close()
    named = "/* plan_recorded */ "
    versions = {t.removeprefix(named) for t in texts if t.startswith(named)}
    adopted = {t for t in texts if not t.startswith(named)}
    # The version's tenure statement is prepared under its name, and the statements both
    # read (the area, its quarter sets, ...) once for each.
    assert any(t.startswith("-- Tenure mix") for t in versions), texts
    assert len(versions & adopted) >= 3, texts
