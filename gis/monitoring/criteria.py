"""The area criteria and list status, as the report and the monitoring page show them.

They show `gis.criteria.evaluate`'s answer (per year: status, criteria met, reasons), or
say why there is none; never an invented status.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gis.criteria import evaluate
from gis.criteria.labels import PROVENANCE_DA
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


def origin_da(year: dict) -> str:
    """Where a year's status comes from, in Danish: its figures' provenance and date, or,
    without figures, the source that states the published list."""
    listing = year.get("listing")
    p = listing["provenance"] if listing and year.get("values") is None else year["provenance"]
    text = PROVENANCE_DA.get(p["kind"], p["kind"])
    if listing and year.get("values") is None:
        text = f"{PROVENANCE_DA['plan']}: på listen (ingen indikatorværdier)"
    if p.get("date"):
        text += f", pr. {p['date']}"
    national = (year.get("provenance") or {}).get("national")
    if national and national["illustrative"] and p["kind"] != "illustrative":
        text += "; landsværdien er illustrativ"
    return text
