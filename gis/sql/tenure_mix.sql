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
-- The two tenure placeholders are filled from gis.models.TENURES (constants, never input).
WITH years AS (
    SELECT generate_series(CAST(:first_year AS integer), CAST(:last_year AS integer)) AS year
),
area_buildings AS (
    SELECT b.id, b.anchor, b.built_year, b.demolished_year, b.business_floor_area_m2,
           b.demolished_replaced_by_almen_family AS replaced
    FROM building b
    JOIN area a ON a.id = :area_id AND ST_Intersects(a.boundary, b.anchor)
),
placed AS (
    SELECT ab.*,
           coalesce((SELECT q.id FROM quarter q
            WHERE q.quarter_set_id = :quarter_set_id AND ST_Intersects(q.geom, ab.anchor)
            ORDER BY q.id LIMIT 1), 0) AS quarter_id
    FROM area_buildings ab
),
stock AS (
    SELECT y.year, p.quarter_id, s.tenure,
           sum(s.dwellings) AS dwellings, sum(s.floor_area_m2) AS floor_area
    FROM years y
    JOIN placed p ON state_includes(p.built_year, p.demolished_year, y.year)
    JOIN dwelling_stock s ON s.building_id = p.id
        AND state_includes(s.start_year, s.end_year, y.year)
    GROUP BY y.year, p.quarter_id, s.tenure
),
business AS (
    SELECT y.year, p.quarter_id, sum(p.business_floor_area_m2) AS business_m2
    FROM years y
    JOIN placed p ON state_includes(p.built_year, p.demolished_year, y.year)
    WHERE p.business_floor_area_m2 > 0
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
stock_wide AS (
    SELECT year, quarter_id, {tenure_columns}
    FROM stock
    GROUP BY year, quarter_id
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
       coalesce(sum(b.business_m2), 0) AS business_m2,
       coalesce(sum(d.not_replaced), 0) AS demolished_not_replaced
FROM cells c
LEFT JOIN stock_wide sw ON sw.year = c.year AND sw.quarter_id = c.quarter_id
LEFT JOIN business b ON b.year = c.year AND b.quarter_id = c.quarter_id
LEFT JOIN demolished d ON d.year = c.year AND d.quarter_id = c.quarter_id
GROUP BY GROUPING SETS ((c.year, c.quarter_id), (c.year))
ORDER BY c.year, is_total, c.quarter_id
