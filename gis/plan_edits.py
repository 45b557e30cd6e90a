"""Planners' edits of plan data: a building's life (when built, renovated, demolished)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from gis.errors import InvalidParameter, NotFound
from gis.models.plan import Building
from gis.state import MAX_YEAR, MIN_YEAR

LIFE_FIELDS = (
    "built_year",
    "built_decided",
    "renovation_start_year",
    "renovation_end_year",
    "renovation_decided",
    "demolished_year",
    "demolition_decided",
)
# The order a building's years must keep (each may be unknown).
YEAR_ORDER = ("built_year", "renovation_start_year", "renovation_end_year", "demolished_year")


# No building id lies beyond a bigint, the most the driver can send: a larger number names
# no building (sent, it would fail the statement, a 500 for what is simply not found).
MAX_ID = 2**63 - 1


def building_life(conn: Connection, building_id: int) -> dict[str, Any]:
    if not 0 < building_id <= MAX_ID:
        raise NotFound("building", str(building_id))
    row = conn.execute(
        select(Building.id, *(getattr(Building, f) for f in LIFE_FIELDS)).where(
            Building.id == building_id
        )
    ).first()
    if row is None:
        raise NotFound("building", str(building_id))
    return dict(row._mapping)


def update_building_life(
    conn: Connection, building_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply `changes` (a subset of LIFE_FIELDS) after checking the years stay in order."""
    unknown = set(changes) - set(LIFE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidParameter(name, f"'{name}' is not a field of a building's life.")
    life = {**building_life(conn, building_id), **changes}
    for field in YEAR_ORDER:
        year = life[field]
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidParameter(field, f"{field} must lie in {MIN_YEAR}–{MAX_YEAR}.")
    known = [(f, life[f]) for f in YEAR_ORDER if life[f] is not None]
    for (a, ya), (b, yb) in zip(known, known[1:], strict=False):
        if ya > yb:
            raise InvalidParameter(b, f"{b} ({yb}) comes before {a} ({ya}).")
    if changes:
        conn.execute(update(Building).where(Building.id == building_id).values(**changes))
    return life
