"""The annual status of an area: what the monitoring page and the status report show.

Gathered once here so the page and the report cannot tell different stories: progress per
plan item, the per-department table, rehousing per organisation, the summary of what is
behind, the legal-share trajectory and the criteria (when available).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from gis import law, tenure
from gis.monitoring.criteria import CriteriaStatus, criteria_status
from gis.monitoring.progress import ItemProgress, Progress, progress
from gis.monitoring.rehousing import rehousing, replacement
from gis.monitoring.schedule import ItemSchedule, schedule
from gis.monitoring.summary import summary

FIRST_YEAR, LAST_YEAR = 2020, 2030
INFRASTRUCTURE = ("bygade", "sivegade", "letbane_decision", "letbane_construction")
# The criteria shown: every list year since the first list (2010), through the plan.
CRITERIA_FROM = 2010


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    organisation: str | None
    demolition: ItemProgress | None
    renovation: ItemProgress | None


@dataclass(frozen=True)
class AnnualStatus:
    progress: Progress
    departments: list[DepartmentRow]
    rehousing: list[ItemProgress]
    rehousing_years: list[ItemSchedule]
    new_building: list[ItemProgress]
    infrastructure: list[ItemProgress]
    summary: list[str]
    trajectory: tenure.Trajectory
    criteria: CriteriaStatus
    # The law's 40 % and the plan's 38.4 %: gap and first year met (gis.law.target_status).
    targets: list[dict]
    # Keys of the items whose recorded actuals include invented ones (marked where shown).
    illustrative_items: frozenset[str] = frozenset()
    # Rehousing across Odense and the replacement dwellings (gis.monitoring.rehousing).
    odense_rehousing: dict | None = None
    replacement: dict | None = None

    @property
    def year(self) -> int:
        return self.progress.year

    @property
    def area(self):
        return self.progress.area


def departments(p: Progress) -> list[DepartmentRow]:
    names: list[str] = []
    for i in p.items:
        if i.kind in ("demolition", "renovation") and i.department and i.department not in names:
            names.append(i.department)

    def find(kind: str, dep: str) -> ItemProgress | None:
        return next((i for i in p.items if i.kind == kind and i.department == dep), None)

    rows = []
    for dep in sorted(names):
        demolition, renovation = find("demolition", dep), find("renovation", dep)
        owner = (demolition or renovation).organisation if (demolition or renovation) else None
        rows.append(DepartmentRow(dep, owner, demolition, renovation))
    return rows


# The bundled actuals say so in their note (data/monitoring/actuals.csv: "ILLUSTRATIVE: ...").
ILLUSTRATIVE_SQL = text(
    """
    SELECT DISTINCT i.key FROM plan_actual a JOIN plan_item i ON i.id = a.item_id
    JOIN area ar ON ar.id = i.area_id
    WHERE ar.slug = :area AND a.note ILIKE 'illustrative%'
    """
)


def illustrative_items(conn: Connection, area: str) -> frozenset[str]:
    """Keys of the area's items whose recorded actuals include invented ones."""
    return frozenset(conn.execute(ILLUSTRATIVE_SQL, {"area": area}).scalars())


def share_trajectory(conn: Connection, area: str) -> tenure.Trajectory:
    # Two years past the deadline, so the year of the deadline is not the chart's edge.
    return tenure.trajectory(conn, area, FIRST_YEAR, max(LAST_YEAR, law.DEADLINE_YEAR) + 2)


def share_targets(trajectory: tenure.Trajectory, year: int) -> list[dict]:
    points = [(y.year, y.total.legal_share) for y in trajectory.years]
    return law.target_status(points, year)


def annual_status(conn: Connection, area: str, year: int) -> AnnualStatus:
    p = progress(conn, area, year)
    trajectory = share_trajectory(conn, p.area.slug)
    return AnnualStatus(
        progress=p,
        departments=departments(p),
        rehousing=[i for i in p.items if i.kind == "rehousing"],
        rehousing_years=schedule(conn, p.area.slug, ("rehousing",)),
        new_building=[i for i in p.items if i.kind == "new_building"],
        infrastructure=[i for i in p.items if i.kind in INFRASTRUCTURE],
        summary=summary(p),
        trajectory=trajectory,
        targets=share_targets(trajectory, year),
        illustrative_items=illustrative_items(conn, p.area.slug),
        odense_rehousing=rehousing(conn, p.area.slug),
        replacement=replacement(conn, p.area.slug, year, p),
        criteria=criteria_status(
            conn, p.area.slug, min(CRITERIA_FROM, year), min(max(year, CRITERIA_FROM), LAST_YEAR)
        ),
    )
