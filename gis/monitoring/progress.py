"""Progress against the plan: per plan item, planned to date against done to date.

"To date" is the state of 1 January of the year asked for, the platform's one rule: a target,
a recorded actual or a map event dated year E counts from E+1. Items with a `derive` rule are
counted from the map data (one statement, `sql/progress.sql`); the others by their recorded
actuals. Where an item has both and they differ, the map's figure is taken and the difference
is reported as a conflict, never resolved silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from sqlalchemy import Connection, text

from gis.areas import AreaInfo, get_area
from gis.monitoring.disclosure import shown_total
from gis.tenure import check_year

# How far apart two figures may be and still count as equal (quantities are stored as float).
TOLERANCE = 1e-6
STATUSES = ("not_due", "on_plan", "ahead", "behind")


@dataclass(frozen=True)
class Conflict:
    key: str
    title: str
    derived: float
    recorded: float


@dataclass(frozen=True)
class ItemProgress:
    key: str
    kind: str
    title: str
    department: str | None
    organisation: str | None
    start_year: int
    end_year: int
    planned_quantity: float
    unit: str
    decided: bool
    derive: str | None
    source: str | None
    planned_to_date: float
    done_to_date: float | None
    # Where `done_to_date` comes from: "map" (derived), "recorded", or None (nothing known).
    done_from: str | None
    derived_to_date: float | None
    recorded_to_date: float | None

    @property
    def conflict(self) -> Conflict | None:
        if self.derived_to_date is None or self.recorded_to_date is None:
            return None
        if abs(self.derived_to_date - self.recorded_to_date) <= TOLERANCE:
            return None
        return Conflict(self.key, self.title, self.derived_to_date, self.recorded_to_date)

    @property
    def difference(self) -> float:
        return (self.done_to_date or 0.0) - self.planned_to_date

    @property
    def status(self) -> str:
        done = self.done_to_date or 0.0
        if self.planned_to_date <= TOLERANCE and done <= TOLERANCE:
            return "not_due"
        if abs(self.difference) <= TOLERANCE:
            return "on_plan"
        return "ahead" if self.difference > 0 else "behind"


@dataclass(frozen=True)
class Progress:
    area: AreaInfo
    year: int
    items: list[ItemProgress] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Conflict]:
        return [c for c in (i.conflict for i in self.items) if c is not None]

    def item(self, key: str) -> ItemProgress:
        return next(i for i in self.items if i.key == key)


@cache
def _statement():
    return text(files("gis.monitoring").joinpath("sql/progress.sql").read_text())


def _item(row) -> ItemProgress:
    # Running totals of people are rounded (gis.monitoring.disclosure): a year's small count
    # must not come back as the difference of two years' totals.
    derived = shown_total(row.derived_to_date, row.unit)
    recorded = shown_total(row.recorded_to_date, row.unit)
    if derived is not None:
        done, source = derived, "map"
    elif recorded is not None:
        done, source = recorded, "recorded"
    else:
        done, source = None, None
    return ItemProgress(
        key=row.key,
        kind=row.kind,
        title=row.title,
        department=row.department,
        organisation=row.organisation,
        start_year=row.start_year,
        end_year=row.end_year,
        planned_quantity=row.planned_quantity,
        unit=row.unit,
        decided=row.decided,
        derive=row.derive,
        source=row.source,
        planned_to_date=row.planned_to_date,
        done_to_date=done,
        done_from=source,
        derived_to_date=derived,
        recorded_to_date=recorded,
    )


def progress(conn: Connection, area: str, year: int) -> Progress:
    """Every plan item of `area` in the state of 1 January `year`."""
    check_year(year)
    info = get_area(conn, area)
    rows = conn.execute(_statement(), {"area": info.slug, "year": year}).all()
    return Progress(info, year, [_item(r) for r in rows])
