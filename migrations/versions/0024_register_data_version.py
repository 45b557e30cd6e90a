"""The register tables move the data version: `local_plan` and `address`.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 12:25:00

ETags of items, tiles and maps key on the data version (migration 0002): a table a layer or a
page reads without the trigger would let a cached answer outlive a change of it. Migration
0017 made the lokalplaner (the `local_plans` collection, its tiles) and the addresses (the
viewer's popup, `/addresses`) without it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("local_plan", "address")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            "CREATE TRIGGER vm_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION vm_touch_data_version()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER vm_data_version ON {table}")
