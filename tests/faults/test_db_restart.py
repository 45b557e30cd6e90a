"""PostgreSQL restarted, and stopped for 2 s, under load from a few clients of a real server:
while it is down the server answers only 503 with Retry-After (problem+json), never another
5xx or a reset connection; shortly after it is back, no error at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import create_engine

from gis import migrate
from tests.faults.conftest import Cluster
from tests.maps import kort_data
from tests.support import Server, start_app, stop_server

CLIENTS = 4
# After the database is back, answers may fail this long: connections the pools held died
# with it, and each fails its first statement once (a 503) before the pool replaces it.
GRACE_S = 1.5
PATHS = (
    "/healthz",
    "/areas",
    "/areas/testby/tenure-mix?year=2030",
    "/collections/buildings/items?limit=5",
    "/collections/buildings/items?limit=5&recorded=2021-03-01",
    "/maps/fremtidsbillede/2030.tif?area=testby&resolution=10",
)


@dataclass
class Answer:
    at: float
    path: str
    status: int | None  # None: no HTTP answer at all
    error: str = ""
    retry_after: str | None = None
    media: str = ""
    sent: float = 0.0


@pytest.fixture(scope="module")
def server(cluster: Cluster, tmp_path_factory) -> Iterator[Server]:
    url = cluster.create_database("restart")
    engine = create_engine(url)
    with engine.begin() as conn:
        migrate.upgrade(conn)
        kort_data.load(conn)
    engine.dispose()
    s = start_app(url, tmp_path_factory.mktemp("kort"), tmp_path_factory.mktemp("log") / "s.log")
    yield s
    stop_server(s)


def _client(base: str, n: int, stop: threading.Event, out: list[Answer]) -> None:
    with httpx.Client(base_url=base, timeout=20) as c:
        i = n
        while not stop.is_set():
            path = PATHS[i % len(PATHS)]
            i += 1
            sent = time.monotonic()
            try:
                r = c.get(path)
            except httpx.HTTPError as exc:
                out.append(
                    Answer(time.monotonic(), path, None, f"{type(exc).__name__}: {exc}", sent=sent)
                )
                continue
            out.append(
                Answer(
                    time.monotonic(),
                    path,
                    r.status_code,
                    retry_after=r.headers.get("retry-after"),
                    media=r.headers.get("content-type", ""),
                    sent=sent,
                )
            )


def _answered_after(answers: list[Answer], since: float, n: int = 12) -> None:
    """Waits until `n` requests sent after `since` have their answers: on a busy machine a
    fixed window held too few of them to tell a recovery (a GeoTIFF takes seconds there).
    Gives up after 30 s; the assertions then say what came back."""
    time.sleep(max(0.0, since - time.monotonic()))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(a.sent > since for a in answers) < n:
        time.sleep(0.05)


def test_restart_and_stop_under_load_are_503_then_nothing(server, cluster):
    answers: list[Answer] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client, args=(server.url, n, stop, answers))
        for n in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        cluster.restart()
        back_1 = time.monotonic()
        _answered_after(answers, back_1 + GRACE_S)
        # Answers from here on may meet a database on its way down: the stop begins now,
        # and `down` is when pg_ctl said it had stopped.
        stopping = time.monotonic()
        cluster.stop("fast")
        down = time.monotonic()
        time.sleep(2.0)
        down_until = time.monotonic()
        cluster.start()
        back_2 = time.monotonic()
        _answered_after(answers, back_2 + GRACE_S)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    resets = [a for a in answers if a.status is None]
    assert not resets, f"connections reset or refused by the server: {resets[:5]}"
    other = [a for a in answers if a.status not in (200, 503)]
    assert not other, f"answers other than 200 and 503: {[(a.path, a.status) for a in other[:10]]}"
    for a in answers:
        if a.status == 503:
            assert a.retry_after, f"503 without Retry-After: {a.path}"
            assert a.media == "application/problem+json", (a.path, a.media)
    # The stop was seen: while the database was down, what needs it was a 503.
    timeline = sorted(
        (round(a.sent - down, 2), round(a.at - down, 2), a.path, a.status) for a in answers
    )
    during = [a for a in answers if down + 0.3 < a.at < down_until]
    assert during, f"no answer while the database was down: {timeline}"
    assert all(a.status == 503 for a in during), [
        (a.path, a.status) for a in during if a.status != 503
    ][:5]
    late = [
        a
        for a in answers
        if (back_1 + GRACE_S < a.sent and a.at < stopping) or a.sent > back_2 + GRACE_S
    ]
    assert len(late) > 20
    # (sent, answered: seconds after the first restart returned; path, status)
    failed = [
        (round(a.sent - back_1, 2), round(a.at - back_1, 2), a.path, a.status)
        for a in late
        if a.status != 200
    ]
    assert not failed, f"errors after the database was back: {failed[:10]}"
