"""The tenure mix's derived tables: each building's place and each quarter's state changes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 11:40:00

At national scale (3,000,000 dwellings in 10,000 quarters) the tenure mix spent its time
placing every building in its area and quarter (a spatial probe per quarter) and joining
every stock row, for every question. Both depend only on the data, so they are kept, with
the data, in schema `derived` (not plan data: everything in it can be rebuilt from the plan
tables with `SELECT derived.rebuild()`):

- `derived.tenure_place`: for each building, each area holding its anchor, and each of the
  area's quarter sets (0: the area as a whole), the lowest-id quarter of the set holding the
  anchor (0: none), the rule of gis/sql/tenure_mix.sql.
- `derived.tenure_delta`: per area, quarter set and quarter, the changes of the state: `+n`
  dwellings (floor area, business floor area) of a tenure from the first year whose state
  holds them, `-n` from the first year that no longer does (`year` 0: from the start). By
  the state rule (gis.state: present in Y iff start < Y <= end), something with first event
  S and last event E counts from S + 1 and stops from E + 1; one whose life is empty
  (S >= E) is left out. Demolitions are one `+n` (the dwellings the building held in its
  demolition year D, less those replaced) from D + 1, for the reader to count from the
  law's year. `present` counts the rows behind a figure, so a reader can tell "nothing
  here" from "zero".

  The state in year Y is the sum of the rows with year <= Y; a trajectory is one running
  sum. A quarter holds a few dozen rows, whatever the number of its buildings.

Kept by statement triggers on `building`, `dwelling_stock`, `quarter`, `quarter_set` and
`area`, in the writer's transaction (a rolled-back what-if leaves no trace): a change of some
buildings or their dwellings places those buildings again and recomputes the cells
(area, quarter set, quarter) they were and are in; a change of an area, a quarter set or a
quarter rebuilds that area; a statement touching more than 20,000 buildings (a load, an
import) rebuilds the areas. Every maintaining function first locks the `data_version` row,
as every writer of map data does, so two writers recomputing the same cell take turns, and
the second one's statements see the first one's commit.

Only the adopted plan as it stands now (the tables) is derived. A read of a scenario or of
a recorded time reads the plan version views (migration 0010) and computes from them, as
before: scenarios store only their differences and are read rarely and at any instant, so
a derived table per version would be written on every edit for reads that seldom come.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Above this many buildings in one statement, rebuilding the areas set-based beats placing
# each building with its own index probes.
BULK = 20_000

TABLES = """
CREATE SCHEMA derived;
GRANT USAGE ON SCHEMA derived TO vm_public;
ALTER DEFAULT PRIVILEGES IN SCHEMA derived GRANT SELECT ON TABLES TO vm_public;

CREATE TABLE derived.tenure_place (
    building_id integer NOT NULL,
    area_id integer NOT NULL,
    quarter_set_id integer NOT NULL,
    quarter_id integer NOT NULL,
    PRIMARY KEY (building_id, area_id, quarter_set_id)
);
CREATE INDEX tenure_place_cell ON derived.tenure_place (area_id, quarter_set_id, quarter_id);

CREATE TABLE derived.tenure_delta (
    area_id integer NOT NULL,
    quarter_set_id integer NOT NULL,
    quarter_id integer NOT NULL,
    year integer NOT NULL,
    kind "char" NOT NULL CHECK (kind IN ('s', 'b', 'd')),
    tenure varchar(32),
    dwellings integer NOT NULL,
    floor_area numeric NOT NULL,
    business numeric NOT NULL,
    demolished integer NOT NULL,
    present integer NOT NULL
);
CREATE INDEX tenure_delta_cell
    ON derived.tenure_delta (area_id, quarter_set_id, quarter_id, year);
GRANT SELECT ON derived.tenure_place, derived.tenure_delta TO vm_public;
"""

FUNCTIONS = r"""
-- The deltas of the given cells, from the plan tables and the placements.
CREATE FUNCTION derived.tenure_cells(cell_area integer[], cell_set integer[],
                                     cell_quarter integer[])
