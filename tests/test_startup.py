"""A serving worker's weight: what importing and serving the platform brings into a process.

matplotlib, rasterio, folium and pandas/geopandas (pyogrio brings the last two) were imported
with `api.app` and held some 200 MB in every worker that most requests never used; they are
imported in the render worker (`gis.render.worker`) or where a rare request uses them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT

# Never in a serving process (pyogrio: only for a GeoPackage download, see gis.feature_files).
RENDERERS = ("matplotlib", "rasterio", "folium", "branca", "pandas", "geopandas", "pyogrio")

SERVE = """
import json, sys
from fastapi.testclient import TestClient
from api.app import create_app
from api.settings import Settings

paths = [
    "/collections/buildings/items?limit=1",
    "/collections/buildings/tiles/WebMercatorQuad/14/8666/5149",
    "/tiles/WebMercatorQuad/15/17332/10299",
    "/areas/vollsmose/tenure-mix?year=2030&quarters=kvarterer",
    "/kort",
    "/kort/lag/buildings.geojson?year=2030",
    "/maps/fremtidsbillede/2030.png?dpi=50",
    "/kort/del/2030.html?layers=buildings",
]
status = {}
with TestClient(create_app(Settings(gc_freeze=False))) as client:
    first = client.get(paths[0]).json()["features"][0]["id"]
    status[f"item {first}"] = client.get(f"/collections/buildings/items/{first}").status_code
    for path in paths:
        r = client.get(path)
        status[path] = (r.status_code, r.headers.get("content-type", ""))
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(json.dumps({"status": status, "loaded": loaded}))
"""


def test_serving_imports_no_renderer(ref_database_url):
    env = {**os.environ, "DATABASE_URL": ref_database_url, "VOLLSMOSE_LOG_LEVEL": "warning"}
    done = subprocess.run(
        [sys.executable, "-c", SERVE, *RENDERERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = json.loads(done.stdout.splitlines()[-1])
    status = out["status"]
    assert all(s == 200 for k, s in status.items() if k.startswith("item")), status
    bad = {k: v for k, v in status.items() if not k.startswith("item") and v[0] != 200}
    assert not bad, bad
    # The print map and the shared map were drawn, in the render worker.
    assert status["/maps/fremtidsbillede/2030.png?dpi=50"][1] == "image/png"
    assert status["/kort/del/2030.html?layers=buildings"][1].startswith("text/html")
    assert out["loaded"] == [], f"a serving process imported {out['loaded']}"
