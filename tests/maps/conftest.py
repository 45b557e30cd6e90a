"""Fixtures for the map tests: a small plan of known life (kort_data), a real uvicorn server
over it on a free loopback port, and the Debian chromium driven by Playwright.

Playwright never downloads a browser here: it drives /usr/bin/chromium, which
scripts/system-deps.sh installs.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import Connection, Engine

from tests.maps import kort_data
from tests.support import (
    Server,
    engine_for,
    free_port,
    prepared_database,
    rolled_back,
    stop_server,
)
from tests.support import start_server as start_server_process

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
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kort_database_url(new_database) -> str:
    return prepared_database(new_database, kort_data.load)


@pytest.fixture(scope="session")
def kort_engine(kort_database_url: str) -> Iterator[Engine]:
    yield from engine_for(kort_database_url)


@pytest.fixture
def kort_conn(kort_engine: Engine) -> Iterator[Connection]:
    yield from rolled_back(kort_engine)


def write_overlay(path: Path) -> tuple[float, float, float, float]:
    """A 'scanned plan drawing': an RGB GeoTIFF in EPSG:25832 over the test area's west half."""
    cx, cy = kort_data.CENTRE
    x0, y1, res = cx - 900, cy + 600, 5.0
    w, h = 180, 240  # 900 m x 1200 m
    rgb = np.zeros((3, h, w), dtype=np.uint8)
    rgb[0] = 230
    rgb[1] = np.linspace(60, 200, w, dtype=np.uint8)[None, :]
    rgb[2] = 40
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=3,
        dtype="uint8",
        crs="EPSG:25832",
        transform=from_origin(x0, y1, res, res),
    ) as dst:
        dst.write(rgb)
        dst.update_tags(TITLE="Skannet plantegning (test)")
    return x0, y1 - h * res, x0 + w * res, y1


@pytest.fixture(scope="session")
def kort_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kort")
    write_overlay(folder / "plantegning.tif")
    return folder


def start_server(database_url: str, kort: Path, log: Path) -> Server:
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
    return start_server_process(command, port, env, log, cwd=ROOT)


@pytest.fixture(scope="session")
def server(kort_database_url, kort_dir, tmp_path_factory) -> Iterator[Server]:
    """The platform over the test plan, served by a real uvicorn on a free port."""
    s = start_server(kort_database_url, kort_dir, tmp_path_factory.mktemp("log") / "uvicorn.log")
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


@pytest.fixture
def page(browser, console):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.on("console", lambda m: console.messages.append((m.type, m.text)))
    pg.on("pageerror", lambda e: console.messages.append(("pageerror", str(e))))
    pg.set_default_timeout(15000)
    yield pg
    context.close()