RETURNS void LANGUAGE sql SET search_path = public AS $$
    DELETE FROM derived.tenure_delta d
     USING (SELECT DISTINCT * FROM unnest(cell_area, cell_set, cell_quarter)) c(a, s, q)
     WHERE d.area_id = c.a AND d.quarter_set_id = c.s AND d.quarter_id = c.q;
    INSERT INTO derived.tenure_delta
    WITH c AS (
        SELECT DISTINCT * FROM unnest(cell_area, cell_set, cell_quarter) c(a, s, q)
    ),
    p AS (
        SELECT p.area_id, p.quarter_set_id, p.quarter_id, b.id, b.built_year,
               b.demolished_year, b.business_floor_area_m2,
               b.demolished_replaced_by_almen_family AS replaced
        FROM c
        JOIN derived.tenure_place p
          ON p.area_id = c.a AND p.quarter_set_id = c.s AND p.quarter_id = c.q
        JOIN building b ON b.id = p.building_id
    ),
    -- A stock row is there while both it and its building are (tests/gis/test_state.py).
    lives AS (
        SELECT p.area_id, p.quarter_set_id, p.quarter_id, s.tenure, s.dwellings,
               CAST(s.floor_area_m2 AS numeric) AS floor_area,
               greatest(p.built_year, s.start_year) AS first_event,
               least(p.demolished_year, s.end_year) AS last_event
        FROM p JOIN dwelling_stock s ON s.building_id = p.id
    ),
    business AS (
        SELECT area_id, quarter_set_id, quarter_id, built_year AS first_event,
               demolished_year AS last_event,
               CAST(business_floor_area_m2 AS numeric) AS business
        FROM p WHERE business_floor_area_m2 > 0
    ),
    changes AS (
        SELECT area_id, quarter_set_id, quarter_id, coalesce(first_event + 1, 0) AS year,
               's' AS kind, tenure, dwellings, floor_area, 0 AS business, 0 AS demolished,
               1 AS present
        FROM lives
        WHERE first_event IS NULL OR last_event IS NULL OR first_event < last_event
        UNION ALL
        SELECT area_id, quarter_set_id, quarter_id, last_event + 1, 's', tenure, -dwellings,
               -floor_area, 0, 0, -1
        FROM lives
        WHERE last_event IS NOT NULL AND (first_event IS NULL OR first_event < last_event)
        UNION ALL
        SELECT area_id, quarter_set_id, quarter_id, coalesce(first_event + 1, 0), 'b', NULL,
               0, 0, business, 0, 1
        FROM business
        WHERE first_event IS NULL OR last_event IS NULL OR first_event < last_event
        UNION ALL
        SELECT area_id, quarter_set_id, quarter_id, last_event + 1, 'b', NULL, 0, 0,
               -business, 0, -1
        FROM business
        WHERE last_event IS NOT NULL AND (first_event IS NULL OR first_event < last_event)
        UNION ALL
        -- The dwellings a building held in its demolition year, less those replaced.
        SELECT p.area_id, p.quarter_set_id, p.quarter_id, p.demolished_year + 1, 'd', NULL,
               0, 0, 0,
               greatest(coalesce(sum(s.dwellings), 0) - p.replaced, 0), 1
        FROM p
        LEFT JOIN dwelling_stock s ON s.building_id = p.id
            AND state_includes(s.start_year, s.end_year, p.demolished_year)
        WHERE p.demolished_year IS NOT NULL
        GROUP BY p.area_id, p.quarter_set_id, p.quarter_id, p.id, p.demolished_year,
                 p.replaced
    )
    SELECT area_id, quarter_set_id, quarter_id, year, CAST(kind AS "char"), tenure,
           CAST(sum(dwellings) AS integer), sum(floor_area), sum(business),
           CAST(sum(demolished) AS integer), CAST(sum(present) AS integer)
    FROM changes
    GROUP BY area_id, quarter_set_id, quarter_id, year, kind, tenure;
$$;

-- Places the given buildings again: the cells they were in and are in now are returned.
CREATE FUNCTION derived.tenure_place_buildings(ids integer[])
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

-- Places every building of an area again and recomputes all its cells. The quarters probe
-- the anchor index once each (OFFSET 0: not one probe of the quarter index per building).
CREATE FUNCTION derived.tenure_area(target integer)
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

