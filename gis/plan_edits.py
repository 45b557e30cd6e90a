"""Planners' edits of plan data: a building's life (when built, renovated, demolished).

A life is read with its version (`version_tag`, the ETag) and written only against the
version the editor read (`If-Match`), inside a change (`gis.record.begin_change`) opened
before the building is read, so concurrent editors queue on it and none overwrites another
unseen. A write to a scenario other than the adopted plan goes to the scenario's own rows:
the first edit of a building there copies it and its dwellings (the design of migration 0010).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from gis import record
from gis.errors import InvalidParameter, NotFound, PreconditionRequired
from gis.land import confidential
from gis.roles import Reader
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
FLAGS = ("built_decided", "renovation_decided", "demolition_decided")

# building.id is an INTEGER: a larger number names no building, and sent to the server it
# would fail the statement (a 500 for what is simply not found).
MAX_ID = 2**31 - 1

_READ = text(
    f"SELECT id, change_id, {', '.join(LIFE_FIELDS)} FROM building WHERE id = :id"
)  # `building` is the view of the plan version the transaction entered (gis.record.enter)


@dataclass(frozen=True)
class VersionedLife:
    """A building's life as one version of the building: `tag` is its strong ETag."""

    life: dict[str, Any]
    tag: str
    change_id: int | None = None  # the change the tag names (opaque in it, for some readers)


def check_changes(changes: dict[str, Any]) -> None:
    """What can be checked of `changes` alone, before anything is read or written."""
    unknown = set(changes) - set(LIFE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidParameter(name, f"'{name}' is not a field of a building's life.")
    for field in YEAR_ORDER:
        year = changes.get(field)
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidParameter(field, f"{field} must lie in {MIN_YEAR}–{MAX_YEAR}.")
    for flag in FLAGS:
        if flag in changes and changes[flag] is None:
            raise InvalidParameter(flag, f"{flag} is true or false; leave it out to keep it.")


def _check_order(life: dict[str, Any]) -> None:
    known = [(f, life[f]) for f in YEAR_ORDER if life[f] is not None]
    for (a, ya), (b, yb) in zip(known, known[1:], strict=False):
        if ya > yb:
            raise InvalidParameter(b, f"{b} ({yb}) comes before {a} ({ya}).")


def _read(conn: Connection, building_id: int, scenario: str, reader: Reader) -> VersionedLife:
    if not 0 < building_id <= MAX_ID:
        raise NotFound("building", str(building_id))
    row = conn.execute(_READ, {"id": building_id}).mappings().first()
    if row is None:
        raise NotFound("building", str(building_id))
    life = {k: row[k] for k in ("id", *LIFE_FIELDS)}
    change = row["change_id"]
    return VersionedLife(life, confidential.version_tag(conn, change, scenario, reader), change)


def building_life(
    conn: Connection, building_id: int, reader: Reader, scenario: str = record.ADOPTED
) -> VersionedLife:
    """The life of a building in the plan version `conn` answers (`gis.record.enter`), and
    its tag as `reader` reads it (the building's, `gis.land.confidential.version_tag`);
    `scenario` names that version's scenario, for the tag."""
    return _read(conn, building_id, scenario, reader)


def _columns(conn: Connection, table: str) -> str:
    """The table's columns but the two a version table's trigger stamps with the change."""
    return conn.execute(
        text(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
            " WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
            " AND attname NOT IN ('recorded_from', 'change_id')"
        ),
        {"t": f"public.{table}"},
    ).scalar_one()


def _own_in_scenario(conn: Connection, building_id: int, scenario_id: int) -> None:
    """Makes the building the scenario's own, if it is not yet: copies the building as the
    scenario sees it now (its base's version) and all its dwellings into the scenario's rows,
    in one statement, so both are read before either is written (the view of the dwellings
    turns to the scenario's own rows the moment the building is)."""
    buildings, dwellings = _columns(conn, "building"), _columns(conn, "dwelling_stock")
    conn.execute(
        text(
            f"""
            WITH mine AS (
                SELECT NOT EXISTS (
                    SELECT 1 FROM public.building_version
                    WHERE scenario_id = :s AND id = :id AND recorded_to = 'infinity')
                AS needed
            ), dwellings AS (
                INSERT INTO public.dwelling_stock_version (scenario_id, {dwellings})
                SELECT :s, {dwellings} FROM plan_view.dwelling_stock
                WHERE building_id = :id AND (SELECT needed FROM mine)
            )
            INSERT INTO public.building_version (scenario_id, {buildings})
            SELECT :s, {buildings} FROM plan_view.building
            WHERE id = :id AND (SELECT needed FROM mine)
            """
        ),
        {"s": scenario_id, "id": building_id},
    )


def update_building_life(
    conn: Connection,
    building_id: int,
    changes: dict[str, Any],
    *,
    if_match: str | None,
    reader: Reader,
    note: str | None = None,
    scenario: str = record.ADOPTED,
) -> VersionedLife:
    """Applies `changes` (a subset of LIFE_FIELDS) to the building's life in `scenario`, if
    the building is still at the version `if_match` names, and returns the new version.

    Checked before any I/O: the fields, their ranges, the id and that `if_match` is there
    (else PreconditionRequired). Then the change is opened first, so this write waits for
    every writer before it and reads what they committed; a stale `if_match` is then
    PreconditionFailed and years out of order InvalidParameter, with nothing written.
    `conn` must be in a transaction of its own (its plan view is set for the rest of it).
    """
    check_changes(changes)
    if not 0 < building_id <= MAX_ID:
        raise NotFound("building", str(building_id))
    if if_match is None or not if_match.strip():
        raise PreconditionRequired()
    adopted = scenario == record.ADOPTED
    sid = record.ADOPTED_ID if adopted else record.scenario_id(conn, scenario)
    if changes:
        record.begin_change(
            conn,
            actor=reader.name or reader.role.value,
            role=reader.role.value,
            kind="edit",
            note=note,
            scenario_id=sid,
        )
    record.enter(conn, record.PlanView(scenario))
    current = _read(conn, building_id, scenario, reader)
    confidential.check_version(conn, if_match, current.change_id, scenario, reader)
    life = {**current.life, **changes}
    _check_order(life)
    if not changes:
        return current
    sets = ", ".join(f"{f} = :{f}" for f in changes)
    if adopted:
        update = f"UPDATE public.building SET {sets} WHERE id = :id"
    else:
        _own_in_scenario(conn, building_id, sid)
        update = (
            f"UPDATE public.building_version SET {sets}"
            " WHERE scenario_id = :s AND id = :id AND recorded_to = 'infinity'"
        )
    changed = conn.execute(
        text(update + " RETURNING change_id"), {**changes, "id": building_id, "s": sid}
    ).scalar()
    if changed is None:
        # The values it already had: the row is left as it was (by its trigger), and so is
        # its version, unless this change has just made it the scenario's own.
        return _read(conn, building_id, scenario, reader)
    return VersionedLife(life, confidential.version_tag(conn, changed, scenario, reader), changed)
