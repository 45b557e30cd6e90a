"""The owner guard judges a change of the adopted plan in every scenario that inherits it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 11:50:00

Migration 0011's guard judged a write of the adopted plan in the adopted plan only. A
scenario that follows the adopted plan as it moves on (no `base_recorded`) publishes the
adopted rows it has not overridden beside its own: a new option holder recorded on the
adopted plot could equal the owner of a building the scenario drew on it, and the scenario's
reads would publish the holder's name. Now a write of the adopted plan that could make a leak
is judged in the adopted plan and then in each such scenario, as its reads see it; a pinned
scenario sees the adopted plan as it was, which this write does not change.

Only where a leak can be at all: a parcel not sold with an option holder or buyer recorded,
in the adopted plan or in a scenario's current rows. A write elsewhere (most of an import)
costs one index lookup more.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = r"""
CREATE OR REPLACE FUNCTION vm_owner_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_catalog
SET vm.scenario = '' SET vm.recorded = '' SET vm.base_recorded = '' AS $$
DECLARE
    parcel integer := vm_owner_parcel(TG_TABLE_NAME, NEW);
    inheriting record;
BEGIN
    IF parcel IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM vm_owner_refuse(parcel);
    IF NOT EXISTS (SELECT 1 FROM public.parcel_sale s
                    WHERE s.parcel_id = parcel
                      AND (s.option_holder IS NOT NULL OR s.buyer IS NOT NULL))
       AND NOT EXISTS (SELECT 1 FROM public.parcel_sale_version v
                        WHERE v.parcel_id = parcel AND v.scenario_id <> 1
                          AND v.recorded_to = 'infinity' AND NOT v.deleted
                          AND (v.option_holder IS NOT NULL OR v.buyer IS NOT NULL)) THEN
        RETURN NULL;
    END IF;
    -- The settings above are the function's own: restored when it returns.
    PERFORM set_config('search_path', 'plan_view, public, pg_catalog', true);
    FOR inheriting IN SELECT id FROM public.scenario
                       WHERE id <> 1 AND base_recorded IS NULL ORDER BY id LOOP
        PERFORM set_config('vm.scenario', inheriting.id::text, true);
        PERFORM vm_owner_refuse(parcel);
    END LOOP;
    RETURN NULL;
END
$$;
"""

# Migration 0011's function, as it was.
GUARD_0011 = r"""
CREATE OR REPLACE FUNCTION vm_owner_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_catalog AS $$
DECLARE
    parcel integer := vm_owner_parcel(TG_TABLE_NAME, NEW);
BEGIN
    IF parcel IS NOT NULL THEN
        PERFORM vm_owner_refuse(parcel);
    END IF;
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    # Replaced whole, SET clauses too; the triggers of migration 0011 keep calling it.
    op.execute(GUARD)


def downgrade() -> None:
    op.execute(GUARD_0011)
