"""Looking up areas and their quarter sets."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from gis.errors import NotFound
from gis.models import Area, Quarter, QuarterSet


@dataclass(frozen=True)
class QuarterSetInfo:
    id: int
    slug: str
    name: str
    description: str | None
    quarters: int


@dataclass(frozen=True)
class AreaInfo:
    id: int
    slug: str
    name: str
    kind: str
    description: str | None
    data_source: str | None
    area_m2: float
    bbox_25832: tuple[float, float, float, float]
    quarter_sets: tuple[QuarterSetInfo, ...]


def _area_query():
    return select(
        Area.id,
        Area.slug,
        Area.name,
        Area.kind,
        Area.description,
        Area.data_source,
        func.ST_Area(Area.boundary).label("area_m2"),
        func.ST_XMin(Area.boundary).label("xmin"),
        func.ST_YMin(Area.boundary).label("ymin"),
        func.ST_XMax(Area.boundary).label("xmax"),
        func.ST_YMax(Area.boundary).label("ymax"),
    ).order_by(Area.id)


def _quarter_sets(conn: Connection, area_ids: list[int]) -> dict[int, list[QuarterSetInfo]]:
    rows = conn.execute(
        select(
            QuarterSet.area_id,
            QuarterSet.id,
            QuarterSet.slug,
            QuarterSet.name,
            QuarterSet.description,
            func.count(Quarter.id).label("quarters"),
        )
        .outerjoin(Quarter, Quarter.quarter_set_id == QuarterSet.id)
        .where(QuarterSet.area_id.in_(area_ids))
        .group_by(QuarterSet.id)
        .order_by(QuarterSet.id)
    )
    by_area: dict[int, list[QuarterSetInfo]] = {}
    for r in rows:
        by_area.setdefault(r.area_id, []).append(
            QuarterSetInfo(r.id, r.slug, r.name, r.description, r.quarters)
        )
    return by_area


def _info(row, sets: list[QuarterSetInfo]) -> AreaInfo:
    return AreaInfo(
        id=row.id,
        slug=row.slug,
        name=row.name,
        kind=row.kind,
        description=row.description,
        data_source=row.data_source,
        area_m2=row.area_m2,
        bbox_25832=(row.xmin, row.ymin, row.xmax, row.ymax),
        quarter_sets=tuple(sets),
    )


def list_areas(conn: Connection) -> list[AreaInfo]:
    rows = conn.execute(_area_query()).all()
    sets = _quarter_sets(conn, [r.id for r in rows])
    return [_info(r, sets.get(r.id, [])) for r in rows]


def get_area(conn: Connection, slug: str) -> AreaInfo:
    row = conn.execute(_area_query().where(Area.slug == slug)).one_or_none()
    if row is None:
        raise NotFound("area", slug)
    return _info(row, _quarter_sets(conn, [row.id]).get(row.id, []))


def get_quarter_set(area: AreaInfo, slug: str | None) -> QuarterSetInfo | None:
    """The named quarter set of the area; without a name, the area's first, if any."""
    if slug is None:
        return area.quarter_sets[0] if area.quarter_sets else None
    for qs in area.quarter_sets:
        if qs.slug == slug:
            return qs
    raise NotFound(f"quarter set in area '{area.slug}'", slug)
