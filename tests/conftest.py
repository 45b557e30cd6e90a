"""Throwaway PostGIS databases for the run; each test's work is rolled back.

The server comes from TEST_DATABASE_URL, else DATABASE_URL (`make test` starts the
project-local cluster and sets it). The tests create and drop databases of their own on it,
so they never touch the data `make run` serves:
- `engine`/`conn`: migrated, empty: for hand-made cases;
- `ref_engine`/`ref_conn`: migrated and holding the bundled Vollsmose reference data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.support import engine_for, prepared_database, rolled_back


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
