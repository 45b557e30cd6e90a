"""The HTTP upload of register extracts (planner, admin) over a database of its own, whose
writes commit: the same checks and report as the command, problem+json for a refusal."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from api.guards import MAX_BODY
from gis.record import MASKED_CHANGE_MIN

FIXTURES = Path(__file__).parent / "fixtures"
URL = "/registers/{}/import?extract_date=2026-06-01"
JSON = {"Content-Type": "application/json"}
GPKG = "application/geopackage+sqlite3"
B = "b0000000-0000-4000-8000-00000000000"  # + the building's number


def _post(client, ref, register, content, role="planner"):
    headers = {**JSON, **(ref.bearer(role) if role else {})}
    return client.post(URL.format(register), content=content, headers=headers)


def test_upload_imports_once_and_reports_unchanged_the_second_time(writable_client, writable_ref):
    parcels = (FIXTURES / "jordstykker.geojson").read_bytes()
    r = _post(writable_client, writable_ref, "matrikel", parcels)
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"parcels added": 4}
    # The change as each importer may see it: a planner opaque (a real id is a place in the
    # one sequence of changes, sale data's too), an admin as it is.
    assert MASKED_CHANGE_MIN <= r.json()["change_id"] < 2**53
    r = _post(writable_client, writable_ref, "bbr", (FIXTURES / "bbr.json").read_bytes(), "admin")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == {"buildings added": 5} and body["unchanged"] is False
    assert 0 < body["change_id"] < MASKED_CHANGE_MIN
    again = _post(writable_client, writable_ref, "bbr", (FIXTURES / "bbr.json").read_bytes())
    assert again.status_code == 200
    assert again.json()["unchanged"] is True and again.json()["change_id"] is None


def test_a_bad_file_is_a_problem_listing_every_record(writable_client, writable_ref):
    content = b'{"BygningList": [{"id_lokalId": "a", "byg021BygningensAnvendelse": "140"}]}'
    r = _post(writable_client, writable_ref, "bbr", content)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {
            "record": "BygningList[0] (a)",
            "field": "byg404Koordinat",
            "message": "missing (a WKT point in EPSG:25832)",
        }
    ]
    r = _post(writable_client, writable_ref, "matrikel", b"not json")
    assert r.status_code == 422
    assert r.json()["errors"][0]["record"] == "file"


def test_only_planners_and_admins_may_upload(writable_client, writable_ref):
    content = (FIXTURES / "jordstykker.geojson").read_bytes()
    assert _post(writable_client, writable_ref, "matrikel", content, None).status_code == 401
    r = _post(writable_client, writable_ref, "matrikel", content, "developer_company")
    assert r.status_code == 403
    assert _post(writable_client, writable_ref, "nowhere", content).status_code == 422


def test_a_body_over_the_limit_is_refused_unread(writable_client, writable_ref):
    r = _post(writable_client, writable_ref, "bbr", b" " * (MAX_BODY + 1))
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


def test_a_scenario_keeps_its_own_building_through_a_reimport(writable_client, writable_ref):
    # The June extracts (again: a second upload of them changes nothing).
    for register, name in (("matrikel", "jordstykker.geojson"), ("bbr", "bbr.json")):
        r = _post(writable_client, writable_ref, register, (FIXTURES / name).read_bytes())
        assert r.status_code == 200, r.text
    engine = create_engine(writable_ref.url)
    with engine.connect() as conn:
        b2 = conn.execute(
            text("SELECT id FROM building WHERE source_id = :s"), {"s": f"{B}2"}
        ).scalar_one()
    engine.dispose()
    planner = writable_ref.bearer("planner")
    r = writable_client.post("/scenarios", json={"slug": "b2-later", "name": "B2 later"},
                             headers=planner)  # fmt: skip
    assert r.status_code == 201, r.text
    life = f"/buildings/{b2}/life"
    tag = writable_client.get(f"{life}?scenario=b2-later").headers["ETag"]
    r = writable_client.patch(
        f"{life}?scenario=b2-later",
        json={"demolished_year": 2029},
        headers={**planner, "If-Match": tag},
    )
    assert r.status_code == 200, r.text
    # July: BBR no longer has B2. The adopted plan learns it; the scenario keeps its own B2.
    july = "/registers/bbr/import?extract_date=2026-07-01"
    r = writable_client.post(
        july, content=(FIXTURES / "bbr_2.json").read_bytes(), headers={**JSON, **planner}
    )
    assert r.status_code == 200, r.text
    assert r.json()["changes"]["buildings removed"] == [f"BBR {B}2 (demolished 2026)"]
    assert writable_client.get(life).json()["demolished_year"] == 2026
    assert writable_client.get(f"{life}?scenario=b2-later").json()["demolished_year"] == 2029


def _upload_all(client, ref) -> None:
    files = (
        ("matrikel", "jordstykker.geojson"),
        ("bbr", "bbr.json"),
        ("dar", "dar.json"),
        ("plandata", "lokalplaner.geojson"),
        ("plandata", "delomraader.geojson"),
    )
    for register, name in files:  # earlier tests of the module may have uploaded some
        r = _post(client, ref, register, (FIXTURES / name).read_bytes())
        assert r.status_code == 200, r.text


def test_addresses_plans_and_provenance_over_http(writable_client, writable_ref):
    _upload_all(writable_client, writable_ref)
    # The address lookup is public; each address names its building, parcel and source.
    r = writable_client.get("/addresses", params={"q": "Testvej 3"})
    assert r.status_code == 200, r.text
    (found,) = r.json()["features"]
    props = found["properties"]
    assert props["label"] == "Testvej 3, 8210 Aarhus V" and props["matrikel"] == "2000171-1b"
    assert props["source_register"] == "dar" and props["source_extract_date"] == "2026-06-01"
    building = writable_client.get(f"/collections/buildings/items/{props['building_id']}")
    b = building.json()["properties"]
    assert (b["source_id"], b["source_register"], b["source_extract_date"]) == (
        f"{B}2",
        "bbr",
        "2026-06-01",
    )
    # The viewer's popup reads the same, and the building's addresses.
    popup = writable_client.get(f"/kort/bygninger/{props['building_id']}.json").json()
    assert (popup["source_register"], popup["source_extract_date"]) == ("bbr", "2026-06-01")
    assert popup["addresses"] == ["Testvej 3"]
    bad = writable_client.get("/addresses", params={"q": " "})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    # The parcels' items carry theirs; a reference parcel none.
    parcels = writable_client.get(
        "/collections/parcels/items", params={"filter": "source_register = 'matrikel'"}
    ).json()["features"]
    assert sorted(p["properties"]["source_id"] for p in parcels) == [
        "2000171-1a",
        "2000171-1b",
        "2000171-2",
        "2000171-3",
    ]
    # The lokalplaner are a collection.
    plans = writable_client.get(
        "/collections/local_plans/items",
        params={"filter": "plot_ratio_pct > 100 AND source_register = 'plandata'"},
    ).json()["features"]
    assert [(p["properties"]["plan_number"], p["properties"]["subarea"]) for p in plans] == [
        ("1234", "II")
    ]


def test_an_edit_sending_back_the_provenance_it_read_keeps_it(writable_client, writable_ref):
    _upload_all(writable_client, writable_ref)
    planner = writable_ref.bearer("planner")
    r = writable_client.get(
        "/collections/buildings/items", params={"filter": f"source_id = '{B}1'"}
    )
    fid = r.json()["features"][0]["id"]
    item = writable_client.get(f"/collections/buildings/items/{fid}")
    read = item.json()["properties"]
    # A patch sending back the provenance it read, and one changing it: both ignored.
    patch = {
        "name": "Blok 1",
        "source_register": "planner",
        "source_extract_date": "1999-01-01",
        "dwellings": read["dwellings"],
    }
    r = writable_client.patch(
        f"/collections/buildings/items/{fid}",
        json={"type": "Feature", "properties": patch},
        headers={**planner, "If-Match": item.headers["ETag"],
                 "Content-Type": "application/merge-patch+json"},
    )  # fmt: skip
    assert r.status_code in (200, 204), r.text
    after = writable_client.get(f"/collections/buildings/items/{fid}").json()["properties"]
    assert after["name"] == "Blok 1"
    assert (after["source_register"], after["source_extract_date"]) == ("bbr", "2026-06-01")


def test_a_geopackage_from_plandata_uploads(writable_client, writable_ref, tmp_path):
    import geopandas

    path = tmp_path / "lokalplaner.gpkg"
    geopandas.read_file(FIXTURES / "lokalplaner.geojson").to_file(
        path, layer="theme_pdk_lokalplan_vedtaget", driver="GPKG"
    )
    r = writable_client.post(
        "/registers/plandata/import?extract_date=2026-06-01",
        content=path.read_bytes(),
        headers={**writable_ref.bearer("planner"), "Content-Type": GPKG},
    )
    assert r.status_code == 200, r.text
    assert r.json()["read"] == {"lokalplaner": 2, "delområder": 0}


def test_tiles_carry_the_imported_provenance_and_plans(writable_client, writable_ref):
    from tests.api.test_ogc_tiles import decode, tile_of

    _upload_all(writable_client, writable_ref)
    lon, lat = writable_client.get("/addresses", params={"q": "Testvej 3"}).json()["features"][0][
        "geometry"
    ]["coordinates"]
    z, x, y = tile_of(lon, lat, 15)
    tile = decode(writable_client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}"))
    buildings = [f["properties"] for f in tile["buildings"]["features"]]
    # Earlier tests of the module may have imported July's extract over some of them.
    assert buildings and {b.get("source_register") for b in buildings} == {"bbr"}
    assert {b["source_extract_date"] for b in buildings} <= {"2026-06-01", "2026-07-01"}
    assert {f["properties"]["subarea"] for f in tile["local_plans"]["features"]
            if "subarea" in f["properties"]} == {"I", "II"}  # fmt: skip
