"""Running the Alembic migrations from code (CLI, start-up, tests).

Alembic is imported only to migrate: a start-up with nothing to do (`is_current`) reads the
head from the revision files' own `revision`/`down_revision` lines and compares it with the
database's `alembic_version`, which costs milliseconds where loading Alembic's script
directory cost some 0.4 s.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Every migration declares these at the top level, as Alembic's template writes them.
_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$", re.M)
# A key of the platform's own for pg_advisory_xact_lock: one start-up migrates at a time.
_LOCK = 0x766D_6D69_6772  # "vmmigr"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(connection), revision)


@cache
def heads() -> frozenset[str]:
    """The head revision(s) of migrations/versions: those no other revision revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            revised.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return frozenset(revisions - revised)


def current(connection: Connection) -> frozenset[str]:
    """The revision(s) the database is at; empty when it was never migrated."""
    if connection.execute(text("SELECT to_regclass('alembic_version')")).scalar() is None:
        return frozenset()
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return frozenset(rows)


def is_current(connection: Connection) -> bool:
    return current(connection) == heads()


def lock(connection: Connection) -> None:
    """Waits for, and holds until the caller's transaction ends, the platform's start-up
    lock: workers or machines starting together migrate (and load) once, the others finding
    the first's work done."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})


def upgrade_if_behind(connection: Connection) -> bool:
    """Migrates to head unless the database is there already; True when it migrated. Holds
    the start-up lock (`lock`); the caller owns the transaction."""
    lock(connection)
    if is_current(connection):
        return False
    upgrade(connection)
    return True
