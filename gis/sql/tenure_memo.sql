-- The part of tenure_delta.sql (its version_ctes) that a read of another version of the
-- plan adds when it holds that version's corrections already (gis.tenure's memo): the rows
-- the corrections of tenure_version.sql (migration 0031) answered for it, read by this
-- process at the data stamp `stamp_version`, `stamp_token` (data_version's row) and handed
-- back as JSON, so that the same read at the same data does not compute them again. The
-- statement answers only while the stamp is still the data's, in its own snapshot (the
-- filter tenure_delta.sql's version_filter adds), and no row at all otherwise: the reader
-- then computes the corrections again.
deltas AS (
    SELECT area_id, quarter_set_id, quarter_id, year, kind, tenure, dwellings, floor_area,
           business, demolished, present
    FROM derived.tenure_delta
    WHERE area_id = :area_id AND quarter_set_id IN (:place_set_id, 0) AND year <= :last_year
    UNION ALL
    SELECT CAST(:area_id AS integer), c.quarter_set_id, c.quarter_id, c.year, c.kind,
           c.tenure, c.dwellings, c.floor_area, c.business, c.demolished, c.present
    FROM json_to_recordset(CAST(:corrections AS json)) AS c (
        quarter_set_id integer, quarter_id integer, year integer, kind "char",
        tenure varchar, dwellings integer, floor_area numeric, business numeric,
        demolished integer, present integer)
),
