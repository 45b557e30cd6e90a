"""OGC API – Features Part 4 on the plan's layers (api/ogc/edit.py, gis.editing):
each write per layer, the preconditions, validation that writes nothing, roles, scenarios,
history and restore, against a committed copy of the reference data (`writable_ref`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from gis.editing.specs import SPECS
from tests.support import opaque

GEOJSON = "application/geo+json"
MERGE = "application/merge-patch+json"
UTM32 = "<http://www.opengis.net/def/crs/EPSG/0/25832>"
BUILDING = 5  # Granparken, blok 5: inside the area, one almen_family row
TABLES = [
    t
    for base in (
        "building",
        "dwelling_stock",
        "parcel",
        "parcel_land",
        "parcel_sale",
        "road",
        "rail_line",
        "rail_stop",
        "facility",
        "quarter",
    )
    for t in (base, f"{base}_version")
] + ["plan_change", "sale_status_change"]


@pytest.fixture(scope="module")
def db(writable_ref) -> Iterator:
    engine = create_engine(writable_ref.url)
    yield engine
    engine.dispose()


def _counts(db) -> dict[str, int]:
    with db.connect() as c:
        return {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _scenario(db, slug: str, adopted: bool = False) -> str:
    with db.begin() as c:
        c.execute(
            text("INSERT INTO scenario (slug, name) VALUES (:s, :n) ON CONFLICT DO NOTHING"),
            {"s": slug, "n": slug},
        )
        if adopted:
            c.execute(
                text(
                    "UPDATE scenario SET adopted_change_id = (SELECT min(id) FROM plan_change)"
                    " WHERE slug = :s"
                ),
                {"s": slug},
            )
    return slug


def _get(client, cid: str, fid: int, **params):
    r = client.get(f"/collections/{cid}/items/{fid}", params=params)
    assert r.status_code == 200, r.text
    return r.json(), r.headers["etag"]


def _send(client, method, path, body, auth, etag=None, kind=None, **headers):
    h = {**auth, **headers, "Content-Type": kind or (MERGE if method == "PATCH" else GEOJSON)}
    if etag is not None:
        h["If-Match"] = etag
    return client.request(method, path, content=json.dumps(body), headers=h)


def _feature(geometry, **props) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _problem(r, status: int, parameter: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    if parameter is not None:
        assert body["errors"][0]["parameter"] == parameter, body
    assert "SELECT" not in r.text and "violates" not in r.text
    return body


# --- reads: the version ETag and the dwellings -------------------------------------------


def test_an_item_carries_its_version_as_etag_and_a_building_its_dwellings(writable_client, db):
    f, tag = _get(writable_client, "buildings", BUILDING)
    with db.connect() as c:
        change = c.execute(
            text("SELECT change_id FROM building WHERE id = :id"), {"id": BUILDING}
        ).scalar_one()
    # The public is shown the change opaque (its real id is a place in the one sequence).
    assert tag == f'"v{opaque(db, change)}"'
    assert f["properties"]["dwellings"] == [
        {
            "tenure": "almen_family",
            "dwellings": 58,
            "floor_area_m2": 4350,
            "start_year": None,
            "end_year": None,
            "change": None,
            "decided": True,
        }
    ]
    held = writable_client.get(
        f"/collections/buildings/items/{BUILDING}", headers={"If-None-Match": tag}
    )
    assert held.status_code == 304
    utm = writable_client.get(f"/collections/buildings/items/{BUILDING}?crs=EPSG:25832")
    assert utm.headers["etag"] == tag  # one version, whatever the CRS


def test_conformance_declares_part_4_and_the_openapi_lists_the_writes(writable_client):
    classes = writable_client.get("/conformance").json()["conformsTo"]
    for c in ("create-replace-delete", "update", "features", "optimistic-locking-etags"):
        assert f"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/{c}" in classes
    paths = writable_client.get("/api").json()["paths"]
    for cid in SPECS:
        assert "post" in paths[f"/collections/{cid}/items"]
        assert {"put", "patch", "delete"} <= paths[f"/collections/{cid}/items/{{featureId}}"].keys()


# --- buildings: the full round trip and every precondition ------------------------------


def test_a_building_with_its_dwellings_is_created_replaced_patched_and_deleted(
    writable_client, writable_ref, db
):
    planner = writable_ref.bearer("planner")
    source, _tag = _get(writable_client, "buildings", BUILDING)
    props = {k: v for k, v in source["properties"].items() if k != "source_id"}
    props["name"] = "Nyt byggeri"
    props["dwellings"] = [{"tenure": "owner_occupied", "dwellings": 120, "start_year": 2027}]
    r = _send(
        writable_client,
        "POST",
        "/collections/buildings/items?note=120%20ejerboliger",
        _feature(source["geometry"], **props),
        planner,
    )
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert r.headers["location"].endswith(f"/collections/buildings/items/{fid}")
    got, tag = _get(writable_client, "buildings", fid)
    assert tag == r.headers["etag"]
    assert got["properties"]["dwellings"] == [
        {
            "tenure": "owner_occupied",
            "dwellings": 120,
            "floor_area_m2": 0,
            "start_year": 2027,
            "end_year": None,
            "change": None,
            "decided": True,
        }
    ]
    with db.connect() as c:
        change = c.execute(
            text(
                "SELECT c.actor, c.role, c.kind, c.note FROM plan_change c"
                " JOIN building b ON b.change_id = c.id WHERE b.id = :id"
            ),
            {"id": fid},
        ).one()
    assert tuple(change) == ("planner-writer", "planner", "create", "120 ejerboliger")

    # PUT: the whole feature; what is left out is cleared.
    whole = {k: v for k, v in got["properties"].items()}
    whole.update(name="Omdøbt", storeys=None)
    r = _send(
        writable_client,
        "PUT",
        f"/collections/buildings/items/{fid}",
        _feature(got["geometry"], **whole),
        planner,
        tag,
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["name"] == "Omdøbt" and r.json()["properties"]["storeys"] is None
    assert r.headers["etag"] != tag
    tag = r.headers["etag"]

    # PATCH: the dwellings list is replaced, the rest unchanged.
    r = _send(
        writable_client,
        "PATCH",
        f"/collections/buildings/items/{fid}",
        {
            "properties": {
                "dwellings": [
                    {"tenure": "owner_occupied", "dwellings": 80},
                    {"tenure": "private_rental", "dwellings": 40, "floor_area_m2": 3000},
                ]
            }
        },
        planner,
        tag,
    )
    assert r.status_code == 200, r.text
    assert [d["dwellings"] for d in r.json()["properties"]["dwellings"]] == [80, 40]
    assert r.json()["properties"]["name"] == "Omdøbt"
    tag = r.headers["etag"]

    r = writable_client.delete(
        f"/collections/buildings/items/{fid}", headers={**planner, "If-Match": tag}
    )
    assert r.status_code == 204 and r.content == b""
    assert writable_client.get(f"/collections/buildings/items/{fid}").status_code == 404
    with db.connect() as c:
        left = c.execute(
            text("SELECT count(*) FROM dwelling_stock WHERE building_id = :id"), {"id": fid}
        ).scalar_one()
    assert left == 0


def test_writes_without_if_match_are_428_and_stale_ones_412_and_write_nothing(
    writable_client, writable_ref, db
):
    planner = writable_ref.bearer("planner")
    path = f"/collections/buildings/items/{BUILDING}"
    f, tag = _get(writable_client, "buildings", BUILDING)
    before = _counts(db)
    patch = {"properties": {"demolished_year": 2031}}
    _problem(_send(writable_client, "PATCH", path, patch, planner), 428)
    _problem(_send(writable_client, "PUT", path, f, planner), 428)
    _problem(writable_client.delete(path, headers=planner), 428)
    stale = _send(writable_client, "PATCH", path, patch, planner, '"v999999"')
    _problem(stale, 412)
    assert stale.headers["etag"] == tag  # the current version, to read again
    _problem(writable_client.delete(path, headers={**planner, "If-Match": '"v999999"'}), 412)
    assert _counts(db) == before
    assert _get(writable_client, "buildings", BUILDING)[1] == tag

    first = _send(writable_client, "PATCH", path, patch, planner, tag)
    assert first.status_code == 200
    # The same stale tag a colleague still holds: refused, the first edit kept.
    second = _send(
        writable_client, "PATCH", path, {"properties": {"demolished_year": 2040}}, planner, tag
    )
    _problem(second, 412)
    assert _get(writable_client, "buildings", BUILDING)[0]["properties"]["demolished_year"] == 2031
    star = _send(
        writable_client, "PATCH", path, {"properties": {"demolished_year": 2029}}, planner, "*"
    )
    assert star.status_code == 200


def test_merge_patch_keeps_what_is_absent_and_clears_what_is_null(writable_client, writable_ref):
    planner = writable_ref.bearer("planner")
    path = f"/collections/buildings/items/{BUILDING}"
    f, tag = _get(writable_client, "buildings", BUILDING)
    r = _send(
        writable_client,
        "PATCH",
        path,
        {"properties": {"construction_year": None, "owner": "FAB"}},
        planner,
        tag,
    )
    assert r.status_code == 200, r.text
    p = r.json()["properties"]
    assert p["construction_year"] is None and p["owner"] == "FAB"
    assert p["name"] == f["properties"]["name"] and p["dwellings"] == f["properties"]["dwellings"]
    assert r.json()["geometry"] == f["geometry"]
    # A flag that cannot be unknown goes back to its default; a required one cannot go.
    r = _send(
        writable_client,
        "PATCH",
        path,
        {"properties": {"built_decided": None}},
        planner,
        r.headers["etag"],
    )
    assert r.status_code == 200 and r.json()["properties"]["built_decided"] is True
    _problem(
        _send(
            writable_client,
            "PATCH",
            path,
            {"properties": {"use": None}},
            planner,
            r.headers["etag"],
        ),
        422,
        "use",
    )
    _problem(
        _send(writable_client, "PATCH", path, {"geometry": None}, planner, r.headers["etag"]),
        422,
        "geometry",
    )
    # null dwellings: none left.
    r = _send(
        writable_client,
        "PATCH",
        path,
        {"properties": {"dwellings": None}},
        planner,
        r.headers["etag"],
    )
    assert r.status_code == 200 and r.json()["properties"]["dwellings"] == []
    r = _send(
        writable_client,
        "PATCH",
        path,
        {"properties": {"dwellings": f["properties"]["dwellings"]}},
        planner,
        r.headers["etag"],
    )
    assert r.json()["properties"]["dwellings"] == f["properties"]["dwellings"]


def _bowtie(lon: float, lat: float) -> dict:
    d = 0.0005
    ring = [[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _square(lon: float, lat: float, d: float = 0.0003) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


TORV = (10.4413, 55.4068)
BAD_BUILDINGS = [
    ({"colour": "red"}, None, "colour"),
    ({"use": "castle"}, None, "use"),
    ({"storeys": "four"}, None, "storeys"),
    ({"storeys": 40000}, None, "storeys"),
    ({"storeys": 2.5}, None, "storeys"),
    ({"floor_area_m2": -1}, None, "floor_area_m2"),
    ({"built_decided": "yes"}, None, "built_decided"),
    ({"name": "x" * 3000}, None, "name"),
    ({"source_id": "s" * 65}, None, "source_id"),
    ({"ejerforhold": 25}, None, "ejerforhold"),
    (
        {
            "built_year": 2022,
            "renovation_start_year": None,
            "renovation_end_year": None,
            "demolished_year": 2021,
        },
        None,
        "demolished_year",
    ),
    ({"renovation_start_year": 2028, "renovation_end_year": 2026}, None, "renovation_end_year"),
    ({"demolished_year": 1800}, None, "demolished_year"),
    ({"dwellings": [{"tenure": "castle", "dwellings": 3}]}, None, "dwellings[0].tenure"),
    (
        {"dwellings": [{"tenure": "owner_occupied", "dwellings": -3}]},
        None,
        "dwellings[0].dwellings",
    ),
    ({"dwellings": [{"tenure": "owner_occupied"}]}, None, "dwellings[0].dwellings"),
    ({"dwellings": [{"tenure": "owner_occupied", "dwellings": 1, "x": 1}]}, None, "dwellings[0].x"),
    (
        {
            "dwellings": [
                {"tenure": "owner_occupied", "dwellings": 1, "start_year": 2030, "end_year": 2029}
            ]
        },
        None,
        "dwellings[0].end_year",
    ),
    ({"dwellings": {"tenure": "owner_occupied"}}, None, "dwellings"),
    ({}, {"type": "Point", "coordinates": list(TORV)}, "geometry"),
    ({}, _bowtie(*TORV), "geometry"),
    ({}, _square(12.5683, 55.6761), "geometry"),  # Copenhagen: far from every area
    (
        {},
        {
            "type": "Polygon",
            "coordinates": [[[10.44, 95.0], [10.45, 95.0], [10.45, 96.0], [10.44, 95.0]]],
        },
        "geometry",
    ),
    (
        {},
        {"type": "Polygon", "coordinates": [[[10.44, 55.4], [10.45, 55.4], [10.45, 55.41]]]},
        "geometry",
    ),
    (
        {},
        {
            "type": "Polygon",
            "coordinates": [[[10.44, 55.4], [10.45, "x"], [10.45, 55.41], [10.44, 55.4]]],
        },
        "geometry",
    ),
    ({}, {"type": "Polygon", "coordinates": []}, "geometry"),
    ({}, "POLYGON((0 0, 1 0, 1 1, 0 0))", "geometry"),
]


@pytest.mark.parametrize(("props", "geometry", "parameter"), BAD_BUILDINGS)
def test_an_invalid_building_is_422_naming_the_field_and_writes_nothing(
    writable_client, writable_ref, db, props, geometry, parameter
):
    planner = writable_ref.bearer("planner")
    source, tag = _get(writable_client, "buildings", BUILDING)
    base = {k: v for k, v in source["properties"].items() if k != "source_id"}
    body = _feature(geometry or source["geometry"], **{**base, **props})
    before = _counts(db)
    _problem(
        _send(writable_client, "POST", "/collections/buildings/items", body, planner),
        422,
        parameter,
    )
    path = f"/collections/buildings/items/{BUILDING}"
    patch = {"properties": props} if props else {"geometry": geometry}
    _problem(_send(writable_client, "PATCH", path, patch, planner, tag), 422, parameter)
    assert _counts(db) == before
    assert _get(writable_client, "buildings", BUILDING) == (source, tag)


def test_bodies_that_are_not_json_features_are_refused(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    before = _counts(db)
    post = "/collections/buildings/items"
    nested = b"[" * 100_000 + b"]" * 100_000
    _problem(
        writable_client.post(post, content=nested, headers={**planner, "Content-Type": GEOJSON}),
        422,
        "body",
    )
    _problem(
        writable_client.post(post, content=b"{", headers={**planner, "Content-Type": GEOJSON}),
        422,
        "body",
    )
    _problem(_send(writable_client, "POST", post, [1], planner), 422, "body")
    _problem(
        _send(writable_client, "POST", post, {"type": "FeatureCollection"}, planner), 422, "type"
    )
    text_body = writable_client.post(
        post, content=b"x", headers={**planner, "Content-Type": "text/plain"}
    )
    assert text_body.status_code == 415
    assert text_body.json()["title"] == "Unsupported Media Type"  # HTTP's name, not "Error"
    assert _counts(db) == before


def _empty_spot(db, quarter: int) -> tuple[float, float]:
    """A point (CRS84) inside the quarter, 30 m or more from every building."""
    with db.connect() as c:
        return tuple(
            c.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface("
                    " ST_Difference(q.geom, (SELECT ST_Union(ST_Buffer(footprint, 30))"
                    " FROM building))), 4326) AS p FROM quarter q WHERE q.id = :q) s"
                ),
                {"q": quarter},
            ).one()
        )


def test_a_building_whose_anchor_lies_in_two_quarters_of_a_set_is_refused(
    writable_client, writable_ref, db
):
    """A small quarter added in a scenario where no building stands overlaps quarter 1 of
    its set; a building placed in the overlap would count in both, so the scenario refuses
    it (and vedtaget, without that quarter, takes it)."""
    planner = writable_ref.bearer("planner")
    slug = _scenario(db, "to-kvarterer")
    quarter, _t = _get(writable_client, "quarters", 1)
    lon, lat = _empty_spot(db, 1)
    r = _send(
        writable_client,
        "POST",
        f"/collections/quarters/items?scenario={slug}",
        _feature(
            _square(lon, lat, 0.0002),
            **{**quarter["properties"], "slug": "dublet", "name": "Dublet"},
        ),
        planner,
    )
    assert r.status_code == 201, r.text
    body = _feature(_square(lon, lat, 0.0001), use="housing", name="I to kvarterer")
    before = _counts(db)
    _problem(
        _send(
            writable_client, "POST", f"/collections/buildings/items?scenario={slug}", body, planner
        ),
        422,
        "geometry",
    )
    assert _counts(db) == before
    ok = _send(writable_client, "POST", "/collections/buildings/items", body, planner)
    assert ok.status_code == 201, ok.text


def _buildings_in(db, quarter: int) -> list[int]:
    with db.connect() as c:
        return list(
            c.execute(
                text(
                    "SELECT b.id FROM building b JOIN quarter q ON ST_Intersects(q.geom, b.anchor)"
                    " WHERE q.id = :q ORDER BY b.id"
                ),
                {"q": quarter},
            ).scalars()
        )


def test_a_quarter_edit_that_leaves_buildings_in_no_quarter_is_refused(
    writable_client, writable_ref, db
):
    """Reshaping, moving or deleting a quarter re-checks the buildings it covered: none may
    end in no quarter of the set. The error names `geometry`, how many buildings, and the
    first of them. Two quarters over a building are let through (a shared border is moved
    by growing one quarter, then shrinking the other)."""
    planner = writable_ref.bearer("planner")
    slug = _scenario(db, "kvarter-tjek")
    path = "/collections/quarters/items/2"
    quarter, tag = _get(writable_client, "quarters", 2)
    inside = _buildings_in(db, 2)
    lon, lat = _empty_spot(db, 2)
    before = _counts(db)
    # Shrunk to a spot with no building: every building of the quarter in no quarter.
    shrunk = _problem(
        _send(writable_client, "PATCH", path, {"geometry": _square(lon, lat)}, planner, tag),
        422,
        "geometry",
    )
    message = shrunk["errors"][0]["message"]
    assert f"{len(inside)} buildings" in message and "no quarter" in message
    assert f"buildings {', '.join(str(i) for i in inside[:10])}, ..." in message
    # Moved onto its neighbour (quarter 1, the same set): its own buildings in no quarter;
    # quarter 1's, now in two, are not what refuses it.
    neighbour, _t = _get(writable_client, "quarters", 1)
    onto = _problem(
        _send(writable_client, "PATCH", path, {"geometry": neighbour["geometry"]}, planner, tag),
        422,
        "geometry",
    )
    message = onto["errors"][0]["message"]
    assert f"{len(inside)} buildings" in message and f"{len(inside)} in no quarter" in message
    assert "grow the neighbouring quarter first" in message
    # A copy of it in a scenario puts its buildings in two quarters: taken.
    copy = _feature(quarter["geometry"], **{**quarter["properties"], "slug": "kopi"})
    r = _send(
        writable_client, "POST", f"/collections/quarters/items?scenario={slug}", copy, planner
    )
    assert r.status_code == 201, r.text
    before = _counts(db)
    moved = _feature(quarter["geometry"], **{**quarter["properties"], "quarter_set": "kvarterer"})
    _problem(_send(writable_client, "PUT", path, moved, planner, tag), 422, "geometry")
    # Deleted: its buildings in no quarter; a conflict with them, not a bad request.
    gone = writable_client.delete(path, headers={**planner, "If-Match": tag})
    assert f"{len(inside)} buildings" in _problem(gone, 409)["detail"]
    assert _counts(db) == before and _get(writable_client, "quarters", 2) == (quarter, tag)

    # An edit that keeps every building in a quarter is taken: the quarter grown by a spot
    # just outside the area, then restored.
    far = _square(10.415, 55.400, 0.002)
    grown_ok = {
        "type": "MultiPolygon",
        "coordinates": quarter["geometry"]["coordinates"] + [far["coordinates"]],
    }
    r = _send(writable_client, "PATCH", path, {"geometry": grown_ok}, planner, tag)
    assert r.status_code == 200, r.text
    versions = writable_client.get(path + "/history").json()
    back = writable_client.post(
        f"{path}/history/{versions[-2]['change']['id']}/restore",
        headers={**planner, "If-Match": r.headers["etag"]},
    )
    assert back.status_code == 200, back.text
    assert back.json()["geometry"] == quarter["geometry"]


def test_a_border_two_quarters_share_moves_by_growing_one_then_shrinking_the_other(
    writable_client, writable_ref, db
):
    """Part 4 writes one feature at a time: quarter 1 takes over all of quarter 2's ground
    (its buildings in two quarters a moment), then quarter 2 shrinks to a spot without
    buildings; every building ends in exactly one quarter. In a scenario, so the module's
    adopted plan stays as it was."""
    planner = writable_ref.bearer("planner")
    slug = _scenario(db, "ny-graense")
    inside = _buildings_in(db, 2)
    assert inside
    with db.connect() as c:
        union = json.loads(
            c.execute(
                text(
                    "SELECT ST_AsGeoJSON(ST_Transform(ST_Multi(ST_Union(geom)), 4326), 9)"
                    " FROM quarter WHERE id IN (1, 2)"
                )
            ).scalar_one()
        )
    one, tag1 = _get(writable_client, "quarters", 1, scenario=slug)
    grown = _send(
        writable_client,
        "PATCH",
        f"/collections/quarters/items/1?scenario={slug}",
        {"geometry": union},
        planner,
        tag1,
    )
    assert grown.status_code == 200, grown.text
    two, tag2 = _get(writable_client, "quarters", 2, scenario=slug)
    lon, lat = _empty_spot(db, 2)
    shrunk = _send(
        writable_client,
        "PATCH",
        f"/collections/quarters/items/2?scenario={slug}",
        {"geometry": _square(lon, lat)},
        planner,
        tag2,
    )
    assert shrunk.status_code == 200, shrunk.text
    with db.begin() as c:
        c.execute(text("SET LOCAL search_path = plan_scenario, public"))
        c.execute(
            text(
                "SELECT set_config('vm.scenario',"
                " (SELECT id::text FROM scenario WHERE slug = :s), true)"
            ),
            {"s": slug},
        )
        counts = c.execute(
            text(
                "SELECT b.id, count(q.id) FROM building b JOIN quarter q"
                " ON q.quarter_set_id = (SELECT quarter_set_id FROM quarter WHERE id = 1)"
                " AND ST_Intersects(q.geom, b.anchor) WHERE b.id = ANY(:ids) GROUP BY b.id"
            ),
            {"ids": inside},
        ).all()
    assert sorted(i for i, _n in counts) == inside and {n for _i, n in counts} == {1}


# --- an edit that changes nothing ---------------------------------------------------------


def _data_version(db) -> int:
    with db.connect() as c:
        return c.execute(text("SELECT version FROM data_version")).scalar_one()


def test_an_edit_that_changes_nothing_writes_nothing_and_keeps_the_etag(
    writable_client, writable_ref, db
):
    planner = writable_ref.bearer("planner")
    slug = _scenario(db, "ingen-aendring")
    for params in ({}, {"scenario": slug}):
        f, tag = _get(writable_client, "buildings", 6, **params)
        path = f"/collections/buildings/items/6?{'&'.join(f'{k}={v}' for k, v in params.items())}"
        before, version = _counts(db), _data_version(db)
        same = {k: v for k, v in f.items() if k != "links"}
        for method, body in (
            ("PATCH", {"properties": {}}),
            ("PATCH", {"properties": {"name": f["properties"]["name"]}}),
            ("PATCH", {"geometry": f["geometry"]}),
            ("PATCH", {"properties": {"dwellings": f["properties"]["dwellings"]}}),
            ("PUT", same),
        ):
            r = _send(writable_client, method, path, body, planner, tag)
            assert r.status_code == 200, (method, body, r.text)
            assert r.headers["etag"] == tag
            assert {k: v for k, v in r.json().items() if k != "links"} == same
        # Nothing written, in vedtaget nor in the scenario (no copy made there).
        assert _counts(db) == before and _data_version(db) == version
        assert _get(writable_client, "buildings", 6, **params) == (f, tag)
        # The precondition still holds for an edit that would change nothing.
        _problem(_send(writable_client, "PATCH", path, {"properties": {}}, planner, '"v1"'), 412)
        _problem(_send(writable_client, "PATCH", path, {"properties": {}}, planner), 428)
    # One that changes something is written as before.
    r = _send(
        writable_client,
        "PATCH",
        "/collections/buildings/items/6",
        {"properties": {"storeys": (f["properties"]["storeys"] or 0) + 1}},
        planner,
        _get(writable_client, "buildings", 6)[1],
    )
    assert r.status_code == 200 and r.headers["etag"] != tag


def test_content_crs_names_the_crs_of_the_geometry_sent(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    x, y = 590900.0, 6140800.0
    point = {"type": "Point", "coordinates": [x, y]}
    r = _send(
        writable_client,
        "POST",
        "/collections/facilities/items",
        _feature(point, name="Ny daginstitution", kind="daycare"),
        planner,
        **{"Content-Crs": UTM32},
    )
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    with db.connect() as c:
        stored = c.execute(
            text("SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM facility WHERE id = :id"),
            {"id": fid},
        ).one()
        lon, lat = c.execute(
            text(
                "SELECT ST_X(g), ST_Y(g) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y),"
                " 25832), 4326) g"
            ),
            {"x": x, "y": y},
        ).one()
    assert stored == (x, y, 25832)
    lon_out, lat_out = r.json()["geometry"]["coordinates"]
    assert abs(lon_out - lon) < 1e-6 and abs(lat_out - lat) < 1e-6
    # Coordinates in UTM sent as if CRS84 are out of range, not silently misplaced.
    _problem(
        _send(
            writable_client,
            "POST",
            "/collections/facilities/items",
            _feature(point, name="x", kind="daycare"),
            planner,
        ),
        422,
        "geometry",
    )
    bad = _send(
        writable_client,
        "POST",
        "/collections/facilities/items",
        _feature(point, name="x", kind="daycare"),
        planner,
        **{"Content-Crs": "<EPSG:1>"},
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("fid", ["99999999999", "2147483648", "0", "-1", "abc"])
def test_ids_that_name_no_feature_are_404(writable_client, writable_ref, fid):
    planner = writable_ref.bearer("planner")
    path = f"/collections/buildings/items/{fid}"
    assert writable_client.get(path).status_code == 404
    _problem(_send(writable_client, "PATCH", path, {"properties": {}}, planner, "*"), 404)
    _problem(
        _send(writable_client, "PUT", path, _feature(_square(*TORV), use="housing"), planner, "*"),
        404,
    )
    _problem(writable_client.delete(path, headers={**planner, "If-Match": "*"}), 404)
    _problem(writable_client.get(path + "/history"), 404)
    _problem(
        writable_client.post(path + "/history/1/restore", headers={**planner, "If-Match": "*"}), 404
    )


def test_roles_and_read_only_collections(writable_client, writable_ref, db):
    before = _counts(db)
    path = f"/collections/buildings/items/{BUILDING}"
    patch = {"properties": {"storeys": 9}}
    _problem(_send(writable_client, "PATCH", path, patch, {}, "*"), 401)
    _problem(
        _send(writable_client, "PATCH", path, patch, {"Authorization": "Bearer nope"}, "*"), 401
    )
    _problem(
        _send(writable_client, "PATCH", path, patch, writable_ref.bearer("developer_company"), "*"),
        403,
    )
    _problem(
        _send(
            writable_client,
            "POST",
            "/collections/buildings/items",
            _feature(_square(*TORV), use="housing"),
            {},
        ),
        401,
    )
    areas = _send(
        writable_client,
        "PATCH",
        "/collections/areas/items/1",
        patch,
        writable_ref.bearer("admin"),
        "*",
    )
    assert areas.status_code == 405 and "GET" in areas.headers["allow"]
    assert (
        _send(
            writable_client, "POST", "/collections/areas/items", {}, writable_ref.bearer("admin")
        ).status_code
        == 405
    )
    _problem(
        _send(writable_client, "POST", "/collections/nope/items", {}, writable_ref.bearer("admin")),
        404,
    )
    assert _counts(db) == before


# --- plots: land data, sale data only for those who may edit it -------------------------


def _a_plot_with_sale_data(db) -> int:
    with db.connect() as c:
        return c.execute(
            text("SELECT min(parcel_id) FROM parcel_sale WHERE price_dkk IS NOT NULL")
        ).scalar_one()


def test_plot_sale_data_only_for_roles_that_may_edit_it(writable_client, writable_ref, db):
    plot = _a_plot_with_sale_data(db)
    path = f"/collections/plots/items/{plot}"
    planner, company = writable_ref.bearer("planner"), writable_ref.bearer("developer_company")
    seen = writable_client.get(path, headers=planner)
    assert "price_dkk" not in seen.json()["properties"]
    tag = seen.headers["etag"]
    before = _counts(db)
    # The planner may not change the sale status, nor even name confidential fields.
    _problem(
        _send(
            writable_client,
            "PATCH",
            path,
            {"properties": {"sale_status": "on_offer"}},
            planner,
            tag,
        ),
        403,
    )
    _problem(
        _send(writable_client, "PATCH", path, {"properties": {"price_dkk": 1}}, planner, tag),
        422,
        "price_dkk",
    )
    # The company may not change plan data.
    _problem(
        _send(writable_client, "PATCH", path, {"properties": {"plot_ratio": 2.0}}, company, tag),
        403,
    )
    assert _counts(db) == before

    # The planner's whole feature as read (sale data unseen, unchanged) changes plan data
    # and keeps the sale data it never saw.
    f = seen.json()
    props = {**f["properties"], "plot_ratio": 1.5}
    r = _send(writable_client, "PUT", path, _feature(f["geometry"], **props), planner, tag)
    assert r.status_code == 200, r.text
    full = writable_client.get(path, headers=company).json()["properties"]
    assert full["plot_ratio"] == 1.5 and full["price_dkk"] is not None

    r = _send(
        writable_client,
        "PATCH",
        path,
        {
            "properties": {
                "sale_status": "under_option",
                "buyer": "AP Ejendomme",
                # Not the owner, as the one before was: an unsold plot's owner may not name it.
                "option_holder": "AP Ejendomme",
                "option_date": "2026-02-01",
            }
        },
        company,
        r.headers["etag"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["buyer"] == "AP Ejendomme"
    with db.connect() as c:
        last = c.execute(
            text(
                "SELECT from_status, to_status, actor FROM sale_status_change"
                " WHERE parcel_id = :id ORDER BY id DESC LIMIT 1"
            ),
            {"id": plot},
        ).one()
    assert last.to_status == "under_option" and last.actor == "developer_company-writer"
    _problem(
        _send(
            writable_client,
            "PATCH",
            path,
            {"properties": {"option_date": "1. maj"}},
            company,
            r.headers["etag"],
        ),
        422,
        "option_date",
    )

    history = writable_client.get(path + "/history", headers=planner).json()
    assert all("buyer" not in v["feature"]["properties"] for v in history if v["feature"])
    history = writable_client.get(path + "/history", headers=company).json()
    assert history[-1]["feature"]["properties"]["buyer"] == "AP Ejendomme"


def test_a_plot_is_created_and_deleted_its_parcel_staying(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    body = _feature(
        _square(10.4400, 55.4075),
        matrikel="9900001-900z",
        owner_category="company",
        planned_use="housing",
        plot_ratio=1.2,
        constraints="noise,soil",
    )
    r = _send(writable_client, "POST", "/collections/plots/items", body, planner)
    assert r.status_code == 201, r.text
    p = r.json()["properties"]
    assert p["sale_status"] == "not_for_sale" and p["constraints"] == "noise,soil"
    fid = r.json()["id"]
    again = _send(writable_client, "POST", "/collections/plots/items", body, planner)
    _problem(again, 422, "matrikel")
    # A plot's sale data is the company's: a planner may not create one with it.
    _problem(
        _send(
            writable_client,
            "POST",
            "/collections/plots/items",
            {
                **body,
                "properties": {
                    **body["properties"],
                    "matrikel": "9900001-901z",
                    "sale_status": "on_offer",
                },
            },
            planner,
        ),
        403,
    )
    # Removing a plot takes its sale data with it: not a planner's to do, whatever it holds.
    tag = r.headers["etag"]
    refused = writable_client.delete(
        f"/collections/plots/items/{fid}", headers={**planner, "If-Match": tag}
    )
    _problem(refused, 403)
    admin = writable_ref.bearer("admin")
    r = writable_client.delete(
        f"/collections/plots/items/{fid}", headers={**admin, "If-Match": tag}
    )
    assert r.status_code == 204
    assert writable_client.get(f"/collections/plots/items/{fid}").status_code == 404
    assert writable_client.get(f"/collections/parcels/items/{fid}").status_code == 200


# --- every other layer: a round trip each -----------------------------------------------

ROUND_TRIPS = [
    (
        "roads",
        {"type": "LineString", "coordinates": [[10.430, 55.405], [10.432, 55.406]]},
        {"kind": "sivegade", "name": "Ny sivegade", "status": "planned", "opening_year": 2027},
        {"closing_year": 2040},
    ),
    (
        "rail_lines",
        {"type": "LineString", "coordinates": [[10.430, 55.405], [10.440, 55.407]]},
        {"name": "Letbane, variant B", "opening_year": 2032},
        {"decided": True},
    ),
    (
        "rail_stops",
        {"type": "Point", "coordinates": [10.435, 55.406]},
        {"line": "Letbane linje 2 (etape 2)", "name": "Nyt stop", "opening_year": 2030},
        {"name": "Vollsmose Syd"},
    ),
    (
        "facilities",
        {"type": "Point", "coordinates": [10.436, 55.407]},
        {"name": "Kulturhus", "kind": "culture", "opening_year": 2026},
        {"closing_year": 2035},
    ),
    (
        "quarters",
        _square(10.415, 55.400, 0.002),  # outside the area: no building in two quarters
        {
            "area": "vollsmose",
            "quarter_set": "kvarterer",
            "slug": "nyt-kvarter",
            "name": "Nyt",
            "color": "#123456",
        },
        {"name": "Nyt kvarter"},
    ),
    (
        "parcels",
        _square(10.441, 55.409),
        {"ejerlavskode": 9900001, "matrikelnummer": "950q", "planned_use": "green"},
        {"owner": "Odense Kommune"},
    ),
]


@pytest.mark.parametrize(
    ("cid", "geometry", "props", "patch"), ROUND_TRIPS, ids=[t[0] for t in ROUND_TRIPS]
)
def test_each_layer_round_trips_create_patch_delete(
    writable_client, writable_ref, db, cid, geometry, props, patch
):
    planner = writable_ref.bearer("planner")
    r = _send(
        writable_client, "POST", f"/collections/{cid}/items", _feature(geometry, **props), planner
    )
    assert r.status_code == 201, r.text
    fid, tag = r.json()["id"], r.headers["etag"]
    got, got_tag = _get(writable_client, cid, fid)
    assert got_tag == tag
    assert {k: got["properties"][k] for k in props} == props
    assert got["geometry"]["type"].endswith(geometry["type"])  # promoted to Multi where needed
    r = _send(
        writable_client,
        "PATCH",
        f"/collections/{cid}/items/{fid}",
        {"properties": patch},
        planner,
        tag,
    )
    assert r.status_code == 200, r.text
    assert {k: r.json()["properties"][k] for k in patch} == patch
    # A PUT of what was read changes nothing, its version included.
    before = _counts(db)
    again = _send(
        writable_client,
        "PUT",
        f"/collections/{cid}/items/{fid}",
        {k: v for k, v in r.json().items() if k != "links"},
        planner,
        r.headers["etag"],
    )
    assert again.status_code == 200, again.text
    assert again.json()["properties"] == r.json()["properties"]
    assert again.json()["geometry"] == r.json()["geometry"]
    assert again.headers["etag"] == r.headers["etag"] and _counts(db) == before
    d = writable_client.delete(
        f"/collections/{cid}/items/{fid}", headers={**planner, "If-Match": again.headers["etag"]}
    )
    assert d.status_code == 204
    assert writable_client.get(f"/collections/{cid}/items/{fid}").status_code == 404


def test_names_a_feature_refers_to_must_exist(writable_client, writable_ref):
    planner = writable_ref.bearer("planner")
    stop = _feature({"type": "Point", "coordinates": [10.435, 55.406]}, line="Linje 9", name="x")
    _problem(
        _send(writable_client, "POST", "/collections/rail_stops/items", stop, planner), 422, "line"
    )
    quarter = _feature(
        _square(10.425, 55.404), area="vollsmose", quarter_set="ingen", slug="x", name="x"
    )
    _problem(
        _send(writable_client, "POST", "/collections/quarters/items", quarter, planner),
        422,
        "quarter_set",
    )
    _problem(
        _send(
            writable_client,
            "POST",
            "/collections/quarters/items",
            {
                **quarter,
                "properties": {**quarter["properties"], "quarter_set": "kvarterer", "color": "red"},
            },
            planner,
        ),
        422,
        "color",
    )
    _problem(
        _send(
            writable_client,
            "POST",
            "/collections/roads/items",
            _feature(
                {"type": "Point", "coordinates": [10.43, 55.405]}, kind="path", status="planned"
            ),
            planner,
        ),
        422,
        "geometry",
    )


# --- scenarios ---------------------------------------------------------------------------


def test_an_edit_in_a_scenario_is_invisible_in_vedtaget(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    slug = _scenario(db, "egeparken-udskudt")
    adopted, adopted_tag = _get(writable_client, "buildings", BUILDING)
    seen, tag = _get(writable_client, "buildings", BUILDING, scenario=slug)
    assert tag == adopted_tag.replace('"v', f'"{slug}.v')
    before = _counts(db)
    r = _send(
        writable_client,
        "PATCH",
        f"/collections/buildings/items/{BUILDING}?scenario={slug}",
        {
            "properties": {
                "demolished_year": 2031,
                "dwellings": [{"tenure": "owner_occupied", "dwellings": 7}],
            }
        },
        planner,
        tag,
    )
    assert r.status_code == 200, r.text
    after = _counts(db)
    # Written only in the version tables: the adopted plan's own tables are untouched.
    for table in ("building", "dwelling_stock"):
        assert after[table] == before[table]
    assert after["building_version"] == before["building_version"] + 1
    mine, mine_tag = _get(writable_client, "buildings", BUILDING, scenario=slug)
    assert mine["properties"]["demolished_year"] == 2031 and mine_tag == r.headers["etag"]
    assert mine["properties"]["dwellings"][0]["tenure"] == "owner_occupied"
    assert _get(writable_client, "buildings", BUILDING) == (adopted, adopted_tag)
    # The adopted plan's ETag is no tag of the scenario's building.
    _problem(
        _send(
            writable_client,
            "PATCH",
            f"/collections/buildings/items/{BUILDING}?scenario={slug}",
            {"properties": {"storeys": 3}},
            planner,
            adopted_tag,
        ),
        412,
    )
    # A second edit in the scenario keeps the first as its history.
    r = _send(
        writable_client,
        "PATCH",
        f"/collections/buildings/items/{BUILDING}?scenario={slug}",
        {"properties": {"storeys": 3}},
        planner,
        mine_tag,
    )
    assert r.status_code == 200
    versions = writable_client.get(
        f"/collections/buildings/items/{BUILDING}/history", params={"scenario": slug}
    ).json()
    assert [v["scenario"] for v in versions][-2:] == [slug, slug]
    assert versions[-2]["feature"]["properties"]["demolished_year"] == 2031
    assert versions[-1]["version"] == r.headers["etag"]

    # Deleted in the scenario: gone there, still in vedtaget; the tenure mix of vedtaget moves not.
    d = writable_client.delete(
        f"/collections/buildings/items/{BUILDING}?scenario={slug}",
        headers={**planner, "If-Match": r.headers["etag"]},
    )
    assert d.status_code == 204
    assert (
        writable_client.get(
            f"/collections/buildings/items/{BUILDING}", params={"scenario": slug}
        ).status_code
        == 404
    )
    assert _get(writable_client, "buildings", BUILDING) == (adopted, adopted_tag)
    with db.connect() as c:
        c.execute(text("SELECT set_config('search_path', 'plan_view, public', false)"))
        c.execute(
            text(
                "SELECT set_config('vm.scenario', (SELECT id::text FROM scenario"
                " WHERE slug = :s), false)"
            ),
            {"s": slug},
        )
        left = c.execute(
            text("SELECT count(*) FROM dwelling_stock WHERE building_id = :id"), {"id": BUILDING}
        ).scalar_one()
    assert left == 0  # a deleted building's dwellings count nowhere in the scenario


def test_unknown_and_adopted_scenarios(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    path = f"/collections/buildings/items/{BUILDING}"
    before = _counts(db)
    _problem(
        _send(
            writable_client,
            "PATCH",
            path + "?scenario=findes-ikke",
            {"properties": {"storeys": 2}},
            planner,
            "*",
        ),
        404,
    )
    slug = _scenario(db, "vedtaget-engang", adopted=True)
    _problem(
        _send(
            writable_client,
            "PATCH",
            f"{path}?scenario={slug}",
            {"properties": {"storeys": 2}},
            planner,
            "*",
        ),
        409,
    )
    assert _counts(db) == before


# --- history and restore ----------------------------------------------------------------


def test_history_lists_every_version_and_any_can_be_restored(writable_client, writable_ref):
    planner = writable_ref.bearer("planner")
    road, tag = _get(writable_client, "roads", 1)
    path = "/collections/roads/items/1"
    first = _send(
        writable_client,
        "PATCH",
        path + "?note=lukkes",
        {"properties": {"closing_year": 2030}},
        planner,
        tag,
    )
    second = _send(
        writable_client,
        "PATCH",
        path,
        {"properties": {"name": "Ejbygade (ny)"}},
        planner,
        first.headers["etag"],
    )
    assert second.status_code == 200
    versions = writable_client.get(path + "/history").json()
    assert [v["change"]["kind"] for v in versions] == ["load", "edit", "edit"]
    assert versions[1]["change"]["note"] == "lukkes"
    assert (
        versions[1]["change"]["actor"] == "planner-writer"
        and versions[1]["change"]["role"] == "planner"
    )
    assert [v["version"] for v in versions] == [tag, first.headers["etag"], second.headers["etag"]]
    stamps = [v["change"]["recorded_at"] for v in versions]
    assert stamps == sorted(stamps)
    assert versions[0]["feature"]["properties"] == road["properties"]
    assert versions[1]["feature"]["properties"]["closing_year"] == 2030

    restore = f"{path}/history/{versions[0]['change']['id']}/restore"
    _problem(writable_client.post(restore, headers=planner), 428)
    _problem(writable_client.post(restore, headers={**planner, "If-Match": tag}), 412)
    r = writable_client.post(
        restore + "?note=tilbage", headers={**planner, "If-Match": second.headers["etag"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"] == road["properties"]
    versions = writable_client.get(path + "/history").json()
    assert (
        versions[-1]["change"]["kind"] == "restore" and versions[-1]["version"] == r.headers["etag"]
    )
    _problem(
        writable_client.post(
            f"{path}/history/123456789/restore", headers={**planner, "If-Match": "*"}
        ),
        404,
    )


def test_a_deleted_building_is_restored_with_its_dwellings(writable_client, writable_ref):
    planner = writable_ref.bearer("planner")
    fid = 7
    f, tag = _get(writable_client, "buildings", fid)
    d = writable_client.delete(
        f"/collections/buildings/items/{fid}", headers={**planner, "If-Match": tag}
    )
    assert d.status_code == 204
    versions = writable_client.get(f"/collections/buildings/items/{fid}/history").json()
    assert versions[-1]["deleted"] is True and versions[-1]["feature"] is None
    assert versions[-1]["change"]["kind"] == "delete"
    r = writable_client.post(
        f"/collections/buildings/items/{fid}/history/{versions[-2]['change']['id']}/restore",
        headers={**planner, "If-Match": versions[-1]["version"]},
    )
    assert r.status_code == 200, r.text
    back, _t = _get(writable_client, "buildings", fid)
    assert back["properties"] == f["properties"] and back["geometry"] == f["geometry"]


def test_gdal_edits_through_oapif_when_its_driver_can_write():
    if shutil.which("ogrinfo") is None:
        pytest.skip("GDAL is not installed")
    info = subprocess.run(["ogrinfo", "--format", "OAPIF"], capture_output=True, text=True).stdout
    if "Create()" not in info and "Update" not in info:
        pytest.skip("GDAL's OAPIF driver reads only (GDAL 3.6): no Part 4 client to test with")
    pytest.fail("GDAL's OAPIF driver can write now: add the edit through it here")


def test_a_parcel_edited_in_a_scenario_keeps_its_plot_there(writable_client, writable_ref, db):
    """Copy on first write takes the parcel's land and sale rows with it: the plot stays in
    the scenario, with its sale data, and a later restore there goes back to the base."""
    # An admin edits: a planner may not set the owner of a plot in a sale (issue 15).
    editor, company = writable_ref.bearer("admin"), writable_ref.bearer("developer_company")
    slug = _scenario(db, "matrikel-scenarie")
    plot = _a_plot_with_sale_data(db)
    before = writable_client.get(f"/collections/plots/items/{plot}", headers=company).json()
    parcel, tag = _get(writable_client, "parcels", plot, scenario=slug)
    r = _send(
        writable_client,
        "PATCH",
        f"/collections/parcels/items/{plot}?scenario={slug}",
        {"properties": {"owner": "Scenarieejer"}},
        editor,
        tag,
    )
    assert r.status_code == 200, r.text
    there = writable_client.get(
        f"/collections/plots/items/{plot}", params={"scenario": slug}, headers=company
    )
    assert there.status_code == 200
    assert there.json()["properties"] == before["properties"]
    assert _get(writable_client, "parcels", plot)[0]["properties"]["owner"] != "Scenarieejer"
    versions = writable_client.get(
        f"/collections/parcels/items/{plot}/history", params={"scenario": slug}
    ).json()
    assert versions[-1]["scenario"] == slug and versions[-2]["scenario"] == "vedtaget"
    r = writable_client.post(
        f"/collections/parcels/items/{plot}/history/{versions[-2]['change']['id']}/restore",
        params={"scenario": slug},
        headers={**editor, "If-Match": versions[-1]["version"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["owner"] == parcel["properties"]["owner"]
    assert r.headers["etag"].startswith(f'"{slug}.v')


def test_a_plot_posted_for_a_parcel_of_the_plan_becomes_its_land_record(
    writable_client, writable_ref, db
):
    """A GIS user adds a plot on a parcel the plan has (made in the parcels layer, or left
    when its plot was deleted): the POST gives that parcel its land record, under the
    parcel's id, and never a second parcel or a changed shape."""
    planner = writable_ref.bearer("planner")
    shape = _square(10.4405, 55.4085)
    r = _send(
        writable_client,
        "POST",
        "/collections/parcels/items",
        _feature(shape, ejerlavskode=9900001, matrikelnummer="960q", planned_use="housing"),
        planner,
    )
    assert r.status_code == 201, r.text
    parcel, parcel_tag = r.json()["id"], r.headers["etag"]
    assert writable_client.get(f"/collections/plots/items/{parcel}").status_code == 404
    before = _counts(db)
    plot = _feature(None, matrikel="9900001-960q", owner_category="odense_kommune", plot_ratio=0.8)
    r = _send(writable_client, "POST", "/collections/plots/items?note=byggefelt", plot, planner)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == parcel
    assert r.headers["location"].endswith(f"/collections/plots/items/{parcel}")
    p = r.json()["properties"]
    assert p["owner_category"] == "odense_kommune" and p["plot_ratio"] == 0.8
    assert p["planned_use"] == "housing"  # the parcel's, kept: the body did not name it
    assert p["sale_status"] == "not_for_sale"
    after = _counts(db)
    assert after["parcel"] == before["parcel"] and after["parcel_land"] == before["parcel_land"] + 1
    assert _get(writable_client, "plots", parcel)[1] == r.headers["etag"] != parcel_tag
    assert (
        _get(writable_client, "parcels", parcel)[0]["geometry"]
        == _get(writable_client, "plots", parcel)[0]["geometry"]
    )

    # Again: it is a plot now, to be edited where it is.
    again = _problem(
        _send(writable_client, "POST", "/collections/plots/items", plot, planner), 422, "matrikel"
    )
    assert f"/collections/plots/items/{parcel}" in again["detail"]
    # Deleted, the plot leaves its parcel; POSTed back with the geometry read, it returns.
    served, tag = _get(writable_client, "plots", parcel)
    d = writable_client.delete(
        f"/collections/plots/items/{parcel}",
        headers={**writable_ref.bearer("admin"), "If-Match": tag},
    )
    assert d.status_code == 204
    # A plot is its parcel's land: another shape is refused, naming the geometry.
    moved = _feature(
        _square(10.4406, 55.4086), matrikel="9900001-960q", owner_category="odense_kommune"
    )
    _problem(
        _send(writable_client, "POST", "/collections/plots/items", moved, planner), 422, "geometry"
    )
    back = _send(
        writable_client,
        "POST",
        "/collections/plots/items",
        _feature(served["geometry"], **{**served["properties"], "plot_area_m2": None}),
        planner,
    )
    assert back.status_code == 201, back.text
    assert back.json()["id"] == parcel and back.json()["properties"] == served["properties"]

    # In a scenario, the parcel becomes the scenario's, with its new plot; vedtaget keeps
    # the parcel as it was.
    slug = _scenario(db, "byggefelt")
    r = _send(
        writable_client,
        "POST",
        "/collections/parcels/items",
        _feature(_square(10.4412, 55.4090), ejerlavskode=9900001, matrikelnummer="961q"),
        planner,
    )
    assert r.status_code == 201, r.text
    other_parcel = r.json()["id"]
    r = _send(
        writable_client,
        "POST",
        f"/collections/plots/items?scenario={slug}",
        _feature(None, matrikel="9900001-961q", owner_category="civica"),
        planner,
    )
    assert r.status_code == 201, r.text
    assert r.headers["etag"].startswith(f'"{slug}.v')
    assert _get(writable_client, "plots", other_parcel, scenario=slug)[0]["id"] == other_parcel
    assert writable_client.get(f"/collections/plots/items/{other_parcel}").status_code == 404
    # An unknown matrikel without a geometry: a new parcel needs its shape.
    _problem(
        _send(
            writable_client,
            "POST",
            "/collections/plots/items",
            _feature(None, matrikel="9900001-999x", owner_category="civica"),
            planner,
        ),
        422,
        "geometry",
    )


