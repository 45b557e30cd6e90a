"""The plan version views filter outside their union, so a page of a version reads in order.

The views of a version of the plan (migration 0010, `plan_view`, `plan_recorded`,
`plan_scenario`) are unions of the plan table and its version table, each branch with a
WHERE of its own. PostgreSQL flattens a UNION ALL into an append of its tables only when no
branch has a WHERE (there is nowhere to keep one); otherwise each branch is planned apart, as
a subquery that knows nothing of the order asked for. So a page of items of a scenario
(`ORDER BY id LIMIT 11`) read and sorted every row of the version, where the adopted plan
reads the first eleven from the primary key.

Each branch now gives whether its row is in the version as a column, `vm_in`, and the view
filters on it outside the union. The planner pushes that filter down into each branch as
its own condition, and the union is an append of the tables again: a page reads the
primary key in order, merged with the version table's rows (a Merge Append), and the
scenario's overrides are looked up once, hashed. What each view answers is unchanged.

The views of `parcel_sale` stay as migration 0026 made them: made again now, they would mask
change ids with migration 0032's keyed function, which 0032's downgrade must be able to
drop (0032 made again only the views of `parcel` and `parcel_land`). Sales are read by
parcel, never paged in order; the next migration that changes `parcel_sale` makes them anew.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The views' part of the generator (migration 0026's, renamed by 0032), as written then,
OLD_VIEWS = r"""    -- The plan as of (scenario, recorded): the base at its recorded time where the scenario
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
        $f$, t, h_cols, t, ov, owner_col, h_cols, v);"""

# and as written now.
NEW_VIEWS = r"""    -- The plan as of (scenario, recorded): the base at its recorded time where the scenario
    -- has not overridden the feature, and the scenario's own rows. Each branch says whether
    -- a row is in the version as a column, `vm_in`, filtered outside the union (migration
    -- 0034): a branch with a WHERE of its own is planned apart, unordered.
    overridden := format(
        '(SELECT vm_scenario()) = 1 OR NOT EXISTS (SELECT 1 FROM public.%I o
            WHERE o.scenario_id = (SELECT vm_scenario()) AND o.id = h.%I
              AND o.recorded_from <= %s AND o.recorded_to > %s)', ov, owner_col, rec, rec);
    EXECUTE format('DROP VIEW IF EXISTS plan_view.%I', t);
    EXECUTE format($f$
        CREATE VIEW plan_view.%I AS
        SELECT %s FROM (
            SELECT %s, h.recorded_from <= %s AND (%s) AS vm_in FROM public.%I h
            UNION ALL
            SELECT %s, h.scenario_id = 1 AND NOT h.deleted
                       AND h.recorded_from <= %s AND h.recorded_to > %s AND (%s)
              FROM public.%I h
            UNION ALL
            SELECT %s, h.scenario_id = (SELECT vm_scenario()) AND (SELECT vm_scenario()) <> 1
                       AND NOT h.deleted
                       AND h.recorded_from <= %s AND h.recorded_to > %s
              FROM public.%I h
        ) u WHERE u.vm_in
        $f$, t, cols, h_cols, base, overridden, t, h_cols, base, base, overridden, v,
        h_cols, rec, rec, v);
    EXECUTE format('COMMENT ON VIEW plan_view.%I IS %L', t, owner_table || ' ' || owner_col);

    -- The two versions asked for most, each with a leaner view (fewer branches to plan and
    -- run, `gis.record.enter` picks the schema): the adopted plan as recorded at a time,
    EXECUTE format('DROP VIEW IF EXISTS plan_recorded.%I', t);
    EXECUTE format($f$
        CREATE VIEW plan_recorded.%I AS
        SELECT %s FROM (
            SELECT %s, h.recorded_from <= %s AS vm_in FROM public.%I h
            UNION ALL
            SELECT %s, h.scenario_id = 1 AND NOT h.deleted
                       AND h.recorded_from <= %s AND h.recorded_to > %s
              FROM public.%I h
        ) u WHERE u.vm_in
        $f$, t, cols, h_cols, rec, t, h_cols, rec, rec, v);
    -- and a scenario as it stands now on its base as it stands now.
    EXECUTE format('DROP VIEW IF EXISTS plan_scenario.%I', t);
    EXECUTE format($f$
        CREATE VIEW plan_scenario.%I AS
        SELECT %s FROM (
            SELECT %s, NOT EXISTS (SELECT 1 FROM public.%I o
                                    WHERE o.scenario_id = (SELECT vm_scenario())
                                      AND o.id = h.%I AND o.recorded_to = 'infinity') AS vm_in
              FROM public.%I h
            UNION ALL
            SELECT %s, h.scenario_id = (SELECT vm_scenario()) AND h.recorded_to = 'infinity'
                       AND NOT h.deleted
              FROM public.%I h
        ) u WHERE u.vm_in
        $f$, t, cols, h_cols, ov, owner_col, t, h_cols, v);"""

PATCH = r"""
DO $$
DECLARE
    src text := pg_get_functiondef('vm_version_views_refresh(text, text, text)'::regprocedure);
    patched text;
    t text;
BEGIN
    patched := replace(src, $r$@FROM@$r$, $r$@TO@$r$);
    IF patched = src THEN
        RAISE EXCEPTION 'vm_version_views_refresh is not the generator this migration knows';
    END IF;
    EXECUTE patched;
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'plan_view' AND c.relkind = 'v' AND c.relname <> 'parcel_sale'
              ORDER BY c.relname LOOP
        PERFORM vm_version_table_refresh(t);
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.execute(PATCH.replace("@FROM@", OLD_VIEWS).replace("@TO@", NEW_VIEWS))


def downgrade() -> None:
    op.execute(PATCH.replace("@FROM@", NEW_VIEWS).replace("@TO@", OLD_VIEWS))
