"""The area criteria and list status, when the criteria part of the platform is present.

`gis.criteria.evaluate` belongs to the criteria part (issue 6, a separate module); the report
and the monitoring page show its answer, or say that criteria are not available, never an
invented status.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gis.errors import DomainError


@dataclass(frozen=True)
class CriteriaStatus:
    years: list[dict]
    unavailable: str | None = None


def criteria_status(conn: Connection, area: str, first: int, last: int) -> CriteriaStatus:
    try:
        from gis.criteria import evaluate
    except ImportError:
        return CriteriaStatus([], "Områdekriterierne er ikke tilgængelige i denne installation.")
    try:
        years = evaluate(conn, area, first, last)
    except DomainError as exc:
        return CriteriaStatus([], f"Områdekriterierne kan ikke beregnes: {exc.detail}")
    if not years:
        return CriteriaStatus([], "Der er ingen indikatorværdier for området i perioden.")
    return CriteriaStatus(list(years))
