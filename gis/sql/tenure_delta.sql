-- Tenure mix of an area per quarter and in total, for every year from first_year to
-- last_year, both included, from the derived state changes (migration 0019): the same
-- figures as tenure_mix.sql, which computes them from the plan tables themselves and is
-- what a read of a scenario or a recorded time runs (gis.tenure says which).
--
-- The state in year Y is the sum of a cell's changes dated Y or earlier. The changes before
-- first_year are folded into first_year, and one running sum per quarter over the years
-- gives every year of a trajectory in one pass: a trajectory costs one year plus the rows
-- it returns. The total is the area as a whole (quarter set 0 of the derived placements:
-- every building of the area is in exactly one quarter of a set, or in none), so it needs
-- no second aggregation over the quarters. `present` counts the rows behind a figure: the
-- part outside every quarter (quarter 0) is listed in a year only when something there
-- counts then, as in tenure_mix.sql; the set's own quarters are listed in every year.
--
-- Rows come ordered by quarter, then year (the running sums' own order, no sort after).
-- Dwellings are summed as integers, floor areas as numeric (exact, whatever the order).
-- The placeholders are filled from gis.models.TENURES (constants, never input).
WITH years AS (
    SELECT generate_series(CAST(:first_year AS integer), CAST(:last_year AS integer)) AS year
),{version_ctes}
changes AS (
    -- A quarter id below 1 is a part of the buildings in none of the quarters (migration
    -- 0023: 64 parts, so that an edit recomputes a 64th of them).
    SELECT quarter_set_id = 0 AS is_total, greatest(quarter_id, 0) AS quarter_id,
           greatest(year, CAST(:first_year AS integer)) AS year,
           {change_columns},
           sum(business) AS business_m2, CAST(sum(demolished) AS integer) AS not_replaced,
           CAST(sum(present) AS integer) AS present{version_columns}
    FROM {deltas}
    WHERE area_id = :area_id AND quarter_set_id IN (:place_set_id, 0) AND year <= :last_year
      -- the law counts demolitions from its year: a demolition in D changes D + 1
      AND (kind <> 'd' OR year > :demolition_from)
    GROUP BY quarter_set_id, greatest(quarter_id, 0), greatest(year, CAST(:first_year AS integer))
),
quarters AS (
    SELECT is_total, quarter_id FROM changes
    UNION
    SELECT false, id FROM public.quarter WHERE quarter_set_id = :quarter_set_id
),
running AS (
    SELECT k.is_total, k.quarter_id, y.year, {running_columns},
           sum(c.business_m2) OVER w AS business_m2, sum(c.not_replaced) OVER w AS not_replaced,
           sum(c.present) OVER w AS present
    FROM quarters k
    CROSS JOIN years y
    LEFT JOIN changes c
           ON c.is_total = k.is_total AND c.quarter_id = k.quarter_id AND c.year = y.year
    WINDOW w AS (PARTITION BY k.is_total, k.quarter_id ORDER BY y.year)
)
SELECT year, quarter_id, is_total, {output_columns},
       CAST(coalesce(business_m2, 0) AS float8) AS business_m2,
       coalesce(not_replaced, 0) AS demolished_not_replaced
FROM running
WHERE (is_total OR quarter_id <> 0 OR present > 0){version_filter}
ORDER BY is_total, quarter_id, year
