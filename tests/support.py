"""Helpers the fixtures of several test folders share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text

from api.app import create_app
from api.settings import Settings
from gis import migrate

ROOT = Path(__file__).resolve().parents[1]
# Playwright never downloads a browser here: it drives the Debian chromium, which
# scripts/system-deps.sh installs.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def prepared_database(new_database: Callable[[], str], load=None) -> str:
    """A new database, migrated, with `load(connection)` run on it and committed."""
    url = new_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        migrate.upgrade(conn)
        if load is not None:
            load(conn)
    engine.dispose()
    return url


def engine_for(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    yield engine
    engine.dispose()


def rolled_back(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back when the test is done."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()


def wait_until(predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    """Polls `predicate` every `step` seconds until it holds (True) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def start_server(
    command: list[str], port: int, env: dict, log: Path, cwd: Path | None = None
) -> Server:
    """Starts the platform as a real process serving on `port`, and waits for /healthz."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command[0]} exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return Server(url, proc, log)
        except OSError:
            time.sleep(0.2)
    stop_server(Server(url, proc, log))
    raise RuntimeError(f"nothing answered on {url}: {log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def make_client(database_url: str, **settings) -> TestClient:
    settings.setdefault("gc_freeze", False)  # a full collection per client adds up
    app = create_app(Settings(database_url=database_url, **settings))
    return TestClient(app, raise_server_exceptions=False)


def start_app(database_url: str, kort: Path, log: Path) -> Server:
    """The platform over `database_url`, served by uvicorn on a free port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VOLLSMOSE_KORT_DIR": str(kort),
        "VOLLSMOSE_LOG_LEVEL": "warning",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return start_server(command, port, env, log, cwd=ROOT)


def merge_patch(client: TestClient, writable_ref, path: str, role: str, tag: str, props: dict):
    """A Part 4 merge-patch of the item's properties as `role`, naming the version `tag`."""
    return client.patch(
        path,
        json={"properties": props},
        headers={
            **writable_ref.bearer(role),
            "If-Match": tag,
            "Content-Type": "application/merge-patch+json",
        },
    )


def opaque(db: Engine | Connection, change_id: int) -> int:
    """A change id as a reader who may not read sale data is shown it (the database's own
    keyed hash, `vm_mask_change`, with the login role's rights)."""
    query = text("SELECT vm_mask_change(:c)")
    if isinstance(db, Connection):
        return db.execute(query, {"c": change_id}).scalar_one()
    with db.connect() as conn:
        return conn.execute(query, {"c": change_id}).scalar_one()
