"""Texts planners write for the annual status report: explanations and decisions, by year.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 12:00:00

Issue 18. `report_text` holds, per area and report year, what planners wrote for the report
of that year: an `explanation` of why an item (a plan item or a delprogram's indicator,
`subject`) is behind, or a `decision` taken (`subject` its key, `title`, `decided_on`), or a `signatory` of the sign-off block (`title`
the role, `body` the name).
Nothing is overwritten: a new text for the same area, year, kind and subject supersedes the
one before (`superseded_at` set in the same transaction), so every version stays, with who
wrote it and when; the next year's report shows the earlier years' texts as history. At most
one current text per subject (a partial unique index), whoever writes (the API, psql).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_text",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("author_role", sa.String(length=32), nullable=False),
        sa.Column(
            "written_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('explanation', 'decision', 'signatory')", name="report_text_kind"
        ),
        sa.CheckConstraint(
            "(kind = 'decision') = (decided_on IS NOT NULL)", name="report_text_date"
        ),
        sa.CheckConstraint("(kind = 'explanation') = (title IS NULL)", name="report_text_title"),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 4000", name="report_text_body"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="report_text_year"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "report_text_current",
        "report_text",
        ["area_id", "year", "kind", "subject"],
        unique=True,
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    op.create_index("report_text_subject", "report_text", ["area_id", "kind", "subject"])


def downgrade() -> None:
    op.drop_table("report_text")
