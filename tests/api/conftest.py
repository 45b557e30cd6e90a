from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support import make_client

__all__ = ["make_client"]  # imported from here by many test modules


@pytest.fixture
def down_client() -> Iterator[TestClient]:
    """The API pointed at a port where no database listens."""
    with make_client(
        "postgresql+psycopg://postgres@127.0.0.1:9/nothing", db_connect_timeout=2
    ) as client:
        yield client
