"""The benchmarks' own databases on the server of DATABASE_URL, named vollsmose_bench_*."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from gis import migrate
from gis.reference import default_reference_path, load_reference

PREFIX = "vollsmose_bench_"


def server_url() -> URL:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL (make bench does) or BENCH_DATABASE_URL.")
    return make_url(url)


def _admin() -> Engine:
    return create_engine(server_url().set(database="postgres"), isolation_level="AUTOCOMMIT")


def url_of(name: str) -> str:
    assert name.startswith(PREFIX), name
    return server_url().set(database=name).render_as_string(hide_password=False)


def exists(name: str) -> bool:
    admin = _admin()
    try:
        with admin.connect() as c:
            return bool(
                c.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).scalar()
            )
    finally:
        admin.dispose()


def create(name: str) -> str:
    assert name.startswith(PREFIX), name
    admin = _admin()
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url_of(name)


def drop(name: str) -> None:
    assert name.startswith(PREFIX), name
    admin = _admin()
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def throwaway(label: str) -> Iterator[str]:
    """A fresh database for this run only, dropped afterwards; yields its URL."""
    name = f"{PREFIX}{label}_{uuid.uuid4().hex[:8]}"
    url = create(name)
    try:
        yield url
    finally:
        drop(name)


@contextmanager
def with_reference(label: str) -> Iterator[str]:
    """A throwaway database, migrated and holding the bundled reference data; its URL."""
    with throwaway(label) as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                migrate.upgrade(conn)
                load_reference(conn, default_reference_path())
        finally:
            engine.dispose()
        yield url
