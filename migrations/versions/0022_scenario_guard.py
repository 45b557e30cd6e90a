"""A read of a scenario that no longer exists fails, whatever its session settings say.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 12:00:00

The plan version views (migration 0010) read the scenario a session names from the setting
`vm.scenario`, its id. The read engine keeps a connection's settings from one request to the
next when they name the same version (`api.ogc_common._on_version`: the settings' round trip
was most of what a read of a scenario cost more than a read of the adopted plan). A scenario
deleted since, or deleted and made again under its slug (a new id), would then be answered
as the adopted plan without the scenario's rows. `vm_scenario()` now checks that the id it
returns names a scenario, and raises SQLSTATE VM404 when it does not; the platform then sets
the settings again from the slug (a 404 if it is gone). The adopted plan (1) is never
deleted and is not looked up.

The views call `vm_scenario()` once per reference (an InitPlan), so a read pays one index
lookup per plan table it names (about 0.01 ms each), not one per row. Only the function's
body changes: the views, which refer to it, stay as they are.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKED = r"""
CREATE OR REPLACE FUNCTION vm_scenario() RETURNS integer LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    s integer := coalesce(nullif(current_setting('vm.scenario', true), '')::integer, 1);
BEGIN
    IF s <> 1 AND NOT EXISTS (SELECT FROM public.scenario WHERE id = s) THEN
        RAISE EXCEPTION 'the scenario this session names (%) no longer exists', s
            USING ERRCODE = 'VM404';
    END IF;
    RETURN s;
END
$$;
"""

# Migration 0010's function, as it was.
UNCHECKED = r"""
CREATE OR REPLACE FUNCTION vm_scenario() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(current_setting('vm.scenario', true), '')::integer, 1)
$$;
"""


def upgrade() -> None:
    op.execute(CHECKED)


def downgrade() -> None:
    op.execute(UNCHECKED)
