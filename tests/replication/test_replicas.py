"""Reads from a real hot standby, writes to the primary, and a client reads its own writes:
a write's answer carries its commit position (header and cookie), and a read carrying it is
answered by the replica only once it has replayed that far (gis/replication.py). A paused
replay makes the replica lag; a stopped replica is skipped without an error."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.replicas import HEADER, SERVED_BY
from gis.replication import parse_lsn
from tests.support import make_client


def _client(pair, **settings) -> TestClient:
    return make_client(pair.primary_url, replica_urls=[pair.replica_url], **settings)


@pytest.fixture(scope="module")
def client(pair) -> Iterator[TestClient]:
    with _client(pair, replica_max_lag_seconds=60) as c:
        yield c


@pytest.fixture(scope="module")
def building(pair) -> int:
    engine = create_engine(pair.primary_url)
    with engine.connect() as c:
        found = c.execute(
            text(
                "SELECT id FROM building WHERE built_year IS NULL AND demolished_year IS NULL"
                " ORDER BY id LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()
    return found


def _life(client: TestClient, building: int, **headers):
    r = client.get(f"/buildings/{building}/life", headers=headers)
    assert r.status_code == 200, r.text
    return r


def _set_renovation(client, pair, building: int, year: int):
    tag = _life(client, building).headers["ETag"]
    r = client.patch(
        f"/buildings/{building}/life",
        json={"renovation_end_year": year},
        headers={**pair.bearer("planner"), "If-Match": tag},
    )
    assert r.status_code == 200, r.text
    return r


def _until(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_a_read_without_a_position_is_answered_by_the_replica(client, pair, building):
    pair.caught_up()
    _until(lambda: _life(client, building).headers[SERVED_BY] == "replica-1")
    # The OGC API's reads too (their own async engines): the public's, a recorded version's
    # (session settings on a standby), and a confidential reader's (its own transaction with
    # the login role's rights: a token's check itself is the primary's, as it writes).
    for params, headers in (
        ({"limit": 2}, {}),
        ({"limit": 2, "recorded": "2022-12-31"}, {}),
        ({"limit": 2, "f": "json"}, pair.bearer("admin")),
    ):
        r = client.get("/collections/buildings/items", params=params, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers[SERVED_BY] == "replica-1"
    r = client.get("/collections/plots/items", params={"limit": 50}, headers=pair.bearer("admin"))
    assert (r.status_code, r.headers[SERVED_BY]) == (200, "replica-1")
    assert any("price_dkk" in f["properties"] for f in r.json()["features"])


def test_a_write_goes_to_the_primary_and_answers_its_position(client, pair, building):
    before = parse_lsn(pair.on_replica("SELECT pg_last_wal_replay_lsn()::text"))
    r = _set_renovation(client, pair, building, 2031)
    lsn = parse_lsn(r.headers[HEADER])
    assert lsn > before
    assert f"{HEADER}={r.headers[HEADER]}" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"]
    # Reads answer no position of their own.
    assert HEADER not in _life(client, building).headers


def test_every_read_right_after_a_write_sees_it(client, pair, building):
    """The replica applies each commit 300 ms late (recovery_min_apply_delay), as a busy
    one might: ten writes, each read back at once with the cookie (as a browser would) and
    by another client with the header only, all see it; a read carrying neither is the
    replica's, a write behind."""
    pair.on_replica("ALTER SYSTEM SET recovery_min_apply_delay = '300ms'")
    pair.on_replica("SELECT pg_reload_conf()")
    stale = 0
    try:
        with (
            _client(pair, replica_max_lag_seconds=60) as other,
            _client(pair, replica_max_lag_seconds=60) as unaware,
        ):
            for year in range(2032, 2042):
                written = _set_renovation(client, pair, building, year)
                assert _life(client, building).json()["renovation_end_year"] == year
                mine = {HEADER: written.headers[HEADER]}
                assert _life(other, building, **mine).json()["renovation_end_year"] == year
                stale += _life(unaware, building).json()["renovation_end_year"] != year
    finally:
        pair.on_replica("ALTER SYSTEM RESET recovery_min_apply_delay")
        pair.on_replica("SELECT pg_reload_conf()")
    # Without the position a read may be a write behind: the case the position is for.
    assert stale >= 1


