"""Land sales are counted from the land data's status history (derive rule `land_sold`),
no longer only recorded by hand.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "'demolished_dwellings', 'renovated_dwellings', 'new_private_dwellings', 'roads_opened', "
    "'letbane_opened', 'facilities_opened', 'facilities_closed'"
)


def _rules(rules: str) -> None:
    op.drop_constraint("plan_item_derive", "plan_item", type_="check")
    op.create_check_constraint(
        "plan_item_derive", "plan_item", f"derive IS NULL OR derive IN ({rules})"
    )


def upgrade() -> None:
    _rules(BEFORE + ", 'land_sold'")


def downgrade() -> None:
    op.execute("UPDATE plan_item SET derive = NULL WHERE derive = 'land_sold'")
    _rules(BEFORE)
