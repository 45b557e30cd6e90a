"""Land data at a recorded time reaches a reader who may not read sale data by the year only.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 14:00:00

A sale-status change is made when a plot is offered, optioned or sold: its time *is* the
confidential offered/option/sold date. Migration 0014 closed that time where it is stored;
it still followed from the plan record, whose version views answer the plan as recorded at
any instant (migration 0010): a public `recorded=` read of plots or parcels, asked at
instants ever closer together, found the instant the status changed (in the status shown,
or in the row's `change_id` and `recorded_from`, the ETag and history built from them), and
a scenario pinned at a chosen time (`base_recorded`) did the same. Change ids are one
sequence, so a land row's change id between two public changes of known times bounds it too.

For a reader without the right to read sale data (`NOT has_table_privilege(current_user,
'parcel_sale', 'SELECT')`: `vm_public`, the public's and a planner's sessions), the version
views of the land tables (those of the parcel feature: `parcel`, `parcel_land`,
`parcel_sale`) now answer
- the land rows as recorded at the **end of the year** (Danish time) of the time asked for,
  or now when that year has not ended (`vm_land_recorded()`, `vm_land_base_recorded()`);
  the public may know a plot's status and the year of its changes;
- each row's `change_id` as an opaque number (`vm_land_change`: a keyed hash, in
  [2^62, 2^63), of the change id with a secret the role cannot read, `vm_secret`), equal for
  equal versions, so an ETag still tells versions apart but no longer orders them;
- each row's `recorded_from` as the start of its year (`vm_land_time`).
The login role (a reader who may read sale data, and every write, `gis.db.elevate`) sees the
exact rows. The check is made by the database in every statement (an InitPlan of the view),
from the role the statement runs as, so a connection whose session names a version (the read
engine keeps it between requests) gives each reader their own answer.

`vm_version_table_refresh` is made again so that a later refresh of a land table keeps this,
and so that every view it makes checks its reader's privileges (`security_invoker`, which a
view made again lost, migration 0014) and is as closed as its table. Other plan tables'
views are as they were.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAND = ("parcel", "parcel_land")  # parcel_sale's views are closed to the role anyway

FUNCTIONS = r"""
-- The key of the opaque change ids: 256 bits from gen_random_uuid() (a strong random source),
-- closed to the reader role (default privileges would open a new table to it).
CREATE TABLE vm_secret (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    key bytea NOT NULL
);
INSERT INTO vm_secret (key)
VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
REVOKE ALL ON vm_secret FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vm_public') THEN
        REVOKE ALL ON vm_secret FROM vm_public;
    END IF;
END $$;

-- Whether the statement runs with the right to read sale data.
CREATE FUNCTION vm_sale_reader() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT has_table_privilege('public.parcel_sale', 'SELECT')
$$;

