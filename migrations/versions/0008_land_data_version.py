"""The plots collection reads the land tables: their changes bump the data version too, so
a cached plots page or tile is revalidated after a sale-status or building-right change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("parcel_land", "parcel_sale")


# A frozen copy of the trigger DDL (gis.attach_sql / detach_sql) as it was at
# this revision, so that this migration never changes with the live module. The function it
# names is 0002's.
def attach_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER vm_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION vm_touch_data_version()"
    )


def detach_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS vm_data_version ON {table}"


def upgrade() -> None:
    for table in TABLES:
        op.execute(attach_sql(table))


def downgrade() -> None:
    for table in TABLES:
        op.execute(detach_sql(table))
