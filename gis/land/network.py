"""Walking distances from parcels to the letbane stops and to the bygade, along the street
and path network as it is in a given year (pgRouting), beside the straight-line distance.

A parcel joins the network at the closest point of every street within `REACH_M` of it (the
open ground of an estate is crossed on foot), or of its nearest street if none is that
close; the stretch from the parcel to that point is counted as a straight line. Joining at
a point on an edge rather than at its nearest vertex keeps a long street from rounding a
walk to its crossings. A stop joins the network the same way. pgRouting gives the shortest
walks between the vertices at the ends of those edges; the walk from a parcel to a stop is
then the shortest combination of (parcel to an end of its edge) + (vertex to vertex) + (an
end of the stop's edge to the stop), or the direct stretch when both sit on one edge. That
is exact on an undirected network. The bygade is part of the network: reaching it is
reaching any of its vertices, or standing on it already.

Letbane stops count whether open or only planned: the question is how far a plot will be
from a stop. The network, on the other hand, is the one of the year asked. A stop lying on
the parcel itself is 0 m away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

from gis.errors import InvalidParameter
from gis.state import MAX_YEAR, MIN_YEAR

REACH_M = 60.0

# pgRouting takes its edges as SQL text. The year is the only thing put into it, and only as
# an integer the caller has checked.
_EDGES = "SELECT id, source, target, cost, reverse_cost FROM vm_walk_edges({year})"

_WALKS = text(
    """
    WITH e AS MATERIALIZED (SELECT * FROM vm_walk_edges(:year)),
    place AS (
        SELECT 'p' AS kind, p.id, p.geom FROM parcel p
        WHERE CAST(:ids AS integer[]) IS NULL OR p.id = ANY(CAST(:ids AS integer[]))
        UNION ALL
        SELECT 's', s.id, s.geom FROM rail_stop s
    ),
    near AS MATERIALIZED (
        SELECT pl.kind, pl.id, e.id AS edge, e.source, e.target, e.cost AS len, e.bygade,
               ST_Distance(e.geom, pl.geom) AS leg,
               ST_LineLocatePoint(e.geom, ST_ClosestPoint(e.geom, pl.geom)) AS f
        FROM place pl
        JOIN e ON e.geom && ST_Expand(pl.geom, :reach) AND ST_DWithin(e.geom, pl.geom, :reach)
    ),
    access AS MATERIALIZED (
        SELECT * FROM near
        UNION ALL
        SELECT pl.kind, pl.id, a.*
        FROM place pl
        CROSS JOIN LATERAL (
            SELECT e.id, e.source, e.target, e.cost, e.bygade, ST_Distance(e.geom, pl.geom),
                   ST_LineLocatePoint(e.geom, ST_ClosestPoint(e.geom, pl.geom))
            FROM e ORDER BY ST_Distance(e.geom, pl.geom), e.id LIMIT 1
        ) a
        WHERE NOT EXISTS (SELECT 1 FROM near n WHERE n.kind = pl.kind AND n.id = pl.id)
    ),
    ends AS MATERIALIZED (
        SELECT kind, id, source AS vid, leg + f * len AS d FROM access
        UNION ALL
        SELECT kind, id, target, leg + (1 - f) * len FROM access
    ),
    bygade_vertex AS MATERIALIZED (
        SELECT source AS vid FROM e WHERE bygade UNION SELECT target FROM e WHERE bygade
    ),
    destination AS (
        SELECT vid FROM ends WHERE kind = 's' UNION SELECT vid FROM bygade_vertex
    ),
    vv AS MATERIALIZED (
        SELECT c.start_vid, c.end_vid, c.agg_cost
        FROM pgr_dijkstraCost(
            CAST(:edges_sql AS text),
            (SELECT array_agg(DISTINCT vid) FROM ends WHERE kind = 'p'),
            (SELECT array_agg(vid) FROM destination),
            directed => false
        ) c
        WHERE EXISTS (SELECT 1 FROM ends WHERE kind = 'p') AND EXISTS (SELECT 1 FROM destination)
        UNION ALL
        -- pgRouting leaves out a vertex's walk to itself.
        SELECT vid, vid, 0 FROM (SELECT vid FROM ends WHERE kind = 'p' INTERSECT
                                 SELECT vid FROM destination) same
    ),
    to_stop AS (
        SELECT o.id, st.id AS stop, o.d + vv.agg_cost + st.d AS walk
        FROM ends o
        JOIN vv ON vv.start_vid = o.vid
        JOIN ends st ON st.kind = 's' AND st.vid = vv.end_vid
        WHERE o.kind = 'p'
        UNION ALL
        SELECT o.id, st.id, o.leg + abs(o.f - st.f) * o.len + st.leg
        FROM access o JOIN access st ON st.kind = 's' AND st.edge = o.edge
        WHERE o.kind = 'p'
    ),
    to_bygade AS (
        SELECT o.id, o.d + vv.agg_cost AS walk
        FROM ends o
        JOIN vv ON vv.start_vid = o.vid
        JOIN bygade_vertex b ON b.vid = vv.end_vid
        WHERE o.kind = 'p'
        UNION ALL
        SELECT id, leg FROM access WHERE kind = 'p' AND bygade
    ),
    best_stop AS (
        SELECT DISTINCT ON (w.id) w.id, w.walk, s.name
        FROM to_stop w JOIN rail_stop s ON s.id = w.stop
        ORDER BY w.id, w.walk, s.name
    ),
    best_bygade AS (SELECT id, min(walk) AS walk FROM to_bygade GROUP BY id)
    SELECT pl.id,
           CASE WHEN straight.stop = 0 THEN 0 ELSE ws.walk END,
           ws.name,
           straight.stop,
           wb.walk,
           straight.bygade
    FROM place pl
    LEFT JOIN best_stop ws ON ws.id = pl.id
    LEFT JOIN best_bygade wb ON wb.id = pl.id
    CROSS JOIN LATERAL (
        SELECT (SELECT min(ST_Distance(pl.geom, s.geom)) FROM rail_stop s) AS stop,
               (SELECT min(ST_Distance(pl.geom, b.geom)) FROM e b WHERE b.bygade) AS bygade
    ) straight
    WHERE pl.kind = 'p'
    ORDER BY pl.id
    """
).bindparams(bindparam("ids"))


@dataclass(frozen=True)
class Walk:
    parcel_id: int
    walk_to_stop_m: float | None  # None: no stop, or none reachable on that year's network
    straight_to_stop_m: float | None
    nearest_stop: str | None  # the stop nearest along the network
    walk_to_bygade_m: float | None
    straight_to_bygade_m: float | None


def parcel_walks(
    conn: Connection, year: int, parcel_ids: Sequence[int] | None = None
) -> dict[int, Walk]:
    """Walking and straight-line distances of each parcel (all, or those given) in `year`."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidParameter("year", f"year must be {MIN_YEAR} to {MAX_YEAR}.")
    if parcel_ids is not None and not parcel_ids:
        return {}
    rows = conn.execute(
        _WALKS,
        {
            "year": year,
            "ids": list(parcel_ids) if parcel_ids is not None else None,
            "reach": REACH_M,
            "edges_sql": _EDGES.format(year=int(year)),
        },
    )
    return {r[0]: Walk(r[0], _m(r[1]), _m(r[3]), r[2], _m(r[4]), _m(r[5])) for r in rows}


def _m(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
