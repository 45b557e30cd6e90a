"""Monitoring: plan items (milestones) and their recorded actuals.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("start_year", sa.SmallInteger(), nullable=False),
        sa.Column("end_year", sa.SmallInteger(), nullable=False),
        sa.Column("planned_quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("derive", sa.String(length=32), nullable=True),
        sa.Column("derive_match", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "derive IS NULL OR derive IN ('demolished_dwellings', 'renovated_dwellings', "
            "'new_private_dwellings', 'roads_opened', 'letbane_opened', 'facilities_opened', "
            "'facilities_closed')",
            name="plan_item_derive",
        ),
        sa.CheckConstraint(
            "derive IS NULL OR derive NOT IN ('demolished_dwellings', 'renovated_dwellings')"
            " OR department IS NOT NULL",
            name="plan_item_derive_department",
        ),
        sa.CheckConstraint(
            "derive IS NULL OR derive NOT IN ('roads_opened', 'facilities_opened',"
            " 'facilities_closed') OR derive_match IS NOT NULL",
            name="plan_item_derive_match",
        ),
        sa.CheckConstraint("key ~ '^[a-z0-9][a-z0-9_-]*$'", name="plan_item_key_format"),
        sa.CheckConstraint(
            "kind IN ('demolition', 'renovation', 'new_building', 'rehousing', 'bygade', "
            "'sivegade', 'letbane_decision', 'letbane_construction', 'local_plan', 'land_sale', "
            "'land_company', 'institution', 'municipal_building')",
            name="plan_item_kind",
        ),
        sa.CheckConstraint(
            "unit IN ('dwellings', 'households', 'items', 'm2', 'm')", name="plan_item_unit"
        ),
        sa.CheckConstraint("planned_quantity >= 0", name="plan_item_quantity"),
        sa.CheckConstraint(
            "start_year IS NULL OR end_year IS NULL OR start_year <= end_year",
            name="plan_item_years",
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("area_id", "key", name="plan_item_area_key"),
    )
    op.create_table(
        "plan_target",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="plan_target_quantity"),
        sa.ForeignKeyConstraint(["item_id"], ["plan_item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "year"),
    )
    op.create_table(
        "plan_actual",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quantity >= 0", name="plan_actual_quantity"),
        sa.ForeignKeyConstraint(["item_id"], ["plan_item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("plan_actual_item_year", "plan_actual", ["item_id", "year"], unique=False)


def downgrade() -> None:
    op.drop_index("plan_actual_item_year", table_name="plan_actual")
    op.drop_table("plan_actual")
    op.drop_table("plan_target")
    op.drop_table("plan_item")
