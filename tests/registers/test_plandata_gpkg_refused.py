"""A GeoPackage upload that is no plain Plandata file is refused before GDAL reads it, and
what GDAL cannot read is a problem named by its record, never a 500 (an audit at
2026-12-04 found views that ran for hours, 1,000 layers that took 105 s, and 500s for a
corrupt geometry, an unclosed ring and a table of attributes)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.registers import plandata
from gis.registers.common import ImportRefused

FIXTURES = Path(__file__).parent / "fixtures"
LAYER = "theme_pdk_lokalplan_vedtaget"


@pytest.fixture
def gpkg(tmp_path) -> Path:
    """A good Plandata GeoPackage (the fixture's two lokalplaner), to be spoilt."""
    import geopandas

    path = tmp_path / "plandata.gpkg"
    frame = geopandas.read_file(FIXTURES / "lokalplaner.geojson")
    frame.drop(columns=["status"]).to_file(path, layer=LAYER, driver="GPKG")
    return path


def _refused(conn, path: Path) -> list[dict]:
    before = _plans(conn)
    with pytest.raises(ImportRefused) as caught:
        plandata.import_plandata(
            conn, path.read_bytes(), extract_date=dt.date(2026, 6, 1), actor="test"
        )
    assert _plans(conn) == before
    return caught.value.errors


def _plans(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM local_plan")).scalar_one()


def _register(db: sqlite3.Connection, name: str, data_type: str = "features") -> None:
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)"
        " VALUES (?, ?, ?, 25832)",
        (name, data_type, name),
    )
    if data_type == "features":
        db.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', 25832, 0, 0)",
            (name,),
        )


def _edited(path: Path, *statements: str, register: tuple[tuple[str, str], ...] = ()) -> Path:
    db = sqlite3.connect(path)
    for sql in statements:
        db.execute(sql)
    for name, data_type in register:
        _register(db, name, data_type)
    db.commit()
    db.close()
    return path


def test_a_view_that_computes_without_end_is_refused_unread(ref_conn, gpkg):
    _edited(
        gpkg,
        "CREATE VIEW slow_vedtaget AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL"
        " SELECT x + 1 FROM r WHERE x < 10000000000) SELECT x AS fid, NULL AS geom FROM r",
        register=(("slow_vedtaget", "features"),),
    )
    errors = _refused(ref_conn, gpkg)
    assert any("view" in e["message"] for e in errors), errors


def test_more_layers_than_a_plandata_file_holds_are_refused(ref_conn, gpkg):
    tables = [
        f'CREATE TABLE "l{i}_vedtaget" (fid INTEGER PRIMARY KEY, geom BLOB)' for i in range(25)
    ]
    _edited(gpkg, *tables, register=tuple((f"l{i}_vedtaget", "features") for i in range(25)))
    errors = _refused(ref_conn, gpkg)
    assert errors == [
        {
            "record": "file",
            "field": None,
            "message": f"holds more than {plandata.MAX_LAYERS} layers (a Plandata file: a few)",
        }
    ]


def test_a_table_of_attributes_is_named_not_a_500(ref_conn, gpkg):
    _edited(
        gpkg,
        "CREATE TABLE notes (fid INTEGER PRIMARY KEY, note TEXT)",
        "INSERT INTO notes (note) VALUES ('x')",
        register=(("notes", "attributes"),),
    )
    errors = _refused(ref_conn, gpkg)
    assert {(e["record"], e["message"]) for e in errors} == {
        ("layer notes", "holds attributes, not features")
    }


def test_a_generated_column_is_refused(ref_conn, gpkg):
    _edited(
        gpkg,
        f"ALTER TABLE {LAYER} ADD COLUMN big TEXT"
        " GENERATED ALWAYS AS (printf('%.*c', 200000000, 'x')) VIRTUAL",
    )
    errors = _refused(ref_conn, gpkg)
    assert [e["message"] for e in errors] == ["has a generated or hidden column"]


def _gpkg_geometry(wkb: bytes) -> bytes:
    """A GeoPackage geometry blob: its header (magic, version, flags: little-endian, no
    envelope), the SRID, then the WKB."""
    return b"GP" + bytes([0, 1]) + struct.pack("<i", 25832) + wkb