-- Everything again, from the plan tables (after a restore, or to check the triggers).
CREATE FUNCTION derived.rebuild()
RETURNS void LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    each_area integer;
BEGIN
    PERFORM 1 FROM data_version FOR UPDATE;
    DELETE FROM derived.tenure_delta;
    DELETE FROM derived.tenure_place;
    FOR each_area IN SELECT id FROM area ORDER BY id LOOP
        PERFORM derived.tenure_area(each_area);
    END LOOP;
END
$$;

-- Some buildings changed (or their dwellings did): `place` says whether where they are
-- may have changed too.
CREATE FUNCTION derived.tenure_buildings(ids integer[], place boolean)
RETURNS void LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    cells record;
    each_area integer;
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM data_version FOR UPDATE;
    IF cardinality(ids) > BULK_LIMIT THEN
        FOR each_area IN SELECT id FROM area ORDER BY id LOOP
            PERFORM derived.tenure_area(each_area);
        END LOOP;
        DELETE FROM derived.tenure_place p
         WHERE NOT EXISTS (SELECT FROM area a WHERE a.id = p.area_id);
        DELETE FROM derived.tenure_delta d
         WHERE NOT EXISTS (SELECT FROM area a WHERE a.id = d.area_id);
        RETURN;
    END IF;
    IF place THEN
        SELECT array_agg(c.area_id) AS a, array_agg(c.quarter_set_id) AS s,
               array_agg(c.quarter_id) AS q
          INTO cells FROM derived.tenure_place_buildings(ids) c;
    ELSE
        SELECT array_agg(p.area_id) AS a, array_agg(p.quarter_set_id) AS s,
               array_agg(p.quarter_id) AS q
          INTO cells
          FROM (SELECT DISTINCT p.area_id, p.quarter_set_id, p.quarter_id
                FROM unnest(ids) i(id)
                JOIN derived.tenure_place p ON p.building_id = i.id) p;
    END IF;
    IF cells.a IS NOT NULL THEN
        PERFORM derived.tenure_cells(cells.a, cells.s, cells.q);
    END IF;
END
$$;

-- Some areas changed (their boundary, quarter sets or quarters): rebuilt whole.
CREATE FUNCTION derived.tenure_areas(ids integer[])
RETURNS void LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    each_area integer;
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM data_version FOR UPDATE;
    FOR each_area IN SELECT DISTINCT i FROM unnest(ids) i WHERE i IS NOT NULL ORDER BY i LOOP
        PERFORM derived.tenure_area(each_area);
    END LOOP;
END
$$;

-- The triggers. Transition tables allow one event per trigger, hence a function per event.
-- An update counts only when a column the tenure mix reads changed (a building's change_id
-- moves with every edit of its dwellings, gis migration 0010).
CREATE FUNCTION derived.on_building_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_buildings((SELECT array_agg(id) FROM new_rows), true);
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_building_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_buildings((SELECT array_agg(id) FROM old_rows), true);
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_building_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_buildings(
        (SELECT array_agg(DISTINCT coalesce(n.id, o.id))
           FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
          WHERE n.id IS NULL OR o.id IS NULL
             OR ROW(ST_AsEWKB(n.anchor), n.built_year, n.demolished_year,
                    n.business_floor_area_m2, n.demolished_replaced_by_almen_family)
                IS DISTINCT FROM
                ROW(ST_AsEWKB(o.anchor), o.built_year, o.demolished_year,
                    o.business_floor_area_m2, o.demolished_replaced_by_almen_family)),
        true);
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_stock_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_buildings(
        (SELECT array_agg(DISTINCT building_id) FROM new_rows), false);
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_stock_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_buildings(
        (SELECT array_agg(DISTINCT building_id) FROM old_rows), false);
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_stock_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_buildings(
        (SELECT array_agg(DISTINCT b) FROM (
            SELECT n.building_id, o.building_id
              FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
             WHERE n.id IS NULL OR o.id IS NULL
                OR ROW(n.building_id, n.tenure, n.dwellings, n.floor_area_m2, n.start_year,
                       n.end_year)
                   IS DISTINCT FROM
                   ROW(o.building_id, o.tenure, o.dwellings, o.floor_area_m2, o.start_year,
                       o.end_year)
        ) x(nb, ob) CROSS JOIN LATERAL (VALUES (nb), (ob)) v(b) WHERE b IS NOT NULL),
        false);
    RETURN NULL;
