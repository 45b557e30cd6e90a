-- The part of tenure_delta.sql (its version_ctes) that a read of another version of the
-- plan (a scenario, a recorded time) adds: the derived state changes hold the adopted plan
-- now, and the version's are those, less the changes of the buildings the version has
-- otherwise as they are now, plus theirs as the version has them. Those corrections are
-- derived.tenure_version_changes() (migrations 0027, 0030, 0031), for the version the
-- session names. When it cannot answer (too many buildings otherwise, or a quarter), it
-- answers one row of kind 'x' instead, which joins the area's total in the first year with
-- nothing to add; the reader then answers no row at all (`unanswered`), and gis.tenure
-- computes from the plan views. The corrections are read once, so that the statement may
-- aggregate in parallel as the adopted plan's does (read twice, they would be a common
-- table expression, which no parallel worker reads).
deltas AS (
    SELECT area_id, quarter_set_id, quarter_id, year, kind, tenure, dwellings, floor_area,
           business, demolished, present
    FROM derived.tenure_delta
    WHERE area_id = :area_id AND quarter_set_id IN (:place_set_id, 0) AND year <= :last_year
    UNION ALL
    SELECT CAST(:area_id AS integer), coalesce(quarter_set_id, 0), coalesce(quarter_id, 0),
           coalesce(year, 0), kind, tenure, dwellings, floor_area, business, demolished,
           present
    FROM derived.tenure_version_changes(
        :area_id, :place_set_id, :quarter_set_id, :max_corrected)
),
