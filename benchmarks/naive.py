"""The peer: the same tenure mix computed the naive way, in a per-building Python loop.

It fetches every building, every dwelling_stock row and the quarters, then places each
building by testing its anchor against the area (a prepared shapely geometry) and the
quarters (a shapely STRtree) and sums in Python. The same rules as gis/sql/tenure_mix.sql,
written plainly, so the benchmark can also check that both give identical figures.
"""

from __future__ import annotations

from collections import defaultdict

import shapely
from sqlalchemy import Connection, text

from gis import law
from gis.areas import get_area, get_quarter_set
from gis.models import TENURES
from gis.tenure import Mix, TenureMix

# One comparable record per quarter slug, "unassigned" and "total".
Summary = dict[str, tuple]


def _present(start: int | None, end: int | None, year: int) -> bool:
    return (start is None or start < year) and (end is None or end >= year)


def _record(dwellings: dict, floor_area: dict, business: float, demolished: int) -> tuple:
    return (
        tuple(int(dwellings.get(t, 0)) for t in TENURES),
        tuple(round(float(floor_area.get(t, 0.0)), 2) for t in TENURES),
        round(float(business), 2),
        int(demolished),
    )


def summary_of(tm: TenureMix) -> Summary:
    """The SQL answer in the peer's comparable form."""

    def rec(m: Mix) -> tuple:
        return _record(
            m.dwellings, m.floor_area_m2, m.business_floor_area_m2, m.demolished_not_replaced
        )

    out = {q.slug or "": rec(q.mix) for q in tm.quarters}
    if tm.unassigned is not None and rec(tm.unassigned) != _record({}, {}, 0, 0):
        out["unassigned"] = rec(tm.unassigned)
    out["total"] = rec(tm.total)
    return out


def naive_tenure_mix(
    conn: Connection, area_slug: str, year: int, quarter_set: str | None = None
) -> Summary:
    area = get_area(conn, area_slug)
    qs = get_quarter_set(area, quarter_set)
    boundary = shapely.from_wkb(
        conn.execute(
            text("SELECT ST_AsBinary(boundary) FROM area WHERE id = :a"), {"a": area.id}
        ).scalar_one()
    )
    shapely.prepare(boundary)
    quarters: list[tuple[str, shapely.Geometry]] = []
    if qs is not None:
        for _id, slug, wkb in conn.execute(
            text(
                "SELECT id, slug, ST_AsBinary(geom) FROM quarter"
                " WHERE quarter_set_id = :qs ORDER BY id"
            ),
            {"qs": qs.id},
        ):
            quarters.append((slug, shapely.from_wkb(wkb)))
    # The candidates by bounding box; of those holding the anchor, the lowest id.
    tree = shapely.STRtree([g for _, g in quarters])

    stock_of: dict[int, list] = defaultdict(list)
    for row in conn.execute(
        text(
            "SELECT building_id, tenure, dwellings, floor_area_m2, start_year, end_year"
            " FROM dwelling_stock"
        )
    ):
        stock_of[row.building_id].append(row)

    cells: dict[str, dict] = {slug: _empty() for slug, _ in quarters}
    for b in conn.execute(
        text(
            "SELECT id, built_year, demolished_year, business_floor_area_m2,"
            " demolished_replaced_by_almen_family AS replaced, ST_AsBinary(anchor) AS anchor"
            " FROM building"
        )
    ):
        anchor = shapely.from_wkb(b.anchor)
        if not boundary.intersects(anchor):
            continue
        hits = tree.query(anchor, predicate="intersects")
        slug = quarters[int(hits.min())][0] if len(hits) else "unassigned"
        cell = cells.setdefault(slug, _empty())
        stock = stock_of.get(b.id, [])
        if _present(b.built_year, b.demolished_year, year):
            for s in stock:
                if _present(s.start_year, s.end_year, year):
                    cell["dwellings"][s.tenure] += s.dwellings
                    cell["floor_area"][s.tenure] += s.floor_area_m2
            cell["business"] += b.business_floor_area_m2
        d = b.demolished_year
        if d is not None and d >= law.DEMOLITION_COUNTED_FROM and d < year:
            held = sum(s.dwellings for s in stock if _present(s.start_year, s.end_year, d))
            cell["demolished"] += max(held - b.replaced, 0)

    total = _empty()
    for cell in cells.values():
        for t in TENURES:
            total["dwellings"][t] += cell["dwellings"][t]
            total["floor_area"][t] += cell["floor_area"][t]
        total["business"] += cell["business"]
        total["demolished"] += cell["demolished"]
    cells["total"] = total
    out = {
        slug: _record(c["dwellings"], c["floor_area"], c["business"], c["demolished"])
        for slug, c in cells.items()
    }
    # The SQL lists "unassigned" only when something there counts.
    if "unassigned" in out and out["unassigned"] == _record({}, {}, 0, 0):
        del out["unassigned"]
    return out


def _empty() -> dict:
    return {
        "dwellings": defaultdict(int),
        "floor_area": defaultdict(float),
        "business": 0.0,
        "demolished": 0,
    }
