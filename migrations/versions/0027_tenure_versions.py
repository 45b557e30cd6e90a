"""The tenure mix of a scenario or a recorded time from the derived state changes, corrected.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 14:20:00

The derived state changes (migrations 0019, 0023, 0025) hold the adopted plan as it stands
now; a read of a scenario or a recorded time computed its tenure mix from the plan version
views instead, placing and summing every building of the area, 1.5-2x the adopted read on
the reference data and 20x at national scale (benchmarks/README.md). But a scenario stores
only its differences, and a recorded time differs from now only by the rows recorded or
superseded since: the version's state changes are the derived ones, less those of the
buildings the version has otherwise as they are now, plus theirs as the version has them.

`derived.tenure_version_changes(area, place set, quarter set, max buildings)` answers those
corrections as rows of `derived.tenure_delta`'s form (gis/sql/tenure_delta.sql adds them to
the derived ones), for the version the session names (migration 0010's vm_scenario(),
vm_recorded(), vm_base_recorded(); `building` and `dwelling_stock` are then the version's
views on the search_path, so the function sets no search_path of its own):
- the buildings the version has otherwise: the scenario's own rows (a building it holds,
  deleted or not, overrides the base's building and its dwellings, as the views have it),
  and the adopted plan's rows recorded, or superseded, after the base's recorded time. A
  superset would do: the correction is exact for every building it names;
- those as they are now, placed as `derived.tenure_place` places them, with sign -1, and
  as the version has them, placed by the rule of gis/sql/tenure_mix.sql (the lowest-id
  quarter of the set holding the anchor), with sign +1, each by the state-change rule of
  `derived.tenure_cells` (+n from the first year a state holds something, -n from the first
  that no longer does; a demolition in D from D + 1).
When any quarter of the version is otherwise (every building is placed again), or more than
`max buildings` are, it answers one row of kind 'x' and nothing else: the reader then
computes from the plan views (gis.tenure). It is plpgsql for its plans: a read's
transaction ends in a rollback, after which psycopg prepares nothing again, so a statement
sent by the client is planned on every read (1.5-1.8 ms for these corrections, more than
they take to run); plpgsql keeps its statements' plans for the session.

Indexes let the buildings be found without reading every row of a national stock: the plan
tables' rows by `recorded_from`, the version tables' by (scenario, `recorded_to`).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("building_recorded_from", "building", "recorded_from"),
    ("dwelling_stock_recorded_from", "dwelling_stock", "recorded_from"),
    ("building_version_recorded_to", "building_version", "scenario_id, recorded_to"),
    ("dwelling_stock_version_recorded_to", "dwelling_stock_version", "scenario_id, recorded_to"),
)

FUNCTION = r"""
CREATE FUNCTION derived.tenure_version_changes(target_area integer, place_set integer,
                                               quarter_set integer, max_buildings integer)
RETURNS TABLE (quarter_set_id integer, quarter_id integer, year integer, kind "char",
               tenure varchar, dwellings integer, floor_area numeric, business numeric,
               demolished integer, present integer)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    ids integer[];
