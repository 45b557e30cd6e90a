"""Provenance of the criteria figures, and the published list status of years without values.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 11:00:00

`criteria_value.provenance` says where a year's figures come from: `plan` (quoted in the
plan), `register` (the list's published register figures, as quoted in a named source),
`import` (a CSV import: the default) or `illustrative` (invented); `source_date` the date the
figures are as of, or the day they were imported. An import that changes a row's figures
without naming its provenance makes it `import` of that day again (trigger), so a replaced
row never keeps the provenance of the figures it replaced.

`criteria_listing`: an area's published list status in a year, stated by a source, for the
years the platform holds no figures of (Vollsmose on the ghetto list since the first list in
2010, seed 001). The evaluator uses it only where the figures cannot decide the status.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('plan', 'register', 'import', 'illustrative')"
DATA = (
    "residents, outside_work, convicted, basic_school, income, non_western, published, "
    "illustrative, data_source"
)


def upgrade() -> None:
    op.add_column(
        "criteria_value",
        sa.Column("provenance", sa.String(16), server_default="import", nullable=False),
    )
    op.add_column(
        "criteria_value",
        sa.Column("source_date", sa.Date(), server_default=sa.text("CURRENT_DATE")),
    )
    op.create_check_constraint(
        "criteria_value_provenance", "criteria_value", f"provenance IN {KINDS}"
    )
    new = ", ".join(f"NEW.{c}" for c in DATA.split(", "))
    old = ", ".join(f"OLD.{c}" for c in DATA.split(", "))
    op.execute(
        f"""
        CREATE FUNCTION vm_criteria_value_provenance() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.provenance IS NOT DISTINCT FROM OLD.provenance
               AND NEW.source_date IS NOT DISTINCT FROM OLD.source_date
               AND ({new}) IS DISTINCT FROM ({old}) THEN
                NEW.provenance := 'import';
                NEW.source_date := CURRENT_DATE;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER criteria_value_provenance BEFORE UPDATE ON criteria_value
            FOR EACH ROW EXECUTE FUNCTION vm_criteria_value_provenance();
        """
    )
    op.create_table(
        "criteria_listing",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("list_key", sa.String(32), nullable=False),
        sa.Column("provenance", sa.String(16), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.CheckConstraint(f"provenance IN {KINDS}", name="criteria_listing_provenance"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("area_id", "year"),
    )


def downgrade() -> None:
    op.drop_table("criteria_listing")
    op.execute(
        "DROP TRIGGER criteria_value_provenance ON criteria_value;"
        "DROP FUNCTION vm_criteria_value_provenance();"
    )
    op.drop_constraint("criteria_value_provenance", "criteria_value")
    op.drop_column("criteria_value", "source_date")
    op.drop_column("criteria_value", "provenance")
