"""Answers of 1 KB and more go gzip-compressed to a client that accepts it (api/app.py),
the same bytes once decompressed; small ones, and every answer to a client that does not
accept gzip, go as they are."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.api.conftest import make_client
from tests.api.test_ogc_tiles import TORV, tile_of

BIG = "/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2030&quarters=kvarterer"
Z, X, Y = tile_of(*TORV, 15)
PATHS = [BIG, "/collections/buildings/items?limit=50", f"/tiles/WebMercatorQuad/{Z}/{X}/{Y}"]


def _timeless(body: bytes) -> bytes:
    """The answer without the items' timeStamp, which moves on between two requests that
    straddle a second."""
    return re.sub(rb'"timeStamp":"[^"]*"', b'"timeStamp":""', body)


def _raw(client, path: str, encoding: str, method: str = "GET"):
    """The answer as sent: httpx decompresses `content`, so the check reads the stream."""
    with client.stream(method, path, headers={"Accept-Encoding": encoding}) as r:
        return r, b"".join(r.iter_raw())


@pytest.mark.parametrize("path", PATHS)
def test_a_big_answer_is_gzipped_for_a_client_that_accepts_it(ref_client, path):
    plain, plain_body = _raw(ref_client, path, "identity")
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert len(plain_body) >= 1024
    packed, packed_body = _raw(ref_client, path, "gzip, deflate")
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert len(packed_body) < len(plain_body)
    assert _timeless(gzip.decompress(packed_body)) == _timeless(plain_body)
    assert int(packed.headers["content-length"]) == len(packed_body)
    # The validator is the answer's, whichever coding carries it: a 304 either way.
    assert packed.headers["etag"] == plain.headers["etag"]
    held = {"If-None-Match": packed.headers["etag"], "Accept-Encoding": "gzip"}
    assert ref_client.get(path, headers=held).status_code == 304
    # A HEAD names the length its GET sends.
    head, _ = _raw(ref_client, path, "gzip", method="HEAD")
    assert head.headers["content-length"] == packed.headers["content-length"]


def test_a_small_answer_goes_as_it_is(ref_client):
    r, body = _raw(ref_client, "/healthz", "gzip")
    assert len(body) < 1024 and "content-encoding" not in r.headers


def test_no_compression_when_switched_off(ref_database_url):
    with make_client(ref_database_url, compress_min_bytes=0) as client:
        r, body = _raw(client, BIG, "gzip")
        assert r.status_code == 200 and "content-encoding" not in r.headers
        assert body.startswith(b"{")


def test_a_geotiff_goes_as_made(ref_client):
    # DEFLATE inside already (gis/render/geotiff.py): gzip would cost CPU for nothing.
    r, body = _raw(
        ref_client, "/maps/fremtidsbillede/2030.tif?area=vollsmose&resolution=10", "gzip"
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/tiff")
    assert len(body) >= 1024 and "content-encoding" not in r.headers
