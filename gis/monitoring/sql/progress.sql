-- Progress of every plan item of one area in the state of 1 January :year.
-- A target, an actual or a map event dated year E counts from E+1 (state_includes).
-- Derived: counted from the map data by the item's `derive` rule, one branch per rule.
WITH item AS (
    SELECT i.*, a.boundary
    FROM plan_item i
    JOIN area a ON a.id = i.area_id
    WHERE a.slug = :area
),
derived AS (
    -- Dwellings of the department's buildings demolished so far, as they stood that year.
    SELECT i.id, sum(s.dwellings)::float8 AS quantity
    FROM item i
    JOIN building b
      ON b.department = i.department AND ST_Intersects(i.boundary, b.anchor)
    JOIN dwelling_stock s
      ON s.building_id = b.id AND state_includes(s.start_year, s.end_year, b.demolished_year)
    WHERE i.derive = 'demolished_dwellings'
      AND b.demolished_year IS NOT NULL
      AND NOT state_includes(NULL, b.demolished_year, :year)
    GROUP BY i.id
    UNION ALL
    -- Dwellings of the department's buildings whose renovation is finished.
    SELECT i.id, sum(s.dwellings)::float8
    FROM item i
    JOIN building b
      ON b.department = i.department AND ST_Intersects(i.boundary, b.anchor)
    JOIN dwelling_stock s
      ON s.building_id = b.id
     AND state_includes(s.start_year, s.end_year, b.renovation_end_year)
    WHERE i.derive = 'renovated_dwellings'
      AND b.renovation_end_year IS NOT NULL
      AND state_includes(b.renovation_end_year, NULL, :year)
    GROUP BY i.id
    UNION ALL
    -- Private dwellings in buildings built within the plan's period, standing in :year.
    SELECT i.id, sum(s.dwellings)::float8
    FROM item i
    JOIN building b
      ON ST_Intersects(i.boundary, b.anchor)
     AND b.built_year IS NOT NULL AND b.built_year >= i.start_year
    JOIN dwelling_stock s
      ON s.building_id = b.id AND (s.start_year IS NULL OR s.start_year <= b.built_year)
    WHERE i.derive = 'new_private_dwellings'
      AND s.tenure IN ('private_rental', 'owner_occupied', 'cooperative')
      AND state_includes(b.built_year, b.demolished_year, :year)
    GROUP BY i.id
    UNION ALL
    SELECT i.id, count(*)::float8
    FROM item i
    JOIN road r ON r.kind = i.derive_match AND ST_Intersects(i.boundary, r.geom)
    WHERE i.derive = 'roads_opened'
      AND r.opening_year IS NOT NULL
      AND state_includes(r.opening_year, r.closing_year, :year)
    GROUP BY i.id
    UNION ALL
    SELECT i.id, count(*)::float8
    FROM item i
    JOIN rail_line l ON ST_Intersects(i.boundary, l.geom)
    WHERE i.derive = 'letbane_opened'
      AND l.opening_year IS NOT NULL
      AND state_includes(l.opening_year, NULL, :year)
    GROUP BY i.id
    UNION ALL
    SELECT i.id, count(*)::float8
    FROM item i
    JOIN facility f ON f.kind = i.derive_match AND ST_Intersects(i.boundary, f.geom)
    WHERE i.derive = 'facilities_opened'
      AND f.opening_year IS NOT NULL
      AND state_includes(f.opening_year, NULL, :year)
    GROUP BY i.id
    UNION ALL
    SELECT i.id, count(*)::float8
    FROM item i
    JOIN facility f ON f.kind = i.derive_match AND ST_Intersects(i.boundary, f.geom)
    WHERE i.derive = 'facilities_closed'
      AND f.closing_year IS NOT NULL
      AND NOT state_includes(NULL, f.closing_year, :year)
    GROUP BY i.id
    UNION ALL
    -- Building right of the area's plots sold so far: a sale dated year E counts from E+1,
    -- and a plot counts while its last status change before :year is to 'sold' (the public
    -- history's dates, not the confidential deed dates), the year as it is in Denmark.
    SELECT i.id, sum(coalesce(
        l.building_right_m2, l.plot_ratio * coalesce(p.registered_area_m2, ST_Area(p.geom))
    ))::float8
    FROM item i
    JOIN parcel p ON ST_Intersects(i.boundary, ST_PointOnSurface(p.geom))
    JOIN parcel_land l ON l.parcel_id = p.id
    WHERE i.derive = 'land_sold'
      AND (SELECT c.to_status FROM sale_status_history c
           WHERE c.parcel_id = p.id AND c.changed_year < :year
           ORDER BY c.seq DESC LIMIT 1) = 'sold'
    GROUP BY i.id
),
target AS (
    SELECT t.item_id, sum(t.quantity) AS quantity
    FROM plan_target t JOIN item i ON i.id = t.item_id
    WHERE state_includes(t.year, NULL, :year)
    GROUP BY t.item_id
),
actual AS (
    SELECT x.item_id, sum(x.quantity) AS quantity, count(*) AS n
    FROM plan_actual x JOIN item i ON i.id = x.item_id
    WHERE state_includes(x.year, NULL, :year)
    GROUP BY x.item_id
)
SELECT
    i.id, i.key, i.kind, i.title, i.department, i.organisation, i.start_year, i.end_year,
    i.planned_quantity, i.unit, i.decided, i.derive, i.source,
    coalesce(t.quantity, 0) AS planned_to_date,
    CASE WHEN i.derive IS NOT NULL THEN coalesce(d.quantity, 0) END AS derived_to_date,
    x.quantity AS recorded_to_date
FROM item i
LEFT JOIN (SELECT id, sum(quantity) AS quantity FROM derived GROUP BY id) d ON d.id = i.id
LEFT JOIN target t ON t.item_id = i.id
LEFT JOIN actual x ON x.item_id = i.id
ORDER BY i.start_year, i.end_year, i.id
