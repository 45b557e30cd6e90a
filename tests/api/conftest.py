from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_connection
from api.settings import Settings


def make_client(database_url: str, **settings) -> TestClient:
    app = create_app(Settings(database_url=database_url, **settings))
    return TestClient(app, raise_server_exceptions=False)


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
    with client:
        yield client


@pytest.fixture
def down_client() -> Iterator[TestClient]:
    """The API pointed at a port where no database listens."""
    with make_client(
        "postgresql+psycopg://postgres@127.0.0.1:9/nothing", db_connect_timeout=2
    ) as client:
        yield client