-- The end of the year (Danish time) of `t`, the last instant of it; `t` itself when that is
-- later than now (the current year: the plan as recorded so far, which is now).
CREATE FUNCTION vm_year_end(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE
PARALLEL SAFE AS $$
    SELECT CASE WHEN t >= now() THEN t
                WHEN e >= now() THEN '294276-01-01T00:00:00Z'::timestamptz
                ELSE e END
    FROM (SELECT (make_timestamp(extract(year FROM t AT TIME ZONE 'Europe/Copenhagen')::integer
                                 + 1, 1, 1, 0, 0, 0) AT TIME ZONE 'Europe/Copenhagen')
                 - interval '1 microsecond' AS e) y
$$;

-- The recorded times the land views answer (migration 0010's vm_recorded, vm_base_recorded).
CREATE FUNCTION vm_land_recorded() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN vm_sale_reader() THEN vm_recorded() ELSE vm_year_end(vm_recorded()) END
$$;
CREATE FUNCTION vm_land_base_recorded() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN vm_sale_reader() THEN vm_base_recorded()
                ELSE vm_year_end(vm_base_recorded()) END
$$;

-- An opaque stand-in for a change id: the same for the same id, unordered, never a real id.
CREATE FUNCTION vm_mask_change(c bigint) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT (('x' || encode(substr(sha256(s.key || convert_to(c::text, 'UTF8')), 1, 8), 'hex'))
            ::bit(64)::bigint & 4611686018427387903) | 4611686018427387904
    FROM public.vm_secret s WHERE c IS NOT NULL
$$;

-- A land row's change id and recorded time as the statement's reader may see them.
CREATE FUNCTION vm_land_change(c bigint) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN vm_sale_reader() THEN c ELSE vm_mask_change(c) END
$$;
CREATE FUNCTION vm_land_time(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE
PARALLEL SAFE AS $$
    SELECT CASE WHEN vm_sale_reader() THEN t
                ELSE date_trunc('year', t, 'Europe/Copenhagen') END
$$;
"""

# Migration 0010's generator of the views, with the land tables' times and columns as above
# and the views checking their reader (security_invoker, and closed where the table is).
# Triggers are generated as before.
REFRESH = r"""
CREATE OR REPLACE FUNCTION vm_version_table_refresh(t text, owner_table text DEFAULT NULL,
                                                    owner_col text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $gen$
DECLARE
    v text := t || '_version';
    cols text;       -- the table's columns: id, name, ...
    old_cols text;   -- OLD.id, OLD.name, ...
    h_cols text;     -- what a view gives of them: h.id, h.name, ...
    same text;       -- NEW and OLD agree on every column but the generated ones
    gen_set text := '';
    ov text;         -- the owner's version table
    overridden text;
    land boolean;    -- a table of the parcel feature: times and versions by the year
    rec text;        -- the recorded time its views answer
    base text;       -- and its base's
    s text;
BEGIN
    IF owner_table IS NULL THEN
        SELECT obj_description(format('plan_view.%I', t)::regclass, 'pg_class')
            INTO overridden;
        owner_table := split_part(overridden, ' ', 1);
        owner_col := split_part(overridden, ' ', 2);
    END IF;
    ov := owner_table || '_version';
    land := owner_table = 'parcel';
    rec := CASE WHEN land THEN '(SELECT vm_land_recorded())' ELSE '(SELECT vm_recorded())' END;
    base := CASE WHEN land THEN '(SELECT vm_land_base_recorded())'
                 ELSE '(SELECT vm_base_recorded())' END;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum),
           string_agg('OLD.' || quote_ident(attname), ', ' ORDER BY attnum),
           string_agg(CASE WHEN land AND attname = 'change_id'
                           THEN 'vm_land_change(h.change_id) AS change_id'
                           WHEN land AND attname = 'recorded_from'
                           THEN 'vm_land_time(h.recorded_from) AS recorded_from'
                           ELSE 'h.' || quote_ident(attname) END, ', ' ORDER BY attnum)
      INTO cols, old_cols, h_cols
      FROM pg_attribute
     WHERE attrelid = t::regclass AND attnum > 0 AND NOT attisdropped;
    -- A BEFORE trigger sees generated columns of NEW as NULL: leave them out of "unchanged".
    SELECT format('ROW(%s) IS NOT DISTINCT FROM ROW(%s)',
                  string_agg('NEW.' || quote_ident(attname), ', ' ORDER BY attnum),
                  string_agg('OLD.' || quote_ident(attname), ', ' ORDER BY attnum))
      INTO same
      FROM pg_attribute
     WHERE attrelid = t::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    -- Generated columns of the table are plain in the version table: computed here.
    SELECT coalesce(string_agg(format('NEW.%I := (SELECT %s FROM (SELECT NEW.*) x);',
                                      a.attname, pg_get_expr(d.adbin, d.adrelid)), ' '), '')
      INTO gen_set
      FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = t::regclass AND a.attgenerated = 's';

    -- The adopted plan's table: stamp new rows with the change, keep superseded rows.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $b$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                NEW.recorded_from := vm_change_time();
                NEW.change_id := vm_change_id();
                RETURN NEW;
            END IF;
            IF TG_OP = 'UPDATE' THEN
                IF %s THEN
                    RETURN NULL;
                END IF;
                -- A row changed twice in one change keeps only its last state.
                IF OLD.change_id IS DISTINCT FROM vm_change_id() THEN
                    INSERT INTO %I (scenario_id, recorded_to, superseded_by, %s)
                    VALUES (1, vm_change_time(), vm_change_id(), %s);
                END IF;
                NEW.recorded_from := vm_change_time();
                NEW.change_id := vm_change_id();
                RETURN NEW;
            END IF;
            -- DELETE (after the row is gone): a row made in this change leaves no trace.
            IF OLD.change_id IS DISTINCT FROM vm_change_id() THEN
                INSERT INTO %I (scenario_id, recorded_to, superseded_by, %s)
                VALUES (1, vm_change_time(), vm_change_id(), %s);
            END IF;
            RETURN NULL;
        END
        $b$ $f$, 'vm_record_' || t, same, v, cols, old_cols, v, cols, old_cols);
    EXECUTE format('DROP TRIGGER IF EXISTS vm_record_write ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS vm_record_delete ON %I', t);
    EXECUTE format('CREATE TRIGGER vm_record_write BEFORE INSERT OR UPDATE ON %I
                    FOR EACH ROW EXECUTE FUNCTION %I()', t, 'vm_record_' || t);
    EXECUTE format('CREATE TRIGGER vm_record_delete AFTER DELETE ON %I
                    FOR EACH ROW EXECUTE FUNCTION %I()', t, 'vm_record_' || t);

    -- A scenario's current row: an update keeps the superseded state as history (in the
    -- same table, closed), unless the row was made in this very change.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $b$
        BEGIN
            %s
            IF TG_OP = 'INSERT' AND NEW.recorded_from IS NULL THEN
                NEW.recorded_from := vm_change_time();
                NEW.change_id := vm_change_id();
            END IF;
            IF TG_OP = 'UPDATE' AND OLD.scenario_id <> 1 AND OLD.recorded_to = 'infinity'
               AND NEW.recorded_to = 'infinity' THEN
                IF %s AND NEW.deleted = OLD.deleted THEN
                    RETURN NULL;
                END IF;
                IF OLD.change_id IS DISTINCT FROM vm_change_id() THEN
                    INSERT INTO %I (scenario_id, recorded_to, superseded_by, deleted, %s)
                    VALUES (OLD.scenario_id, vm_change_time(), vm_change_id(), OLD.deleted, %s);
                END IF;
                NEW.recorded_from := vm_change_time();
                NEW.change_id := vm_change_id();
            END IF;
            RETURN NEW;
        END
        $b$ $f$, 'vm_record_' || v, gen_set, same, v, cols, old_cols);
    EXECUTE format('DROP TRIGGER IF EXISTS vm_record_write ON %I', v);
    EXECUTE format('CREATE TRIGGER vm_record_write BEFORE INSERT OR UPDATE ON %I
                    FOR EACH ROW EXECUTE FUNCTION %I()', v, 'vm_record_' || v);

    -- The plan as of (scenario, recorded): the base at its recorded time where the scenario
    -- has not overridden the feature, and the scenario's own rows.
    overridden := format(
        '(SELECT vm_scenario()) = 1 OR NOT EXISTS (SELECT 1 FROM public.%I o
            WHERE o.scenario_id = (SELECT vm_scenario()) AND o.id = h.%I
              AND o.recorded_from <= %s AND o.recorded_to > %s)', ov, owner_col, rec, rec);
    EXECUTE format('DROP VIEW IF EXISTS plan_view.%I', t);
    EXECUTE format($f$
        CREATE VIEW plan_view.%I AS
        SELECT %s FROM public.%I h
         WHERE h.recorded_from <= %s AND (%s)
        UNION ALL
        SELECT %s FROM public.%I h
         WHERE h.scenario_id = 1 AND NOT h.deleted
           AND h.recorded_from <= %s AND h.recorded_to > %s AND (%s)
        UNION ALL
        SELECT %s FROM public.%I h
         WHERE h.scenario_id = (SELECT vm_scenario()) AND (SELECT vm_scenario()) <> 1
           AND NOT h.deleted
           AND h.recorded_from <= %s AND h.recorded_to > %s
        $f$, t, h_cols, t, base, overridden, h_cols, v, base, base, overridden,
        h_cols, v, rec, rec);
    EXECUTE format('COMMENT ON VIEW plan_view.%I IS %L', t, owner_table || ' ' || owner_col);

    -- The two versions asked for most, each with a leaner view (fewer branches to plan and
    -- run, `gis.record.enter` picks the schema): the adopted plan as recorded at a time,
    EXECUTE format('DROP VIEW IF EXISTS plan_recorded.%I', t);
    EXECUTE format($f$
        CREATE VIEW plan_recorded.%I AS
        SELECT %s FROM public.%I h
         WHERE h.recorded_from <= %s
        UNION ALL
        SELECT %s FROM public.%I h
         WHERE h.scenario_id = 1 AND NOT h.deleted
           AND h.recorded_from <= %s AND h.recorded_to > %s
        $f$, t, h_cols, t, rec, h_cols, v, rec, rec);
    -- and a scenario as it stands now on its base as it stands now.
    EXECUTE format('DROP VIEW IF EXISTS plan_scenario.%I', t);
    EXECUTE format($f$
        CREATE VIEW plan_scenario.%I AS
        SELECT %s FROM public.%I h
         WHERE NOT EXISTS (SELECT 1 FROM public.%I o
                            WHERE o.scenario_id = (SELECT vm_scenario()) AND o.id = h.%I
                              AND o.recorded_to = 'infinity')
        UNION ALL
        SELECT %s FROM public.%I h
         WHERE h.scenario_id = (SELECT vm_scenario()) AND h.recorded_to = 'infinity'
           AND NOT h.deleted
        $f$, t, h_cols, t, ov, owner_col, h_cols, v);

    -- Each view checks its reader's privileges (migration 0014), and is closed to the reader
    -- role where the table is (a new view gets the schemas' default grant).
    FOREACH s IN ARRAY ARRAY['plan_view', 'plan_recorded', 'plan_scenario'] LOOP
        EXECUTE format('ALTER VIEW %I.%I SET (security_invoker = true)', s, t);
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vm_public')
           AND NOT has_table_privilege('vm_public', format('public.%I', t), 'SELECT') THEN
            EXECUTE format('REVOKE SELECT ON %I.%I FROM vm_public', s, t);
        END IF;
    END LOOP;
END
$gen$;
"""

# The downgrade's generator: 0010's (the land tables' views as every other's), with its views
# still checking their reader as 0014 has them.
OLD_REFRESH = REFRESH.replace("land := owner_table = 'parcel';", "land := false;")


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute(REFRESH)
    for table in LAND:
        op.execute(f"SELECT vm_version_table_refresh('{table}')")


def downgrade() -> None:
    op.execute(OLD_REFRESH)
    for table in LAND:
        op.execute(f"SELECT vm_version_table_refresh('{table}')")
    op.execute(
        "DROP FUNCTION vm_land_time(timestamptz); DROP FUNCTION vm_land_change(bigint);"
        "DROP FUNCTION vm_mask_change(bigint); DROP FUNCTION vm_land_base_recorded();"
        "DROP FUNCTION vm_land_recorded(); DROP FUNCTION vm_year_end(timestamptz);"
        "DROP FUNCTION vm_sale_reader(); DROP TABLE vm_secret;"
    )
