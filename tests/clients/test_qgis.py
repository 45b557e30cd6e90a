"""QGIS (Debian python3-qgis 3.22, headless) loads the platform's layers through its OAPIF
provider, in a subprocess of the system python3 (`qgis_probe.py`).

QGIS 3.22 reads features in CRS84 only (OGC API – Features Part 2 came in QGIS 3.28) and
translates only date comparisons of a layer filter to the server; its other filters run
client-side. A server-side CQL2 filter or a year goes in the connection URL, whose query
parameters QGIS passes on with every request: that is what these tests do, and they check
the URLs QGIS requested.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from tests.clients.conftest import get_json

PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_probe.py")


def _has_qgis() -> bool:
    if not os.path.exists(PYTHON):
        return False
    done = subprocess.run([PYTHON, "-c", "import qgis.core"], capture_output=True)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    not _has_qgis(), reason="python3-qgis is not installed (scripts/system-deps.sh test)"
)


def qgis(url: str, collection: str, subset: str = "", tmp_path: Path | None = None) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if tmp_path is not None:
        env["HOME"] = str(tmp_path)  # QGIS writes its profile and cache there
        env["XDG_RUNTIME_DIR"] = str(tmp_path)
    done = subprocess.run(
        [PYTHON, str(PROBE), url, collection, *([subset] if subset else [])],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def matched(server: str, collection: str, **params: str) -> int:
    query = urlencode({"limit": 1, **params}, quote_via=quote)
    return get_json(f"{server}/collections/{collection}/items?{query}")["numberMatched"]


@pytest.mark.parametrize("collection", ["buildings", "roads", "facilities", "rail_stops"])
def test_qgis_loads_a_layer_and_counts_its_features(live_server, tmp_path, collection):
    got = qgis(live_server, collection, tmp_path=tmp_path)
    assert got["valid"], got
    assert got["crs"] == "EPSG:4326"
    assert got["feature_count"] == got["read"] == matched(live_server, collection) > 0
    x0, y0, x1, y1 = got["extent"]
    assert 10.40 < x0 < x1 < 10.46 and 55.39 < y0 < y1 < 55.43
    assert any("/api" in u for u in got["requests"])  # it read the limit announced there


def test_qgis_with_a_server_side_cql2_filter(live_server, tmp_path):
    params = {"filter": "owner = 'Civica' AND demolished_year BETWEEN 2024 AND 2027"}
    url = f"{live_server}?{urlencode(params, quote_via=quote)}"
    got = qgis(url, "buildings", tmp_path=tmp_path)
    assert got["valid"], got
    expected = matched(live_server, "buildings", **params)
    assert 0 < got["feature_count"] == got["read"] == expected < matched(live_server, "buildings")
    items = [u for u in got["requests"] if "/items" in u]
    assert items and all("BETWEEN 2024 AND 2027" in u for u in items)


def test_qgis_sees_the_state_of_a_year(live_server, tmp_path):
    url = f"{live_server}?datetime=2030"
    got = qgis(url, "buildings", tmp_path=tmp_path)
    assert got["valid"], got
    in_2030, in_2020 = (matched(live_server, "buildings", datetime=y) for y in ("2030", "2020"))
    assert got["read"] == in_2030 != in_2020


def test_qgis_layer_filter_agrees_with_the_server(live_server, tmp_path):
    got = qgis(live_server, "buildings", "\"owner\" = 'Civica'", tmp_path=tmp_path)
    assert got["subset_accepted"]
    assert got["read"] == matched(live_server, "buildings", owner="Civica") > 0


def test_debians_qgis_cannot_edit_an_ogc_api_features_layer(live_server, tmp_path):
    """Issue 14 asks for an edit from QGIS if Debian's QGIS can make one. QGIS's OAPIF provider
    learnt OGC API – Features Part 4 (create, replace, update, delete) in 3.34; Debian 12 ships
    3.22, whose provider is read-only whatever the server offers. When a newer QGIS arrives,
    this fails: replace it by a test that edits a building from QGIS (README, "Editing")."""
    out = qgis(live_server, "buildings", tmp_path=tmp_path)
    assert out["valid"]
    assert not out["can_add"] and not out["can_change"], out["capabilities"]
    assert "Fast Access to Features at ID" in out["capabilities"]  # the provider answered
