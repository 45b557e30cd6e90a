"""The area criteria and list status, as the report and the monitoring page show them.

They show `gis.criteria.evaluate`'s answer (per year: status, criteria met, reasons), or
say why there is none; never an invented status.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gis.criteria import evaluate
from gis.errors import DomainError


@dataclass(frozen=True)
class CriteriaStatus:
    years: list[dict]
    unavailable: str | None = None


def criteria_status(conn: Connection, area: str, first: int, last: int) -> CriteriaStatus:
    try:
        years = evaluate(conn, area, first, last)
    except DomainError as exc:
        return CriteriaStatus([], f"Områdekriterierne kan ikke beregnes: {exc.detail}")
    if all(y["values"] is None for y in years):
        return CriteriaStatus([], "Der er ingen indikatorværdier for området i perioden.")
    return CriteriaStatus(list(years))
