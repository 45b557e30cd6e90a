"""Each worker's tile cache (gis.ogc.tile_cache): a hit is the tile the database would make now,
with the same ETag; an edit, by this worker or any other process, is seen on the next tile;
the years and the reader's view are part of the key; and a database that comes back to an
earlier version and is written again is not mistaken for the first."""

from __future__ import annotations

import mapbox_vector_tile
from sqlalchemy import create_engine, text

from gis.layers import LAYERS
from gis.ogc import tiles
from gis.ogc.tile_cache import TileCache
from tests.api.test_ogc_tiles import TORV, decode, tile_of
from tests.support import make_client, prepared_database

FACILITY = (
    "INSERT INTO facility (name, kind, geom) VALUES (:name, 'library', "
    "ST_Transform(ST_SetSRID(ST_MakePoint(10.4413, 55.4068), 4326), 25832))"
)


def _names(response) -> list[str]:
    return [f["properties"]["name"] for f in decode(response)["facilities"]["features"]]


def test_a_cached_tile_after_an_edit_is_the_new_one(new_database):
    url = prepared_database(new_database)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(FACILITY), {"name": "Bibliotek"})
    z, x, y = tile_of(*TORV, 16)
    path = f"/collections/facilities/tiles/WebMercatorQuad/{z}/{x}/{y}"
    try:
        with make_client(url) as client:
            store = client.app.state
            first, again = client.get(path), client.get(path)
            cache = store.tile_cache
            assert (cache.misses, cache.hits) == (1, 1)
            # The hit is the miss, byte for byte and ETag for ETag.
            assert again.content == first.content
            assert again.headers["etag"] == first.headers["etag"]
            # Another process writes (psql, an import, another worker): the next tile is
            # the new one, under a new ETag, and the one after it its cached copy.
            with engine.begin() as conn:
                conn.execute(text("UPDATE facility SET name = 'Vollsmose Bibliotek'"))
            after, after_again = client.get(path), client.get(path)
            assert _names(first) == ["Bibliotek"]
            assert _names(after) == _names(after_again) == ["Vollsmose Bibliotek"]
            assert after.headers["etag"] != first.headers["etag"]
            assert after_again.headers["etag"] == after.headers["etag"]
            assert (cache.misses, cache.hits) == (2, 2)
            # A client holding the old ETag gets the new tile; the new ETag, a 304.
            stale = client.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert stale.status_code == 200 and _names(stale) == ["Vollsmose Bibliotek"]
            held = client.get(path, headers={"If-None-Match": after.headers["etag"]})
            assert held.status_code == 304
            # The same tile made without a cache: the same bytes and ETag.
        with make_client(url, tile_cache_mb=0) as plain:
            fresh = plain.get(path)
            assert fresh.content == after.content
            assert fresh.headers["etag"] == after.headers["etag"]
            assert plain.app.state.tile_cache.hits == 0
    finally:
        engine.dispose()


def test_the_years_and_the_view_are_part_of_the_key(ref_client, ref_database_url):
    z, x, y = tile_of(*TORV, 13)
    path = f"/collections/buildings/tiles/WebMercatorQuad/{z}/{x}/{y}"
    with make_client(ref_database_url, tile_cache_mb=0) as plain:
        expected = {year: plain.get(path, params={"datetime": year}).content for year in
                    ("2020", "2030")}  # fmt: skip
    assert expected["2020"] != expected["2030"]
    for year in ("2020", "2030", "2020", "2030"):
        assert ref_client.get(path, params={"datetime": year}).content == expected[year]
    cache = ref_client.app.state.tile_cache
    assert (cache.misses, cache.hits) == (2, 2)
    # The reader's view is in the ETag's key, so in the cache's: a reader with another view
    # never gets a tile made for the first.
    keys = {key for key, _stamp in cache._tiles}
    assert all(key.startswith(b"public\n") for key in keys)


def test_a_version_reached_again_with_other_data_is_another_stamp(ref_conn):
    # A database restored to an earlier version and written again (here: a savepoint rolled
    # back, then another write) has the same version number with other data; the instant
    # of the bump tells them apart. Without it the second tile would be the first's.
    layer = LAYERS["facilities"]
    z, x, y = tile_of(*TORV, 16)
    cache = TileCache(1 << 20)

    def name() -> list[str]:
        tile = cache.tile(ref_conn, b"key", [layer], z, x, y)
        decoded = mapbox_vector_tile.decode(tile.data)
        return sorted(f["properties"]["name"] for f in decoded["facilities"]["features"])

    saved = ref_conn.begin_nested()
    ref_conn.execute(text(FACILITY), {"name": "Første"})
    first = name()
    version = tiles.tile(ref_conn, [layer], z, x, y).data_version
    saved.rollback()
    ref_conn.execute(text(FACILITY), {"name": "Anden"})
    assert tiles.tile(ref_conn, [layer], z, x, y).data_version == version
    second = name()
    assert "Første" in first and "Anden" not in first
    assert "Anden" in second and "Første" not in second
    assert (cache.misses, cache.hits) == (2, 0)


def test_a_tile_larger_than_the_cache_is_served_and_not_kept(ref_conn):
    layer = LAYERS["buildings"]
    z, x, y = tile_of(*TORV, 14)
    cache = TileCache(100)  # bytes: less than the tile
    made = cache.tile(ref_conn, b"key", [layer], z, x, y)
    assert len(made.data) > 100
    assert cache.tile(ref_conn, b"key", [layer], z, x, y).data == made.data
    assert (cache.misses, cache.hits, cache.size) == (2, 0, 0)
