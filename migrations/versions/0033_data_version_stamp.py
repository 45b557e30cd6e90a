"""The data version's stamp: an opaque token in place of the instant of the last change.

The tile cache and the kept tenure corrections key their entries by the data's stamp:
`data_version`'s number and something no two bumps share (a bump rolled back leaves the
number where it was, and the next bump reaches the same number with other data). That was
`changed_at`, the instant of the last bump; but the last bump may be a sale's (the land
tables bump the version too), so the reader role, which may not learn when a land row
changed (migrations 0026 and 0032), could read that instant in `data_version`. The bump now
also draws a random `stamp`, the caches key by it, and the reader role may select the
number and the stamp but not `changed_at`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A random 53-bit integer: exact in a float8 and in JSON, never the same twice in practice.
TOKEN = "CAST(floor(random() * 9007199254740992) AS bigint)"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION vm_touch_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = clock_timestamp(),
                            stamp = {TOKEN};
    RETURN NULL;
END
$$
"""

FUNCTION_BEFORE_SQL = """
CREATE OR REPLACE FUNCTION vm_touch_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE data_version ADD COLUMN stamp bigint NOT NULL DEFAULT 0")
    op.execute(f"UPDATE data_version SET stamp = {TOKEN}")
    op.execute(FUNCTION_SQL)
    op.execute("REVOKE SELECT ON data_version FROM vm_public")
    op.execute("GRANT SELECT (version, stamp) ON data_version TO vm_public")


def downgrade() -> None:
    op.execute("REVOKE SELECT (version, stamp) ON data_version FROM vm_public")
    op.execute("GRANT SELECT ON data_version TO vm_public")
    op.execute(FUNCTION_BEFORE_SQL)
    op.execute("ALTER TABLE data_version DROP COLUMN stamp")
