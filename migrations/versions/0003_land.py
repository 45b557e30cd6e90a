"""Land model: each parcel's sale status, building right and plans; confidential sale data;
the history of every sale-status change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "('reserved_welfare', 'not_for_sale', 'planned', 'on_offer', 'under_option', 'sold')"


def upgrade() -> None:
    op.create_table(
        "parcel_land",
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("plot_label", sa.String(16), nullable=True),
        sa.Column("owner_category", sa.String(32), nullable=False),
        sa.Column("sale_status", sa.String(16), server_default="not_for_sale", nullable=False),
        sa.Column("sale_year", sa.SmallInteger(), nullable=True),
        sa.Column("sale_phase", sa.String(32), nullable=True),
        sa.Column("building_right_m2", sa.Float(), nullable=True),
        sa.Column("plot_ratio", sa.Float(), nullable=True),
        sa.Column("expected_dwellings", sa.Integer(), nullable=True),
        sa.Column("expected_business_m2", sa.Float(), nullable=True),
        sa.Column(
            "constraints",
            sa.ARRAY(sa.String(16)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("data_source", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "owner_category IN ('odense_kommune', 'civica', 'fab', 'dan_mark_ejendomme', "
            "'company', 'private', 'other')",
            name="parcel_land_owner",
        ),
        sa.CheckConstraint(f"sale_status IN {STATUSES}", name="parcel_land_status"),
        sa.CheckConstraint(
            "constraints <@ ARRAY['easement', 'noise', 'soil', 'protected']::varchar[]",
            name="parcel_land_constraints",
        ),
        sa.CheckConstraint(
            "building_right_m2 IS NULL OR building_right_m2 >= 0", name="parcel_land_br"
        ),
        sa.CheckConstraint("plot_ratio IS NULL OR plot_ratio > 0", name="parcel_land_ratio"),
        sa.CheckConstraint(
            "expected_dwellings IS NULL OR expected_dwellings >= 0", name="parcel_land_dwellings"
        ),
        sa.CheckConstraint(
            "expected_business_m2 IS NULL OR expected_business_m2 >= 0",
            name="parcel_land_business",
        ),
        sa.CheckConstraint(
            "sale_year IS NULL OR sale_year BETWEEN 2000 AND 2100", name="parcel_land_sale_year"
        ),
        sa.ForeignKeyConstraint(["parcel_id"], ["parcel.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("parcel_id"),
        sa.UniqueConstraint("plot_label"),
    )
    op.create_index("parcel_land_status_year", "parcel_land", ["sale_status", "sale_year"])

    op.create_table(
        "parcel_sale",
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("price_dkk", sa.Numeric(14, 0), nullable=True),
        sa.Column("buyer", sa.Text(), nullable=True),
        sa.Column("option_holder", sa.Text(), nullable=True),
        sa.Column("offered_date", sa.Date(), nullable=True),
        sa.Column("option_date", sa.Date(), nullable=True),
        sa.Column("option_expires", sa.Date(), nullable=True),
        sa.Column("sold_date", sa.Date(), nullable=True),
        sa.CheckConstraint("price_dkk IS NULL OR price_dkk >= 0", name="parcel_sale_price"),
        sa.ForeignKeyConstraint(["parcel_id"], ["parcel.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("parcel_id"),
    )

    op.create_table(
        "sale_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            f"from_status IS NULL OR from_status IN {STATUSES}", name="sale_status_change_from"
        ),
        sa.CheckConstraint(f"to_status IN {STATUSES}", name="sale_status_change_to"),
        sa.ForeignKeyConstraint(["parcel_id"], ["parcel.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("sale_status_change_parcel", "sale_status_change", ["parcel_id", "changed_at"])


def downgrade() -> None:
    op.drop_index("sale_status_change_parcel", table_name="sale_status_change")
    op.drop_table("sale_status_change")
    op.drop_table("parcel_sale")
    op.drop_index("parcel_land_status_year", table_name="parcel_land")
    op.drop_table("parcel_land")
