"""pgRouting, and the walking network of a year as a function of the year.

The network is derived, never stored: the roads, bygade, sivegader and paths present in the
year (by `state_includes`), noded where they cross, each piece an undirected edge costing its
length in metres. Vertices are numbered by position so the same year always gives the same
ids, which pgRouting's edge and point queries (two separate evaluations) rely on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WALK_EDGES = """
CREATE FUNCTION vm_walk_edges(y integer)
RETURNS TABLE (
    id bigint, source bigint, target bigint, cost double precision,
    reverse_cost double precision, bygade boolean, geom geometry(LineString, 25832)
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH present AS (
        SELECT r.kind, (ST_Dump(r.geom)).geom AS geom
        FROM road r
        WHERE state_includes(r.opening_year, r.closing_year, y)
    ), pieces AS (
        SELECT (ST_Dump(ST_Node(ST_Collect(geom)))).geom AS geom FROM present
    ), edges AS (
        SELECT row_number() OVER (ORDER BY ST_AsBinary(geom)) AS id, geom,
               ST_AsBinary(ST_SnapToGrid(ST_StartPoint(geom), 0.001)) AS a,
               ST_AsBinary(ST_SnapToGrid(ST_EndPoint(geom), 0.001)) AS b
        FROM pieces
        WHERE ST_Length(geom) > 0
    ), vertices AS (
        SELECT p, dense_rank() OVER (ORDER BY p) AS vid
        FROM (SELECT a AS p FROM edges UNION SELECT b FROM edges) x
    )
    SELECT e.id, va.vid, vb.vid, ST_Length(e.geom), ST_Length(e.geom),
           EXISTS (
               SELECT 1 FROM present b
               WHERE b.kind = 'bygade'
                 AND ST_DWithin(b.geom, ST_LineInterpolatePoint(e.geom, 0.5), 0.01)
           ),
           e.geom
    FROM edges e
    JOIN vertices va ON va.p = e.a
    JOIN vertices vb ON vb.p = e.b
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    op.execute(WALK_EDGES)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS vm_walk_edges(integer)")
    op.execute("DROP EXTENSION IF EXISTS pgrouting")
