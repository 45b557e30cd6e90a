"""Fixtures for the monitoring tests: the API over the reference data, a real server and the
Debian chromium (the map tests' own fixtures, shared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.deps import get_connection
from tests.api.conftest import make_client
from tests.maps.conftest import start_server
from tests.support import Server, stop_server


@pytest.fixture
def ref_client(ref_database_url: str) -> Iterator[TestClient]:
    with make_client(ref_database_url) as client:
        yield client


@pytest.fixture
def conn_client(database_url: str, conn) -> Iterator[TestClient]:
    client = make_client(database_url)
    client.app.dependency_overrides[get_connection] = lambda: conn
    with client:
        yield client


@pytest.fixture(scope="session")
def ref_server(ref_database_url, tmp_path_factory) -> Iterator[Server]:
    """The platform over the reference data, served by a real uvicorn on a free port."""
    s = start_server(
        ref_database_url,
        tmp_path_factory.mktemp("kort"),
        tmp_path_factory.mktemp("log") / "uvicorn.log",
    )
    yield s
    stop_server(s)
