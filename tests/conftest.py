"""Throwaway PostGIS databases for the run; each test's work is rolled back.

The server comes from TEST_DATABASE_URL, else DATABASE_URL (`make test` starts the
project-local cluster and sets it). The tests create and drop databases of their own on it,
so they never touch the data `make run` serves:
- `engine`/`conn`: migrated, empty: for hand-made cases;
- `ref_engine`/`ref_conn`: migrated and holding the bundled Vollsmose reference data.

Shared by every part of the suite: the API in-process over either database (`ref_client`,
`conn_client`), one real server over the reference data (`ref_server`), and one headless
Chromium for the session (`browser`, a fresh `page` per test, its `console` errors).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from api.deps import get_connection, get_scratch_connection
from tests.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    engine_for,
    make_client,
    prepared_database,
    rolled_back,
    start_app,
    stop_server,
)


def _server_url() -> URL:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("Set DATABASE_URL or TEST_DATABASE_URL (make test does).", returncode=2)
    return make_url(url)


@pytest.fixture(scope="session")
def new_database() -> Iterator:
    """Creates empty databases on the test server; drops them all at the end."""
    server = _server_url()
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def create() -> str:
        name = f"vollsmose_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield create
    with admin.connect() as c:
        for name in made:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(new_database) -> str:
    return prepared_database(new_database)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    yield from engine_for(database_url)


@pytest.fixture(scope="session")
def ref_database_url(new_database) -> str:
    from gis.reference import default_reference_path, load_reference

    return prepared_database(new_database, lambda c: load_reference(c, default_reference_path()))


@pytest.fixture(scope="session")
def ref_engine(ref_database_url: str) -> Iterator[Engine]:
    yield from engine_for(ref_database_url)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection to the empty database, inside a transaction rolled back afterwards."""
    yield from rolled_back(engine)


@pytest.fixture
def ref_conn(ref_engine: Engine) -> Iterator[Connection]:
    """A connection to the reference database, inside a transaction rolled back afterwards."""
    yield from rolled_back(ref_engine)


@pytest.fixture
def ref_client(ref_database_url: str) -> Iterator[TestClient]:
    """The API over the reference database."""
    with make_client(ref_database_url) as client:
        yield client


@pytest.fixture
def conn_client(database_url: str, conn) -> Iterator[TestClient]:
    """The API reading through the test's own rolled-back connection, so a test can insert
    hand-made data without committing it."""
    client = make_client(database_url)
    client.app.dependency_overrides[get_connection] = lambda: conn
    client.app.dependency_overrides[get_scratch_connection] = lambda: conn
    with client:
        yield client


@pytest.fixture(scope="session")
def ref_server(ref_database_url, tmp_path_factory) -> Iterator[Server]:
    """The platform over the reference data, served by a real uvicorn on a free port."""
    s = start_app(
        ref_database_url,
        tmp_path_factory.mktemp("kort"),
        tmp_path_factory.mktemp("log") / "ref.log",
    )
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Console:
    messages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [text for kind, text in self.messages if kind in ("error", "pageerror")]


@pytest.fixture
def console() -> Console:
    return Console()


def _page_of(browser, console, **context):
    ctx = browser.new_context(**context)
    pg = ctx.new_page()
    pg.on("console", lambda m: console.messages.append((m.type, m.text)))
    pg.on("pageerror", lambda e: console.messages.append(("pageerror", str(e))))
    pg.set_default_timeout(15000)
    return ctx, pg


# A phone's screen, as the pages' phone tests see it.
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser, console):
    context, pg = _page_of(browser, console, viewport={"width": 1400, "height": 900})
    yield pg
    context.close()


@pytest.fixture
def phone(browser, console):
    context, pg = _page_of(browser, console, viewport=PHONE, is_mobile=True)
    yield pg
    context.close()


@dataclass
class Writable:
    """A database of its own holding the reference data, for tests whose writes commit
    (through the API, or by a real server): `url`, a live token per role (`tokens`), and
    `bearer(role)`, the Authorization header of that role's token."""

    url: str
    tokens: dict[str, str]

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="module")
def writable_ref(new_database) -> Writable:
    """Per test module: the reference data in a fresh database, with tokens, committed.
    Writes a test commits stay for the rest of its module, never beyond it."""
    from gis import auth
    from gis.reference import default_reference_path, load_reference

    tokens: dict[str, str] = {}

    def load(conn):
        load_reference(conn, default_reference_path())
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, f"{role}-writer", role)

    return Writable(prepared_database(new_database, load), tokens)


@pytest.fixture
def writable_client(writable_ref) -> Iterator[TestClient]:
    """The API in process over `writable_ref`'s database."""
    with make_client(writable_ref.url) as client:
        yield client


@pytest.fixture(scope="module")
def writable_server(writable_ref, tmp_path_factory) -> Iterator[Server]:
    """A real uvicorn over `writable_ref`'s database, for concurrent clients."""
    s = start_app(
        writable_ref.url,
        tmp_path_factory.mktemp("kort"),
        tmp_path_factory.mktemp("log") / "writable.log",
    )
    yield s
    stop_server(s)
