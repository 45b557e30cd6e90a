"""`vollsmose import` and `vollsmose area define` as a user runs them: real processes over a
database of their own (the reference data), writes committed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text

from api.cli import main
from tests.test_cli import run

FIXTURES = Path(__file__).parent / "fixtures"


def test_files_to_the_legal_share_of_a_new_area(writable_ref, writable_client):
    url = writable_ref.url
    out = run(url, "import", "matrikel", str(FIXTURES / "jordstykker.geojson"), "--quiet")
    assert "4 parcels added" in out.stdout
    out = run(url, "import", "bbr", str(FIXTURES / "bbr.json"), "--extract-date", "2026-06-01")
    assert "5 buildings added" in out.stdout
    assert "BBR buildings" in out.stderr  # the progress bar
    assert "comparing with the plan" in out.stderr
    out = run(url, "import", "dar", str(FIXTURES / "dar.json"), "--extract-date", "2026-06-01")
    assert "5 addresses added" in out.stdout
    assert "HusnummerList" in out.stderr  # the progress bar
    out = run(url, "import", "plandata", str(FIXTURES / "delomraader.geojson"), "--quiet")
    assert "2 plans added: lokalplan 1234 delområde I (2001)" in out.stdout
    out = run(
        url, "area", "define", "gellerup-test", "--name", "Testparken", "--kind",
        "omdannelsesomraade", "--parcels", str(FIXTURES / "parcels.csv"),
    )  # fmt: skip
    assert "defined by 3 parcels" in out.stdout
    out = run(url, "tenure-mix", "--area", "gellerup-test", "--year", "2027", "--format", "json")
    total = json.loads(out.stdout)["total"]
    assert total["legal_share"] == 0.35
    # The API serves the new area as it serves Vollsmose, with no code for it.
    assert "gellerup-test" in {a["slug"] for a in writable_client.get("/areas").json()}
    mix = writable_client.get("/areas/gellerup-test/tenure-mix?year=2027").json()
    assert mix["total"]["legal_share"] == 0.35
    items = writable_client.get("/collections/areas/items?f=json&limit=1000").json()["features"]
    assert "gellerup-test" in {f["properties"]["slug"] for f in items}
    for page in ("/areas/gellerup-test/report?year=2027", "/kort/omraader/gellerup-test"):
        assert writable_client.get(page).status_code == 200, page
    # Its list criteria: no figures imported, so each year says so instead of a status.
    years = writable_client.get("/areas/gellerup-test/criteria?from=2024&to=2026").json()["years"]
    assert [y["year"] for y in years] == [2024, 2025, 2026]
    # Its buildings in the vector tiles, as the viewer draws them, with their register.
    _assert_in_tiles(writable_client, url)


def _assert_in_tiles(client, url: str) -> None:
    import math

    import mapbox_vector_tile
    from pyproj import Transformer

    engine = create_engine(url)
    with engine.connect() as conn:
        x, y = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(footprint)) AS c"
                " FROM building WHERE source_register = 'bbr') s"
            )
        ).one()
    engine.dispose()
    lon, lat = Transformer.from_crs(25832, 4326, always_xy=True).transform(x, y)
    z = 15
    col = int((lon + 180) / 360 * 2**z)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    # The platform's tiles are z/x/y (column, then row), as web maps write them.
    r = client.get(f"/tiles/WebMercatorQuad/{z}/{col}/{row}", params={"datetime": "2027"})
    assert r.status_code == 200
    layers = mapbox_vector_tile.decode(r.content)
    registers = {f["properties"].get("source_register") for f in layers["buildings"]["features"]}
    assert "bbr" in registers


def test_a_bad_file_exits_non_zero_listing_every_problem(writable_ref, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"BygningList": [{"id_lokalId": "a", "byg021BygningensAnvendelse": "1"}],'
        ' "EnhedList": [{"id_lokalId": "u", "bygning": "b", "enh020EnhedensAnvendelse": "140"}]}'
    )
    out = run(writable_ref.url, "import", "bbr", str(bad), "--quiet", check=False)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert (
        f"{bad}: BygningList[0] (a), byg021BygningensAnvendelse: '1' is out of range" in (lines[0])
    )
    assert lines[1] == f"{bad}: BygningList[0] (a), byg404Koordinat: missing (a WKT point in " + (
        "EPSG:25832)"
    )
    assert lines[2] == f"{bad}: EnhedList[0] (u), bygning: building b is not in the file"
    assert "3 problems in the bbr file; nothing was imported" in lines[3]


def test_a_dry_run_reports_and_writes_nothing(writable_ref, tmp_path, monkeypatch, capsys):
    square = [[700000, 6100000], [700100, 6100000], [700100, 6100100], [700000, 6100100]]
    feature = {
        "type": "Feature",
        "properties": {"ejerlavskode": 2000171, "matrikelnummer": "99"},
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
    }
    path = tmp_path / "far.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    monkeypatch.setenv("DATABASE_URL", writable_ref.url)
    assert main(["import", "matrikel", str(path), "--dry-run", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "would change:\n  1 parcels added: 2000171-99" in out
    assert "dry run: nothing was written" in out
    engine = create_engine(writable_ref.url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM parcel WHERE matrikelnummer = '99'"))
        assert found.scalar_one() == 0
    engine.dispose()
