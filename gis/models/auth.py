"""API tokens and their roles (issue 5).

Only a SHA-256 of the secret is stored: the secrets are 256 random bits, so a slow password
hash buys nothing, and a fast one lets every request be checked cheaply. The prefix is the
secret's first characters, kept in clear to find the row and to show which token is which.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from gis.models.base import Base, one_of

ROLES = ("planner", "developer_company", "admin")


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="ck_api_token_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
