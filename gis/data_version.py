"""The data version: one counter in `data_version`, bumped by a statement-level trigger on
every map data table, so HTTP caches can key on it (ETags) and learn of any change, whoever
made it (the API, `psql`, an import).

Statement-level: a bulk load of thousands of rows bumps it once per statement, not per row.
Every writer of a data table updates the one row, so writers serialise on it until they
commit; the map data is written rarely and in small transactions, so that is cheap here.

Later migrations attach the same trigger to their own tables with `attach_sql(table)` (and
`detach_sql(table)` on downgrade).

Two counters (migration 0035): `version` moves with every write; `public_version` with every
write but those of sale data alone (`CONFIDENTIAL_TABLES`) and a scenario's copies of rows
(`COPY_ONLY`), which a reader who may not read sale data must not see move
(`gis.land.confidential`). A statement reads its reader's pair
through `data_version_seen` (`COLUMN_SQL`, `stamp`); what is public for every reader (the
tenure mix) is cached by the public pair (`public_stamp`), alike whoever reads.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, text

from gis.db import statement
from gis.land.confidential import SALE_TABLES

TABLE = "data_version"
FUNCTION = "vm_touch_data_version"
TRIGGER = "vm_data_version"

# A bump's stamp (migration 0033): random, so that no two states of the data share one (a
# bump rolled back leaves the number where it was) and it says nothing of when it was made,
# which `changed_at` does and the reader role may not read (the last bump may be a sale's).
TOKEN_SQL = "CAST(floor(random() * 9007199254740992) AS bigint)"

# The view giving a statement its reader's counter and stamp (migration 0035).
SEEN = "data_version_seen"
# A transaction setting: on, its statements copy rows that change nothing anyone reads (a
# scenario taking a feature over), which move the full counter only.
COPY_ONLY = "vm.copy_only"
# The tables of sale data alone and their version tables: their trigger moves the full
# counter only.
CONFIDENTIAL_TABLES: tuple[str, ...] = tuple(
    sorted(t for s in SALE_TABLES for t in (s, f"{s}_version"))
)

FUNCTION_SQL = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_NARGS > 0 AND TG_ARGV[0] = 'confidential')
       OR current_setting('{COPY_ONLY}', true) = 'on' THEN
        UPDATE {TABLE} SET version = version + 1, changed_at = clock_timestamp(),
                                stamp = {TOKEN_SQL};
    ELSE
        UPDATE {TABLE} SET version = version + 1, changed_at = clock_timestamp(),
                                stamp = {TOKEN_SQL}, public_version = public_version + 1,
                                public_stamp = {TOKEN_SQL};
    END IF;
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
    """DDL making every change to `table` bump the data version (only the full counter, of
    a table of sale data alone)."""
    _check(table)
    args = "'confidential'" if table in CONFIDENTIAL_TABLES else ""
    return (
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}({args})"
    )


def detach_sql(table: str) -> str:
    _check(table)
    return f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}"


# The version as a column of another statement: read in that statement's snapshot, so it
# names exactly the data the statement read, and costs no round trip of its own; its
# reader's (schema-qualified: a version of the plan puts its views first on the path).
COLUMN_SQL = f"COALESCE((SELECT version FROM public.{SEEN}), 0)"


# The public counter as a column, for what is made for everyone whoever runs it (a tile
# pyramid exported to files): the same number the public's answers name.
PUBLIC_COLUMN_SQL = f"COALESCE((SELECT public_version FROM public.{TABLE}), 0)"


def current(conn: Connection) -> int:
    """The data version as `conn` sees it (its own uncommitted changes included), by its
    reader's counter."""
    return conn.execute(text(f"SELECT {COLUMN_SQL}")).scalar_one()


class Stamp(NamedTuple):
    """The data's stamp: the version and the random token of its last bump (migration
    0033), which every write to map data makes, committed or not, so that no two states of
    the data share one (a bump rolled back leaves the number where it was, and the next one
    reaches it again with other data). What a cache of answers keys them by
    (`gis.ogc.tile_cache`, `gis.tenure`'s kept corrections)."""

    version: int
    token: int | None  # None: no data_version row (a database not migrated that far)


STAMP_SQL = f"SELECT version, stamp FROM public.{SEEN}"


def stamp(conn: Connection) -> Stamp:
    """The data's stamp as `conn`'s reader sees it."""
    row = conn.execute(statement(STAMP_SQL)).one_or_none()
    return Stamp(0, None) if row is None else Stamp(row.version, row.stamp)
