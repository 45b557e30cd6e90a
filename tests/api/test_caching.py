"""HTTP caching of the OGC answers (ETag from the data version, the request and the
reader's view; 304 on a match), Content-Crs on everything carrying geometry, and HEAD.

The database is this module's own (committed), so a change made by another connection, as
an editor or an import would make it, is what the API must notice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event, text

from gis import auth
from tests.api.conftest import make_client
from tests.api.test_ogc_tiles import TORV, tile_of
from tests.support import prepared_database

PUBLIC_CACHE = "public, max-age=60"
CRS84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
UTM32 = "<http://www.opengis.net/def/crs/EPSG/0/25832>"
MERCATOR = "<http://www.opengis.net/def/crs/EPSG/0/3857>"


Z, X, Y = tile_of(*TORV, 16)
CACHED = [
    "/collections",
    "/collections/buildings",
    "/collections/buildings/queryables",
    "/collections/buildings/items",
    "/collections/buildings/items?datetime=2025&limit=5",
    "/collections/buildings/items/1",
    f"/collections/buildings/tiles/WebMercatorQuad/{Z}/{X}/{Y}",
    f"/tiles/WebMercatorQuad/{Z}/{X}/{Y}",
    "/collections/buildings/tiles/WebMercatorQuad",
    "/tiles/WebMercatorQuad",
    "/collections/buildings/tiles/WebMercatorQuad/tilejson.json",
    "/tiles/WebMercatorQuad/tilejson.json",
]


@pytest.fixture(scope="module")
def db(new_database) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def load(conn):
        for role in ("planner", "developer_company"):
            tokens[role] = auth.create_token(conn, role, role)
        conn.execute(
            text(
                "INSERT INTO building (id, name, use, owner, demolished_year, footprint) "
                "SELECT 1, 'Blok A', 'housing', 'Civica', 2026, ST_Multi(ST_Buffer("
                "ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 25832), 15, 1))"
            ),
            {"lon": TORV[0], "lat": TORV[1]},
        )

    return prepared_database(new_database, load), tokens


@pytest.fixture(scope="module")
def client(db) -> Iterator:
    with make_client(db[0]) as c:
        yield c


@pytest.fixture
def writer(db) -> Iterator:
    """Another connection that commits, as an editor would; the change is undone after."""
    engine = create_engine(db[0])
    yield engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE building SET demolished_year = 2026 WHERE id = 1"))
    engine.dispose()


def bearer(db, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {db[1][role]}"}


@pytest.mark.parametrize("path", CACHED)
def test_public_answer_has_a_strong_etag_and_a_match_is_a_bodyless_304(client, path):
    first = client.get(path)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: no W/
    assert first.headers["cache-control"] == PUBLIC_CACHE
    again = client.get(path, headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == PUBLIC_CACHE
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_tells_requests_and_formats_apart(client):
    tags = {
        client.get(p).headers["etag"]
        for p in (
            "/collections/buildings/items",
            "/collections/buildings/items?limit=5",
            "/collections/buildings/items?f=html",
            "/collections/buildings/items?crs=http://www.opengis.net/def/crs/EPSG/0/25832",
            "/collections/roads/items",
        )
    }
    assert len(tags) == 5
    # The format picked by Accept (no `f`) is part of the key too.
    html = client.get("/collections/buildings/items", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["etag"] not in tags


@pytest.mark.parametrize("path", CACHED)
def test_etag_changes_after_a_data_change(client, writer, path):
    before = client.get(path)
    with writer.begin() as conn:
        conn.execute(text("UPDATE building SET demolished_year = 2028 WHERE id = 1"))
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]


def test_the_new_answer_shows_the_change(client, writer):
    path = "/collections/buildings/items/1"
    before = client.get(path)
    assert before.json()["properties"]["demolished_year"] == 2026
    with writer.begin() as conn:
        conn.execute(text("UPDATE building SET demolished_year = 2028 WHERE id = 1"))
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.json()["properties"]["demolished_year"] == 2028


# One item's ETag is its version (gis.record.version_tag), the same for every reader: a
# write's If-Match names it. Its answer to a token is private all the same.
@pytest.mark.parametrize("path", [p for p in CACHED if "/items/" not in p])
def test_confidential_reader_gets_another_etag_and_a_private_answer(client, db, path):
    public = client.get(path).headers["etag"]
    seller = client.get(path, headers=bearer(db, "developer_company"))
    assert seller.status_code == 200
    assert seller.headers["etag"] != public
    assert seller.headers["cache-control"] == "private, no-store"
    assert "authorization" in seller.headers["vary"].lower()
    # A public ETag is no good to the confidential reader, and the reverse.
    hdrs = {**bearer(db, "developer_company"), "If-None-Match": public}
    assert client.get(path, headers=hdrs).status_code == 200
    back = client.get(path, headers={"If-None-Match": seller.headers["etag"]})
    assert back.status_code == 200
    # A token without the right to confidential data sees the public view: the same ETag.
    planner = client.get(path, headers=bearer(db, "planner"))
    assert planner.headers["etag"] == public
    assert planner.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    ("path", "crs"),
    [
        ("/collections/buildings/items", CRS84),
        ("/collections/buildings/items?f=html", CRS84),
        ("/collections/buildings/items?f=csv", CRS84),
        ("/collections/buildings/items?f=gpkg", CRS84),
        ("/collections/buildings/items?crs=http://www.opengis.net/def/crs/EPSG/0/25832", UTM32),
        ("/collections/buildings/items?f=html&crs=EPSG:25832", UTM32),
        ("/collections/buildings/items?f=csv&crs=EPSG:25832", UTM32),
        ("/collections/buildings/items?f=gpkg&crs=EPSG:25832", UTM32),
        ("/collections/buildings/items/1", CRS84),
        ("/collections/buildings/items/1?f=html", CRS84),
        ("/collections/buildings/items/1?crs=EPSG:25832", UTM32),
        ("/collections/buildings/items/1?f=html&crs=EPSG:25832", UTM32),
        (f"/collections/buildings/tiles/WebMercatorQuad/{Z}/{X}/{Y}", MERCATOR),
        (f"/tiles/WebMercatorQuad/{Z}/{X}/{Y}", MERCATOR),
        ("/tiles/WebMercatorQuad/16/0/0", MERCATOR),  # empty: 204, still in 3857
    ],
)
def test_content_crs_on_every_answer_with_geometry(client, path, crs):
    r = client.get(path)
    assert r.status_code in (200, 204), r.text
    assert r.headers["content-crs"] == crs
    again = client.get(path, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.headers["content-crs"] == crs


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conformance",
        "/collections",
        "/collections/buildings/items?limit=1",
        "/collections/buildings/items?f=gpkg",
        f"/tiles/WebMercatorQuad/{Z}/{X}/{Y}",
        "/tiles/WebMercatorQuad/16/0/0",
        "/collections/nope",
        "/collections/buildings/items?limit=0",
        "/kort",
        "/static/vendor/leaflet/leaflet.css",
    ],
)
def test_head_answers_like_get_without_a_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    skip = {"date", "x-request-id", "server-timing"}  # the same headers bar the clock
    if "f=gpkg" in path:
        # A GeoPackage names the time it was made: the same length as made, but gzipped
        # (api/app.py) a byte more or less from one to the next.
        skip.add("content-length")
    assert {k: v for k, v in head.headers.items() if k not in skip} == {
        k: v for k, v in got.headers.items() if k not in skip
    }


@pytest.fixture
def statements(client) -> Iterator[list[str]]:
    """The statements the API sends to the database while the test runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        sent.append(statement)

    state = client.app.state
    engines = (state.engine, state.read_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield sent
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "path",
    [
        "/collections/buildings/items?limit=5",
        f"/collections/buildings/tiles/WebMercatorQuad/{Z}/{X}/{Y}",
        f"/tiles/WebMercatorQuad/{Z}/{X}/{Y}",
    ],
)
def test_pages_and_tiles_read_the_version_in_their_own_statement(client, statements, path):
    first = client.get(path)
    assert len(statements) == 1  # the answer and its data version in one statement
    statements.clear()
    assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert len(statements) == 1  # only the version, to compare
    statements.clear()
    stale = client.get(path, headers={"If-None-Match": '"other"'})
    assert len(statements) == 2
    # Read first or inside the answer's statement, the same version gives the same ETag.
    assert stale.headers["etag"] == first.headers["etag"]
