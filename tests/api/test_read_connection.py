"""`api.deps.get_connection`, the sync routes' read connection: a READ ONLY transaction that
ends in a COMMIT, so the statements psycopg prepared on the pooled connection outlive the
request (a ROLLBACK makes psycopg forget them: each read planned its statements anew); a
read that fails is rolled back; what-if, which writes hypothetical rows, keeps a transaction
that may write and is always rolled back."""

from __future__ import annotations

from sqlalchemy import create_engine, event, text

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


# The trajectory to 2035: the illustrative update recorded in 2023 changes it (the reference
# data's recorded versions), so a read of 2021's plan answers otherwise than one of today's.
TRAJECTORY = "/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2035"
TRAJECTORY_RECORDED = TRAJECTORY + "&recorded=2021-03-01T00:00:00Z"


def _sent(client) -> list[str]:
    """Every statement the REST routes' engine sends from now on."""
    sent: list[str] = []
    event.listen(
        client.app.state.engine, "before_cursor_execute", lambda c, cur, s, *a: sent.append(s)
    )
    return sent


def _sets_the_version(statements: list[str]) -> bool:
    return any("set_config('search_path'" in s for s in statements)


def test_a_version_read_again_on_its_connection_sets_nothing(ref_database_url):
    """A read of another version keeps its session settings on the pooled connection
    (gis.record.keep): the next read of that version there sends no statement to set them,
    and the next read of the adopted plan gives them back first."""
    with make_client(ref_database_url, db_pool_size=1) as client:
        adopted = client.get(TRAJECTORY).json()
        sent = _sent(client)
        first = client.get(TRAJECTORY_RECORDED)
        entering = list(sent)
        sent.clear()
        again = client.get(TRAJECTORY_RECORDED)
        kept = list(sent)
        sent.clear()
        back = client.get(TRAJECTORY)
        leaving = list(sent)
    assert first.status_code == again.status_code == back.status_code == 200
    assert first.json() == again.json() != adopted
    assert _sets_the_version(entering) and not _sets_the_version(kept)
    assert len(kept) == len(entering) - 1
    assert back.json() == adopted and _sets_the_version(leaving)


def test_a_connection_taken_for_anything_else_answers_the_adopted_plan(ref_database_url):
    """A write, a report, the command line: a connection of the engine taken other than by
    a read gets the adopted plan's settings back before it is handed out."""
    with make_client(ref_database_url, db_pool_size=1) as client:
        version = client.get(TRAJECTORY_RECORDED).json()
        with client.app.state.engine.connect() as conn:
            session = conn.execute(
                text(
                    "SELECT current_setting('search_path'), current_setting('plan_cache_mode'),"
                    " current_setting('vm.recorded', true)"
                )
            ).one()
            buildings = conn.execute(text("SELECT count(*) FROM building")).scalar_one()
            tables = conn.execute(text("SELECT count(*) FROM public.building")).scalar_one()
        assert client.get(TRAJECTORY_RECORDED).json() == version
    assert "plan_" not in session[0] and session[1] == "auto" and not session[2]
    assert buildings == tables


def test_a_read_that_fails_leaves_its_connection_to_be_set_again(ref_database_url):
    """A read rolled back takes back the settings its transaction set: the connection's next
    reads set theirs again, whichever version they ask for."""
    with make_client(ref_database_url, db_pool_size=1) as client:
        adopted, version = client.get(TRAJECTORY).json(), client.get(TRAJECTORY_RECORDED).json()

        @client.app.get("/_fails_after_reading")
        def fails(conn: ConnectionDep) -> dict:
            conn.execute(text("SELECT count(*) FROM building"))
            raise RuntimeError("after the version was set")

        assert client.get(TRAJECTORY).status_code == 200
        assert client.get("/_fails_after_reading?recorded=2021-03-01T00:00:00Z").status_code == 500
        assert client.get(TRAJECTORY).json() == adopted
        assert client.get("/_fails_after_reading?recorded=2021-03-01T00:00:00Z").status_code == 500
        assert client.get(TRAJECTORY_RECORDED).json() == version
        assert client.get(TRAJECTORY_RECORDED).json() == version
        # What-if's transaction, always rolled back, on the adopted plan's settings.
        body = {"area": "vollsmose", "developments": [{"parcel": 12, "year": 2027}]}
        assert client.post("/land/what-if", json=body).status_code == 200
        assert client.get(TRAJECTORY_RECORDED).json() == version
        assert client.get(TRAJECTORY).json() == adopted


def test_a_kept_scenario_made_again_or_deleted_is_answered_as_it_is_now(writable_ref):
    """The kept settings name a scenario by its id. Deleted and made again under its slug
    (here on a base recorded in 2021), the next read on that connection is refused by the
    database (migration 0022) and asked again (api.retry): the new scenario's answer. Deleted,
    a 404."""
    admin = create_engine(writable_ref.url)
    scenario = TRAJECTORY + "&scenario=kortlivet"
    try:
        with make_client(writable_ref.url, db_pool_size=1) as client:
            with admin.begin() as c:
                c.execute(text("INSERT INTO scenario (slug, name) VALUES ('kortlivet', 'K')"))
            now, then = client.get(TRAJECTORY).json(), client.get(TRAJECTORY_RECORDED).json()
            assert now != then
            first = client.get(scenario)
            with admin.begin() as c:
                c.execute(text("DELETE FROM scenario WHERE slug = 'kortlivet'"))
                c.execute(
                    text(
                        "INSERT INTO scenario (slug, name, base_recorded)"
                        " VALUES ('kortlivet', 'K igen', '2021-03-01T00:00:00Z')"
                    )
                )
            remade = client.get(scenario)
            with admin.begin() as c:
                c.execute(text("DELETE FROM scenario WHERE slug = 'kortlivet'"))
            gone = client.get(scenario)
            after = client.get(TRAJECTORY).json()
    finally:
        with admin.begin() as c:
            c.execute(text("DELETE FROM scenario WHERE slug = 'kortlivet'"))
        admin.dispose()
    assert first.status_code == 200 and first.json() == now
    assert remade.status_code == 200 and remade.json() == then
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
    assert after == now
