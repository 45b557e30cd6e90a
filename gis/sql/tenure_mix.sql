-- Tenure mix of an area per quarter and in total, for every year from first_year to
-- last_year, both included.
--
-- One set-based statement. Buildings belong to the area, and to at most one quarter of the
-- chosen set, by their anchor (ST_PointOnSurface of the footprint, a stored column); a point
-- on a shared quarter boundary goes to the quarter with the lowest id, so the quarters'
-- figures add up to the area's. Buildings in the area but outside every quarter are grouped
-- under quarter 0 (a plain key, so every join below can hash). Presence in a year is
-- state_includes(), the platform's one rule.
--
-- Speed (benchmarks/README.md): the area's buildings and their quarters come from index
-- scans that stay local when the area is small in a big database; stock rows that share a
-- quarter, a tenure and a life (the event years of row and building) are summed once before
-- the years are applied, so a trajectory costs little more than one year. Floor areas are
-- summed as numeric: exact, so the figures do not depend on the order rows are summed in
-- (a trajectory's year equals that year asked alone).
--
-- The two tenure placeholders are filled from gis.models.TENURES (constants, never input).
WITH years AS (
    SELECT generate_series(CAST(:first_year AS integer), CAST(:last_year AS integer)) AS year
),
-- The area's buildings, each with the lowest-id quarter of the set holding its anchor. Two
-- index-driven scans, combined by grouping on the building (no join, so no join order for
-- the planner to get wrong when an area is small in a big database): the area's boundary
-- (a scalar subquery: estimated by its index, not as a join with every area), and the
-- quarters, each probing the anchor index once (OFFSET 0 keeps the planner from turning
-- that around into one probe of the quarter index per building, twenty times slower at
-- national scale). ST_Covers of a point is ST_Intersects, boundary included, at half the
-- cost. The first branch carries the building's figures; max() passes over the other
-- branch's NULLs.
placed AS (
    SELECT id, max(built_year) AS built_year, max(demolished_year) AS demolished_year,
           max(business_floor_area_m2) AS business_floor_area_m2, max(replaced) AS replaced,
           coalesce(min(quarter_id), 0) AS quarter_id
    FROM (
        SELECT b.id, b.built_year, b.demolished_year, b.business_floor_area_m2,
               b.demolished_replaced_by_almen_family AS replaced,
               CAST(NULL AS integer) AS quarter_id, true AS in_area
        FROM building b
        WHERE ST_Covers((SELECT a.boundary FROM area a WHERE a.id = :area_id), b.anchor)
        UNION ALL
        SELECT b.id, NULL, NULL, NULL, NULL, q.id, false
        FROM quarter q
        CROSS JOIN LATERAL (
            SELECT b.id FROM building b WHERE ST_Covers(q.geom, b.anchor) OFFSET 0
        ) b
        WHERE q.quarter_set_id = :quarter_set_id
    ) area_or_quarter
    GROUP BY id
    HAVING bool_or(in_area)
),
-- Dwellings and floor area per quarter, tenure and life, whatever the number of years. A
-- row is present while both it and its building are: state_includes(built, demolished, Y)
-- AND state_includes(start, end, Y) is state_includes(greatest(built, start),
-- least(demolished, end), Y), greatest and least passing over NULL (tests/gis/test_state.py).
lives AS (
    SELECT p.quarter_id, s.tenure,
           greatest(p.built_year, s.start_year) AS first_event,
           least(p.demolished_year, s.end_year) AS last_event,
           sum(s.dwellings) AS dwellings, sum(CAST(s.floor_area_m2 AS numeric)) AS floor_area
    FROM placed p
    JOIN dwelling_stock s ON s.building_id = p.id
    GROUP BY p.quarter_id, s.tenure, first_event, last_event
),
stock AS (
    SELECT y.year, l.quarter_id, l.tenure,
           sum(l.dwellings) AS dwellings, sum(l.floor_area) AS floor_area
    FROM years y
    JOIN lives l ON state_includes(l.first_event, l.last_event, y.year)
    GROUP BY y.year, l.quarter_id, l.tenure
),
stock_wide AS (
    SELECT year, quarter_id, {tenure_columns}
    FROM stock
    GROUP BY year, quarter_id
),
business AS (
    SELECT y.year, p.quarter_id, sum(p.business_m2) AS business_m2
    FROM years y
    JOIN (SELECT quarter_id, built_year, demolished_year,
                 sum(CAST(business_floor_area_m2 AS numeric)) AS business_m2
          FROM placed WHERE business_floor_area_m2 > 0
          GROUP BY quarter_id, built_year, demolished_year) p
        ON state_includes(p.built_year, p.demolished_year, y.year)
    GROUP BY y.year, p.quarter_id
),
-- Dwellings each demolished building held in its demolition year, less those replaced by
-- almene family dwellings in the area (the law counts demolitions from 2010).
demolition AS (
    SELECT p.id, p.quarter_id, p.demolished_year,
           greatest(coalesce(sum(s.dwellings), 0) - p.replaced, 0) AS not_replaced
    FROM placed p
    LEFT JOIN dwelling_stock s ON s.building_id = p.id
        AND state_includes(s.start_year, s.end_year, p.demolished_year)
    WHERE p.demolished_year >= :demolition_from
    GROUP BY p.id, p.quarter_id, p.demolished_year, p.replaced
),
demolished AS (
    SELECT y.year, d.quarter_id, sum(d.not_replaced) AS not_replaced
    FROM years y
    JOIN demolition d ON d.demolished_year < y.year
    GROUP BY y.year, d.quarter_id
),
cells AS (
    SELECT year, quarter_id FROM stock_wide
    UNION SELECT year, quarter_id FROM business
    UNION SELECT year, quarter_id FROM demolished
    UNION SELECT y.year, q.id FROM years y
          JOIN quarter q ON q.quarter_set_id = :quarter_set_id
)
SELECT c.year, c.quarter_id, GROUPING(c.quarter_id) = 1 AS is_total,
       {tenure_sums},
       CAST(coalesce(sum(b.business_m2), 0) AS float8) AS business_m2,
       CAST(coalesce(sum(d.not_replaced), 0) AS bigint) AS demolished_not_replaced
FROM cells c
LEFT JOIN stock_wide sw ON sw.year = c.year AND sw.quarter_id = c.quarter_id
LEFT JOIN business b ON b.year = c.year AND b.quarter_id = c.quarter_id
LEFT JOIN demolished d ON d.year = c.year AND d.quarter_id = c.quarter_id
GROUP BY GROUPING SETS ((c.year, c.quarter_id), (c.year))
ORDER BY c.year, is_total, c.quarter_id
