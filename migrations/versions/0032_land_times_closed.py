"""The exact times and change ids of land data are closed to the reader role itself.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 17:00:00

Migrations 0026-0029 gave a reader who may not read sale data (`vm_public`, the public's and
a planner's sessions) the land rows by the year, with opaque change ids, in the plan version
views; the tables themselves stayed open to it. A statement of that role that read them
directly found every land change's exact time: `parcel.recorded_from`,
`parcel_land_version.recorded_to`, a land row's `change_id` and the `recorded_at` of its
`plan_change`. A sale-status change is made when a plot is offered, optioned or sold, so
those times are the confidential sale dates. Now the database refuses them to the role:

- `parcel`, `parcel_land`: every column but `recorded_from` and `change_id` (column
  privileges); their version tables also without `recorded_to`, `superseded_by` and `vid`
  (a version row's place in its table's sequence).
- `parcel_sale`, `parcel_sale_version`, `sale_status_change`: also without `change_id` and
  `superseded_by`, which migration 0014 had left open (a change id finds its `plan_change`).
- `plan_change`: closed as a whole (its times, actors and notes, and which ids exist: an id
  is a place in the one sequence of changes). The platform's history and scenario reads
  take the login role's rights for that statement (`gis.db.elevated`) and show a reader
  what `gis.land.confidential` allows.

Reads of the land data go through views that run with their owner's rights and give the
statement's reader what it may see (`vm_land_change`, `vm_land_time`, migration 0026):
- the plan version views of `parcel` and `parcel_land` (`plan_view`, `plan_recorded`,
  `plan_scenario`) now run with their owner's rights (they read the closed columns to
  answer a version); the functions in them still check the reader, as before;
- the adopted plan now: a view per table in the schema `vm_public`, named as the role, so
  the default search_path (`"$user", public`) puts it before `public` for that role only.
  A statement of the role that names `parcel` reads the view; the login role (a reader who
  may read sale data, a write) reads the table, at no extra cost. A session whose
  search_path lacks `"$user"` meets "permission denied", never the times.

The opaque change ids are no longer an oracle: `vm_mask_change(c)` (migration 0026) runs
with its owner's rights for any `c` its caller chooses, so the reader role could mask every
change id in turn until one matched a plot's opaque id, and had the id back. It is now closed
to the role (the platform calls it with the login role's rights, for ids it knows). The
views mask with `vm_land_change(c, key)`, given the key (`vm_secret`, which only the views'
owner reads): called with any other key it tells the role nothing.

`vm_version_table_refresh` keeps all this: it is now the views' generator as before
(renamed `vm_version_views_refresh`) followed by `vm_land_reader_refresh`, which a later
migration adding a column to a land table gets by calling the refresh as before.

Left as they were: `data_version.changed_at` (the instant the map data last changed, any
layer: the tile cache's key) and the other plan tables' times, which are public.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What migration 0026's generator writes for a land row's change id, and what it writes now.
OLD_MASK = "'vm_land_change(h.change_id) AS change_id'"
NEW_MASK = "'vm_land_change(h.change_id, (SELECT k.key FROM public.vm_secret k)) AS change_id'"

UPGRADE = r"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vm_public') THEN
        RAISE EXCEPTION 'role vm_public (migration 0014) is missing';
    END IF;
END $$;

-- The keyed hash of migrations 0026 and 0028, given its key: anyone may call it, only
-- those who can read `vm_secret` (the views' owner) know the key.
CREATE FUNCTION vm_hash_change(c bigint, key bytea) RETURNS bigint LANGUAGE sql STABLE
PARALLEL SAFE AS $$
    SELECT CASE WHEN c >= 4611686018427387904 THEN c ELSE
           (('x' || encode(substr(sha256(key || convert_to(c::text, 'UTF8')), 1, 8), 'hex'))
            ::bit(64)::bigint & 4611686018427387903) | 4611686018427387904 END
$$;
CREATE OR REPLACE FUNCTION vm_mask_change(c bigint) RETURNS bigint LANGUAGE sql STABLE
PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT public.vm_hash_change(c, s.key) FROM public.vm_secret s WHERE c IS NOT NULL
$$;
REVOKE EXECUTE ON FUNCTION vm_mask_change(bigint) FROM PUBLIC;
-- A land row's change id as the statement's reader may see it, for a view that reads the key.
CREATE FUNCTION vm_land_change(c bigint, key bytea) RETURNS bigint LANGUAGE sql STABLE
PARALLEL SAFE AS $$
    SELECT CASE WHEN vm_sale_reader() THEN c ELSE vm_hash_change(c, key) END
$$;
-- Migration 0026's generator of the version views, masking with the key (an InitPlan of
-- each view, read once a statement) where it called vm_mask_change.
DO $$
DECLARE
    src text := pg_get_functiondef('vm_version_table_refresh(text, text, text)'::regprocedure);
    patched text;
BEGIN
    patched := replace(src, $r$@OLD_MASK@$r$, $r$@NEW_MASK@$r$);
    IF patched = src THEN
        RAISE EXCEPTION 'vm_version_table_refresh is not the generator of migration 0026';
    END IF;
    EXECUTE patched;
END $$;

CREATE SCHEMA vm_public;
GRANT USAGE ON SCHEMA vm_public TO vm_public;

-- What the reader role may read of a land table (of the parcel feature whose rows the plan
-- version views answer by the year, migration 0026): the table and its version table
-- without the columns that date or order a version, the adopted plan through a view in
-- its own schema, the version views with their owner's rights.
CREATE FUNCTION vm_land_reader_refresh(t text) RETURNS void LANGUAGE plpgsql AS $gen$
DECLARE
    v text := t || '_version';
    open_cols text;
    open_version_cols text;
    view_cols text;
    s text;
BEGIN
    IF t NOT IN ('parcel', 'parcel_land') THEN
        RETURN;
    END IF;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
      INTO open_cols
      FROM pg_attribute
     WHERE attrelid = format('public.%I', t)::regclass AND attnum > 0 AND NOT attisdropped
       AND attname NOT IN ('recorded_from', 'change_id');
    SELECT string_agg(CASE attname
                          WHEN 'change_id'
                          THEN 'vm_land_change(h.change_id, '
                               '(SELECT k.key FROM public.vm_secret k)) AS change_id'
                          WHEN 'recorded_from'
                          THEN 'vm_land_time(h.recorded_from) AS recorded_from'
                          ELSE 'h.' || quote_ident(attname) END, ', ' ORDER BY attnum)
      INTO view_cols
      FROM pg_attribute
     WHERE attrelid = format('public.%I', t)::regclass AND attnum > 0 AND NOT attisdropped;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
      INTO open_version_cols
      FROM pg_attribute
     WHERE attrelid = format('public.%I', v)::regclass AND attnum > 0 AND NOT attisdropped
       AND attname NOT IN ('recorded_from', 'change_id', 'recorded_to', 'superseded_by', 'vid');
    -- Revoking the table's privilege revokes its column privileges too: then the open ones.
    EXECUTE format('REVOKE SELECT ON public.%I, public.%I FROM vm_public', t, v);
    EXECUTE format('GRANT SELECT (%s) ON public.%I TO vm_public', open_cols, t);
    EXECUTE format('GRANT SELECT (%s) ON public.%I TO vm_public', open_version_cols, v);

    EXECUTE format('DROP VIEW IF EXISTS vm_public.%I', t);
    EXECUTE format('CREATE VIEW vm_public.%I AS SELECT %s FROM public.%I h', t, view_cols, t);
    EXECUTE format('GRANT SELECT ON vm_public.%I TO vm_public', t);

    FOREACH s IN ARRAY ARRAY['plan_view', 'plan_recorded', 'plan_scenario'] LOOP
        EXECUTE format('ALTER VIEW %I.%I SET (security_invoker = false)', s, t);
        EXECUTE format('GRANT SELECT ON %I.%I TO vm_public', s, t);
    END LOOP;
END
$gen$;

ALTER FUNCTION vm_version_table_refresh(text, text, text) RENAME TO vm_version_views_refresh;
CREATE FUNCTION vm_version_table_refresh(t text, owner_table text DEFAULT NULL,
                                         owner_col text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $gen$
BEGIN
    PERFORM vm_version_views_refresh(t, owner_table, owner_col);
    PERFORM vm_land_reader_refresh(t);
END
$gen$;

-- The land tables' views made again (masking with the key), then closed as above.
SELECT vm_version_table_refresh('parcel');
SELECT vm_version_table_refresh('parcel_land');

REVOKE SELECT (change_id) ON parcel_sale FROM vm_public;
REVOKE SELECT (change_id, superseded_by) ON parcel_sale_version FROM vm_public;
REVOKE SELECT (change_id) ON sale_status_change FROM vm_public;
REVOKE SELECT ON plan_change FROM vm_public;
"""

