"""GDAL's OAPIF driver (Debian gdal-bin) against the platform: the client GIS officers and
data managers actually use. It opens the landing page, lists every layer, pages through a
layer by `next` links and copies it to GeoPackage; the counts must equal the server's
`numberMatched` and the coordinates must land in Vollsmose.

GDAL 3.6 (Debian 12) reads features in CRS84 only; its `CRS` open option (OGC API –
Features Part 2) arrived in GDAL 3.7 and is used when the driver offers it. Either way
`-t_srs` gives the GeoPackage the CRS asked for, and the server-side `crs` parameter is
proven with GDAL's GeoJSON driver reading `/items?crs=…` directly.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest

from gis.layers import LAYERS
from tests.clients.conftest import get_json

pytestmark = pytest.mark.skipif(
    shutil.which("ogr2ogr") is None or shutil.which("ogrinfo") is None,
    reason="GDAL's ogr2ogr/ogrinfo are not installed (Debian gdal-bin; scripts/system-deps.sh)",
)

EPSG_25832 = "http://www.opengis.net/def/crs/EPSG/0/25832"
# Vollsmose, generously: longitude/latitude and UTM 32N easting/northing.
LON, LAT = (10.40, 10.46), (55.40, 55.42)
EAST, NORTH = (588_000, 593_000), (6_139_000, 6_143_000)


def gdal(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def driver_has_option(name: str) -> bool:
    return f'name="{name}"' in gdal("ogrinfo", "--format", "OAPIF")


def matched(server: str, collection: str, **params: str) -> int:
    query = urlencode({"limit": 1, **params})
    return get_json(f"{server}/collections/{collection}/items?{query}")["numberMatched"]


def gpkg(path: Path, table: str) -> tuple[int, tuple[float, float, float, float], int]:
    """Count, extent (x first) and SRS id of a GeoPackage table, read with plain sqlite."""
    with sqlite3.connect(path) as db:
        (count,) = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        *box, srs = db.execute(
            "SELECT min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = ?",
            (table,),
        ).fetchone()
    return count, tuple(box), srs


def source_ids(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute(f'SELECT source_id FROM "{table}"')]


def assert_in(box: tuple[float, ...], xs: tuple[float, float], ys: tuple[float, float]) -> None:
    x0, y0, x1, y1 = box
    assert xs[0] <= x0 <= x1 <= xs[1], box
    assert ys[0] <= y0 <= y1 <= ys[1], box


def test_ogrinfo_lists_every_layer(live_server):
    out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}")
    listed = [
        line.split(":", 1)[1].split("(")[0].strip()
        for line in out.splitlines()
        if ": " in line and line.split(":", 1)[0].strip().isdigit()
    ]
    assert listed == list(LAYERS)


@pytest.mark.parametrize("collection", list(LAYERS))
def test_feature_count_of_every_layer_equals_the_servers(live_server, collection):
    out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}", collection)
    count = next(int(line.split(":")[1]) for line in out.splitlines() if "Feature Count" in line)
    assert count == matched(live_server, collection) > 0


@pytest.mark.parametrize(
    ("srs", "xs", "ys", "srs_id"),
    [("EPSG:25832", EAST, NORTH, 25832), ("EPSG:4326", LON, LAT, 4326)],
)
def test_copy_buildings_to_geopackage(live_server, tmp_path, srs, xs, ys, srs_id):
    out = tmp_path / "out.gpkg"
    crs_option = []
    if srs == "EPSG:25832" and driver_has_option("CRS"):
        crs_option = ["-oo", f"CRS={srs}"]  # GDAL >= 3.7: the server transforms (Part 2)
    gdal(
        "ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live_server}", "buildings",
        *crs_option, "-t_srs", srs,
    )  # fmt: skip
    count, box, got_srs = gpkg(out, "buildings")
    assert count == matched(live_server, "buildings") > 100
    assert got_srs == srs_id
    # GeoPackage stores longitude first whatever EPSG:4326's axis order says.
    assert_in(box, xs, ys)


def test_paging_by_next_links_gets_every_feature_once(live_server, tmp_path):
    out = tmp_path / "paged.gpkg"
    # 164 buildings in pages of 25: seven requests following `next`.
    gdal(
        "ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live_server}", "buildings",
        "-oo", "PAGE_SIZE=25",
    )  # fmt: skip
    got = source_ids(out, "buildings")
    everything = get_json(f"{live_server}/collections/buildings/items?limit=10000")
    expected = [f["properties"]["source_id"] for f in everything["features"]]
    assert len(set(expected)) == len(expected) == everything["numberMatched"]
    assert sorted(got) == sorted(expected)


def test_spatial_and_attribute_filters_go_to_the_server(live_server):
    box = ("10.42", "55.40", "10.43", "55.41")
    out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}", "buildings", "-spat", *box)
    count = next(int(line.split(":")[1]) for line in out.splitlines() if "Feature Count" in line)
    assert 0 < count == matched(live_server, "buildings", bbox=",".join(box)) < 164
    out = gdal(
        "ogrinfo", "-ro", "-so", f"OAPIF:{live_server}", "buildings", "-where", "owner = 'Civica'"
    )
    count = next(int(line.split(":")[1]) for line in out.splitlines() if "Feature Count" in line)
    assert 0 < count == matched(live_server, "buildings", owner="Civica") < 164


def test_server_side_crs_read_by_gdal(live_server, tmp_path):
    """`crs=EPSG:25832` transforms on the server: GDAL's GeoJSON driver reads UTM metres."""
    out = tmp_path / "utm.gpkg"
    items = f"{live_server}/collections/buildings/items?" + urlencode(
        {"crs": EPSG_25832, "limit": 10000}
    )
    gdal("ogr2ogr", "-f", "GPKG", "-a_srs", "EPSG:25832", "-nln", "buildings", str(out), items)
    count, box, srs = gpkg(out, "buildings")
    assert count == matched(live_server, "buildings")
    assert srs == 25832
    assert_in(box, EAST, NORTH)