# --- validation: what the database cannot hold is refused by name, before any write ----

EPSG4326 = "<http://www.opengis.net/def/crs/EPSG/0/4326>"
STOP = (10.436, 55.407)
RAW_BAD = [
    # (collection, raw body, Content-Crs, the field named)
    ("facilities", '{"type":"Point","coordinates":[10.436,95.0]}', None, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[200.0,55.4]}', None, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[95.0,10.436]}', EPSG4326, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[55.407,200.0]}', EPSG4326, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[NaN,55.407]}', None, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[10.436,Infinity]}', EPSG4326, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[-Infinity,55.407]}', UTM32, "geometry"),
    ("facilities", '{"type":"Point","coordinates":[10.436,1e999]}', None, "geometry"),
]


def _raw(geometry: str, props: str) -> bytes:
    return f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}'.encode()


@pytest.mark.parametrize(("cid", "geometry", "crs", "parameter"), RAW_BAD)
def test_coordinates_out_of_range_or_not_finite_are_refused_naming_geometry(
    writable_client, writable_ref, db, cid, geometry, crs, parameter
):
    planner = writable_ref.bearer("planner")
    headers = {**planner, "Content-Type": GEOJSON, **({"Content-Crs": crs} if crs else {})}
    before = _counts(db)
    body = _raw(geometry, '{"name":"x","kind":"daycare"}')
    _problem(
        writable_client.post(f"/collections/{cid}/items", content=body, headers=headers),
        422,
        parameter,
    )
    _, tag = _get(writable_client, "facilities", 1)
    patch = f'{{"geometry":{geometry}}}'.encode()
    _problem(
        writable_client.patch(
            "/collections/facilities/items/1",
            content=patch,
            headers={**headers, "Content-Type": MERGE, "If-Match": tag},
        ),
        422,
        parameter,
    )
    assert _counts(db) == before


