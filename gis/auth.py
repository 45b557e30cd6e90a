"""API tokens: create (the secret is shown once), verify, revoke, list.

A token is `vm_` + 43 URL-safe characters (256 random bits). The database keeps its SHA-256
and its first characters (the prefix) to find the row; the comparison of the digests is
constant-time so the answer's timing does not tell how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gis.errors import InvalidParameter, NotFound
from gis.models.auth import ApiToken
from gis.roles import TOKEN_ROLES, Reader, Role

SCHEME = "vm_"
PREFIX_LEN = 8  # of the random part, after SCHEME


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _prefix(secret: str) -> str:
    return secret[len(SCHEME) : len(SCHEME) + PREFIX_LEN]


def create_token(conn: Connection, name: str, role: str, expires_days: int | None = None) -> str:
    """Store a new token and return its secret: the only time it can be seen."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidParameter("name", "A token's name is 1 to 64 characters.")
    if role not in TOKEN_ROLES:
        raise InvalidParameter("role", f"Unknown role '{role}'; one of: {', '.join(TOKEN_ROLES)}.")
    if expires_days is not None and expires_days <= 0:
        raise InvalidParameter("expires_days", "expires_days must be a positive number of days.")
    secret = SCHEME + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    try:
        with conn.begin_nested():
            conn.execute(
                insert(ApiToken).values(
                    name=name,
                    role=role,
                    prefix=_prefix(secret),
                    token_sha256=_digest(secret),
                    expires_at=expires,
                )
            )
    except IntegrityError:
        raise InvalidParameter("name", f"A token named '{name}' already exists.") from None
    return secret


def verify_token(conn: Connection, secret: str) -> Reader | None:
    """The reader a secret stands for, or None when it is unknown, revoked or expired."""
    if not secret.startswith(SCHEME) or len(secret) > 128:
        return None
    digest = _digest(secret)
    rows = conn.execute(
        select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.token_sha256).where(
            ApiToken.prefix == _prefix(secret),
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > func.now()),
        )
    ).all()
    match = None
    for row in rows:
        if hmac.compare_digest(row.token_sha256, digest):
            match = row
    if match is None:
        return None
    conn.execute(update(ApiToken).where(ApiToken.id == match.id).values(last_used_at=func.now()))
    return Reader(Role(match.role), match.name)


def revoke_token(conn: Connection, name: str) -> None:
    done = conn.execute(
        update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    if done.rowcount == 0:
        exists = conn.execute(select(ApiToken.id).where(ApiToken.name == name)).first()
        if exists is None:
            raise NotFound("token", name)


def list_tokens(conn: Connection) -> list[TokenInfo]:
    rows = conn.execute(
        select(
            ApiToken.name,
            ApiToken.role,
            ApiToken.prefix,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
        ).order_by(ApiToken.name)
    ).all()
    return [TokenInfo(*r) for r in rows]
