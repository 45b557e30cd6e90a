"""Data version: a counter bumped by every change to the map data, for cache validators.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gis import data_version

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


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.execute("INSERT INTO data_version DEFAULT VALUES")
    op.execute(data_version.FUNCTION_SQL)
    for table in TABLES:
        op.execute(data_version.attach_sql(table))


def downgrade() -> None:
    for table in TABLES:
        op.execute(data_version.detach_sql(table))
    op.execute(data_version.DROP_FUNCTION_SQL)
    op.drop_table("data_version")
