"""Settings from the environment (and an optional .env file), validated once at start-up."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    # Worker processes of `vollsmose serve` (WEB_CONCURRENCY is the name hosts set).
    workers: int = Field(
        1, ge=1, le=64, validation_alias=AliasChoices("WEB_CONCURRENCY", "VOLLSMOSE_WORKERS")
    )
    # How long `vollsmose serve` keeps an idle keep-alive connection open, in seconds. Longer
    # than the clients' and proxies' own idle limits (httpx keeps one 5 s, nginx's upstream
    # keepalive 60 s, a cloud load balancer 60 s), so that the server never closes a
    # connection just as a client sends on it: at uvicorn's default of 5 s, equal to httpx's,
    # the load test lost requests to that race (benchmarks/README.md, "Several workers and a
    # replica under load").
    keep_alive_seconds: int = Field(75, ge=1, le=3600)
    db_pool_size: int = Field(5, ge=1, le=100)
    db_connect_timeout: int = Field(5, ge=1, le=120)
    log_level: str = "info"
    # Freeze what start-up made out of the garbage collector's reach (api/app.py says why).
    # Off for apps made and stopped by the dozen in one process, as the tests make them.
    gc_freeze: bool = True
    # Each worker's cache of the vector tiles it made, in MB of tile data (gis/ogc/tile_cache.py:
    # keyed by the data version, so right across workers); 0 keeps none.
    tile_cache_mb: int = Field(32, ge=0, le=4096)
    # Answers of at least this many bytes go gzip-compressed to a client that accepts it
    # (api/app.py); 0 compresses none (a proxy in front that compresses, say).
    compress_min_bytes: int = Field(1024, ge=0)
    # Streaming replicas (hot standbys of DATABASE_URL) to read from, comma-separated; writes,
    # token checks and a client's reads after its own write go to the primary
    # (gis/replication.py). A replica whose replay lags more seconds than the bound is skipped.
    replica_urls: Annotated[list[str], NoDecode] = []
    replica_max_lag_seconds: float = Field(10.0, gt=0, le=3600)

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

    @field_validator("replica_urls", mode="before")
    @classmethod
    def _replicas(cls, v: object) -> object:
        if isinstance(v, str):
            return [u.strip() for u in v.split(",") if u.strip()]
        return v

    @field_validator("replica_urls")
    @classmethod
    def _replicas_postgres(cls, v: list[str]) -> list[str]:
        return [cls._postgres_only(u) for u in v]

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.lower()
        if v not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("log_level must be one of critical, error, warning, info, debug")
        return v