def test_geometries_gdal_or_geos_cannot_read_are_problems_of_their_record(ref_conn, gpkg):
    # A ring of four points whose last is not its first: GEOS refuses to make it.
    ring = [(588000.0, 6138000.0), (588100.0, 6138000.0), (588100.0, 6138100.0), (0.0, 0.0)]
    unclosed = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 4)
    unclosed += b"".join(struct.pack("<dd", *p) for p in ring)
    db = sqlite3.connect(gpkg)
    # The spatial index's triggers call GDAL's SQL functions, which Python's SQLite lacks.
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
    for (name,) in db.execute(triggers, (LAYER,)).fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    (first,) = db.execute(f"SELECT min(fid) FROM {LAYER}").fetchone()
    db.execute(f"UPDATE {LAYER} SET geom = ? WHERE fid = ?", (_gpkg_geometry(unclosed), first))
    db.commit()
    db.close()
    errors = _refused(ref_conn, gpkg)
    assert {(e["field"], e["message"]) for e in errors} == {
        ("geometry", "not a readable geometry")
    }, errors
    assert errors[0]["record"].startswith(f"{LAYER}[")
    # A blob that is no geometry at all: GDAL cannot read the batch it is in.
    db = sqlite3.connect(gpkg)
    db.execute(f"UPDATE {LAYER} SET geom = X'4750000100000000DEADBEEF' WHERE fid = ?", (first,))
    db.commit()
    db.close()
    errors = _refused(ref_conn, gpkg)
    assert [(e["field"], e["message"]) for e in errors] == [
        ("geometry", "a feature GDAL cannot read")
    ], errors


def test_a_file_that_is_no_geopackage_names_no_path_of_the_server(ref_conn, tmp_path):
    for content in (b"SQLite format 3\x00", b"SQLite format 3\x00" + b"\x01" * 4096):
        path = tmp_path / "x.gpkg"
        path.write_bytes(content)
        errors = _refused(ref_conn, path)
        assert [e["message"] for e in errors] == ["not a readable GeoPackage"], errors
    # A plain SQLite database: no gpkg_contents.
    path = tmp_path / "plain.gpkg"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    errors = _refused(ref_conn, path)
    assert [e["message"] for e in errors] == ["not a readable GeoPackage (no gpkg_contents table)"]


def test_a_layer_without_an_epsg_code_says_so_in_few_words(ref_conn, gpkg):
    db = sqlite3.connect(gpkg)
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('local', 990001, 'NONE', 990001, ?, NULL)",
        ('LOCAL_CS["a grid of our own",UNIT["metre",1]]',),
    )
    db.execute("UPDATE gpkg_contents SET srs_id = 990001")
    db.execute("UPDATE gpkg_geometry_columns SET srs_id = 990001")
    db.commit()
    db.close()
    errors = _refused(ref_conn, gpkg)
    assert [e["message"] for e in errors] == ["a CRS with no EPSG code: must be EPSG:25832"]


def test_a_plandata_file_leaves_the_reference_plans_it_covers(ref_conn, tmp_path):
    """The reference dataset's illustrative plans came from no register: a Plandata file
    over them (a proposed lokalplan over all Odense, as they are) removes none of them."""
    reference = "SELECT count(*) FROM local_plan WHERE source_id LIKE 'reference:%'"
    before = ref_conn.execute(text(reference)).scalar_one()
    assert before > 0
    over_odense = (
        '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":'
        '"urn:ogc:def:crs:EPSG::25832"}},"features":[{"type":"Feature","properties":'
        '{"planid":"9001","plannr":"9","status":"forslag","komnr":461},"geometry":'
        '{"type":"Polygon","coordinates":[[[580000,6130000],[600000,6130000],'
        "[600000,6150000],[580000,6150000],[580000,6130000]]]}},"
        # A plan of no number: named by its planid alone in the report.
        '{"type":"Feature","properties":{"planid":"9002","status":"forslag","komnr":461},'
        '"geometry":{"type":"Polygon","coordinates":[[[581000,6131000],[582000,6131000],'
        "[582000,6132000],[581000,6132000],[581000,6131000]]]}}]}"
    )
    report = plandata.import_plandata(
        ref_conn, over_odense.encode(), extract_date=dt.date(2026, 6, 1), actor="test"
    )
    changes = report.as_dict()["changes"]
    assert not any("reference" in str(k) for k in changes.get("plans removed", []))
    assert changes["plans added"] == ["lokalplan 9 (9001)", "plan (9002)"]
    assert ref_conn.execute(text(reference)).scalar_one() == before
