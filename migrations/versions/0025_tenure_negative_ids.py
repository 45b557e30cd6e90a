"""The tenure mix's derived tables: a negative building id in its part, too.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 12:25:00

Migration 0023 placed a building outside every quarter (and every building, for the area as
a whole) in part -1 - (id mod 64). PostgreSQL's remainder takes the sign of the dividend, so
a building with a negative id (the what-if's hypothetical buildings, gis.land.whatif) got a
positive quarter id, another quarter's, and its area's total was split over several rows.
The part is now -1 - (id & 63), in -64..-1 for every id. The functions are made again, and
the tables rebuilt.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION derived.tenure_place_buildings(ids integer[])
RETURNS TABLE (area_id integer, quarter_set_id integer, quarter_id integer)
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    RETURN QUERY
    DELETE FROM derived.tenure_place p USING unnest(ids) i(id)
    WHERE p.building_id = i.id
    RETURNING p.area_id, p.quarter_set_id, p.quarter_id;
    RETURN QUERY
    WITH inside AS (
        SELECT b.id, b.anchor, a.id AS area_id
        FROM unnest(ids) i(id)
        JOIN building b ON b.id = i.id
        JOIN area a ON ST_Covers(a.boundary, b.anchor)
    )
    INSERT INTO derived.tenure_place AS p
    SELECT i.id, i.area_id, 0, -1 - (i.id & 63) FROM inside i
    UNION ALL
    SELECT i.id, i.area_id, s.id,
           coalesce((SELECT min(q.id) FROM quarter q
                     WHERE q.quarter_set_id = s.id AND ST_Covers(q.geom, i.anchor)),
                    -1 - (i.id & 63))
    FROM inside i JOIN quarter_set s ON s.area_id = i.area_id
    RETURNING p.area_id, p.quarter_set_id, p.quarter_id;
END
$$;


CREATE OR REPLACE FUNCTION derived.tenure_area(target integer)
RETURNS void LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    cells record;
BEGIN
    DELETE FROM derived.tenure_delta WHERE area_id = target;
    DELETE FROM derived.tenure_place WHERE area_id = target;
    INSERT INTO derived.tenure_place
    WITH inside AS (
        SELECT b.id FROM building b
        WHERE ST_Covers((SELECT a.boundary FROM area a WHERE a.id = target), b.anchor)
    ),
    in_quarter AS (
        SELECT b.id, q.quarter_set_id, min(q.id) AS quarter_id
        FROM quarter_set s
        JOIN quarter q ON q.quarter_set_id = s.id
        CROSS JOIN LATERAL (
            SELECT b.id FROM building b WHERE ST_Covers(q.geom, b.anchor) OFFSET 0
        ) b
        WHERE s.area_id = target
        GROUP BY b.id, q.quarter_set_id
    )
    SELECT i.id, target, 0, -1 - (i.id & 63) FROM inside i
    UNION ALL
    SELECT i.id, target, s.id, coalesce(iq.quarter_id, -1 - (i.id & 63))
    FROM inside i
    CROSS JOIN quarter_set s
    LEFT JOIN in_quarter iq ON iq.id = i.id AND iq.quarter_set_id = s.id
    WHERE s.area_id = target;
    SELECT array_agg(p.area_id) AS a, array_agg(p.quarter_set_id) AS s,
           array_agg(p.quarter_id) AS q
      INTO cells
      FROM (SELECT DISTINCT p.area_id, p.quarter_set_id, p.quarter_id
            FROM derived.tenure_place p WHERE p.area_id = target) p;
    PERFORM derived.tenure_cells(cells.a, cells.s, cells.q);
END
$$;

"""

# As migration 0023 made them.
FUNCTIONS_0023 = r"""
CREATE OR REPLACE FUNCTION derived.tenure_place_buildings(ids integer[])
RETURNS TABLE (area_id integer, quarter_set_id integer, quarter_id integer)
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    RETURN QUERY
    DELETE FROM derived.tenure_place p USING unnest(ids) i(id)
    WHERE p.building_id = i.id
    RETURNING p.area_id, p.quarter_set_id, p.quarter_id;
    RETURN QUERY
    WITH inside AS (
        SELECT b.id, b.anchor, a.id AS area_id
        FROM unnest(ids) i(id)
        JOIN building b ON b.id = i.id
        JOIN area a ON ST_Covers(a.boundary, b.anchor)
    )
    INSERT INTO derived.tenure_place AS p
    SELECT i.id, i.area_id, 0, -1 - i.id % 64 FROM inside i
    UNION ALL
    SELECT i.id, i.area_id, s.id,
           coalesce((SELECT min(q.id) FROM quarter q
                     WHERE q.quarter_set_id = s.id AND ST_Covers(q.geom, i.anchor)),
                    -1 - i.id % 64)
    FROM inside i JOIN quarter_set s ON s.area_id = i.area_id
    RETURNING p.area_id, p.quarter_set_id, p.quarter_id;
END
$$;


CREATE OR REPLACE FUNCTION derived.tenure_area(target integer)
RETURNS void LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    cells record;
BEGIN
    DELETE FROM derived.tenure_delta WHERE area_id = target;
    DELETE FROM derived.tenure_place WHERE area_id = target;
    INSERT INTO derived.tenure_place
    WITH inside AS (
        SELECT b.id FROM building b
        WHERE ST_Covers((SELECT a.boundary FROM area a WHERE a.id = target), b.anchor)
    ),
    in_quarter AS (
        SELECT b.id, q.quarter_set_id, min(q.id) AS quarter_id
        FROM quarter_set s
        JOIN quarter q ON q.quarter_set_id = s.id
        CROSS JOIN LATERAL (
            SELECT b.id FROM building b WHERE ST_Covers(q.geom, b.anchor) OFFSET 0
        ) b
        WHERE s.area_id = target
        GROUP BY b.id, q.quarter_set_id
    )
    SELECT i.id, target, 0, -1 - i.id % 64 FROM inside i
    UNION ALL
    SELECT i.id, target, s.id, coalesce(iq.quarter_id, -1 - i.id % 64)
    FROM inside i
    CROSS JOIN quarter_set s
    LEFT JOIN in_quarter iq ON iq.id = i.id AND iq.quarter_set_id = s.id
    WHERE s.area_id = target;
    SELECT array_agg(p.area_id) AS a, array_agg(p.quarter_set_id) AS s,
           array_agg(p.quarter_id) AS q
      INTO cells
      FROM (SELECT DISTINCT p.area_id, p.quarter_set_id, p.quarter_id
            FROM derived.tenure_place p WHERE p.area_id = target) p;
    PERFORM derived.tenure_cells(cells.a, cells.s, cells.q);
END
$$;

"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute("SELECT derived.rebuild()")


def downgrade() -> None:
    op.execute(FUNCTIONS_0023)
    op.execute("SELECT derived.rebuild()")
