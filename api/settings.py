"""Settings from the environment (and an optional .env file), validated once at start-up."""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOLLSMOSE_", env_file=".env", extra="ignore")

    # DATABASE_URL, HOST and PORT are the names deployments expect; the prefixed forms work too.
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "VOLLSMOSE_DATABASE_URL"),
    )
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "VOLLSMOSE_HOST"))
    port: int = Field(8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "VOLLSMOSE_PORT"))
    db_pool_size: int = Field(5, ge=1, le=100)
    db_connect_timeout: int = Field(5, ge=1, le=120)
    log_level: str = "info"
    # Freeze what start-up made out of the garbage collector's reach (api/app.py says why).
    # Off for apps made and stopped by the dozen in one process, as the tests make them.
    gc_freeze: bool = True

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, v: str) -> str:
        if not v.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL (PostGIS)")
        # One driver for the whole platform: psycopg 3.
        for plain in ("postgresql://", "postgres://"):
            if v.startswith(plain):
                return "postgresql+psycopg://" + v[len(plain) :]
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.lower()
        if v not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("log_level must be one of critical, error, warning, info, debug")
        return v
