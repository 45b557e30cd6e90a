"""The GDAL inside pyogrio (a wheel, GDAL >= 3.7) drives what Debian 12's GDAL 3.6 cannot:
OGC API – Features Part 2 (the driver's `CRS` open option asks the server to transform) and
`datetime` (the `DATETIME` open option) on the features' life."""

from __future__ import annotations

from urllib.parse import urlencode

import pyogrio
import pytest
from shapely.geometry import Point
from sqlalchemy import text

from tests.clients.conftest import get_json

GDAL = tuple(int(p) for p in pyogrio.__gdal_version_string__.split(".")[:2])
pytestmark = pytest.mark.skipif(
    GDAL < (3, 7), reason=f"pyogrio's GDAL {GDAL} has no OAPIF CRS/DATETIME open options (3.7+)"
)


def matched(server: str, collection: str, **params: str) -> int:
    query = urlencode({"limit": 1, **params})
    return get_json(f"{server}/collections/{collection}/items?{query}")["numberMatched"]


@pytest.mark.parametrize(
    ("crs", "box"),
    [
        # (x0, y0, x1, y1) that Vollsmose must lie in: UTM 32N, Web Mercator, CRS84.
        ("EPSG:25832", (588_000, 6_139_000, 593_000, 6_143_000)),
        ("EPSG:3857", (1_157_000, 7_438_000, 1_165_000, 7_445_000)),
        ("OGC:CRS84", (10.40, 55.40, 10.46, 55.42)),
    ],
)
def test_driver_asks_the_server_for_a_crs(live_server, crs, box):
    df = pyogrio.read_dataframe(f"OAPIF:{live_server}", layer="buildings", CRS=crs)
    assert len(df) == matched(live_server, "buildings")
    assert df.crs.to_string() == crs
    x0, y0, x1, y1 = df.total_bounds
    assert box[0] <= x0 <= x1 <= box[2] and box[1] <= y0 <= y1 <= box[3], df.total_bounds


def test_storage_crs_coordinates_are_the_stored_ones(live_server, ref_conn):
    """In its storage CRS a building comes back where it is stored (to the centimetre)."""
    df = pyogrio.read_dataframe(f"OAPIF:{live_server}", layer="buildings", CRS="EPSG:25832")
    sql = "SELECT source_id, ST_X(c), ST_Y(c) FROM building, ST_Centroid(footprint) c"
    stored = {sid: Point(x, y) for sid, x, y in ref_conn.execute(text(sql))}
    assert set(df["source_id"]) == set(stored)
    for source_id, geom in zip(df["source_id"], df.geometry, strict=True):
        assert geom.centroid.distance(stored[source_id]) < 0.05


@pytest.mark.parametrize("when", ["2025-06-01", "2027-01-01", "2020/2023", "../2021", "2031/.."])
def test_datetime_open_option_selects_the_life(live_server, when):
    df = pyogrio.read_dataframe(f"OAPIF:{live_server}", layer="buildings", DATETIME=when)
    assert len(df) == matched(live_server, "buildings", datetime=when)


def test_building_demolished_in_2026_by_datetime(live_server, ref_conn):
    demolished = set(
        ref_conn.execute(
            text("SELECT source_id FROM building WHERE demolished_year = 2026")
        ).scalars()
    )
    assert demolished, "the reference data has buildings demolished in 2026"
    url = f"OAPIF:{live_server}"
    before = set(pyogrio.read_dataframe(url, layer="buildings", DATETIME="2025-06-01")["source_id"])
    after = set(pyogrio.read_dataframe(url, layer="buildings", DATETIME="2027-01-01")["source_id"])
    assert demolished <= before
    assert not demolished & after
