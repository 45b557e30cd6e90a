"""The Plandata.dk importer, its layer and the building right it gives the sellable-land
query, on hand-made WFS GeoJSON answers (tests/registers/fixtures/lokalplaner.geojson and
delomraader.geojson, illustrative plans over the illustrative parcels of test_import) and a
GeoPackage made from them by GDAL, each test in a rolled-back transaction of the reference
database.

Worked out by hand: lokalplan 1234 (vedtaget 15 September 2025) covers parcels 1a, 1b and 2;
its delområde I (bebyggelsesprocent 60) is parcel 1a, delområde II (110 %) parcels 1b and
2's east half; lokalplan 1300 (forslag, no bebyggelsesprocent) is parcel 3. Each parcel has
registreretAreal 40,000 m², so the building right the plan allows on 1a is 0.60 × 40,000 =
24,000 m², on 1b 1.10 × 40,000 = 44,000 m², on 3 none (the proposal says nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.land.sellable import SellableQuery, sellable
from gis.layers import LAYERS
from gis.registers import matrikel, plandata
from gis.registers.common import ImportRefused

FIXTURES = Path(__file__).parent / "fixtures"
JUNE, JULY = dt.date(2026, 6, 1), dt.date(2026, 7, 1)


def _import(conn, source, date=JUNE):
    return plandata.import_plandata(conn, source, extract_date=date, actor="test")


def _plans(conn) -> dict[str, tuple]:
    rows = conn.execute(
        text(
            """
            SELECT source_id, kind, plan_id, plan_number, subarea, status, adopted_date,
                   general_use, plot_ratio_pct, max_height_m, max_storeys, round(ST_Area(geom))
                   AS area
            FROM local_plan
            WHERE source_id NOT LIKE 'reference:%'  -- the reference dataset's own plans
            ORDER BY source_id
            """
        )
    )
    return {r.source_id: tuple(r)[1:] for r in rows}


def _both(conn):
    a = _import(conn, str(FIXTURES / "lokalplaner.geojson"))
    b = _import(conn, str(FIXTURES / "delomraader.geojson"))
    return a, b


def test_lokalplaner_and_delomraader_are_read_with_their_building_right(ref_conn):
    plans, subareas = _both(ref_conn)
    assert plans.read == {"lokalplaner": 2, "delområder": 0}
    assert subareas.read == {"lokalplaner": 0, "delområder": 2}
    adopted = dt.date(2025, 9, 15)
    assert _plans(ref_conn) == {
        "1001": ("lokalplan", "1001", "1234", None, "vedtaget", adopted, None, None, None, None,
                 120000),
        "1300": ("lokalplan", "1300", "1300", None, "forslag", None, None, None, None, None,
                 40000),
        "2001": ("delomraade", "1001", "1234", "I", "vedtaget", adopted, "Boligområde", 60.0,
                 12.5, 4, 40000),
        "2002": ("delomraade", "1001", "1234", "II", "vedtaget", adopted, "Centerområde",
                 110.0, 20.0, 6, 60000),
    }  # fmt: skip
    assert subareas.changes["plans added"] == [
        "lokalplan 1234 delområde I (2001)",
        "lokalplan 1234 delområde II (2002)",
    ]
    assert plans.change_id != subareas.change_id  # one recorded change per file


def test_same_file_twice_changes_nothing_and_a_change_is_recorded_alone(ref_conn, tmp_path):
    _both(ref_conn)
    assert _import(ref_conn, str(FIXTURES / "delomraader.geojson"), JULY).unchanged
    doc = json.loads((FIXTURES / "delomraader.geojson").read_text())
    doc["features"][1]["properties"]["bebygpct"] = 90
    path = tmp_path / "delomraader_2.geojson"
    path.write_text(json.dumps(doc))
    report = _import(ref_conn, str(path), JULY)
    assert report.changes == {"plans changed": ["lokalplan 1234 delområde II (2002)"]}
    old = ref_conn.execute(
        text("SELECT plot_ratio_pct FROM local_plan_version WHERE superseded_by = :c"),
        {"c": report.change_id},
    ).scalars()
    assert list(old) == [110.0]


def test_a_geopackage_reads_as_the_geojson(ref_conn, tmp_path):
    import geopandas

    path = tmp_path / "plandata.gpkg"
    for name in ("lokalplaner", "delomraader"):
        frame = geopandas.read_file(FIXTURES / f"{name}.geojson")
        layer = f"theme_pdk_{'lokalplan' if name == 'lokalplaner' else 'lokalplandelomraade'}"
        # Without a status field, the layer's name says it (…_vedtaget).
        frame.drop(columns=["status"]).to_file(path, layer=f"{layer}_vedtaget", driver="GPKG")
    report = _import(ref_conn, str(path))
    assert report.read == {"lokalplaner": 2, "delområder": 2}
    plans = _plans(ref_conn)
    assert plans["1300"][4] == "vedtaget"  # the layer's word, as the status was dropped
    assert plans["2002"][1:] == ("1001", "1234", "II", "vedtaget", dt.date(2025, 9, 15),
                                 "Centerområde", 110.0, 20.0, 6, 60000)  # fmt: skip
    assert _import(ref_conn, path.read_bytes(), JULY).unchanged  # an upload's bytes too


def test_a_geopackage_of_3d_polygons_reads_as_their_2d_shape(ref_conn, tmp_path):
    import geopandas
    import shapely

    path = tmp_path / "plandata_z.gpkg"
    frame = geopandas.read_file(FIXTURES / "lokalplaner.geojson")
    frame = frame.set_geometry(shapely.force_3d(frame.geometry.values, z=12.5))
    assert frame.geometry.has_z.all()
    frame.to_file(path, layer="theme_pdk_lokalplan_vedtaget", driver="GPKG")
    assert _import(ref_conn, str(path)).read == {"lokalplaner": 2, "delområder": 0}
    dims = "SELECT DISTINCT ST_NDims(geom) FROM local_plan WHERE source_id NOT LIKE 'reference:%'"
    assert ref_conn.execute(text(dims)).scalars().all() == [2]


def test_a_point_out_of_denmark_and_a_crs_of_no_name_are_named_as_they_are(ref_conn):
    doc = json.loads((FIXTURES / "lokalplaner.geojson").read_text())
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    ring.insert(1, [1e300, ring[0][1]])
    doc["crs"] = "EPSG:25832"  # a string, not the GeoJSON 2008 object
    with pytest.raises(ImportRefused) as caught:
        _import(ref_conn, json.dumps(doc).encode())
    messages = {e["field"]: e["message"] for e in caught.value.errors}
    assert messages["crs"] == "a crs with no name: the file must be in EPSG:25832"
    assert messages["geometry"].startswith(f"the point (1e+300, {ring[0][1]:g}) is not")


def test_every_problem_is_listed_by_record_and_field(ref_conn):
    doc = json.loads((FIXTURES / "delomraader.geojson").read_text())
    p0, p1 = (f["properties"] for f in doc["features"])
    p0["status"] = "maybe"
    p0["bebygpct"] = "lots"
    p1["datovedt"] = "15/9/2025"
    doc["features"][1]["geometry"]["coordinates"] = [[[10.1, 56.1], [10.2, 56.1], [10.2, 56.2],
                                                      [10.1, 56.1]]]  # fmt: skip
    with pytest.raises(ImportRefused) as caught:
        _import(ref_conn, json.dumps(doc).encode())
    assert {(p["record"], p["field"]) for p in caught.value.errors} == {
        ("features[0] (planid 2001)", "status"),
        ("features[0] (planid 2001)", "bebygpct"),
        ("features[1] (planid 2002)", "datovedt"),
        ("features[1] (planid 2002)", "geometry"),
    }
    imported = "SELECT count(*) FROM local_plan WHERE source_id NOT LIKE 'reference:%'"
    assert ref_conn.execute(text(imported)).scalar_one() == 0


def test_sellable_land_shows_the_building_right_the_delomraade_allows(ref_conn):
    matrikel.import_matrikel(
        ref_conn, str(FIXTURES / "jordstykker.geojson"), extract_date=JUNE, actor="test"
    )
    _both(ref_conn)
    ref_conn.execute(
        text(
            """
            INSERT INTO parcel_land (parcel_id, plot_label, owner_category, sale_status,
                                     plot_ratio)
            SELECT id, 'T-' || matrikelnummer, 'company', 'planned', 0.5 FROM parcel
            WHERE ejerlavskode = 2000171 AND matrikelnummer IN ('1a', '1b', '3')
            """
        )
    )
    found = sellable(
        ref_conn, LAYERS["plots"], SellableQuery.from_params({"filter": ["plot_label LIKE 'T-%'"]})
    )
    got = {
        r["plot_label"]: (
            r["building_right_m2"],
            r["local_plan"],
            r["local_plan_status"],
            r["local_plan_plot_ratio_pct"],
            r["local_plan_building_right_m2"],
        )
        for r in (dict(zip(found.columns, row, strict=True)) for row in found.rows)
    }
    assert got == {
        "T-1a": (20000, "1234 I", "vedtaget", 60.0, 24000),
        "T-1b": (20000, "1234 II", "vedtaget", 110.0, 44000),
        "T-3": (20000, "1300", "forslag", None, None),
    }
    assert found.summary["building_right_m2"] == 60000
    assert found.summary["local_plan_building_right_m2"] == 24000 + 44000


def test_local_plans_are_a_collection(ref_conn):
    layer = LAYERS["local_plans"]
    assert {"plan_number", "status", "plot_ratio_pct", "source_register"} <= set(layer.properties)
    assert layer.property_types()["plot_ratio_pct"] == "number"
