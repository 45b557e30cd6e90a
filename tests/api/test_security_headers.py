"""Every answer tells a browser not to sniff its media type and not to let another site frame
it: pages, data, files and refusals alike (found missing by an audit at 2026-12-03)."""

from __future__ import annotations

import pytest

from api.guards import SECURITY_HEADERS

PATHS = [
    "/kort",
    "/kort/arealer",
    "/collections/buildings?f=html",
    "/collections/buildings/items?limit=1",
    "/collections/roads/items?f=csv&limit=1",
    "/tiles/WebMercatorQuad/14/5153/8666",
    "/findes-ikke",  # a 404 problem
    "/collections/buildings/items?limit=lots",  # a 400 problem
]


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(ref_client, path):
    r = ref_client.get(path)
    for name, value in SECURITY_HEADERS:
        assert r.headers.get_list(name.decode()) == [value.decode()], (path, r.status_code, name)
