"""Bad register files and queries over HTTP (the audit of the upload): each is a 4xx
problem naming what is wrong, never a 500, and nothing of it is written; what GIS software
writes without fault (a byte order mark, heights) is read. A database of its own (the
reference data, the June extracts imported first), whose writes commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

FIXTURES = Path(__file__).parent / "fixtures"
URL = "/registers/{}/import?extract_date=2026-06-01"
BOM = b"\xef\xbb\xbf"
# The body guard checks NULs and lone surrogates of JSON media types only: the importers
# check what they read whatever the body says it is.
KINDS = ("application/octet-stream", "text/plain")


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _post(client, ref, register, content, kind="application/json", url=URL):
    headers = {**ref.bearer("planner"), "Content-Type": kind}
    return client.post(url.format(register), content=content, headers=headers)


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def _scalar(ref, sql: str, **params):
    engine = create_engine(ref.url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def _changes(ref) -> int:
    return _scalar(ref, "SELECT count(*) FROM plan_change")


@pytest.fixture(scope="module")
def imported(writable_ref):
    """The June extracts of Matrikel, BBR and DAR, imported: a bad file must leave them."""
    from tests.support import make_client

    with make_client(writable_ref.url) as client:
        for register, name in (
            ("matrikel", "jordstykker.geojson"),
            ("bbr", "bbr.json"),
            ("dar", "dar.json"),
        ):
            r = _post(client, writable_ref, register, (FIXTURES / name).read_bytes())
            assert r.status_code == 200, r.text
    return writable_ref


def _parcels_named(ref) -> list[str]:
    engine = create_engine(ref.url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT matrikelnummer FROM parcel WHERE source_register = 'matrikel'")
        )
        names = sorted(rows.scalars())
    engine.dispose()
    return names


# --- 3. heights -------------------------------------------------------------------------------


def _with_z(doc: dict) -> dict:
    for feature in doc["features"]:
        rings = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [[[x, y, 12.5] for x, y in ring] for ring in rings]
    return doc


def test_a_3d_parcel_is_read_as_its_2d_shape(writable_client, imported):
    doc = _with_z(_fixture("jordstykker.geojson"))
    r = _post(writable_client, imported, "matrikel", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    assert r.json()["unchanged"] is True  # the same parcels as June's, heights dropped
    # A new one with heights, as a MultiPolygon: stored flat.
    extra = json.loads(json.dumps(doc["features"][0]))
    extra["properties"]["matrikelnummer"] = "9z"
    ring = [[x + 10_000, y, 3.0] for x, y, _ in extra["geometry"]["coordinates"][0]]
    extra["geometry"] = {"type": "MultiPolygon", "coordinates": [[ring]]}
    doc["features"].append(extra)
    r = _post(writable_client, imported, "matrikel", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    assert r.json()["changes"]["parcels added"] == ["2000171-9z"]
    dims = _scalar(imported, "SELECT ST_NDims(geom) FROM parcel WHERE matrikelnummer = '9z'")
    assert dims == 2


def test_a_3d_lokalplan_is_read_as_its_2d_shape(writable_client, imported):
    doc = _with_z(_fixture("lokalplaner.geojson"))
    r = _post(writable_client, imported, "plandata", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    assert r.json()["read"]["lokalplaner"] == 2
    assert _scalar(imported, "SELECT max(ST_NDims(geom)) FROM local_plan") == 2


# --- 4. DAR's points --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "position",
    ["POINT (1.2.3 6223100)", "POINT (e e)", "POINT (- 6223100)", "POINT (571100 6223100e)",
     "POINT (. 6223100)", "POINT (1e 2)"],
)  # fmt: skip
def test_a_malformed_dar_point_is_refused(writable_client, imported, position):
    changes = _changes(imported)
    doc = _fixture("dar.json")
    doc["AdressepunktList"][0]["position"] = position
    body = _problem(_post(writable_client, imported, "dar", json.dumps(doc).encode()), 422)
    assert body["errors"] == [
        {
            "record": "AdressepunktList[0] (a0000000-0000-4000-8000-000000000001)",
            "field": "position",
            "message": "missing or not a WKT POINT (x y) in EPSG:25832",
        },
        {  # the point refused, its husnummer names one the file does not give (test_dar)
            "record": "HusnummerList[1] (d0000000-0000-4000-8000-000000000001)",
            "field": "adgangspunkt",
            "message": "names a0000000-0000-4000-8000-000000000001, which is not in the file",
        },
    ]
    assert _changes(imported) == changes


def test_dar_points_in_every_number_form_are_read(writable_client, imported):
    doc = _fixture("dar.json")
    doc["AdressepunktList"][0]["position"] = "SRID=25832;POINT(+5.711E5 6223100.)"
    r = _post(writable_client, imported, "dar", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    r = _post(writable_client, imported, "dar", (FIXTURES / "dar.json").read_bytes())
    assert r.status_code == 200, r.text
