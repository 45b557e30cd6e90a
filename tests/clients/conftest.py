"""Real clients (GDAL, later OWSLib and QGIS) against a real server: `vollsmose serve` over
the reference database on a free loopback port, exactly as an operator would start it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {
        **os.environ,
        "DATABASE_URL": ref_database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "VOLLSMOSE_LOG_LEVEL": "warning",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [_vollsmose(), "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vollsmose serve exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vollsmose serve did not answer on {url}: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)
