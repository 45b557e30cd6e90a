"""Rehousing across Odense: where the rehoused households moved, and the replacement dwellings.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 11:05:00

`rehousing_move`: households of a rehousing plan item moved in a year into a receiving area
(an `area`, one of Odense's monitored almene areas) or, with no area, into other almene
dwellings of Odense. Aggregates only: the API suppresses counts below 5.

`replacement_dwelling`: the almene dwellings built elsewhere in Odense, one per dwelling
demolished in the area (seed 001: 1,000): where (a point), when (the year they are taken
into use), how many, by whom.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rehousing_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("receiving_area_id", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.CheckConstraint("households >= 0", name="rehousing_move_households"),
        sa.ForeignKeyConstraint(["item_id"], ["plan_item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["receiving_area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("rehousing_move_item_year", "rehousing_move", ["item_id", "year"])
    op.create_table(
        "replacement_dwelling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("dwellings > 0", name="replacement_dwelling_dwellings"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        "replacement_dwelling_geom_gist", "replacement_dwelling", ["geom"], postgresql_using="gist"
    )


def downgrade() -> None:
    op.drop_table("replacement_dwelling")
    op.drop_index("rehousing_move_item_year", "rehousing_move")
    op.drop_table("rehousing_move")
