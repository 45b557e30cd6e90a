"""Fixtures for the map tests: a small plan of known life (kort_data) and a real uvicorn
server over it on a free loopback port. The browser and its page are the suite's own
(tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
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
    prepared_database,
    rolled_back,
    start_app,
    stop_server,
)


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


@pytest.fixture(scope="session")
def server(kort_database_url, kort_dir, tmp_path_factory) -> Iterator[Server]:
    """The platform over the test plan, served by a real uvicorn on a free port."""
    s = start_app(kort_database_url, kort_dir, tmp_path_factory.mktemp("log") / "uvicorn.log")
    yield s
    stop_server(s)
