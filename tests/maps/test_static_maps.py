"""The fremtidsbillede as PNG, PDF and GeoTIFF: through the API, the CLI and gis itself."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image
from pypdf import PdfReader
from rasterio.io import MemoryFile

from gis.render import geotiff, static
from gis.styles import LAYER_STYLES, REFERENCE_NOTE, classify
from tests.api.conftest import make_client
from tests.maps import kort_data

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))


@pytest.fixture(scope="module")
def client(kort_database_url):
    with make_client(kort_database_url) as c:
        yield c


def _pixel(src, x: float, y: float) -> int:
    """The class at offsets (metres) from the test plan's centre."""
    row, col = src.index(kort_data.CENTRE[0] + x, kort_data.CENTRE[1] + y)
    return int(src.read(1)[row, col])


def test_png_is_a3_with_a_map_and_legend(client):
    r = client.get("/maps/fremtidsbillede/2030.png?area=testby")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    # A3 landscape (420 x 297 mm) at 150 dpi.
    assert img.size == (2480, 1753)
    assert "Fremtidsbillede 2030" in img.info["Title"]
    assert img.info["Disclaimer"] == REFERENCE_NOTE
    assert img.info["Source"] == "Test data, hand-made"
    px = np.asarray(img.convert("RGB"))
    map_part, panel = px[:, : int(px.shape[1] * 0.72)], px[:, int(px.shape[1] * 0.74) :]
    assert len(np.unique(map_part.reshape(-1, 3), axis=0)) > 20
    # The legend panel holds the dashed blue letbane and the quarter colours.
    assert (np.abs(panel.astype(int) - (0x1F, 0x5F, 0xBF)).sum(axis=-1) < 40).sum() > 50
    nord = tuple(int(kort_data.QUARTER_COLOURS["nord"][i : i + 2], 16) for i in (1, 3, 5))
    assert (np.abs(panel.astype(int) - nord).sum(axis=-1) < 90).sum() > 20


def test_pdf_is_a3_landscape_with_title_legend_scale_and_source(client):
    r = client.get("/maps/fremtidsbillede/2025.pdf?area=testby")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(r.content))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 420
    assert round(float(box.height) / 72 * 25.4) == 297
    text = pdf.pages[0].extract_text()
    assert text.count("Kvarterer (planens)") == 1
    assert "Letbane" not in text  # line 2 opens in 2029: not on the 2025 map, nor its legend
    for expected in (
        "Fremtidsbillede 2025",
        "1. januar 2025",
        "Bygninger",
        "Måske nedrives",
        "Under renovering",
        "Hårdt ghettoområde",
        "Kilde:",
        "omtrentligt",
        "Dato:",
        "EPSG:25832",
        " m",
        "N",
    ):
        assert expected in text, expected
    assert pdf.metadata.title.startswith("Fremtidsbillede 2025")


def test_geotiff_crs_bounds_and_classes(client):
    r = client.get("/maps/fremtidsbillede/2020.tif?area=testby&resolution=5")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/tiff")
    with MemoryFile(r.content) as mem, mem.open() as src:
        assert src.crs.to_epsg() == 25832
        assert src.res == (5.0, 5.0)
        cx, cy = kort_data.CENTRE
        # The area (±900 m × ±600 m) and a margin lie inside the raster.
        assert src.bounds.left <= cx - 900 - 50 and src.bounds.right >= cx + 900 + 50
        assert src.bounds.bottom <= cy - 600 - 50 and src.bounds.top >= cy + 600 + 50
        assert src.count == 1 and src.dtypes[0] == "uint8"
        names = json.loads(src.tags()["CLASSES"])
        assert src.tags()["YEAR"] == "2020" and src.tags()["RESOLUTION_M"] == "5"
        assert src.tags()["NOTE"] == REFERENCE_NOTE
        colormap = src.colormap(1)
        value = geotiff.CLASS_VALUE
        assert names[str(value["buildings:to_demolish"])] == "Måske nedrives"
        assert colormap[value["buildings:existing"]][:3] == (0x1A, 0x1A, 0x1A)
        # Block 1 (demolished 2022) stands, to be demolished; block 2 stands.
        assert _pixel(src, -725, -480) == value["buildings:to_demolish"]
        assert _pixel(src, -725, -220) == value["buildings:existing"]
        assert _pixel(src, -500, 450) == value["quarter"]
        assert _pixel(src, 0, 20) == value["roads:bygade"]
        assert _pixel(src, -1000, 1000) == 0
    with (
        MemoryFile(
            client.get("/maps/fremtidsbillede/2030.tif?area=testby&resolution=5").content
        ) as mem,
        mem.open() as src,
    ):
        # 2030: block 1 gone; the new buildings and the letbane are in.
        assert _pixel(src, -725, -480) == value["quarter"]
        assert _pixel(src, -750, 82) == value["buildings:new"]
        assert _pixel(src, 50, 0) == value["rail_stops:undecided"]
        assert geotiff.read_classes(r.content)[value["quarter"]].startswith("Kvarter")