BAD_TEXT = [
    # (collection, properties as raw JSON, the field named)
    ("facilities", '{"name":"Kultur\\u0000hus","kind":"culture"}', "name"),
    ("facilities", '{"name":"\\ud800","kind":"culture"}', "name"),
    ("facilities", '{"name":"x","kind":"cult\\u0000ure"}', "kind"),
    ("facilities", '{"name":"x","kind":"culture","opening_year":NaN}', "opening_year"),
    ("facilities", '{"name":"x","kind":"culture","closing_year":-Infinity}', "closing_year"),
    ("facilities", '{"name":"x","kind":"culture","na\\u0000me":"x"}', "properties"),
    ("rail_stops", '{"line":"Letbane\\u0000","name":"x"}', "line"),
    ("plots", '{"matrikel":"9900001-97\\u0000a","owner_category":"civica"}', "matrikel"),
    (
        "buildings",
        '{"use":"housing","dwellings":[{"tenure":"owner_\\u0000occupied","dwellings":1}]}',
        "dwellings[0].tenure",
    ),
    ("buildings", '{"use":"housing","storeys":Infinity}', "storeys"),
]


@pytest.mark.parametrize(("cid", "props", "parameter"), BAD_TEXT)
def test_nul_lone_surrogates_and_non_finite_numbers_are_refused_by_name(
    writable_client, writable_ref, db, cid, props, parameter
):
    planner = writable_ref.bearer("planner")
    point = '{"type":"Point","coordinates":[10.436,55.407]}'
    shape = json.dumps(_square(10.4400, 55.4075))
    body = _raw(point if cid in ("facilities", "rail_stops") else shape, props)
    before = _counts(db)
    r = writable_client.post(
        f"/collections/{cid}/items", content=body, headers={**planner, "Content-Type": GEOJSON}
    )
    _problem(r, 422, parameter)
    assert _counts(db) == before


