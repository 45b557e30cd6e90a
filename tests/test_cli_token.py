"""`vollsmose token` as an operator runs it: the secret printed once, then usable, listed
without it, and dead once revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, text

from gis import auth
from tests.support import prepared_database
from tests.test_cli import run


@pytest.fixture(scope="module")
def url(new_database) -> str:
    return prepared_database(new_database)


def verify(url: str, secret: str):
    engine = create_engine(url)
    with engine.begin() as conn:
        reader = auth.verify_token(conn, secret)
    engine.dispose()
    return reader


def test_create_prints_the_secret_once_and_it_verifies(url):
    out = run(url, "token", "create", "--name", "kommunen-plan", "--role", "planner")
    secret = out.stdout.strip()
    assert secret.startswith("vm_") and "\n" not in secret
    assert "only time" in out.stderr
    reader = verify(url, secret)
    assert reader.name == "kommunen-plan" and reader.role.value == "planner"
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT token_sha256 FROM api_token WHERE name = 'kommunen-plan'")
        ).scalar()
    engine.dispose()
    assert stored == hashlib.sha256(secret.encode()).hexdigest()

    listed = run(url, "token", "list").stdout
    assert "kommunen-plan" in listed and "planner" in listed and "active" in listed
    assert secret not in listed and secret[3:] not in listed


def test_revoke_ends_a_token(url):
    secret = run(
        url,
        "token",
        "create",
        "--name",
        "selskab",
        "--role",
        "developer_company",
        "--expires-days",
        "30",
    ).stdout.strip()
    assert verify(url, secret) is not None
    out = run(url, "token", "revoke", "selskab")
    assert "revoked" in out.stdout
    assert verify(url, secret) is None
    assert "revoked" in run(url, "token", "list").stdout


def test_mistakes_exit_2_with_a_message(url):
    run(url, "token", "create", "--name", "dup", "--role", "admin")
    again = run(url, "token", "create", "--name", "dup", "--role", "admin", check=False)
    assert again.returncode == 2 and "dup" in again.stderr and "Traceback" not in again.stderr
    gone = run(url, "token", "revoke", "nobody", check=False)
    assert gone.returncode == 2 and "nobody" in gone.stderr
    role = run(url, "token", "create", "--name", "x", "--role", "public", check=False)
    assert role.returncode == 2 and "role" in role.stderr
