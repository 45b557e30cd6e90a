"""Bearer tokens over HTTP: 401 for none or a bad one, 403 for a role that may not, and the
problem+json answers never carry the token back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from gis import auth
from tests.api.conftest import make_client
from tests.support import prepared_database

ROLES = ("planner", "developer_company", "admin")


@pytest.fixture(scope="module")
def tokens_db(new_database) -> tuple[str, dict[str, str]]:
    """A migrated database with one live token per role, a revoked, an expired one and one
    building; committed, since the API verifies tokens on its own connections."""
    tokens: dict[str, str] = {}

    def load(conn):
        for role in ROLES:
            tokens[role] = auth.create_token(conn, f"{role}-1", role)
        tokens["revoked"] = auth.create_token(conn, "revoked-1", "admin")
        auth.revoke_token(conn, "revoked-1")
        tokens["expired"] = auth.create_token(conn, "expired-1", "admin", expires_days=1)
        conn.execute(
            text("UPDATE api_token SET expires_at = now() - interval '1 day' WHERE name = :n"),
            {"n": "expired-1"},
        )
        conn.execute(
            text(
                "INSERT INTO building (id, use, built_year, demolished_year, footprint) VALUES "
                "(1, 'housing', NULL, 2026, ST_Multi(ST_MakeEnvelope(590000, 6139000, "
                "590020, 6139020, 25832)))"
            )
        )

    return prepared_database(new_database, load), tokens


@pytest.fixture
def client(tokens_db) -> Iterator:
    with make_client(tokens_db[0]) as c:
        yield c


@pytest.fixture
def tokens(tokens_db) -> dict[str, str]:
    return tokens_db[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(r, status: int, *secrets: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    for s in secrets:
        assert s not in r.text and s[3:] not in r.text
        assert all(s not in v for v in r.headers.values())


PATCH = "/buildings/1/life"


def life_tag(client) -> dict[str, str]:
    """The If-Match header of building 1's life as it is now (a public read)."""
    r = client.get(PATCH)
    assert r.status_code == 200, r.text
    return {"If-Match": r.headers["etag"]}


def test_a_write_without_a_token_is_401_with_a_bearer_challenge(client):
    r = client.patch(PATCH, json={"built_decided": True})
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", ["revoked", "expired", "garbage", "not-bearer"])
def test_a_bad_token_is_401_and_not_echoed(client, tokens, kind):
    secret = {"garbage": "vm_" + "Q" * 43, "not-bearer": tokens["admin"]}.get(
        kind, tokens.get(kind)
    )
    headers = {"Authorization": f"Basic {secret}"} if kind == "not-bearer" else bearer(secret)
    r = client.patch(PATCH, json={"built_decided": True}, headers=headers)
    assert_problem(r, 401, secret)


@pytest.mark.parametrize("kind", ["revoked", "expired", "garbage"])
def test_a_bad_token_on_a_public_read_is_401_too_never_downgraded(client, tokens, kind):
    secret = tokens.get(kind, "vm_" + "Q" * 43)
    assert client.get("/healthz").status_code == 200
    r = client.get("/collections", headers=bearer(secret))
    assert_problem(r, 401, secret)


def test_a_role_that_may_not_edit_the_plan_is_403(client, tokens):
    r = client.patch(
        PATCH, json={"built_decided": True}, headers=bearer(tokens["developer_company"])
    )
    assert_problem(r, 403, tokens["developer_company"])
    assert "developer_company" in r.json()["detail"]


@pytest.mark.parametrize("role", ["planner", "admin"])
def test_planner_and_admin_edit_a_buildings_life(client, tokens, tokens_db, role):
    r = client.patch(
        PATCH,
        json={"demolished_year": 2027, "demolition_decided": False},
        headers={**bearer(tokens[role]), **life_tag(client)},
    )
    assert r.status_code == 200, r.text
    assert r.json()["demolished_year"] == 2027 and r.json()["demolition_decided"] is False
    engine = create_engine(tokens_db[0])
    with engine.begin() as conn:
        stored = conn.execute(
            text("SELECT demolished_year, demolition_decided FROM building WHERE id = 1")
        ).one()
        assert tuple(stored) == (2027, False)
        conn.execute(text("UPDATE building SET demolished_year = 2026, demolition_decided = true"))
    engine.dispose()


def test_years_out_of_order_are_422_naming_the_field_and_nothing_is_written(
    client, tokens, tokens_db
):
    headers = {**bearer(tokens["planner"]), **life_tag(client)}
    r = client.patch(
        PATCH, json={"renovation_start_year": 2028, "renovation_end_year": 2029}, headers=headers
    )  # demolished 2026, before the renovation
    assert_problem(r, 422)
    assert r.json()["errors"][0]["parameter"] == "demolished_year"
    r = client.patch(PATCH, json={"color": "red"}, headers=headers)
    assert r.status_code == 422
    engine = create_engine(tokens_db[0])
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT renovation_start_year FROM building WHERE id = 1")).scalar()
            is None
        )
    engine.dispose()


# building.id is an INTEGER: 2**31 and beyond name no building, never a failing statement.
@pytest.mark.parametrize(
    "building_id", ["999", "0", "-1", str(2**31), str(2**63), "9" * 30, str(-(2**31) - 1)]
)
def test_an_unknown_building_is_404(client, tokens, building_id):
    url = f"/buildings/{building_id}/life"
    headers = {**bearer(tokens["admin"]), "If-Match": "*"}
    assert_problem(client.patch(url, json={"demolished_year": 2030}, headers=headers), 404)
    assert_problem(client.patch(url, json={}, headers=headers), 404)
    assert_problem(client.get(url), 404)


def test_answers_to_a_token_are_private_and_every_answer_varies_on_authorization(client, tokens):
    public = client.get("/collections")
    assert "authorization" in public.headers["vary"].lower()
    assert "private" not in public.headers.get("cache-control", "")
    tokened = client.get("/collections", headers=bearer(tokens["planner"]))
    assert tokened.status_code == 200
    assert "authorization" in tokened.headers["vary"].lower()
    assert tokened.headers["cache-control"].startswith("private")


def test_a_used_token_records_when(client, tokens, tokens_db):
    client.get("/collections", headers=bearer(tokens["planner"]))
    engine = create_engine(tokens_db[0])
    with engine.connect() as conn:
        used = conn.execute(
            text("SELECT last_used_at FROM api_token WHERE name = 'planner-1'")
        ).scalar()
    engine.dispose()
    assert used is not None


def test_openapi_documents_the_write_and_holds_no_token(client, tokens):
    spec = client.get("/openapi.json").text
    assert "/buildings/{building_id}/life" in spec
    assert all(t not in spec for t in tokens.values())


SALE = "/land/parcels/any-parcel/sale-status"


SALE_BODY = {"from_status": "on_offer", "to_status": "sold"}


def test_a_sale_status_change_without_a_token_is_401(client):
    assert_problem(client.post(SALE, json=SALE_BODY), 401)


@pytest.mark.parametrize("role", ["planner"])
def test_a_role_that_may_not_edit_sales_is_403(client, tokens, role):
    r = client.post(SALE, json=SALE_BODY, headers=bearer(tokens[role]))
    assert_problem(r, 403, tokens[role])


@pytest.mark.parametrize("kind", ["revoked", "expired"])
def test_a_dead_token_cannot_change_a_sale_status(client, tokens, kind):
    r = client.post(SALE, json=SALE_BODY, headers=bearer(tokens[kind]))
    assert_problem(r, 401, tokens[kind])
