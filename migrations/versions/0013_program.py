"""The whole program: delprogrammer, effects, indicators, targets, values, indsatser, links.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:00:00

Issue 18. Indicator values are aggregates: a suppressed value has no number
(`program_value_suppressed`), and a trigger refuses a count below 5 whoever writes it (an
import, psql), so a small count can never be stored as shown.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = """
CREATE FUNCTION program_value_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.value IS NOT NULL AND NEW.value < 5 AND EXISTS (
        SELECT 1 FROM program_indicator WHERE id = NEW.indicator_id AND unit = 'count'
    ) THEN
        RAISE EXCEPTION 'a count below 5 is stored suppressed, never as a number'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER program_value_guard BEFORE INSERT OR UPDATE ON program_value
    FOR EACH ROW EXECUTE FUNCTION program_value_guard();
"""


def _delprogram_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["delprogram_id"], ["program_delprogram.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "program_delprogram",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("committees", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('hard_ghetto', 'vollsmose', 'odense')", name="program_delprogram_scope"
        ),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="program_delprogram_slug"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "program_effect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delprogram_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("phase", sa.String(length=24), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "phase IS NULL OR phase IN ('nyorientering', 'omdannelse', 'fremtidens_vollsmose')",
            name="program_effect_phase",
        ),
        _delprogram_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "program_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delprogram_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("better", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint("key ~ '^[a-z0-9][a-z0-9_]*$'", name="program_indicator_key"),
        sa.CheckConstraint(
            "unit IN ('percent', 'count', 'per_100', 'number', 'points')",
            name="program_indicator_unit",
        ),
        sa.CheckConstraint("better IN ('lower', 'higher')", name="program_indicator_better"),
        _delprogram_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "program_target",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("comparison", sa.String(length=2), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint("kind IN ('target', 'milestone')", name="program_target_kind"),
        sa.CheckConstraint(
            "comparison IN ('<', '<=', '>', '>=')", name="program_target_comparison"
        ),
        sa.ForeignKeyConstraint(["indicator_id"], ["program_indicator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("indicator_id", "year", "kind"),
    )
    op.create_table(
        "program_value",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("suppressed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("provenance", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("(value IS NULL) = suppressed", name="program_value_suppressed"),
        sa.CheckConstraint(
            "provenance IN ('plan', 'register', 'import', 'illustrative')",
            name="program_value_provenance",
        ),
        sa.ForeignKeyConstraint(["indicator_id"], ["program_indicator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("indicator_id", "year"),
    )
    op.create_table(
        "program_indsats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delprogram_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("decided", sa.Boolean(), nullable=False),
        sa.Column("committee", sa.String(length=8), nullable=True),
        sa.Column("start_year", sa.SmallInteger(), nullable=True),
        sa.Column("end_year", sa.SmallInteger(), nullable=True),
        sa.Column("years_illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="not_reported", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('not_reported', 'planned', 'running', 'done', 'paused')",
            name="program_indsats_status",
        ),
        sa.CheckConstraint(
            "start_year IS NULL OR end_year IS NULL OR start_year <= end_year",
            name="program_indsats_years",
        ),
        _delprogram_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "program_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("strength", sa.String(length=8), server_default="direct", nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint("from_id <> to_id", name="program_link_not_self"),
        sa.CheckConstraint("kind IN ('dependency', 'synergy')", name="program_link_kind"),
        sa.CheckConstraint("strength IN ('direct', 'minor')", name="program_link_strength"),
        sa.ForeignKeyConstraint(["from_id"], ["program_delprogram.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_id"], ["program_delprogram.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("from_id", "to_id", "kind", name="program_link_unique"),
    )
    op.execute(GUARD)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS program_value_guard ON program_value")
    op.execute("DROP FUNCTION IF EXISTS program_value_guard()")
    for table in (
        "program_link",
        "program_indsats",
        "program_value",
        "program_target",
        "program_indicator",
        "program_effect",
        "program_delprogram",
    ):
        op.drop_table(table)
