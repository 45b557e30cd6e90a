"""Data version: a counter bumped by every change to the map data, for cache validators.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The data tables that exist at this revision; later ones attach themselves.
TABLES = (
    "area",
    "quarter_set",
    "quarter",
    "parcel",
    "building",
    "dwelling_stock",
    "road",
    "rail_line",
    "rail_stop",
    "facility",
)

# Frozen copies of gis.data_version's DDL as it was at this revision: a migration is history
# and must not change when the live module does (tests/test_migrations_frozen.py). 0008
# attaches the same trigger to later tables with its own copy.
FUNCTION_SQL = """
CREATE FUNCTION vm_touch_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END
$$
"""
DROP_FUNCTION_SQL = "DROP FUNCTION vm_touch_data_version()"


def attach_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER vm_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION vm_touch_data_version()"
    )


def detach_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS vm_data_version ON {table}"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.execute("INSERT INTO data_version DEFAULT VALUES")
    op.execute(FUNCTION_SQL)
    for table in TABLES:
        op.execute(attach_sql(table))


def downgrade() -> None:
    for table in TABLES:
        op.execute(detach_sql(table))
    op.execute(DROP_FUNCTION_SQL)
    op.drop_table("data_version")
