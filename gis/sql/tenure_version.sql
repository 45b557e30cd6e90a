-- The part of tenure_delta.sql (its version_ctes) that a read of another version of the
-- plan (a scenario, a recorded time) adds: the derived state changes hold the adopted plan
-- now, and the version's are those, less the changes of the buildings the version has
-- otherwise as they are now, plus theirs as the version has them. Those corrections are
-- derived.tenure_version_changes() (migrations 0027, 0030), for the version the session
-- names. When derived.tenure_version_answers() says they cannot answer it (too many
-- buildings otherwise, or a quarter), the answer is no row at all, and gis.tenure computes
-- from the plan views; the function is read once here, so that the whole statement may
-- run in parallel, as the adopted plan's does (a common table expression read twice would
-- keep it serial).
deltas AS (
    SELECT area_id, quarter_set_id, quarter_id, year, kind, tenure, dwellings, floor_area,
           business, demolished, present
    FROM derived.tenure_delta
    WHERE area_id = :area_id AND quarter_set_id IN (:place_set_id, 0) AND year <= :last_year
    UNION ALL
    SELECT CAST(:area_id AS integer), quarter_set_id, quarter_id, year, kind, tenure,
           dwellings, floor_area, business, demolished, present
    FROM derived.tenure_version_changes(
        :area_id, :place_set_id, :quarter_set_id, :max_corrected)
    WHERE kind <> 'x'
),
