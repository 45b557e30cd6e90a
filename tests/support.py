"""Helpers the fixtures of several test folders share."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine


def rolled_back(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back when the test is done."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()