def test_geotiff_opens_in_place_with_gdal_tools(kort_conn, tmp_path):
    out = geotiff.render_geotiff(kort_conn, "testby", 2030)
    path = tmp_path / out.filename
    path.write_bytes(out.content)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 25832
        assert src.res == (geotiff.DEFAULT_RESOLUTION_M, geotiff.DEFAULT_RESOLUTION_M)
        assert (src.width, src.height) == (out.width, out.height)
        assert src.colorinterp[0].name == "palette"


@pytest.mark.parametrize(
    "url, status",
    [
        ("/maps/fremtidsbillede/1999.png?area=testby", 422),
        ("/maps/fremtidsbillede/2030.gif?area=testby", 422),
        ("/maps/fremtidsbillede/2030.png?area=nowhere", 404),
        ("/maps/fremtidsbillede/2030.png?area=testby&dpi=5000", 422),
        ("/maps/fremtidsbillede/2030.tif?area=testby&resolution=0.01", 422),
        ("/kort/lag/nothing.geojson?year=2030", 404),
        ("/kort/lag/buildings.geojson?year=1900", 422),
        ("/kort/bygninger/999999.json", 404),
        ("/kort/kvarterer/testby/kvarterer/nowhere.json", 404),
        ("/kort/overlays/nothing.png", 404),
        ("/kort/omraader/nowhere", 404),
        ("/kort?year=abc", 422),
    ],
)
def test_errors_are_problem_json(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status
    assert "Traceback" not in r.text and "SELECT" not in r.text


def test_viewer_style_definition_is_the_gis_one(client):
    served = client.get("/kort/stil.json").json()
    assert [layer["layer"] for layer in served["layers"]] == sorted(
        LAYER_STYLES, key=lambda k: LAYER_STYLES[k].z
    )
    assert served["note"] == REFERENCE_NOTE
    assert served["years"] == [2020, 2025, 2030]


def test_layer_features_carry_the_class_of_their_year(client):
    # Block 1 is demolished during 2022: standing on 1 January 2022, gone on 1 January 2023.
    assert kort_data.DEMOLISHED[1] == 2022
    fc = client.get("/kort/lag/buildings.geojson?year=2022").json()
    by_id = {f["id"]: f["properties"] for f in fc["features"]}
    assert by_id[1]["style"] == "to_demolish"
    for props in by_id.values():
        assert props["style"] == classify("buildings", props, 2022)
    fc = client.get("/kort/lag/buildings.geojson?year=2023").json()
    assert 1 not in {f["id"] for f in fc["features"]}


def test_building_class_follows_the_rule_of_time():
    # Demolished in 2025: still standing (to be demolished) on 1 January 2025, gone in 2026.
    assert classify("buildings", {"demolished_year": 2025}, 2025) == "to_demolish"
    assert classify("buildings", {"built_year": 2025}, 2025) == "existing"
    assert classify("buildings", {"built_year": 2025}, 2026) == "new"
    assert classify("buildings", {"built_year": 2025, "built_decided": False}, 2026) == (
        "new_undecided"
    )
    ren = {"renovation_start_year": 2021, "renovation_end_year": 2023}
    assert classify("buildings", ren, 2021) == "existing"
    assert classify("buildings", ren, 2022) == "renovating"
    assert classify("buildings", ren, 2024) == "renovated"


def test_static_render_rejects_bad_format(kort_conn):
    from gis.errors import InvalidParameter

    with pytest.raises(InvalidParameter):
        static.render_map(kort_conn, "testby", 2030, "svg")


def test_cli_render_writes_each_format(kort_database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": kort_database_url}
    for fmt in ("png", "pdf", "tif"):
        out = tmp_path / f"map.{fmt}"
        done = subprocess.run(
            [
                VOLLSMOSE,
                "render",
                "--area",
                "testby",
                "--year",
                "2030",
                "--format",
                fmt,
                "--out",
                str(out),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 1000
    assert (tmp_path / "map.pdf").read_bytes().startswith(b"%PDF")
    with rasterio.open(tmp_path / "map.tif") as src:
        assert src.crs.to_epsg() == 25832
    bad = subprocess.run(
        [
            VOLLSMOSE,
            "render",
            "--area",
            "nowhere",
            "--year",
            "2030",
            "--format",
            "png",
            "--out",
            str(tmp_path / "x.png"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "No area 'nowhere'" in bad.stderr
    assert not (tmp_path / "x.png").exists()


def test_print_map_labels_neither_overlap_nor_leave_the_frame():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    labels = [static.Label(f"Børnehuset nummer {i}", 50, 50, 1) for i in range(6)]
    labels.append(static.Label("Stoppestedet ved kanten", 99, 20, 8))
    kept = static.place_labels(ax, labels, FigureCanvasAgg(fig).get_renderer())
    renderer = FigureCanvasAgg(fig).get_renderer()
    frame = ax.get_window_extent(renderer)
    boxes = [a.get_window_extent(renderer) for a in kept]
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])
    # Six labels on one point: the four places around it, the rest left out.
    assert sum(a.get_text().startswith("Børnehuset") for a in kept) == 4
    # The label at the right edge turned to the left of its point rather than being cut.
    [edge] = [a for a in kept if a.get_text().startswith("Stoppestedet")]
    assert edge.get_horizontalalignment() == "right"


def test_print_map_texts_are_danish(ref_client):
    r = ref_client.get("/maps/fremtidsbillede/2020.pdf?area=vollsmose&dpi=72")
    assert r.status_code == 200
    text = " ".join(PdfReader(io.BytesIO(r.content)).pages[0].extract_text().split())
    assert "Kilde: Referencedatasæt for Fremtidens Vollsmose" in text
    assert "Reference dataset" not in text and "surveyed" not in text
    # 2020: the plan's quarters are not formed yet, so neither are their colours in the key.
    assert "Kommende kvarter (grænse)" in text and "Torvekvarteret" not in text
    assert "Måske nedrives" in text


def test_quarters_are_formed_after_2020():
    assert classify("quarters", {}, 2020) == "quarter_future"
    assert classify("quarters", {}, 2010) == "quarter_future"
    assert classify("quarters", {}, 2021) == "quarter"
    assert classify("quarters", {}, 2030) == "quarter"


def test_print_map_of_a_chosen_extent_and_scale(client):
    # 400 m x 300 m around the test plan's centre, in WGS84 as the viewer sends it.
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(25832, 4326, always_xy=True)
    cx, cy = kort_data.CENTRE
    (w, e), (s, n) = to_wgs84.transform([cx - 200, cx + 200], [cy - 150, cy + 150])
    bbox = f"{w:.6f},{s:.6f},{e:.6f},{n:.6f}"
    r = client.get(f"/maps/fremtidsbillede/2030.pdf?area=testby&bbox={bbox}&scale=2000")
    assert r.status_code == 200
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "1:2.000 i A3" in text
    # Without a scale the extent fills the frame: 400 m across ~294 mm is about 1:1.400.
    r = client.get(f"/maps/fremtidsbillede/2030.pdf?area=testby&bbox={bbox}")
    assert "1:1.400 i A3" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    # The whole area, as before.
    whole = PdfReader(io.BytesIO(client.get("/maps/fremtidsbillede/2030.pdf?area=testby").content))
    assert "1:6.900 i A3" in whole.pages[0].extract_text()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=10.5,55.4,10.4,55.5", "bbox"),
        ("bbox=12.5,55.6,12.6,55.7", "bbox"),  # Copenhagen: not near the area
        ("bbox=9,55,11,56", "bbox"),  # over 25 km across
        ("scale=10", "scale"),
        ("scale=1000000", "scale"),
    ],
)
def test_print_map_refuses_an_extent_or_scale_it_cannot_print(client, query, parameter):
    r = client.get(f"/maps/fremtidsbillede/2030.pdf?area=testby&{query}")
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["parameter"] == parameter
