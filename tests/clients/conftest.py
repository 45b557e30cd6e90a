"""Real clients (GDAL, later OWSLib and QGIS) against a real server: `vollsmose serve` over
the reference database on a free loopback port, exactly as an operator would start it."""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]


def _vollsmose() -> str:
    """The console script of the environment running the tests (the venv's, in CI too)."""
    beside = Path(sys.executable).parent / "vollsmose"
    found = str(beside) if beside.exists() else shutil.which("vollsmose")
    if found is None:
        pytest.fail("the `vollsmose` console script is not installed: pip install -e .")
    return found


@pytest.fixture(scope="session")
def live_server(ref_database_url: str, tmp_path_factory) -> Iterator[str]:
    """Base URL of `vollsmose serve` over the reference data; stopped after the session."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": ref_database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "VOLLSMOSE_LOG_LEVEL": "warning",
    }
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    try:
        server = start_server([_vollsmose(), "serve"], port, env, log, cwd=ROOT)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server.url
    stop_server(server)


def get_json(url: str, headers: dict | None = None) -> dict:
    with urllib.request.urlopen(
        urllib.request.Request(url, headers=headers or {}), timeout=30
    ) as r:
        return json.load(r)
