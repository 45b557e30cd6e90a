"""Provenance of register data: which register, which extract, which record.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:50:00

The BBR and Matrikel importers (`gis.registers`) write parcels and buildings that came from
a Danish register. Each such row names its register (`bbr`, `matrikel`), the date of the
extract it was first seen with its current values, and its record id there (a parcel's
`source_id`: MAT's id_lokalId, or ejerlavskode-matrikelnummer; a building already had
`source_id`, BBR's id_lokalId). Rows the reference dataset or a planner made leave them NULL.

Both are plan tables (migration 0010): the columns go on `<table>_version` too, and
`vm_version_table_refresh` rebuilds their triggers and views.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "parcel": (
        ("source_id", "varchar(64)"),
        ("source_register", "varchar(16)"),
        ("source_extract_date", "date"),
    ),
    "building": (("source_register", "varchar(16)"), ("source_extract_date", "date")),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for target in (table, f"{table}_version"):
            adds = ", ".join(f"ADD COLUMN {name} {kind}" for name, kind in columns)
            op.execute(f"ALTER TABLE {target} {adds}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_source_register "
            "CHECK (source_register IS NULL OR source_register IN ('bbr', 'matrikel'))"
        )
        op.execute(f"SELECT vm_version_table_refresh('{table}')")
    op.execute("CREATE INDEX parcel_source ON parcel (source_register, source_id)")


def downgrade() -> None:
    op.execute("DROP INDEX parcel_source")
    for table, columns in COLUMNS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_source_register")
        # The views name every column: dropped first, made again without these.
        for schema in ("plan_view", "plan_recorded", "plan_scenario"):
            op.execute(f"DROP VIEW {schema}.{table}")
        for target in (table, f"{table}_version"):
            drops = ", ".join(f"DROP COLUMN {name}" for name, _ in columns)
            op.execute(f"ALTER TABLE {target} {drops}")
        op.execute(f"SELECT vm_version_table_refresh('{table}', '{table}', 'id')")
