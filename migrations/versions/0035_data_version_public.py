"""A data version for readers who may not read sale data, which sale data does not move.

Every write to map data bumps `data_version` (migrations 0002, 0008, 0033), and every ETag of
a page, an area, a tile or a file names it. Sale data (`parcel_sale` and its version table)
bumped it too, so a reader who may not read sale data, polling any page, saw its ETag move
at the moment the land company changed a price or an option's expiry alone: the moment
`gis.land.confidential` says others may know by its year only.

Now the row keeps two counters:
- `version`, `stamp` (and `changed_at`): moved by every write, sale data included, as
  before; what a reader who may read sale data is answered by;
- `public_version`, `public_stamp`: moved by every write but those of sale data alone
  (the trigger given the argument 'confidential') and a scenario's copies of a feature's
  rows (`vm.copy_only` set for the statement, `gis.editing.store.fork`: a copy changes
  nothing anyone reads, but a first edit of sale data alone in a scenario would move the
  counter at its moment); what everyone else is answered by.

`data_version_seen` gives each statement its reader's pair under the names `version` and
`stamp`: it runs with its owner's rights and asks `vm_sale_reader()` (migration 0026), which
is the statement's own role. The reader role may no longer select `version` and `stamp`
from the table itself; the public pair stays open to it, for caches of what is public for
every reader (the tenure mix), keyed alike whoever reads.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN = "CAST(floor(random() * 9007199254740992) AS bigint)"
# The tables holding sale data alone: the trigger there moves only the full counter.
CONFIDENTIAL = ("parcel_sale", "parcel_sale_version")

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION vm_touch_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_NARGS > 0 AND TG_ARGV[0] = 'confidential')
       OR current_setting('vm.copy_only', true) = 'on' THEN
        UPDATE data_version SET version = version + 1, changed_at = clock_timestamp(),
                                stamp = {TOKEN};
    ELSE
        UPDATE data_version SET version = version + 1, changed_at = clock_timestamp(),
                                stamp = {TOKEN}, public_version = public_version + 1,
                                public_stamp = {TOKEN};
    END IF;
    RETURN NULL;
END
$$
"""

# Migration 0033's function.
FUNCTION_BEFORE_SQL = f"""
CREATE OR REPLACE FUNCTION vm_touch_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = clock_timestamp(),
                            stamp = {TOKEN};
    RETURN NULL;
END
$$
"""

VIEW_SQL = """
CREATE VIEW data_version_seen AS
SELECT CASE WHEN vm_sale_reader() THEN d.version ELSE d.public_version END AS version,
       CASE WHEN vm_sale_reader() THEN d.stamp ELSE d.public_stamp END AS stamp
FROM public.data_version d
"""


def _trigger(table: str, args: str) -> str:
    return (
        f"CREATE TRIGGER vm_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION vm_touch_data_version({args})"
    )


def upgrade() -> None:
    op.execute(
        "ALTER TABLE data_version ADD COLUMN public_version bigint NOT NULL DEFAULT 1,"
        " ADD COLUMN public_stamp bigint NOT NULL DEFAULT 0"
    )
    op.execute("UPDATE data_version SET public_version = version, public_stamp = stamp")
    op.execute(FUNCTION_SQL)
    for table in CONFIDENTIAL:
        op.execute(f"DROP TRIGGER vm_data_version ON {table}")
        op.execute(_trigger(table, "'confidential'"))
    op.execute(VIEW_SQL)
    op.execute("REVOKE SELECT (version, stamp) ON data_version FROM vm_public")
    op.execute("GRANT SELECT (public_version, public_stamp) ON data_version TO vm_public")
    op.execute("GRANT SELECT ON data_version_seen TO vm_public")


def downgrade() -> None:
    op.execute("DROP VIEW data_version_seen")
    op.execute("REVOKE SELECT (public_version, public_stamp) ON data_version FROM vm_public")
    op.execute("GRANT SELECT (version, stamp) ON data_version TO vm_public")
    for table in CONFIDENTIAL:
        op.execute(f"DROP TRIGGER vm_data_version ON {table}")
        op.execute(_trigger(table, ""))
    op.execute(FUNCTION_BEFORE_SQL)
    op.execute("ALTER TABLE data_version DROP COLUMN public_version, DROP COLUMN public_stamp")
