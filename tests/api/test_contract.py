"""The API contract: what the OpenAPI document declares for every operation, a dead token
refused on every kind of path, redirects that never take a client's Host, and `/docs` that
works with no network beyond the server."""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from gis import auth
from tests.api.conftest import make_client
from tests.support import prepared_database

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITES = {"post", "put", "patch", "delete"}


# ---------------------------------------------------------------------------------------------
# The document


@pytest.fixture(scope="module")
def documents(tokens_db) -> dict[str, dict]:
    with make_client(tokens_db[0]) as client:
        return {path: client.get(path).json() for path in ("/openapi.json", "/api")}


def _operations(doc: dict) -> Iterator[tuple[str, str, dict]]:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield method, path, op


@pytest.mark.parametrize("served", ["/openapi.json", "/api"])
def test_every_operation_declares_its_errors_as_problems(documents, served):
    doc = documents[served]
    assert doc["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    operations = list(_operations(doc))
    assert len(operations) > 45
    for method, path, op in operations:
        codes = {int(s) for s in op["responses"]}
        must = {400, 401, 404, 422, 500, 503} | (
            {403, 409, 412, 428} if method in WRITES else set()
        )
        assert must <= codes, (method, path, sorted(must - codes))
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {PROBLEM: {"schema": PROBLEM_REF}}, (path, status)
                assert response["description"]
    # Nothing refers to FastAPI's own 422 shape any more: the app never answers it.
    assert "HTTPValidationError" not in str(doc)


@pytest.mark.parametrize("served", ["/openapi.json", "/api"])
def test_every_success_declares_a_schema_for_each_media_type(documents, served):
    for method, path, op in _operations(documents[served]):
        successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert successes, (method, path)
        for status, response in successes.items():
            if status == "204":
                assert "content" not in response, (path, status)
                continue
            assert response.get("content"), (method, path, status)
            for media_type, body in response["content"].items():
                assert body.get("schema"), (method, path, status, media_type)
                if "json" not in media_type:
                    assert body["schema"]["type"] == "string", (path, media_type)


def test_hand_built_answers_are_declared_with_their_own_media_types(documents):
    paths = documents["/openapi.json"]["paths"]

    def content(path: str) -> dict:
        return paths[path]["get"]["responses"]["200"]["content"]

    assert set(content("/kort/overlays/{overlay}.png")) == {"image/png"}
    assert set(content("/collections")) == {"application/json", "text/html"}
    items = content("/collections/{collection_id}/items")
    assert items["application/geo+json"]["schema"] == {
        "$ref": "#/components/schemas/FeatureCollection"
    }
    assert items["application/geopackage+sqlite3"]["schema"]["format"] == "binary"
    assert set(content("/criteria/areas")) == {"application/geo+json"}


# ---------------------------------------------------------------------------------------------
# A dead token, on every kind of path


@pytest.fixture(scope="module")
def tokens_db(new_database) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def load(conn):
        tokens["live"] = auth.create_token(conn, "live-1", "planner")
        tokens["revoked"] = auth.create_token(conn, "revoked-1", "admin")
        auth.revoke_token(conn, "revoked-1")
        tokens["expired"] = auth.create_token(conn, "expired-1", "admin", expires_days=1)
        conn.execute(
            text("UPDATE api_token SET expires_at = now() - interval '1 day' WHERE name = :n"),
            {"n": "expired-1"},
        )

    return prepared_database(new_database, load), tokens


@pytest.fixture(scope="module")
def client(tokens_db):
    with make_client(tokens_db[0]) as c:
        yield c


# One of each kind: an API route, the OGC API, the API's documents, Swagger UI and its
# assets, the viewer's static files, a trailing-slash redirect, a path that is nothing.
PATHS = {
    "/areas": 200,
    "/collections": 200,
    "/openapi.json": 200,
    "/api": 200,
    "/docs": 200,
    "/static/kort.css": 200,
    "/static/vendor/swagger-ui/swagger-ui-bundle.js": 200,
    "/areas/": 307,
    "/no/such/path": 404,
}


@pytest.mark.parametrize("kind", ["revoked", "expired"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_dead_token_is_401_on_every_kind_of_path(client, tokens_db, kind, path, method):
    token = tokens_db[1][kind]
    r = client.request(
        method, path, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )
    assert r.status_code == 401, (path, r.status_code)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["cache-control"] == "private, no-store"
    if method == "GET":
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["status"] == 401
        assert token not in r.text and token[3:] not in r.text


@pytest.mark.parametrize("path", PATHS)
def test_the_same_paths_answer_the_public_and_a_live_token(client, tokens_db, path):
    live = {"Authorization": f"Bearer {tokens_db[1]['live']}"}
    for headers in (None, live):
        r = client.get(path, headers=headers, follow_redirects=False)
        assert r.status_code == PATHS[path], (path, headers, r.text[:200])


def test_a_malformed_authorization_header_is_401_on_a_static_file(client):
    r = client.get("/static/kort.css", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)


# ---------------------------------------------------------------------------------------------
# Redirects


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8443", "127.0.0.1@evil.example"])
def test_a_trailing_slash_redirect_never_takes_the_host_header(client, host):
    r = client.get("/areas/?year=2030&x=%2F", headers={"Host": host}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/areas?year=2030&x=%2F"
    assert "evil" not in r.text


def test_a_redirect_goes_both_ways_and_is_followed(client):
    r = client.get("/areas/", follow_redirects=False)
    assert r.headers["location"] == "/areas"
    assert client.get("/areas/").status_code == 200
    assert client.get("/no/such/path/", follow_redirects=False).status_code == 404


def test_a_redirect_through_a_real_server_with_a_spoofed_host(ref_server):
    where = urlparse(ref_server.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    conn.request("GET", "/collections/", headers={"Host": "evil.example"})
    r = conn.getresponse()
    assert r.status == 307
    assert r.getheader("location") == "/collections"
    conn.close()


# ---------------------------------------------------------------------------------------------
# /docs offline


@pytest.mark.slow
def test_docs_render_every_operation_with_no_network_beyond_the_server(page, ref_server):
    refused: list[str] = []

    def only_the_server(route):
        if route.request.url.startswith(ref_server.url + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.goto(f"{ref_server.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    shown = page.eval_on_selector_all(
        ".opblock-summary",
        "els => els.map(e => e.querySelector('.opblock-summary-method').innerText.toLowerCase()"
        " + ' ' + e.querySelector('.opblock-summary-path').dataset.path)",
    )
    with urllib.request.urlopen(ref_server.url + "/openapi.json", timeout=10) as r:
        paths = json.load(r)["paths"]
    assert set(shown) == {f"{m} {p}" for p, ops in paths.items() for m in ops}
    assert page.locator(".info .title").inner_text().startswith("Fremtidens Vollsmose")
    assert not refused, refused
    assert not [u for u in failed if u.startswith(ref_server.url)], failed


def test_a_format_parameter_declares_the_media_type_it_answers_in(documents):
    # /areas/{area}/criteria declared only JSON, though f=csv answers CSV.
    ok = documents["/openapi.json"]["paths"]["/areas/{area}/criteria"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"application/json", "text/csv"}
