"""Tokens in the database: only a hash is kept, and only live tokens verify."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text, update

from gis import auth
from gis.errors import InvalidParameter, NotFound
from gis.models.auth import ApiToken
from gis.roles import Role


def test_create_returns_a_secret_that_verifies_to_its_role(conn):
    secret = auth.create_token(conn, "kommunen", "planner")
    reader = auth.verify_token(conn, secret)
    assert reader is not None and reader.role is Role.PLANNER and reader.name == "kommunen"


def test_the_secret_is_not_stored_only_its_sha256(conn):
    secret = auth.create_token(conn, "selskabet", "developer_company")
    row = conn.execute(select(ApiToken.token_sha256)).one()
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    dump = conn.execute(text("SELECT api_token::text FROM api_token")).scalar_one()
    assert secret not in dump and secret[3:] not in dump
    assert len(secret) >= 40  # 256 random bits, URL-safe


def test_two_tokens_differ(conn):
    a = auth.create_token(conn, "a", "admin")
    b = auth.create_token(conn, "b", "admin")
    assert a != b
    assert auth.verify_token(conn, a).name == "a" and auth.verify_token(conn, b).name == "b"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # same prefix, wrong secret
        lambda s: "vm_" + "x" * 43,
        lambda s: s[3:],  # without the scheme
        lambda s: "",
    ],
)
def test_a_wrong_secret_does_not_verify(conn, mutate):
    secret = auth.create_token(conn, "t", "admin")
    assert auth.verify_token(conn, mutate(secret)) is None


def test_revoked_and_expired_tokens_do_not_verify(conn):
    revoked = auth.create_token(conn, "gone", "admin")
    auth.revoke_token(conn, "gone")
    assert auth.verify_token(conn, revoked) is None
    expired = auth.create_token(conn, "old", "admin", expires_days=1)
    assert auth.verify_token(conn, expired) is not None
    conn.execute(
        update(ApiToken)
        .where(ApiToken.name == "old")
        .values(expires_at=text("now() - interval '1 second'"))
    )
    assert auth.verify_token(conn, expired) is None
    states = {
        t.name: t.state(conn.execute(text("SELECT now()")).scalar()) for t in auth.list_tokens(conn)
    }
    assert states == {"gone": "revoked", "old": "expired"}


def test_verify_records_last_use(conn):
    secret = auth.create_token(conn, "t", "planner")
    assert auth.list_tokens(conn)[0].last_used_at is None
    auth.verify_token(conn, secret)
    assert auth.list_tokens(conn)[0].last_used_at is not None


def test_bad_input_is_refused(conn):
    with pytest.raises(InvalidParameter) as e:
        auth.create_token(conn, "x", "public")
    assert e.value.parameter == "role"
    auth.create_token(conn, "x", "admin")
    with pytest.raises(InvalidParameter) as e:
        auth.create_token(conn, "x", "planner")
    assert e.value.parameter == "name"
    with pytest.raises(InvalidParameter):
        auth.create_token(conn, "y", "admin", expires_days=0)
    with pytest.raises(NotFound):
        auth.revoke_token(conn, "nobody")


def test_the_role_is_checked_by_the_database(conn):
    with pytest.raises(Exception, match="ck_api_token_role"), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO api_token (name, role, prefix, token_sha256) "
                "VALUES ('z', 'superuser', 'p', 'h')"
            )
        )
