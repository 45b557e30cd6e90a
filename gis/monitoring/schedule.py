"""The plan's yearly schedule: each item's targets and recorded actuals year by year.

What the Gantt view and the rehousing table show; progress to date is `progress`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, select

from gis.areas import get_area
from gis.models.monitoring import PlanActual, PlanItem, PlanTarget
from gis.monitoring.disclosure import shown_count


@dataclass(frozen=True)
class YearFigures:
    year: int
    target: float
    # None when nothing is recorded, or when it is a count of people under the threshold
    # (`suppressed`, gis.monitoring.disclosure).
    recorded: float | None
    suppressed: bool = False


@dataclass(frozen=True)
class ItemSchedule:
    key: str
    kind: str
    title: str
    organisation: str | None
    department: str | None
    unit: str
    decided: bool
    start_year: int
    end_year: int
    years: list[YearFigures]


def _figures(year: int, target: float, recorded: float | None, unit: str) -> YearFigures:
    shown = shown_count(recorded, unit)
    return YearFigures(year, target, shown, suppressed=recorded is not None and shown is None)


def schedule(
    conn: Connection, area: str, kinds: tuple[str, ...] | None = None
) -> list[ItemSchedule]:
    """Every item of `area` (or of `kinds`), with its targets and actuals per year."""
    info = get_area(conn, area)
    query = select(PlanItem).where(PlanItem.area_id == info.id)
    if kinds:
        query = query.where(PlanItem.kind.in_(kinds))
    items = conn.execute(query.order_by(PlanItem.start_year, PlanItem.end_year, PlanItem.id)).all()
    ids = [i.id for i in items]
    targets: dict[int, dict[int, float]] = defaultdict(dict)
    for item_id, year, quantity in conn.execute(
        select(PlanTarget.item_id, PlanTarget.year, PlanTarget.quantity).where(
            PlanTarget.item_id.in_(ids)
        )
    ):
        targets[item_id][year] = quantity
    actuals: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for item_id, year, quantity in conn.execute(
        select(PlanActual.item_id, PlanActual.year, PlanActual.quantity).where(
            PlanActual.item_id.in_(ids)
        )
    ):
        actuals[item_id][year] += quantity
    out = []
    for i in items:
        years = sorted(set(targets[i.id]) | set(actuals[i.id]) | {i.start_year, i.end_year})
        got, planned = actuals[i.id], targets[i.id]
        figures = [_figures(y, planned.get(y, 0.0), got.get(y), i.unit) for y in years]
        out.append(
            ItemSchedule(
                i.key,
                i.kind,
                i.title,
                i.organisation,
                i.department,
                i.unit,
                i.decided,
                i.start_year,
                i.end_year,
                figures,
            )
        )
    return out