BEGIN
    IF EXISTS (SELECT FROM public.quarter_version o
                WHERE o.scenario_id = vm_scenario() AND vm_scenario() <> 1
                  AND o.recorded_from <= vm_recorded() AND o.recorded_to > vm_recorded())
       OR EXISTS (SELECT FROM public.quarter q WHERE q.recorded_from > vm_base_recorded())
       OR EXISTS (SELECT FROM public.quarter_version o
                   WHERE o.scenario_id = 1 AND o.recorded_to > vm_base_recorded()) THEN
        RETURN QUERY SELECT NULL::integer, NULL::integer, NULL::integer, 'x'::"char",
                            NULL::varchar, 0, 0::numeric, 0::numeric, 0, 0;
        RETURN;
    END IF;
    ids := ARRAY(
        SELECT o.id FROM public.building_version o
         WHERE o.scenario_id = vm_scenario() AND vm_scenario() <> 1
           AND o.recorded_from <= vm_recorded() AND o.recorded_to > vm_recorded()
        UNION SELECT o.building_id FROM public.dwelling_stock_version o
         WHERE o.scenario_id = vm_scenario() AND vm_scenario() <> 1
           AND o.recorded_from <= vm_recorded() AND o.recorded_to > vm_recorded()
        UNION SELECT b.id FROM public.building b WHERE b.recorded_from > vm_base_recorded()
        UNION SELECT s.building_id FROM public.dwelling_stock s
         WHERE s.recorded_from > vm_base_recorded()
        UNION SELECT o.id FROM public.building_version o
         WHERE o.scenario_id = 1 AND o.recorded_to > vm_base_recorded()
        UNION SELECT o.building_id FROM public.dwelling_stock_version o
         WHERE o.scenario_id = 1 AND o.recorded_to > vm_base_recorded());
    IF cardinality(ids) > max_buildings THEN
        RETURN QUERY SELECT NULL::integer, NULL::integer, NULL::integer, 'x'::"char",
                            NULL::varchar, 0, 0::numeric, 0::numeric, 0, 0;
        RETURN;
    END IF;
    RETURN QUERY
    WITH placed AS (
        -- As they are now, placed as the derived tables place them: taken away.
        SELECT -1 AS sign, p.quarter_set_id, greatest(p.quarter_id, 0) AS quarter_id, b.id,
               b.built_year, b.demolished_year, b.business_floor_area_m2,
               b.demolished_replaced_by_almen_family AS replaced
        FROM derived.tenure_place p
        JOIN public.building b ON b.id = p.building_id
        WHERE p.building_id = ANY (ids)
          AND p.area_id = target_area AND p.quarter_set_id IN (place_set, 0)
        UNION ALL
        -- As the version has them (`building`: its view), placed by the rule of
        -- tenure_mix.sql: added.
        SELECT 1, s.quarter_set_id, s.quarter_id, b.id, b.built_year, b.demolished_year,
               b.business_floor_area_m2, b.demolished_replaced_by_almen_family
        FROM building b
        CROSS JOIN LATERAL (
            SELECT 0 AS quarter_set_id, 0 AS quarter_id
            UNION ALL
            SELECT place_set,
                   coalesce((SELECT min(q.id) FROM public.quarter q
                             WHERE q.quarter_set_id = quarter_set
                               AND ST_Covers(q.geom, b.anchor)), 0)
            WHERE place_set <> 0
        ) s
        WHERE b.id = ANY (ids)
          AND ST_Covers((SELECT a.boundary FROM public.area a WHERE a.id = target_area),
                        b.anchor)
    ),
    stock AS (
        SELECT -1 AS sign, s.building_id, s.tenure, s.dwellings, s.floor_area_m2,
               s.start_year, s.end_year
        FROM public.dwelling_stock s
        WHERE s.building_id = ANY (ids)
        UNION ALL
        SELECT 1, s.building_id, s.tenure, s.dwellings, s.floor_area_m2, s.start_year,
               s.end_year
        FROM dwelling_stock s
        WHERE s.building_id = ANY (ids)
    ),
    -- A stock row is there while both it and its building are (tests/gis/test_state.py).
    lives AS (
        SELECT p.sign, p.quarter_set_id, p.quarter_id, s.tenure, s.dwellings,
               CAST(s.floor_area_m2 AS numeric) AS floor_area,
               greatest(p.built_year, s.start_year) AS first_event,
               least(p.demolished_year, s.end_year) AS last_event
        FROM placed p JOIN stock s ON s.building_id = p.id AND s.sign = p.sign
    ),
    business AS (
        SELECT p.sign, p.quarter_set_id, p.quarter_id, p.built_year AS first_event,
               p.demolished_year AS last_event,
               CAST(p.business_floor_area_m2 AS numeric) AS business
        FROM placed p WHERE p.business_floor_area_m2 > 0
    ),
    changes AS (
        SELECT l.quarter_set_id, l.quarter_id, coalesce(l.first_event + 1, 0) AS year,
               's' AS kind, l.tenure, l.sign * l.dwellings AS dwellings,
               l.sign * l.floor_area AS floor_area, CAST(0 AS numeric) AS business,
               0 AS demolished, l.sign AS present
        FROM lives l
        WHERE l.first_event IS NULL OR l.last_event IS NULL OR l.first_event < l.last_event
        UNION ALL
        SELECT l.quarter_set_id, l.quarter_id, l.last_event + 1, 's', l.tenure,
               -l.sign * l.dwellings, -l.sign * l.floor_area, 0, 0, -l.sign
        FROM lives l
        WHERE l.last_event IS NOT NULL
          AND (l.first_event IS NULL OR l.first_event < l.last_event)
        UNION ALL
        SELECT u.quarter_set_id, u.quarter_id, coalesce(u.first_event + 1, 0), 'b', NULL, 0,
               0, u.sign * u.business, 0, u.sign
        FROM business u
        WHERE u.first_event IS NULL OR u.last_event IS NULL OR u.first_event < u.last_event
        UNION ALL
        SELECT u.quarter_set_id, u.quarter_id, u.last_event + 1, 'b', NULL, 0, 0,
               -u.sign * u.business, 0, -u.sign
        FROM business u
        WHERE u.last_event IS NOT NULL
          AND (u.first_event IS NULL OR u.first_event < u.last_event)
        UNION ALL
        -- The dwellings a building held in its demolition year, less those replaced.
        SELECT p.quarter_set_id, p.quarter_id, p.demolished_year + 1, 'd', NULL, 0, 0, 0,
               p.sign * greatest(coalesce(sum(s.dwellings), 0) - p.replaced, 0), p.sign
        FROM placed p
        LEFT JOIN stock s ON s.building_id = p.id AND s.sign = p.sign
            AND state_includes(s.start_year, s.end_year, p.demolished_year)
        WHERE p.demolished_year IS NOT NULL
        GROUP BY p.sign, p.quarter_set_id, p.quarter_id, p.id, p.demolished_year, p.replaced
    )
    SELECT c.quarter_set_id, c.quarter_id, c.year, CAST(c.kind AS "char"),
           CAST(c.tenure AS varchar), CAST(sum(c.dwellings) AS integer), sum(c.floor_area),
           sum(c.business), CAST(sum(c.demolished) AS integer), CAST(sum(c.present) AS integer)
    FROM changes c
    GROUP BY c.quarter_set_id, c.quarter_id, c.year, c.kind, c.tenure;
END
$$;
GRANT EXECUTE ON FUNCTION derived.tenure_version_changes(integer, integer, integer, integer)
    TO vm_public;
"""


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    op.execute(FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION derived.tenure_version_changes(integer, integer, integer, integer)")
    for name, _table, _columns in INDEXES:
        op.execute(f"DROP INDEX {name}")
