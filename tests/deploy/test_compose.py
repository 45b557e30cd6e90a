"""The deployment as an operator runs it: `docker-compose.yml` with
`docker-compose.replica.yml`, built from the repository's Dockerfiles and started by a real
container engine (`scripts/docker.sh` installs and starts one where none answers). The stack
migrates its empty database, loads the reference data, streams it to a hot standby, serves
reads from the standby and writes to the primary with two workers, and keeps its data over a
restart; a stopped standby leaves its reads to the primary, and one started again takes them
back."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from api.replicas import HEADER, SERVED_BY
from tests.support import ROOT, free_port, wait_until

pytestmark = pytest.mark.slow

DOCKER_SH = ROOT / "scripts" / "docker.sh"
FILES = ("-f", "docker-compose.yml", "-f", "docker-compose.replica.yml")


def _docker(*args: str, env: dict | None = None, timeout: float = 900) -> str:
    done = subprocess.run(
        ["bash", str(DOCKER_SH), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"docker.sh {' '.join(args[:3])}: {done.stderr[-3000:]}"
    return done.stdout


@dataclass
class Stack:
    url: str
    env: dict[str, str]

    def compose(self, *args: str, timeout: float = 900) -> str:
        return _docker("compose", *FILES, *args, env=self.env, timeout=timeout)

    def get(self, path: str, **headers: str) -> httpx.Response:
        r = httpx.get(self.url + path, headers=headers, timeout=30)
        assert r.status_code == 200, (path, r.status_code, r.text[:500])
        return r

    def replica(self) -> dict:
        (status,) = self.get("/healthz").json()["replicas"]
        return status


def _answers(stack: Stack) -> bool:
    try:
        return httpx.get(stack.url + "/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:  # not listening yet
        return False


def _until(predicate, timeout: float, what: str) -> None:
    assert wait_until(predicate, timeout, step=0.5), f"not in {timeout:.0f} s: {what}"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    _docker("engine", timeout=600)
    _docker("base", timeout=600)
    port = free_port()
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": f"vmtest{uuid.uuid4().hex[:8]}",
        "APP_PORT": str(port),
        "POSTGRES_PASSWORD": uuid.uuid4().hex,
        "REPLICATION_PASSWORD": uuid.uuid4().hex,
        "WEB_CONCURRENCY": "2",
    }
    s = Stack(f"http://127.0.0.1:{port}", env)
    try:
        s.compose("up", "-d", "--build")
        _until(lambda: _answers(s), 240, "the application's /healthz")
        yield s
    finally:
        logs = s.compose("logs", "--no-color", "--tail", "40")
        s.compose("down", "-v", "--remove-orphans", timeout=300)
        print(logs[-6000:])


@pytest.fixture(scope="module")
def token(stack) -> str:
    create = ("token", "create", "--name", "deploy-test", "--role", "planner")
    out = stack.compose("exec", "-T", "app", "vollsmose", *create)
    (secret,) = [w for w in out.split() if w.startswith("vm_")]
    return secret


@pytest.fixture(scope="module")
def building(stack) -> int:
    items = stack.get("/collections/buildings/items?limit=200&f=json").json()["features"]
    return next(
        f["id"]
        for f in items
        if f["properties"].get("built_year") is None
        and f["properties"].get("demolished_year") is None
    )


def test_the_stack_loads_the_reference_data_and_reads_it_from_the_replica(stack):
    _until(lambda: stack.replica()["read_from"], 60, "reads going to the replica")
    status = stack.replica()
    assert (status["name"], status["up"]) == ("replica-1", True)
    # The replica's address (with its password) is the operator's, not the public's.
    assert "db-replica" not in stack.get("/healthz").text
    r = stack.get("/areas/vollsmose/tenure-mix?year=2030")
    assert r.headers[SERVED_BY] == "replica-1"
    # The reference data, migrated and loaded by the application's entrypoint into the
    # primary and streamed to the replica: the plan's 2030 share, under 40 %.
    share = r.json()["total"]["legal_share"]
    assert 0.3 < share < 0.4
    tile = stack.get("/tiles/WebMercatorQuad/14/8666/5149")
    assert tile.content and tile.headers[SERVED_BY] == "replica-1"


def test_a_write_goes_to_the_primary_and_is_read_back_at_once(stack, token, building):
    life = stack.get(f"/buildings/{building}/life")
    r = httpx.patch(
        f"{stack.url}/buildings/{building}/life",
        json={"renovation_end_year": 2033},
        headers={"Authorization": f"Bearer {token}", "If-Match": life.headers["etag"]},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    # The primary's: it answers the position its commit reached there.
    assert HEADER in r.headers
    # Read back with the write's position, by each worker in turn (a new connection each).
    for _ in range(6):
        again = stack.get(f"/buildings/{building}/life", **{HEADER: r.headers[HEADER]})
        assert again.json()["renovation_end_year"] == 2033
        assert again.headers["etag"] != life.headers["etag"]


def test_a_restart_keeps_the_data_and_loads_nothing_again(stack, building):
    before = stack.get(f"/buildings/{building}/life").json()
    count = stack.get("/collections/buildings/items?limit=1&f=json").json()["numberMatched"]
    stack.compose("restart", "app", timeout=300)
    _until(lambda: _answers(stack), 120, "the application after its restart")
    assert stack.get(f"/buildings/{building}/life").json() == before
    assert stack.get("/collections/buildings/items?limit=1&f=json").json()["numberMatched"] == count


def test_a_stopped_replica_leaves_reads_to_the_primary_until_it_is_back(stack, building):
    _until(lambda: stack.replica()["read_from"], 60, "reads going to the replica")
    path = f"/buildings/{building}/life"
    on_replica = stack.get(path)
    stack.compose("stop", "db-replica", timeout=120)
    try:
        _until(lambda: stack.get(path).headers[SERVED_BY] == "primary", 30, "the primary")
        for _ in range(10):
            r = stack.get(path)
            assert r.headers[SERVED_BY] == "primary"
            assert r.content == on_replica.content
        assert stack.replica()["up"] is False
    finally:
        stack.compose("start", "db-replica", timeout=120)
    _until(lambda: stack.get(path).headers[SERVED_BY] == "replica-1", 60, "the replica again")
    assert stack.get(path).content == on_replica.content