DOWNGRADE = r"""
DO $$
DECLARE
    src text := pg_get_functiondef('vm_version_views_refresh(text, text, text)'::regprocedure);
    patched text;
BEGIN
    patched := replace(src, $r$@NEW_MASK@$r$, $r$@OLD_MASK@$r$);
    IF patched = src THEN
        RAISE EXCEPTION 'vm_version_views_refresh is not the generator of migration 0032';
    END IF;
    EXECUTE patched;
END $$;
GRANT SELECT ON plan_change TO vm_public;
GRANT SELECT (change_id) ON sale_status_change TO vm_public;
GRANT SELECT (change_id, superseded_by) ON parcel_sale_version TO vm_public;
GRANT SELECT (change_id) ON parcel_sale TO vm_public;

DROP FUNCTION vm_version_table_refresh(text, text, text);
ALTER FUNCTION vm_version_views_refresh(text, text, text) RENAME TO vm_version_table_refresh;
DROP FUNCTION vm_land_reader_refresh(text);
DROP SCHEMA vm_public CASCADE;
GRANT SELECT ON parcel, parcel_version, parcel_land, parcel_land_version TO vm_public;
SELECT vm_version_table_refresh('parcel');
SELECT vm_version_table_refresh('parcel_land');
DROP FUNCTION vm_land_change(bigint, bytea);
CREATE OR REPLACE FUNCTION vm_mask_change(c bigint) RETURNS bigint LANGUAGE sql STABLE
PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT CASE WHEN c >= 4611686018427387904 THEN c ELSE
           (('x' || encode(substr(sha256(s.key || convert_to(c::text, 'UTF8')), 1, 8), 'hex'))
            ::bit(64)::bigint & 4611686018427387903) | 4611686018427387904 END
    FROM public.vm_secret s WHERE c IS NOT NULL
$$;
GRANT EXECUTE ON FUNCTION vm_mask_change(bigint) TO PUBLIC;
DROP FUNCTION vm_hash_change(bigint, bytea);
"""


UPGRADE = UPGRADE.replace("@OLD_MASK@", OLD_MASK).replace("@NEW_MASK@", NEW_MASK)
DOWNGRADE = DOWNGRADE.replace("@OLD_MASK@", OLD_MASK).replace("@NEW_MASK@", NEW_MASK)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
