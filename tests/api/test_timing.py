"""Server-Timing on every answer: the app's time and, for the OGC API's reads, the
database's share of it."""

from __future__ import annotations

import re

import pytest

TIMING = re.compile(r"(?:db;dur=(?P<db>[0-9.]+), )?app;dur=(?P<app>[0-9.]+)$")


def timing(response) -> tuple[float | None, float]:
    found = TIMING.match(response.headers["server-timing"])
    assert found, response.headers["server-timing"]
    db = found["db"]
    return (None if db is None else float(db)), float(found["app"])


@pytest.mark.parametrize(
    "path",
    [
        "/collections/buildings/items?limit=5",
        "/collections/buildings/items/1",
        "/collections/buildings/tiles/WebMercatorQuad/14/8666/5149",
        "/collections",
    ],
)
def test_ogc_reads_report_their_database_time_within_the_apps(ref_client, path):
    db, app = timing(ref_client.get(path))
    assert db is not None and 0 < db <= app


def test_answers_without_the_database_report_only_the_app(ref_client):
    db, app = timing(ref_client.get("/conformance"))
    assert db is None and app > 0


def test_errors_and_304s_carry_it_too(ref_client):
    assert timing(ref_client.get("/collections/nowhere/items"))[1] > 0
    first = ref_client.get("/collections/buildings/items?limit=5")
    again = ref_client.get(
        "/collections/buildings/items?limit=5", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    db, app = timing(again)
    assert db is not None and db <= app  # the version read to compare