def test_a_lagging_replica_answers_reads_without_a_position_only(client, pair, building):
    pair.caught_up()
    old = _life(client, building).json()["renovation_end_year"]
    pair.on_replica("SELECT pg_wal_replay_pause()")
    try:
        written = _set_renovation(client, pair, building, 2055)
        mine = {HEADER: written.headers[HEADER]}
        with (
            _client(pair, replica_max_lag_seconds=60) as fresh,
            _client(pair, replica_max_lag_seconds=0.5) as strict,
        ):
            # Carrying the write's position: the primary, which has it.
            r = _life(fresh, building, **mine)
            assert (r.json()["renovation_end_year"], r.headers[SERVED_BY]) == (2055, "primary")
            # Without: the replica (within its bound), which says so, and answers the plan
            # as it has replayed it.
            r = _life(fresh, building)
            assert (r.json()["renovation_end_year"], r.headers[SERVED_BY]) == (old, "replica-1")
            r = fresh.get("/collections/buildings/items", params={"limit": 1})
            assert r.headers[SERVED_BY] == "replica-1"
            # Beyond a bound of 0.5 s: skipped, every read goes to the primary.
            _until(lambda: _life(strict, building).headers[SERVED_BY] == "primary")
            assert _life(strict, building).json()["renovation_end_year"] == 2055
    finally:
        pair.on_replica("SELECT pg_wal_replay_resume()")
    pair.caught_up()
    # Caught up: a read carrying the position is the replica's again.
    _until(lambda: _life(client, building, **mine).headers[SERVED_BY] == "replica-1")
    assert _life(client, building, **mine).json()["renovation_end_year"] == 2055


def test_a_bad_position_header_is_a_400_naming_it_and_a_bad_cookie_is_ignored(client, building):
    r = client.get(f"/buildings/{building}/life", headers={HEADER: "not-an-lsn"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert HEADER in r.json()["detail"]
    r = client.get(f"/buildings/{building}/life", headers={"Cookie": f"{HEADER}=zz/zz"})
    assert r.status_code == 200


def _replica_status(client) -> dict:
    r = client.get("/healthz")
    assert r.status_code == 200
    (status,) = r.json()["replicas"]
    return status


def test_only_an_admin_sees_a_replica_s_lag_and_replay_position(client, pair):
    """Both move at every commit on the primary, a change of sale data alone too, whose
    moment others may not learn (gis.land.confidential); up and read_from do not."""
    pair.caught_up()
    _until(lambda: _replica_status(client)["read_from"])
    for who in ({}, pair.bearer("planner"), pair.bearer("developer_company")):
        (status,) = client.get("/healthz", headers=who).json()["replicas"]
        assert set(status) == {"name", "up", "read_from"}, who
    (status,) = client.get("/healthz", headers=pair.bearer("admin")).json()["replicas"]
    assert set(status) == {"name", "up", "read_from", "lag_seconds", "replay_lsn"}
    assert parse_lsn(status["replay_lsn"]) > 0 and status["lag_seconds"] is not None


def test_a_stopped_replica_is_skipped_without_an_error(client, pair, building):
    pair.caught_up()
    _until(lambda: _life(client, building).headers[SERVED_BY] == "replica-1")
    status = _replica_status(client)
    assert (status["name"], status["up"], status["read_from"]) == ("replica-1", True, True)
    assert pair.replica_url.split("@")[1] not in client.get("/healthz").text
    # Pooled connections to the replica exist now (the reads above); stopping it closes them.
    pair.stop_replica()
    try:
        for _ in range(20):
            r = _life(client, building)
            assert r.headers[SERVED_BY] == "primary"
            r = client.get("/collections/buildings/items", params={"limit": 1})
            assert r.status_code == 200, r.text
            assert r.headers[SERVED_BY] == "primary"
        # /healthz stays 200 (the primary answers) and says the replica is down.
        assert _replica_status(client)["up"] is False
    finally:
        pair.start_replica()
    # Back up: the probe finds it, and reads go to it again.
    _until(lambda: _life(client, building).headers[SERVED_BY] == "replica-1", timeout=30)
    assert _replica_status(client)["read_from"] is True
