"""Engine construction and the boundary where driver errors become domain errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from gis.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


# Options of every platform session. JIT compilation costs more than it saves on the
# platform's short queries: a small area in a national-scale database takes 85 ms with it,
# 11 ms without (benchmarks/README.md).
SESSION_OPTIONS = "-c jit=off"


def make_engine(url: str, *, pool_size: int = 5, connect_timeout: int = 5) -> Engine:
    return create_engine(
        url,
        pool_size=pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": connect_timeout, "options": SESSION_OPTIONS},
    )


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turns a lost or unreachable database into `DatabaseUnavailable`.

    Other database errors pass on unchanged, to be logged and answered as a plain 500 by
    the HTTP layer: their text (SQL, parameters) must never reach a client.
    """
    try:
        yield
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.warning("database unavailable: %s", exc.orig)
            raise DatabaseUnavailable() from exc
        raise


def versions(conn: Connection) -> dict[str, str]:
    row = conn.execute(
        text("SELECT current_setting('server_version') AS pg, postgis_full_version() AS gis")
    ).one()
    postgis = row.gis.split('"')[1] if '"' in row.gis else row.gis
    return {"postgresql": row.pg, "postgis": postgis}
