"""The database refuses a public owner that names a plot's confidential buyer, whoever writes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:40:00

A parcel's `owner`, and the `owner` of a building on it, are public (items, tiles, the
viewer). Before a plot is sold, neither may name its option holder or buyer (`parcel_sale`,
confidential), compared as people type names: case and surrounding space do not matter.

- `vm_owner_leaks(ids)` is the one definition of the rule: the violations among the given
  parcels (all of them for NULL), in the tables the caller's search_path names, so the
  platform's own check (`gis.land.confidential`) asks it of the plan the transaction sees.
- Constraint triggers on `parcel` (owner), `building` (owner, parcel_id), `parcel_sale`
  (option_holder, buyer) and `parcel_land` (sale_status: a sold plot's buyer may own it)
  ask it of the adopted plan at commit (deferred: a transaction that changes an owner and a
  holder together is judged as it leaves them), for a write by any path (psql, a script).
- The same triggers on the `*_version` tables judge a scenario's current rows in the
  scenario, as its reads publish it (the `plan_view` views, migration 0010).

A violation raises SQLSTATE VM422 (the HTTP layer answers 422 on `owner`); its message names
the parcel and never the name, which the writer may not be allowed to read.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the columns whose change may make a leak)
GUARDED = (
    ("parcel", "owner"),
    ("building", "owner, parcel_id"),
    ("parcel_sale", "option_holder, buyer"),
    ("parcel_land", "sale_status"),
)

FUNCTIONS = r"""
-- Unqualified names on purpose: the plan the caller's search_path names (the adopted plan,
-- or a scenario's or a recorded time's plan_view views).
CREATE FUNCTION vm_owner_leaks(ids integer[] DEFAULT NULL)
RETURNS TABLE (parcel_id integer, matrikelnummer text, what text)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.matrikelnummer::text, o.what
    FROM parcel p
    JOIN parcel_land l ON l.parcel_id = p.id
    JOIN parcel_sale s ON s.parcel_id = p.id
    CROSS JOIN LATERAL (
        SELECT 'parcel' AS what, p.owner AS owner
        UNION ALL SELECT 'building ' || b.id, b.owner FROM building b WHERE b.parcel_id = p.id
    ) o
    WHERE l.sale_status <> 'sold'
      AND lower(btrim(o.owner)) IN (lower(btrim(s.option_holder)), lower(btrim(s.buyer)))
      AND (ids IS NULL OR p.id = ANY (ids))
    ORDER BY p.id, o.what
$$;

CREATE FUNCTION vm_owner_refuse(parcel integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    leak record;
BEGIN
    SELECT * INTO leak FROM vm_owner_leaks(ARRAY[parcel]) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'VM422',
            MESSAGE = format('The owner of %s on parcel %s names the party the plot is under '
                             'option to or being sold to, which is confidential until the '
                             'sale: the public owner of a plot not yet sold is its current '
                             'owner.', leak.what, leak.matrikelnummer);
    END IF;
END
$$;

-- The parcel a written row belongs to (a building moved off every parcel: none).
CREATE FUNCTION vm_owner_parcel(t text, r record) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    IF t IN ('parcel', 'parcel_version') THEN
        RETURN r.id;
    END IF;
    RETURN r.parcel_id;
END
$$;

-- The adopted plan: its own tables, whatever search_path the writer had.
CREATE FUNCTION vm_owner_guard() RETURNS trigger LANGUAGE plpgsql
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

-- A scenario's current row: judged in the scenario now, as its reads publish it (the
-- settings are the function's own: restored when it returns).
CREATE FUNCTION vm_owner_guard_scenario() RETURNS trigger LANGUAGE plpgsql
SET search_path = plan_view, public, pg_catalog
SET vm.scenario = '' SET vm.recorded = '' SET vm.base_recorded = '' AS $$
DECLARE
    parcel integer := vm_owner_parcel(TG_TABLE_NAME, NEW);
BEGIN
    IF parcel IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('vm.scenario', NEW.scenario_id::text, true),
            set_config('vm.base_recorded', coalesce(s.base_recorded::text, ''), true)
       FROM public.scenario s WHERE s.id = NEW.scenario_id;
    PERFORM vm_owner_refuse(parcel);
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    for table, columns in GUARDED:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER vm_owner_guard AFTER INSERT OR UPDATE OF {columns} "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION vm_owner_guard()"
        )
        # Superseded rows (recorded_to finite) and the adopted plan's history are not
        # published as a scenario's current plan: only its current rows are judged.
        op.execute(
            f"CREATE CONSTRAINT TRIGGER vm_owner_guard AFTER INSERT OR UPDATE "
            f"ON {table}_version DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "WHEN (NEW.scenario_id <> 1 AND NEW.recorded_to = 'infinity' AND NOT NEW.deleted) "
            "EXECUTE FUNCTION vm_owner_guard_scenario()"
        )


def downgrade() -> None:
    for table, _columns in reversed(GUARDED):
        op.execute(f"DROP TRIGGER vm_owner_guard ON {table}_version")
        op.execute(f"DROP TRIGGER vm_owner_guard ON {table}")
    op.execute(
        "DROP FUNCTION vm_owner_guard_scenario(); DROP FUNCTION vm_owner_guard();"
        "DROP FUNCTION vm_owner_parcel(text, record); DROP FUNCTION vm_owner_refuse(integer);"
        "DROP FUNCTION vm_owner_leaks(integer[]);"
    )
