"""The plots collection's sale data is confidential on every path, for every reader.

One plot (label 12) carries sentinel sale data (buyer, option holder, price, a history note).
Each path is asked by the public, a planner, the company and an admin: for the first two the
sentinels (and the names of the confidential fields, where a document lists fields) must be
absent from the whole body; for the others present where the path carries sale data at all.
Tiles, collection documents and the OpenAPI document never carry them.
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
from sqlalchemy import text

from gis import auth
from gis.land.confidential import CONFIDENTIAL_FIELDS
from gis.reference import default_reference_path, load_reference
from gis.roles import PERMISSIONS, Permission, Role
from tests.api.conftest import make_client
from tests.support import prepared_database

BUYER = "Sentinel Køber ApS 7731"
PRICE = 98765431.0
NOTE = "Sentinel-note 5519"
SECRETS = ("Sentinel", "98765431", "5519")
LEAKS = (*(s.encode() for s in SECRETS), struct.pack(">d", PRICE), struct.pack("<d", PRICE))
READERS = ("public", "planner", "developer_company", "admin")
ALLOWED = {r.value for r in Role if Permission.READ_CONFIDENTIAL in PERMISSIONS[r]}
ITEMS = "/collections/plots/items"


@pytest.fixture(scope="module")
def secret_db(new_database) -> tuple[str, dict[str, str], int, tuple[float, float]]:
    tokens: dict[str, str] = {}
    found: dict = {}

    def load(conn):
        load_reference(conn, default_reference_path())
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, role, role)
        pid = conn.execute(text("SELECT parcel_id FROM parcel_land WHERE plot_label = '12'"))
        found["id"] = pid.scalar_one()
        conn.execute(
            text(
                "INSERT INTO parcel_sale (parcel_id, price_dkk, buyer, option_holder, "
                "offered_date) VALUES (:id, :price, :buyer, :buyer, '2026-02-01') "
                "ON CONFLICT (parcel_id) DO UPDATE SET price_dkk = :price, buyer = :buyer, "
                "option_holder = :buyer"
            ),
            {"id": found["id"], "price": PRICE, "buyer": BUYER},
        )
        conn.execute(
            text(
                "INSERT INTO sale_status_change (parcel_id, actor, from_status, to_status, note)"
                " VALUES (:id, :actor, 'planned', 'on_offer', :note)"
            ),
            {"id": found["id"], "actor": BUYER, "note": NOTE},
        )
        lonlat = conn.execute(
            text(
                "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326)"
                " AS g FROM parcel WHERE id = :id) x"
            ),
            {"id": found["id"]},
        ).one()
        found["lonlat"] = (lonlat[0], lonlat[1])

    url = prepared_database(new_database, load)
    return url, tokens, found["id"], found["lonlat"]


@pytest.fixture(scope="module")
def client(secret_db) -> Iterator:
    with make_client(secret_db[0]) as c:
        yield c


def get(client, secret_db, reader: str, path: str, **params):
    token = secret_db[1].get(reader)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params=params, headers=headers)


def check(r, reader: str) -> bool:
    """200, and the sentinels present exactly for readers allowed to read sale data."""
    assert r.status_code == 200, r.text[:300]
    assert "authorization" in r.headers["vary"].lower()
    if reader in ALLOWED:
        assert BUYER.encode() in r.content or BUYER in r.text
        return True
    for s in LEAKS:
        assert s not in r.content, (reader, s)
    return False


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "html", "csv"])
def test_items(client, secret_db, reader, fmt):
    r = get(client, secret_db, reader, ITEMS, f=fmt, plot_label="12")
    allowed = check(r, reader)
    if fmt == "json":
        props = r.json()["features"][0]["properties"]
        if allowed:
            assert props["buyer"] == BUYER and props["price_dkk"] == PRICE
        else:
            assert not set(CONFIDENTIAL_FIELDS) & set(props)
    if fmt == "csv" and not allowed:
        assert not any(f in r.text.splitlines()[0] for f in CONFIDENTIAL_FIELDS)


@pytest.mark.parametrize("reader", READERS)
def test_items_gpkg(client, secret_db, reader):
    r = get(client, secret_db, reader, ITEMS, f="gpkg", limit=200)
    allowed = check(r, reader)
    df = pyogrio.read_dataframe(io.BytesIO(r.content))
    if allowed:
        assert set(CONFIDENTIAL_FIELDS) <= set(df.columns)
        row = df[df.plot_label == "12"].iloc[0]
        assert row["buyer"] == BUYER and row["price_dkk"] == PRICE
    else:
        assert not set(CONFIDENTIAL_FIELDS) & set(df.columns)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_item(client, secret_db, reader, fmt):
    check(get(client, secret_db, reader, f"{ITEMS}/{secret_db[2]}", f=fmt), reader)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_queryables(client, secret_db, reader, fmt):
    r = get(client, secret_db, reader, "/collections/plots/queryables", f=fmt)
    assert r.status_code == 200
    listed = [n for n in CONFIDENTIAL_FIELDS if n in r.text]
    assert listed == (list(CONFIDENTIAL_FIELDS) if reader in ALLOWED else [])


def _shape(r, name: str) -> tuple[int, str]:
    return r.status_code, r.text.replace(name, "NAME")


@pytest.mark.parametrize("reader", ["public", "planner"])
@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        (ITEMS, "filter", "{}='x'"),
        (ITEMS, "sortby", "{}"),
        (ITEMS, "properties", "{}"),
        ("/land/sellable", "filter", "{} IS NOT NULL"),
    ],
)
def test_a_confidential_name_is_as_unknown_as_a_made_up_one(
    client, secret_db, reader, path, param, value
):
    for name in ("buyer", "price_dkk", "sold_date"):
        hidden = get(client, secret_db, reader, path, **{param: value.format(name)})
        made_up = get(client, secret_db, reader, path, **{param: value.format("nosuchprop")})
        assert hidden.status_code == 400, hidden.text
        assert _shape(hidden, name) == _shape(made_up, "nosuchprop")


@pytest.mark.parametrize("reader", sorted(ALLOWED))
@pytest.mark.parametrize("path", [ITEMS, "/land/sellable"])
def test_those_allowed_filter_and_sort_on_sale_data(client, secret_db, reader, path):
    extra = {"status": "any"} if path == "/land/sellable" else {}
    r = get(client, secret_db, reader, path, filter=f"buyer='{BUYER}'", **extra)
    assert r.status_code == 200 and [f["id"] for f in r.json()["features"]] == [secret_db[2]]
    r = get(client, secret_db, reader, path, filter="price_dkk > 98765430", **extra)
    assert [f["id"] for f in r.json()["features"]] == [secret_db[2]]
    if path == ITEMS:
        r = get(client, secret_db, reader, path, sortby="-price_dkk", limit=1)
        assert r.json()["features"][0]["id"] == secret_db[2]


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    col = int((lon + 180) / 360 * n)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, row, col


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("prefix", ["/collections/plots", ""])
def test_tiles_never_carry_sale_data(client, secret_db, reader, prefix):
    z, row, col = _tile_of(*secret_db[3], 16)
    r = get(client, secret_db, reader, f"{prefix}/tiles/WebMercatorQuad/{z}/{col}/{row}")
    assert r.status_code == 200, r.text
    for s in LEAKS:
        assert s not in r.content
    features = mapbox_vector_tile.decode(r.content)["plots"]["features"]
    assert any(f["properties"].get("plot_label") == "12" for f in features)
    assert all(not set(CONFIDENTIAL_FIELDS) & set(f["properties"]) for f in features)
    meta = get(client, secret_db, reader, f"{prefix}/tiles/WebMercatorQuad/tilejson.json")
    fields = [v["fields"] for v in meta.json()["vector_layers"] if v["id"] == "plots"]
    assert fields and not set(CONFIDENTIAL_FIELDS) & set(fields[0])


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "path", ["/collections", "/collections/plots", "/openapi.json", "/api", "/"]
)
def test_documents_carry_no_sale_data(client, secret_db, reader, path):
    r = get(client, secret_db, reader, path)
    assert r.status_code == 200, (path, r.text[:200])
    for s in SECRETS:
        assert s.encode() not in r.content


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("fmt", ["json", "csv", "gpkg"])
def test_land_query(client, secret_db, reader, fmt):
    r = get(client, secret_db, reader, "/land/sellable", status="any", f=fmt)
    allowed = check(r, reader)
    if fmt == "json":
        props = next(f["properties"] for f in r.json()["features"] if f["id"] == secret_db[2])
        assert (props["buyer"] == BUYER) if allowed else not set(CONFIDENTIAL_FIELDS) & set(props)
    if fmt == "gpkg":
        df = pyogrio.read_dataframe(io.BytesIO(r.content))
        assert bool(set(CONFIDENTIAL_FIELDS) & set(df.columns)) == allowed


@pytest.mark.parametrize("reader", READERS)
def test_history(client, secret_db, reader):
    r = get(client, secret_db, reader, "/land/parcels/12/sale-status/history")
    allowed = check(r, reader)
    assert (NOTE in r.text) == allowed


@pytest.mark.parametrize("reader", ["public", "planner"])
def test_error_messages_name_no_secret(client, secret_db, reader):
    r = get(client, secret_db, reader, ITEMS, filter=f"buyer='{BUYER}'")
    assert r.status_code == 400
    r2 = get(client, secret_db, reader, "/land/sellable", filter=f"buyer='{BUYER}'")
    assert r2.status_code == 400
    for resp in (r, r2):
        body = json.loads(resp.text)
        assert "buyer" not in body["detail"].split("queryables are:")[-1]
        for s in SECRETS[1:]:
            assert s not in resp.text
    r = get(client, secret_db, reader, f"{ITEMS}/999999")
    assert r.status_code == 404 and all(s.encode() not in r.content for s in SECRETS)
