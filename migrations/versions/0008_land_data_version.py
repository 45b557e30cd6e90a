"""The plots collection reads the land tables: their changes bump the data version too, so
a cached plots page or tile is revalidated after a sale-status or building-right change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from gis import data_version

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("parcel_land", "parcel_sale")


def upgrade() -> None:
    for table in TABLES:
        op.execute(data_version.attach_sql(table))


def downgrade() -> None:
    for table in TABLES:
        op.execute(data_version.detach_sql(table))
