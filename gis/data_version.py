"""The data version: one counter in `data_version`, bumped by a statement-level trigger on
every map data table, so HTTP caches can key on it (ETags) and learn of any change, whoever
made it (the API, `psql`, an import).

Statement-level: a bulk load of thousands of rows bumps it once per statement, not per row.
Every writer of a data table updates the one row, so writers serialise on it until they
commit; the map data is written rarely and in small transactions, so that is cheap here.

Later migrations attach the same trigger to their own tables with `attach_sql(table)` (and
`detach_sql(table)` on downgrade).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, text

from gis.db import statement

TABLE = "data_version"
FUNCTION = "vm_touch_data_version"
TRIGGER = "vm_data_version"

# A bump's stamp (migration 0033): random, so that no two states of the data share one (a
# bump rolled back leaves the number where it was) and it says nothing of when it was made,
# which `changed_at` does and the reader role may not read (the last bump may be a sale's).
TOKEN_SQL = "CAST(floor(random() * 9007199254740992) AS bigint)"

FUNCTION_SQL = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET version = version + 1, changed_at = clock_timestamp(),
                            stamp = {TOKEN_SQL};
    RETURN NULL;
END
$$
"""
DROP_FUNCTION_SQL = f"DROP FUNCTION {FUNCTION}()"


def _check(table: str) -> None:
    # Table names come from migrations, never from users; still, refuse anything that is
    # not a plain identifier rather than quote it into DDL.
    if not table.replace("_", "").isalnum() or not table.isascii():
        raise ValueError(f"Not a plain table name: {table!r}")


def attach_sql(table: str) -> str:
    """DDL making every change to `table` bump the data version."""
    _check(table)
    return (
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def detach_sql(table: str) -> str:
    _check(table)
    return f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}"


# The version as a column of another statement: read in that statement's snapshot, so it
# names exactly the data the statement read, and costs no round trip of its own.
COLUMN_SQL = f"COALESCE((SELECT version FROM {TABLE}), 0)"


def current(conn: Connection) -> int:
    """The data version as `conn` sees it (its own uncommitted changes included)."""
    return conn.execute(text(f"SELECT {COLUMN_SQL}")).scalar_one()


class Stamp(NamedTuple):
    """The data's stamp: the version and the random token of its last bump (migration
    0033), which every write to map data makes, committed or not, so that no two states of
    the data share one (a bump rolled back leaves the number where it was, and the next one
    reaches it again with other data). What a cache of answers keys them by
    (`gis.ogc.tile_cache`, `gis.tenure`'s kept corrections)."""

    version: int
    token: int | None  # None: no data_version row (a database not migrated that far)


STAMP_SQL = f"SELECT version, stamp FROM {TABLE}"


def stamp(conn: Connection) -> Stamp:
    """The data's stamp as `conn` sees it."""
    row = conn.execute(statement(STAMP_SQL)).one_or_none()
    return Stamp(0, None) if row is None else Stamp(row.version, row.stamp)
