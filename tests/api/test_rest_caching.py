"""HTTP caching of the REST reads of an area (its tenure mix, its trajectory): an ETag from the
data version, the request and the reader's view, a bodyless 304 when the client holds it, and
`Cache-Control: no-cache`, so that a planner who edits is never shown the plan as it was.

The database is this module's own (the reference data, committed), so that a change made by
another connection, as an editor would make it, is what the API must notice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from gis import auth, scenarios
from gis.reference import default_reference_path, load_reference
from tests.api.conftest import make_client
from tests.api.test_caching import bearer
from tests.support import prepared_database

READS = [
    "/areas",
    "/areas/vollsmose",
    "/areas/vollsmose/tenure-mix?year=2030",
    "/areas/vollsmose/tenure-mix?year=2030&f=csv",
    "/areas/vollsmose/tenure-mix/trajectory",
    "/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2035&f=csv",
]
# One almene family dwelling row of the reference data, whose count an edit changes.
_STOCK = "(SELECT min(id) FROM dwelling_stock WHERE tenure = 'almen_family')"


@pytest.fixture(scope="module")
def db(new_database) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def load(conn):
        load_reference(conn, default_reference_path())
        for role in ("planner", "developer_company"):
            tokens[role] = auth.create_token(conn, role, role)

    return prepared_database(new_database, load), tokens


@pytest.fixture(scope="module")
def client(db) -> Iterator:
    with make_client(db[0]) as c:
        yield c


@pytest.fixture
def writer(db) -> Iterator:
    """Another connection that commits, as an editor would; the change is undone after."""
    engine = create_engine(db[0])
    with engine.connect() as conn:
        was = conn.execute(text(f"SELECT dwellings FROM dwelling_stock WHERE id = {_STOCK}"))
        dwellings = was.scalar_one()
    yield engine
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE dwelling_stock SET dwellings = :n WHERE id = {_STOCK}"), {"n": dwellings}
        )
    engine.dispose()


def _edit(writer) -> None:
    with writer.begin() as conn:
        added = f"UPDATE dwelling_stock SET dwellings = dwellings + 7 WHERE id = {_STOCK}"
        conn.execute(text(added))


@pytest.mark.parametrize("path", READS)
def test_an_answer_has_a_strong_etag_and_a_match_is_a_bodyless_304(client, path):
    first = client.get(path)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: no W/
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "no-cache"
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # The connection a 304 used is as good as any after it.
    assert client.get(path).headers["etag"] == etag


def test_the_etag_tells_requests_formats_and_versions_apart(client):
    tags = {client.get(p).headers["etag"] for p in READS}
    tags.add(client.get("/areas/vollsmose/tenure-mix?year=2025").headers["etag"])
    tags.add(
        client.get("/areas/vollsmose/tenure-mix?year=2030&recorded=2021-01-01").headers["etag"]
    )
    assert len(tags) == len(READS) + 2


@pytest.mark.parametrize("path", READS[2:])
def test_after_an_edit_the_old_etag_gets_the_new_answer(client, writer, path):
    before = client.get(path)
    _edit(writer)
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content


def test_the_new_figures_follow_the_edit(client, writer):
    path = "/areas/vollsmose/tenure-mix?year=2020"
    before = client.get(path)
    _edit(writer)
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    figures = [r.json()["total"]["dwellings"]["almen_family"] for r in (before, after)]
    assert figures[1] == figures[0] + 7


def test_a_confidential_reader_gets_another_etag_and_a_private_answer(client, db):
    path = "/areas/vollsmose/tenure-mix?year=2030"
    public = client.get(path).headers["etag"]
    seller = client.get(path, headers=bearer(db, "developer_company"))
    assert seller.status_code == 200
    assert seller.headers["etag"] != public
    assert seller.headers["cache-control"] == "private, no-store"
    assert "authorization" in seller.headers["vary"].lower()
    held = {**bearer(db, "developer_company"), "If-None-Match": seller.headers["etag"]}
    assert client.get(path, headers=held).status_code == 304
    # A public ETag is no good to the confidential reader, and the reverse.
    hdrs = {**bearer(db, "developer_company"), "If-None-Match": public}
    assert client.get(path, headers=hdrs).status_code == 200
    assert client.get(path, headers={"If-None-Match": seller.headers["etag"]}).status_code == 200
    # A token without the right to confidential data sees the public view: the same ETag.
    assert client.get(path, headers=bearer(db, "planner")).headers["etag"] == public


def test_the_openapi_document_declares_the_header_and_the_304(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/areas/{area}/tenure-mix/trajectory"]["get"]
    assert "304" in op["responses"]
    assert {"name": "if-none-match", "in": "header"}.items() <= next(
        p for p in op["parameters"] if p["name"].lower() == "if-none-match"
    ).items()


def test_a_scenario_made_again_or_deleted_is_never_a_304(client, writer):
    # A scenario without edits of its own answers its base, and no row it has otherwise
    # tells it from another: its deletion moves the data version (the statements that
    # cascade to its version rows fire their tables' triggers, rows or none), and a deleted
    # scenario is a 404 before any ETag is looked at.
    path = "/areas/vollsmose/tenure-mix?year=2030&scenario=prove"

    def made(base_recorded: str | None) -> None:
        with writer.begin() as conn:
            scenarios.create_scenario(
                conn, slug="prove", name="Prøve", base_recorded=base_recorded, actor="t", role=None
            )

    def deleted() -> None:
        with writer.begin() as conn:
            scenarios.delete_scenario(conn, "prove", actor="t", role=None)

    made(None)
    try:
        first = client.get(path)
        assert first.status_code == 200
        deleted()
        gone = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert gone.status_code == 404
        made("2020-01-01")
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]
    finally:
        deleted()
