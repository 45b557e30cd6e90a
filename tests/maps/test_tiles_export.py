"""`vollsmose tiles export`: the tile pyramid of a year and plan version as one PMTiles file,
read back with the `pmtiles` reader and held to the tile server's own tiles.

Over a writable copy of the reference data, as a scenario is made in it (one building
removed) to show that a scenario's pyramid is that scenario's map."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import pytest
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType
from sqlalchemy import create_engine, text

from api import cli
from gis import record
from gis.layers import LAYERS
from gis.ogc import tiles_export
from tests.gis.test_scenarios import delete_building, edit
from tests.support import make_client

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))
YEAR = 2030
ZOOMS = (12, 15)
SCENARIO = "uden-blok"
# 5 m west of a z12 tile's edge (x 2168 begins at 10.546875°), 6 km east of the rest.
RECORDED = "2022-12-31"
SHED = {"lon": 10.5468, "lat": 55.39}
BUILDINGS_MINZOOM = LAYERS["buildings"].tile_minzoom


def _tile_url(z: int, x: int, y: int, scenario: str | None = None) -> str:
    q = f"datetime={YEAR}" + (f"&scenario={scenario}" if scenario else "")
    return f"/tiles/WebMercatorQuad/{z}/{x}/{y}?{q}"


def _read(path: Path) -> tuple[dict, dict, dict]:
    with open(path, "rb") as f:
        source = MmapSource(f)
        reader = Reader(source)
        header, metadata = reader.header(), reader.metadata()
        stored = {zxy: bytes(data) for zxy, data in all_tiles(source)}
    return header, metadata, stored


@pytest.fixture(scope="module")
def setting(writable_ref, tmp_path_factory):
    """The adopted plan's pyramid (the command as a user runs it), a scenario without one
    building of 2030 and that scenario's pyramid, and the API over the same database."""
    out = tmp_path_factory.mktemp("pmtiles")
    env = {**os.environ, "DATABASE_URL": writable_ref.url}
    zoom = f"{ZOOMS[0]}-{ZOOMS[1]}"
    args = ["tiles", "export", "--year", str(YEAR), "--zoom", zoom]
    quiet = [*args, "--quiet"]
    # The adopted plan's, by the command as a user runs it, beside the scenario's making
    # (which leaves the adopted plan as it is).
    command = subprocess.Popen(
        [VOLLSMOSE, *args, "--out", str(out / "adopted.pmtiles")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    with make_client(writable_ref.url) as client:
        made = client.post(
            "/scenarios",
            json={"slug": SCENARIO, "name": "Uden blok", "base": "vedtaget"},
            headers=writable_ref.bearer("planner"),
        )
        assert made.status_code == 201, made.text
        engine = create_engine(writable_ref.url)
        with engine.begin() as conn:
            sid = conn.execute(
                text("SELECT id FROM scenario WHERE slug = :s"), {"s": SCENARIO}
            ).scalar_one()
            # The largest building standing in 2030, whose absence shows in every zoom.
            gone = conn.execute(
                text(
                    "SELECT id, ST_X(c) AS lon, ST_Y(c) AS lat FROM ("
                    " SELECT id, ST_Transform(ST_Centroid(footprint), 4326) AS c,"
                    "  ST_Area(footprint) AS a FROM building"
                    " WHERE coalesce(built_year, 0) < :y AND coalesce(demolished_year, 9999) > :y"
                    ") b ORDER BY a DESC, id LIMIT 1"
                ),
                {"y": YEAR},
            ).one()
            edit(conn, sid)
            delete_building(conn, sid, gone.id)
            # A shed of 30 cm by 30 cm (illustrative), far east of the rest: too small to
            # draw at z12 to z14, so those tiles are empty, and drawn at z15.
            shed = conn.execute(
                text(
                    "INSERT INTO building_version (scenario_id, name, use, footprint, built_year)"
                    " VALUES (:s, 'Skur (illustrativt)', 'housing', ST_Multi(ST_Expand("
                    " ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 25832), 0.15)),"
                    " 2000) RETURNING id"
                ),
                {"s": sid, **SHED},
            ).scalar_one()
        engine.dispose()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DATABASE_URL", writable_ref.url)
            scenario = ["--scenario", SCENARIO, "--out", str(out / "scenario.pmtiles")]
            assert cli.main([*quiet, *scenario]) == 0
            # The 2020 plan, before the reference data's (illustrative) 2023 update.
            recorded = ["--recorded", RECORDED, "--out", str(out / "recorded.pmtiles")]
            assert cli.main([*quiet, *recorded]) == 0
        stdout, stderr = command.communicate(timeout=120)
        assert command.returncode == 0, stderr
        assert "tiles of 2030" in stdout
        assert f"z{ZOOMS[1]}" in stderr  # the progress bar, one per zoom
        yield {
            "client": client,
            "env": env,
            "out": out,
            "gone": gone,
            "shed": shed,
            "adopted": _read(out / "adopted.pmtiles"),
            "scenario": _read(out / "scenario.pmtiles"),
            "recorded": _read(out / "recorded.pmtiles"),
        }


@pytest.fixture(autouse=True)
def _database(setting, monkeypatch):
    # The in-process command reads DATABASE_URL as the real one does.
    monkeypatch.setenv("DATABASE_URL", setting["env"]["DATABASE_URL"])


def test_header_and_metadata(setting):
    header, metadata, stored = setting["adopted"]
    assert header["tile_type"] == TileType.MVT
    assert header["tile_compression"] == Compression.GZIP
    assert (header["min_zoom"], header["max_zoom"]) == ZOOMS
    assert header["clustered"] is True
    assert header["addressed_tiles_count"] == len(stored)
    # The bounds are the data's extent, as the server's TileJSON gives it.
    tilejson = setting["client"].get(f"/tiles/WebMercatorQuad/tilejson.json?datetime={YEAR}")
    west, south, east, north = tilejson.json()["bounds"]
    assert abs(header["min_lon_e7"] / 1e7 - west) < 1e-6
    assert abs(header["min_lat_e7"] / 1e7 - south) < 1e-6
    assert abs(header["max_lon_e7"] / 1e7 - east) < 1e-6
    assert abs(header["max_lat_e7"] / 1e7 - north) < 1e-6
    assert west < header["center_lon_e7"] / 1e7 < east
    assert south < header["center_lat_e7"] / 1e7 < north
    assert ZOOMS[0] <= header["center_zoom"] <= ZOOMS[1]

    assert [v["id"] for v in metadata["vector_layers"]] == list(LAYERS)
    buildings = next(v for v in metadata["vector_layers"] if v["id"] == "buildings")
    assert buildings["fields"]["built_year"] == "Number"
    # A layer's zooms start at its own minimum zoom where the pyramid's start below it.
    assert ZOOMS[0] < BUILDINGS_MINZOOM <= ZOOMS[1]
    assert (buildings["minzoom"], buildings["maxzoom"]) == (BUILDINGS_MINZOOM, ZOOMS[1])
    quarters = next(v for v in metadata["vector_layers"] if v["id"] == "quarters")
    assert (quarters["minzoom"], quarters["maxzoom"]) == ZOOMS
    assert metadata["year"] == YEAR and metadata["scenario"] == "vedtaget"
    assert metadata["recorded"] is None and metadata["recorded_as_of"]
    assert metadata["attribution"] == tiles_export.ATTRIBUTION
    assert setting["scenario"][1]["scenario"] == SCENARIO


def test_the_file_has_a_new_files_mode_for_a_file_host_to_serve(setting):
    # As open() makes a file under the same umask (not a temporary file's 0600), and
    # nothing else is left beside it.
    made = setting["out"] / "adopted.pmtiles"
    plain = setting["out"] / "plain.txt"
    plain.write_text("")
    try:
        assert stat.S_IMODE(made.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    finally:
        plain.unlink()
    assert not list(setting["out"].glob(".*.part"))


def test_every_tile_is_the_servers_and_empty_ones_are_left_out(setting):
    client = setting["client"]
    header, _, stored = setting["adopted"]
    bounds = tuple(
        header[k] / 1e7 for k in ("min_lon_e7", "min_lat_e7", "max_lon_e7", "max_lat_e7")
    )
    for z in range(ZOOMS[0], ZOOMS[1] + 1):
        x0, x1, y0, y1 = tiles_export.tile_range(bounds, z)
        # One ring beyond the range the export looked at: the server has nothing there.
        for x in range(x0 - 1, x1 + 2):
            for y in range(y0 - 1, y1 + 2):
                answer = client.get(_tile_url(z, x, y))
                if (z, x, y) in stored:
                    assert answer.status_code == 200
                    assert gzip.decompress(stored[(z, x, y)]) == answer.content, (z, x, y)
                else:
                    assert answer.status_code == 204, (z, x, y)
    assert all(gzip.decompress(data) for data in stored.values())
    per_zoom = {z: sum(1 for k in stored if k[0] == z) for z in range(ZOOMS[0], ZOOMS[1] + 1)}
    assert all(per_zoom.values()), per_zoom


def test_a_layer_is_in_the_pyramid_from_its_minimum_zoom_on(setting):
    _, _, stored = setting["adopted"]
    layers: dict[int, set[str]] = {}
    for (z, _, _), data in stored.items():
        layers.setdefault(z, set()).update(mapbox_vector_tile.decode(gzip.decompress(data)))
    footprints = {layer.id for layer in LAYERS.values() if layer.tile_minzoom > ZOOMS[0]}
    assert "buildings" in footprints
    for z, found in layers.items():
        assert "quarters" in found, z
        below = {i for i in footprints if z < LAYERS[i].tile_minzoom}
        assert not found & below, z
    assert "buildings" in layers[BUILDINGS_MINZOOM]


def test_a_pyramid_below_a_layers_minimum_zoom_does_not_name_it():
    # z8-z12: no tile of it carries the footprints, so its metadata names only the rest.
    as_of = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    named = tiles_export._metadata(YEAR, record.CURRENT, (8, 12), as_of, 1)["vector_layers"]
    assert {v["id"] for v in named} == {
        i for i, layer in LAYERS.items() if layer.tile_minzoom <= 12
    }
    assert "buildings" not in {v["id"] for v in named} and "quarters" in {v["id"] for v in named}
    assert all((v["minzoom"], v["maxzoom"]) == (8, 12) for v in named)


def test_a_scenarios_pyramid_is_the_scenarios_map(setting):
    client, gone = setting["client"], setting["gone"]
    _, _, adopted = setting["adopted"]
    _, _, scenario = setting["scenario"]
    assert adopted.keys() <= scenario.keys()
    changed = {k for k in scenario if adopted.get(k) != scenario[k]}
    # The removed building's tile at every zoom that carries buildings, and nothing else
    # far from it.
    for z in range(BUILDINGS_MINZOOM, ZOOMS[1] + 1):
        x0, _, y0, _ = tiles_export.tile_range((gone.lon, gone.lat, gone.lon, gone.lat), z)
        key = (z, x0 + 1, y0 + 1)
        assert key in changed, key
        ids = {
            f["id"]
            for f in mapbox_vector_tile.decode(gzip.decompress(adopted[key]))["buildings"][
                "features"
            ]
        }
        mine = mapbox_vector_tile.decode(gzip.decompress(scenario[key]))
        assert gone.id in ids
        assert gone.id not in {f["id"] for f in mine["buildings"]["features"]}
    for z, x, y in changed:
        answer = client.get(_tile_url(z, x, y, SCENARIO))
        assert gzip.decompress(scenario[(z, x, y)]) == answer.content
    assert len(changed) < len(adopted)


def test_a_recorded_versions_pyramid_is_the_plan_as_recorded_then(setting):
    client = setting["client"]
    _, _, adopted = setting["adopted"]
    _, metadata, recorded = setting["recorded"]
    assert metadata["scenario"] == "vedtaget"
    assert metadata["recorded"].startswith("2022-12-31T23:59:59.999999")
    assert {k for k in adopted.keys() | recorded.keys() if adopted.get(k) != recorded.get(k)}
    for (z, x, y), data in recorded.items():
        answer = client.get(_tile_url(z, x, y) + f"&recorded={RECORDED}")
        assert gzip.decompress(data) == answer.content, (z, x, y)


def test_several_connections_make_the_same_pyramid(setting, capsys):
    _, _, adopted = setting["adopted"]
    out = setting["out"] / "jobs.pmtiles"
    zoom = f"{ZOOMS[0]}-{ZOOMS[1]}"
    code = cli.main(["tiles", "export", "--year", str(YEAR), "--zoom", zoom, "--quiet",
                     "--jobs", "3", "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    header, _, stored = _read(out)
    assert stored == adopted and header["clustered"] is True


def test_tiles_below_an_empty_tile_that_holds_features_are_made(setting):
    # The shed's tiles at z12 to z14 are empty (it is smaller than their pixels): the export
    # goes on below them because their boxes hold a feature, and finds it at z15; in
    # the tile east of it too, whose buffer holds it, below a z12 tile beyond the extent.
    client, shed = setting["client"], setting["shed"]
    _, _, scenario = setting["scenario"]
    for z in range(ZOOMS[0], ZOOMS[1] + 1):
        x0, _, y0, _ = tiles_export.tile_range((*SHED.values(), *SHED.values()), z)
        key = (z, x0 + 1, y0 + 1)
        answer = client.get(_tile_url(*key, SCENARIO))
        if z < 15:
            assert key not in scenario and answer.status_code == 204, key
        else:
            assert answer.status_code == 200 and key in scenario, key
            assert gzip.decompress(scenario[key]) == answer.content, key
            drawn = mapbox_vector_tile.decode(answer.content)["buildings"]["features"]
            assert shed in {f["id"] for f in drawn}
            east = (z, key[1] + 1, key[2])
            answer = client.get(_tile_url(*east, SCENARIO))
            assert gzip.decompress(scenario[east]) == answer.content, east
            drawn = mapbox_vector_tile.decode(answer.content)["buildings"]["features"]
            assert shed in {f["id"] for f in drawn}


@pytest.mark.parametrize(
    "args, names",
    [
        (["--zoom", "16-12"], "ends before it starts"),
        (["--zoom", "25"], "zoom: 25"),
        (["--zoom", "tolv"], "zoom: 'tolv'"),
        (["--zoom", "12-14", "--year", "9999"], "year: 9999"),
        (["--zoom", "12-14", "--scenario", "findes-ikke"], "findes-ikke"),
        (["--zoom", "12-14", "--scenario", "Ikke Gyldig"], "scenario"),
        (["--zoom", "12-14", "--recorded", "2999-01-01"], "recorded"),
        (["--zoom", "12-14", "--jobs", "0"], "jobs"),
        (["--zoom", "12-14", "--max-tiles", "0"], "max-tiles"),
    ],
)
def test_bad_arguments_exit_non_zero_and_write_nothing(setting, capsys, args, names):
    out = setting["out"] / "bad" / "x.pmtiles"
    out.parent.mkdir(exist_ok=True)
    year = [] if "--year" in args else ["--year", str(YEAR)]
    code = cli.main(["tiles", "export", *year, *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert names in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []


def test_an_out_that_cannot_be_written_is_refused_before_the_database(setting, capsys, tmp_path):
    for out, names in (
        (tmp_path / "nowhere" / "x.pmtiles", "does not exist"),
        (tmp_path, "is a directory"),
    ):
        code = cli.main(["tiles", "export", "--year", "2030", "--zoom", "12", "--out", str(out)])
        assert code != 0 and names in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_too_large_a_pyramid_is_refused_and_nothing_written(setting, writable_ref, tmp_path):
    engine = create_engine(writable_ref.url)
    try:
        with engine.connect() as conn, pytest.raises(tiles_export.InvalidQuery, match="tiles"):
            tiles_export.export_pyramid(conn, tmp_path / "x.pmtiles", YEAR, (10, 20), max_tiles=50)
    finally:
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_the_commands_guard_is_its_max_tiles(setting, capsys):
    # The guard an operator raises for a national pyramid (about 9.4 million tiles to z17):
    # below the pyramid's own count the command refuses and writes nothing, at it the
    # command makes the pyramid the default guard would also make.
    _, _, adopted = setting["adopted"]
    out = setting["out"] / "guard" / "x.pmtiles"
    out.parent.mkdir()
    zoom = f"{ZOOMS[0]}-{ZOOMS[1]}"
    args = ["tiles", "export", "--year", str(YEAR), "--zoom", zoom, "--quiet", "--out", str(out)]
    assert cli.main(args) == 0
    said = re.search(r": (\d+) tiles of .*\((\d+) empty left out\)", capsys.readouterr().out)
    made = int(said[1]) + int(said[2])
    out.unlink()
    code = cli.main([*args, "--max-tiles", str(made - 1)])
    err = capsys.readouterr().err
    assert code != 0 and "--max-tiles" in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []
    assert cli.main([*args, "--max-tiles", str(made)]) == 0, capsys.readouterr().err
    assert _read(out)[2] == adopted


def test_a_regions_pyramid_is_the_whole_pyramids_tiles_over_it(setting, writable_ref, tmp_path):
    # A region of the extent (how a national pyramid too long to make here is measured):
    # at every zoom only the tiles over the region, one more on each side, each the whole
    # pyramid's tile. The adopted pyramid reaches the shed 6 km east; the region does not.
    region = (10.43, 55.40, 10.44, 55.41)
    engine = create_engine(writable_ref.url)
    try:
        with engine.connect() as conn:
            made = tiles_export.export_pyramid(
                conn, tmp_path / "region.pmtiles", YEAR, ZOOMS, bounds=region
            )
    finally:
        engine.dispose()
    _, _, whole = setting["adopted"]
    _, _, part = _read(tmp_path / "region.pmtiles")
    assert made.tiles == len(part) and part
    for (z, x, y), data in part.items():
        x0, x1, y0, y1 = tiles_export.tile_range(region, z)
        assert x0 <= x <= x1 and y0 <= y <= y1, (z, x, y)
        assert data == whole[(z, x, y)]
    inside = {
        (z, x, y)
        for z, x, y in whole
        if (r := tiles_export.tile_range(region, z))[0] <= x <= r[1] and r[2] <= y <= r[3]
    }
    assert set(part) == inside and len(whole) > len(part)
