"""Confidential properties on every OGC path, for every kind of reader.

A test layer declares one text and one number property confidential and a building carries
sentinel values in them; each path is asked by the public, each role, and by invalid, revoked
and expired tokens. For readers without `read_confidential` the sentinels (and the names)
must be absent from the whole body; for those with it, present. Tiles never carry them.
"""

from __future__ import annotations

import io
import json
import math
import struct
from collections.abc import Iterator

import mapbox_vector_tile
import pyogrio
import pytest

from gis import auth
from gis.layers import LAYERS, Layer
from gis.roles import PERMISSIONS, Permission, Role
from tests.api.conftest import make_client
from tests.support import prepared_database

LAYER = "confidential_test"
BUYER = "Sentinel Køber ApS 7731"
PRICE = 98765432.5
TORV = (10.4413, 55.4068)
SECRETS = ("Sentinel", "98765432")  # as they appear in text encodings (json, csv, html, mvt)
# ... and in binary ones: a GeoPackage (SQLite) stores a REAL big-endian, MVT little-endian.
LEAKS = (*(s.encode() for s in SECRETS), struct.pack(">d", PRICE), struct.pack("<d", PRICE))
CONFIDENTIAL = ("owner", "floor_area_m2")

TEST_LAYER = Layer(
    id=LAYER,
    title="Test: fortrolige felter",
    description="Buildings with two properties made confidential, for these tests only.",
    source="building t",
    geometry="t.footprint",
    geometry_type="MultiPolygon",
    properties=("name", "use"),
    confidential=CONFIDENTIAL,
    confidential_table="building",
)

READERS = ("public", "planner", "developer_company", "admin", "invalid", "revoked", "expired")
ALLOWED = {r.value for r in Role if Permission.READ_CONFIDENTIAL in PERMISSIONS[r]}


@pytest.fixture(scope="module")
def secret_db(new_database) -> tuple[str, dict[str, str]]:
    from sqlalchemy import text

    tokens: dict[str, str] = {}

    def load(conn):
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, role, role)
        tokens["revoked"] = auth.create_token(conn, "revoked", "admin")
        auth.revoke_token(conn, "revoked")
        tokens["expired"] = auth.create_token(conn, "expired", "developer_company", 1)
        conn.execute(text("UPDATE api_token SET expires_at = now() WHERE name = 'expired'"))
        conn.execute(
            text(
                "INSERT INTO building (id, name, use, owner, floor_area_m2, footprint) "
                "SELECT 1, 'Testblok', 'housing', :buyer, :price, ST_Multi(ST_Buffer("
                "ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 25832), 15, 1))"
            ),
            {"buyer": BUYER, "price": PRICE, "lon": TORV[0], "lat": TORV[1]},
        )
        tokens["invalid"] = "vm_" + "Z" * 43

    return prepared_database(new_database, load), tokens


@pytest.fixture(scope="module")
def client(secret_db) -> Iterator:
    mp = pytest.MonkeyPatch()
    mp.setitem(LAYERS, LAYER, TEST_LAYER)
    with make_client(secret_db[0]) as c:
        yield c
    mp.undo()


def get(client, secret_db, reader: str, path: str, **params):
    token = secret_db[1].get(reader)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params=params, headers=headers)


def check(r, reader: str, secret_db) -> bool:
    """Assert the reader's outcome; True when the sentinels must be present."""
    token = secret_db[1].get(reader)
    if reader in ("invalid", "revoked", "expired"):
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert token not in r.text
    else:
        assert r.status_code == 200, r.text
    if token:
        assert r.headers["cache-control"].startswith("private")
    assert "authorization" in r.headers["vary"].lower()
    allowed = reader in ALLOWED
    if allowed:
        assert BUYER.encode() in r.content or BUYER in r.text
    else:
        for s in LEAKS:
            assert s not in r.content, (reader, s)
    return allowed


ITEMS = f"/collections/{LAYER}/items"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "html", "csv"])
def test_items(client, secret_db, reader, fmt):
    r = get(client, secret_db, reader, ITEMS, f=fmt)
    if check(r, reader, secret_db) and fmt == "json":
        props = r.json()["features"][0]["properties"]
        assert props["owner"] == BUYER and props["floor_area_m2"] == PRICE
    elif r.status_code == 200 and fmt == "json":
        assert set(r.json()["features"][0]["properties"]) == {"name", "use"}