END
$$;
-- The areas a quarter belongs to: by its set, or, when the set is gone with it, by the
-- placements made for that set.
CREATE FUNCTION derived.areas_of_sets(sets integer[]) RETURNS integer[]
LANGUAGE sql STABLE SET search_path = public AS $$
    SELECT array_agg(DISTINCT a) FROM (
        SELECT s.area_id FROM quarter_set s JOIN unnest(sets) i(id) ON s.id = i.id
        UNION
        SELECT p.area_id FROM derived.tenure_place p JOIN unnest(sets) i(id)
            ON p.quarter_set_id = i.id
    ) x(a)
$$;
CREATE FUNCTION derived.on_quarter_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_areas(derived.areas_of_sets(
        (SELECT array_agg(DISTINCT quarter_set_id) FROM new_rows)));
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_quarter_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_areas(derived.areas_of_sets(
        (SELECT array_agg(DISTINCT quarter_set_id) FROM old_rows)));
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_quarter_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.tenure_areas(derived.areas_of_sets(
        (SELECT array_agg(DISTINCT s) FROM (
            SELECT n.quarter_set_id, o.quarter_set_id
              FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
             WHERE n.id IS NULL OR o.id IS NULL
                OR n.quarter_set_id <> o.quarter_set_id
                OR ST_AsEWKB(n.geom) <> ST_AsEWKB(o.geom)
        ) x(ns, os) CROSS JOIN LATERAL (VALUES (ns), (os)) v(s) WHERE s IS NOT NULL)));
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_quarter_set_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM derived.tenure_areas((SELECT array_agg(DISTINCT area_id) FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM derived.tenure_areas((SELECT array_agg(DISTINCT area_id) FROM old_rows));
    ELSE
        PERFORM derived.tenure_areas(
            (SELECT array_agg(DISTINCT a) FROM (SELECT area_id FROM new_rows
                                                UNION SELECT area_id FROM old_rows) x(a)));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_area_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM derived.tenure_areas((SELECT array_agg(id) FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM derived.tenure_areas((SELECT array_agg(id) FROM old_rows));
    ELSE
        PERFORM derived.tenure_areas(
            (SELECT array_agg(DISTINCT coalesce(n.id, o.id))
               FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
              WHERE n.id IS NULL OR o.id IS NULL
                 OR ST_AsEWKB(n.boundary) <> ST_AsEWKB(o.boundary)));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION derived.on_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM derived.rebuild();
    RETURN NULL;
END
$$;
"""

# (table, trigger function per event: INSERT, UPDATE, DELETE)
TRIGGERS = (
    ("building", "on_building_insert", "on_building_update", "on_building_delete"),
    ("dwelling_stock", "on_stock_insert", "on_stock_update", "on_stock_delete"),
    ("quarter", "on_quarter_insert", "on_quarter_update", "on_quarter_delete"),
    ("quarter_set", "on_quarter_set_change", "on_quarter_set_change", "on_quarter_set_change"),
    ("area", "on_area_change", "on_area_change", "on_area_change"),
)


def _trigger_sql() -> str:
    out = []
    for table, on_insert, on_update, on_delete in TRIGGERS:
        for event, function, tables in (
            ("INSERT", on_insert, "NEW TABLE AS new_rows"),
            ("UPDATE", on_update, "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
            ("DELETE", on_delete, "OLD TABLE AS old_rows"),
        ):
            out.append(
                f"CREATE TRIGGER vm_tenure_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {tables} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION derived.{function}();"
            )
        out.append(
            f"CREATE TRIGGER vm_tenure_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION derived.on_truncate();"
        )
    return "\n".join(out)


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(FUNCTIONS.replace("BULK_LIMIT", str(BULK)))
    op.execute(_trigger_sql())
    op.execute("SELECT derived.rebuild()")


def downgrade() -> None:
    for table, *_ in TRIGGERS:
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER vm_tenure_{event} ON {table}")
    op.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA derived REVOKE SELECT ON TABLES FROM vm_public")
    op.execute("DROP SCHEMA derived CASCADE")
