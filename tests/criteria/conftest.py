"""Fixtures for the criteria tests: the API over the reference data and a real server (the
map tests' own helpers, shared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_client
from tests.maps.conftest import start_server
from tests.support import Server, stop_server


@pytest.fixture
def ref_client(ref_database_url: str) -> Iterator[TestClient]:
    with make_client(ref_database_url) as client:
        yield client


@pytest.fixture(scope="session")
def criteria_server(ref_database_url, tmp_path_factory) -> Iterator[Server]:
    """The platform over the reference data, served by a real uvicorn on a free port."""
    s = start_server(
        ref_database_url,
        tmp_path_factory.mktemp("kort"),
        tmp_path_factory.mktemp("log") / "uvicorn.log",
    )
    yield s
    stop_server(s)