@pytest.mark.parametrize("reader", READERS)
def test_items_gpkg(client, secret_db, reader):
    r = get(client, secret_db, reader, ITEMS, f="gpkg")
    allowed = check(r, reader, secret_db)
    if r.status_code != 200:
        return
    df = pyogrio.read_dataframe(io.BytesIO(r.content))
    assert (
        set(CONFIDENTIAL) <= set(df.columns) if allowed else not set(CONFIDENTIAL) & set(df.columns)
    )
    if allowed:
        assert df["owner"].iloc[0] == BUYER and df["floor_area_m2"].iloc[0] == PRICE


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_item(client, secret_db, reader, fmt):
    check(get(client, secret_db, reader, f"{ITEMS}/1", f=fmt), reader, secret_db)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_queryables_list_the_names_only_to_those_allowed(client, secret_db, reader, fmt):
    r = get(client, secret_db, reader, f"/collections/{LAYER}/queryables", f=fmt)
    if reader in ("invalid", "revoked", "expired"):
        assert r.status_code == 401
        return
    listed = [n for n in CONFIDENTIAL if n in r.text]
    assert listed == (list(CONFIDENTIAL) if reader in ALLOWED else []), listed


def _shape(r, name: str) -> tuple[int, str]:
    return r.status_code, r.text.replace(name, "NAME")


@pytest.mark.parametrize("reader", ["public", "planner"])
@pytest.mark.parametrize(
    "param, value",
    [("filter", "{}='x'"), ("sortby", "{}"), ("properties", "{}"), ("filter", "{} > 1")],
)
def test_a_confidential_name_is_as_unknown_as_a_made_up_one(
    client, secret_db, reader, param, value
):
    for name in CONFIDENTIAL:
        hidden = get(client, secret_db, reader, ITEMS, **{param: value.format(name)})
        made_up = get(client, secret_db, reader, ITEMS, **{param: value.format("nosuchprop")})
        assert hidden.status_code == 400, hidden.text
        assert _shape(hidden, name) == _shape(made_up, "nosuchprop")


@pytest.mark.parametrize("reader", sorted(ALLOWED))
def test_those_allowed_filter_on_confidential_properties(client, secret_db, reader):
    r = get(client, secret_db, reader, ITEMS, filter=f"owner='{BUYER}'")
    assert r.status_code == 200 and r.json()["numberReturned"] == 1
    r = get(client, secret_db, reader, ITEMS, filter="owner='someone else'")
    assert r.status_code == 200 and r.json()["numberReturned"] == 0


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    col = int((lon + 180) / 360 * n)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, row, col


@pytest.mark.parametrize("reader", ["public", "planner", "developer_company", "admin"])
@pytest.mark.parametrize("prefix", [f"/collections/{LAYER}", ""])
def test_tiles_never_carry_confidential_properties(client, secret_db, reader, prefix):
    z, row, col = _tile_of(*TORV, 16)
    r = get(client, secret_db, reader, f"{prefix}/tiles/WebMercatorQuad/{z}/{col}/{row}")
    assert r.status_code == 200, r.text
    tile = mapbox_vector_tile.decode(r.content)
    if prefix:  # the all-layers tile also holds `buildings`, where owner is public
        for s in LEAKS:
            assert s not in r.content
    features = tile[LAYER]["features"]
    assert features and all(not set(CONFIDENTIAL) & set(f["properties"]) for f in features)
    assert features[0]["properties"]["name"] == "Testblok"
    meta = get(client, secret_db, reader, f"{prefix}/tiles/WebMercatorQuad/tilejson.json")
    fields = [v["fields"] for v in meta.json()["vector_layers"] if v["id"] == LAYER]
    assert fields and not set(CONFIDENTIAL) & set(fields[0])


@pytest.mark.parametrize("reader", ["public", "planner", "developer_company", "admin"])
@pytest.mark.parametrize(
    "path", ["/collections", f"/collections/{LAYER}", "/openapi.json", "/api", "/"]
)
def test_other_documents_carry_no_sentinel(client, secret_db, reader, path):
    r = get(client, secret_db, reader, path)
    assert r.status_code == 200, (path, r.text[:200])
    for s in SECRETS:
        assert s.encode() not in r.content


@pytest.mark.parametrize("reader", ["public", "planner"])
def test_a_missing_item_error_names_no_secret(client, secret_db, reader):
    r = get(client, secret_db, reader, f"{ITEMS}/2", f="json")
    assert r.status_code == 404
    r = get(client, secret_db, reader, ITEMS, filter=f"owner='{BUYER}'")
    assert r.status_code == 400
    assert all(s.encode() not in r.content for s in SECRETS[1:])
    json.loads(r.text)
