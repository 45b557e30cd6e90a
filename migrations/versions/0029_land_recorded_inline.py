"""The land views' recorded time, computed as one expression the planner inlines.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 14:10:00

Migration 0026's `vm_year_end` read its end of the year from a subquery, which kept it (and
`vm_land_recorded`, `vm_land_base_recorded` that call it) from being inlined: PostgreSQL ran
each call through the SQL function executor, planning its body once per statement, about
0.04 ms for every land view a statement names (a plot is two: parcel and parcel_land, each
with two or three such times). Written as one expression, the planner inlines it into the
views' InitPlans. The same answers (the year is capped where a constant argument folded at
plan time would leave the range of timestamps: the far future stays itself).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INLINED = r"""
CREATE OR REPLACE FUNCTION vm_year_end(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE
PARALLEL SAFE AS $$
    SELECT CASE WHEN t >= now() THEN t
                WHEN (make_timestamp(least(extract(year FROM t AT TIME ZONE 'Europe/Copenhagen')
                                           ::integer + 1, 294276), 1, 1, 0, 0, 0)
                      AT TIME ZONE 'Europe/Copenhagen') - interval '1 microsecond' >= now()
                THEN '294276-01-01T00:00:00Z'::timestamptz
                ELSE (make_timestamp(least(extract(year FROM t AT TIME ZONE 'Europe/Copenhagen')
                                           ::integer + 1, 294276), 1, 1, 0, 0, 0)
                      AT TIME ZONE 'Europe/Copenhagen') - interval '1 microsecond' END
$$;
"""

# Migration 0026's, as it was.
SUBQUERY = r"""
CREATE OR REPLACE FUNCTION vm_year_end(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE
PARALLEL SAFE AS $$
    SELECT CASE WHEN t >= now() THEN t
                WHEN e >= now() THEN '294276-01-01T00:00:00Z'::timestamptz
                ELSE e END
    FROM (SELECT (make_timestamp(extract(year FROM t AT TIME ZONE 'Europe/Copenhagen')::integer
                                 + 1, 1, 1, 0, 0, 0) AT TIME ZONE 'Europe/Copenhagen')
                 - interval '1 microsecond' AS e) y
$$;
"""


def upgrade() -> None:
    op.execute(INLINED)


def downgrade() -> None:
    op.execute(SUBQUERY)
