-- Tenure mix of an area per quarter and in total, for every year from first_year to
-- last_year, both included, from the derived state changes (migration 0019): the same
-- figures as tenure_mix.sql, which computes them from the plan tables themselves and is
-- what a read of a scenario or a recorded time runs (gis.tenure says which).
--
-- The state in year Y is the sum of a cell's changes dated Y or earlier. The changes before
-- first_year are folded into first_year, and one running sum per cell over its change rows
-- gives its state from each year it changes until the next one: the answer is a row per
-- cell and year of change, not per cell and year, and gis.tenure carries each state over
-- the years in between. Nationally most quarters change in a few of 16 years, so a
-- trajectory reads a third of the rows and makes a third of the figures an every-year
-- answer would. The total is the area as a whole (quarter set 0 of the derived placements:
-- every building of the area is in exactly one quarter of a set, or in none), so it needs
-- no second aggregation over the quarters. `present` counts the rows behind a figure: the
-- part outside every quarter (quarter 0) is listed in a year only when something there
-- counts then, as in tenure_mix.sql; the set's own quarters are listed in every year, with
-- no figures before their first change (gis.tenure reads their names).
--
-- Rows come ordered by cell, then year: the aggregate's own order, which the running sums
-- and the answer keep (partitioned by quarter_set_id, not by is_total, so no sort after).
-- Dwellings are summed as integers, floor areas as numeric (exact, whatever the order),
-- handed over as numeric or float8 (gis.tenure says which).
-- The placeholders are filled from gis.models.TENURES (constants, never input).
WITH{version_ctes}
changes AS (
    -- A quarter id below 1 is a part of the buildings in none of the quarters (migration
    -- 0023: 64 parts, so that an edit recomputes a 64th of them).
    SELECT quarter_set_id, greatest(quarter_id, 0) AS quarter_id,
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
running AS (
    -- A cell's state from each year it changes until the next: the running sum over its
    -- change rows alone, not over every year (gis.tenure fills the years between).
    SELECT c.quarter_set_id = 0 AS is_total, c.quarter_set_id, c.quarter_id, c.year,
           {running_columns},
           sum(c.business_m2) OVER w AS business_m2, sum(c.not_replaced) OVER w AS not_replaced,
           sum(c.present) OVER w AS present
    FROM changes c
    WINDOW w AS (PARTITION BY c.quarter_set_id, c.quarter_id ORDER BY c.year)
)
SELECT year, quarter_id, is_total, {output_columns},
       {business_output} AS business_m2,
       coalesce(not_replaced, 0) AS demolished_not_replaced, coalesce(present, 0) AS present
FROM running
WHERE TRUE{version_filter}
ORDER BY quarter_set_id, quarter_id, year