def test_a_note_with_a_nul_is_refused_and_nothing_written(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    before = _counts(db)
    _, tag = _get(writable_client, "facilities", 1)
    r = _send(
        writable_client,
        "PATCH",
        "/collections/facilities/items/1?note=a%00b",
        {"properties": {"name": "Nyt navn"}},
        planner,
        tag,
    )
    # Refused before the route, as any NUL in a request's URL is (400).
    assert "NUL" in _problem(r, 400)["detail"]
    assert _counts(db) == before


def test_restoring_the_version_there_is_writes_nothing(writable_client, writable_ref, db):
    planner = writable_ref.bearer("planner")
    path = "/collections/roads/items/2"
    road, tag = _get(writable_client, "roads", 2)
    r = _send(writable_client, "PATCH", path, {"properties": {"closing_year": 2033}}, planner, tag)
    assert r.status_code == 200, r.text
    back = _send(
        writable_client,
        "PATCH",
        path,
        {"properties": {"closing_year": None}},
        planner,
        r.headers["etag"],
    )
    assert back.status_code == 200, back.text
    first, _edit, now = writable_client.get(path + "/history").json()
    before = _counts(db)
    # The version served now, and the first one, which holds the same values again.
    for version in (now, first):
        same = writable_client.post(
            f"{path}/history/{version['change']['id']}/restore",
            headers={**planner, "If-Match": back.headers["etag"]},
        )
        assert same.status_code == 200, same.text
        assert same.headers["etag"] == back.headers["etag"]
        assert same.json()["properties"] == road["properties"]
    assert _counts(db) == before
    # A deleted feature "restored" to a version in which it was absent: nothing to do.
    d = writable_client.delete(path, headers={**planner, "If-Match": back.headers["etag"]})
    assert d.status_code == 204
    versions = writable_client.get(path + "/history").json()
    before = _counts(db)
    again = writable_client.post(
        f"{path}/history/{versions[-1]['change']['id']}/restore",
        headers={**planner, "If-Match": versions[-1]["version"]},
    )
    assert again.status_code == 204 and _counts(db) == before
