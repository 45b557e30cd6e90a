"""The tenure mix's derived tables: the part outside every quarter kept in 64 parts.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 12:10:00

Migration 0019 kept a cell (area, quarter set, quarter) per quarter, and one for the
buildings in none of the set's quarters (quarter 0), and the area as a whole was quarter 0 of
quarter set 0. An edit recomputes the cells its buildings are in, so an edit of one building
in the national stock recomputed the whole area's cell: 7-10 s for one building of 562,645
(measured on the generated stock, 2026-12-01, load average 6-8 on 2 cores), against 3 ms
without the triggers.

Now a building in none of the quarters (and every building, for the area as a whole) is
placed in one of 64 parts of that cell, quarter id -1 - (building id mod 64): an edit
recomputes a 64th of it. Readers take every quarter id below 1 as "in none of the quarters"
(gis/sql/tenure_delta.sql). The functions are made again, and the tables rebuilt.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTS = 64

# Migration 0019's two placing functions, with the parts.
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
    SELECT i.id, i.area_id, 0, -1 - i.id % PARTS FROM inside i
    UNION ALL
    SELECT i.id, i.area_id, s.id,
           coalesce((SELECT min(q.id) FROM quarter q
                     WHERE q.quarter_set_id = s.id AND ST_Covers(q.geom, i.anchor)),
                    -1 - i.id % PARTS)
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
    SELECT i.id, target, 0, -1 - i.id % PARTS FROM inside i
    UNION ALL
    SELECT i.id, target, s.id, coalesce(iq.quarter_id, -1 - i.id % PARTS)
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

# As migration 0019 made them.
FUNCTIONS_0019 = r"""
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
    SELECT i.id, i.area_id, 0, 0 FROM inside i
    UNION ALL
    SELECT i.id, i.area_id, s.id,
           coalesce((SELECT min(q.id) FROM quarter q
                     WHERE q.quarter_set_id = s.id AND ST_Covers(q.geom, i.anchor)), 0)
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
    SELECT i.id, target, 0, 0 FROM inside i
    UNION ALL
    SELECT i.id, target, s.id, coalesce(iq.quarter_id, 0)
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
    op.execute(FUNCTIONS.replace("PARTS", str(PARTS)))
    op.execute("SELECT derived.rebuild()")


def downgrade() -> None:
    op.execute(FUNCTIONS_0019)
    op.execute("SELECT derived.rebuild()")
