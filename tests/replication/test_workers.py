"""Several worker processes, as a load balancer sees them: `vollsmose serve --workers 2` and
a second server of its own (another machine) over one database. The same data gives the
same ETag from every process; an edit through one changes it, and the answer, in all at
once: nothing a process keeps can serve yesterday's plan (ETags come from the data version
in the database; the walk cache is keyed by the data it walked; the rest is pure)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support import ROOT, Server, free_port, start_server, stop_server

# The host a load balancer forwards: ETags and links are the request's, so the servers
# behind it answer the same bytes for the same name.
HOST = {"Host": "vollsmose.example"}
READS = 12


def _serve(url: str, tmp: Path, name: str, *workers: str) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "VOLLSMOSE_KORT_DIR": str(tmp),
        "VOLLSMOSE_LOG_LEVEL": "warning",
    }
    vollsmose = str(Path(sys.executable).with_name("vollsmose"))
    return start_server([vollsmose, "serve", *workers], port, env, tmp / f"{name}.log", ROOT)


@pytest.fixture(scope="module")
def servers(writable_ref, tmp_path_factory) -> Iterator[list[Server]]:
    tmp = tmp_path_factory.mktemp("workers")
    with ThreadPoolExecutor(2) as pool:
        started = [
            pool.submit(_serve, writable_ref.url, tmp, "two", "--workers", "2"),
            pool.submit(_serve, writable_ref.url, tmp, "one"),
        ]
        up = [f.result() for f in started]
    yield up
    for s in up:
        stop_server(s)


@pytest.fixture(scope="module")
def building(writable_ref) -> int:
    engine = create_engine(writable_ref.url)
    with engine.connect() as c:
        found = c.execute(
            text(
                "SELECT b.id FROM building b WHERE built_year IS NULL AND demolished_year IS NULL"
                " AND EXISTS (SELECT 1 FROM dwelling_stock d WHERE d.building_id = b.id)"
                " ORDER BY id LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()
    return found


def _paths(building: int) -> list[str]:
    return [
        f"/collections/buildings/items/{building}",
        "/collections/buildings/items?limit=5",
        "/tiles/WebMercatorQuad/14/8666/5149",
        "/areas/vollsmose/tenure-mix?year=2030",
        f"/buildings/{building}/life",
    ]


# An items page says when it was made (OGC's timeStamp, to the second): not the data.
_STAMP = re.compile(rb'"timeStamp":"[^"]*"')


def _get(base: str, path: str) -> tuple[str, str | None, bytes]:
    # A connection per request: the kernel hands each to whichever worker accepts it.
    r = httpx.get(base + path, headers=HOST, timeout=30)
    assert r.status_code == 200, (path, r.text[:300])
    return path, r.headers.get("etag"), _STAMP.sub(b"", r.content)


def _read_everywhere(servers: list[Server], building: int) -> dict[str, set]:
    """Every path READS times over all servers, concurrently (so both workers of the
    two-worker server are busy): per path, the set of (ETag, body) seen."""
    jobs = [
        (s.url, p) for i in range(READS) for s in servers for p in _paths(building) if i % 4 == 0
    ]
    jobs += [(servers[0].url, p) for _ in range(READS) for p in _paths(building)[:2]]
    seen: dict[str, set] = {}
    with ThreadPoolExecutor(8) as pool:
        for path, etag, body in pool.map(lambda j: _get(*j), jobs):
            seen.setdefault(path, set()).add((etag, body))
    return seen


def _worker_processes(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as c:
        names = c.execute(
            text(
                "SELECT DISTINCT application_name FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name LIKE 'vollsmose[%'"
            )
        ).scalars()
        found = set(names)
    engine.dispose()
    return found


def test_every_worker_answers_the_same_and_an_edit_changes_all(servers, writable_ref, building):
    before = _read_everywhere(servers, building)
    for path, answers in before.items():
        assert len(answers) == 1, f"{path}: {len(answers)} different answers"
    # The two workers and the other server each answered (each names its connections). The
    # kernel may hand a burst of connections to one worker: read again until both have.
    for _ in range(5):
        if len(_worker_processes(writable_ref.url)) >= 3:
            break
        assert _read_everywhere(servers, building) == before
    assert len(_worker_processes(writable_ref.url)) >= 3

    tag = httpx.get(servers[0].url + f"/buildings/{building}/life", headers=HOST).headers["etag"]
    r = httpx.patch(
        servers[0].url + f"/buildings/{building}/life",
        json={"demolished_year": 2025},
        headers={**HOST, **writable_ref.bearer("planner"), "If-Match": tag},
    )
    assert r.status_code == 200, r.text

    after = _read_everywhere(servers, building)
    for path, answers in after.items():
        assert len(answers) == 1, f"{path}: {len(answers)} different answers after the edit"
        (etag, body), (old_etag, old_body) = next(iter(answers)), next(iter(before[path]))
        if path.startswith("/tiles/"):
            # The tile's bytes may not show a building demolished after 2025 at this zoom;
            # its ETag names the new data version all the same.
            assert etag != old_etag, path
        else:
            assert (etag, body) != (old_etag, old_body), path
    item = next(iter(after[f"/collections/buildings/items/{building}"]))[1]
    assert b'"demolished_year":2025' in item.replace(b" ", b"")
