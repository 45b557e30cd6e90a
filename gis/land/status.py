"""A parcel's sale status: changing it (with its history, in the caller's transaction) and
reading that history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, RowMapping, text

from gis.errors import InvalidParameter, NotFound
from gis.land.keys import resolve_parcel
from gis.models.land import SALE_STATUSES

_CURRENT = text("SELECT sale_status FROM parcel_land WHERE parcel_id = :id FOR UPDATE")
_SET = text("UPDATE parcel_land SET sale_status = :to WHERE parcel_id = :id")
_RECORD = text(
    """
    INSERT INTO sale_status_change (parcel_id, actor, from_status, to_status, note)
    VALUES (:id, :actor, :from_status, :to, :note)
    RETURNING changed_at
    """
)
_HISTORY = text(
    """
    SELECT changed_at, from_status, to_status, actor, note
    FROM sale_status_change WHERE parcel_id = :id
    ORDER BY changed_at, id
    """
)


def change_sale_status(
    conn: Connection, parcel_key: str, to_status: str, actor: str, *, note: str | None = None
) -> dict:
    """Sets the parcel's sale status and records who changed it, from what, to what and why.

    Both happen on `conn`, so they are committed or rolled back together. An unknown status,
    or one the parcel already has, is refused (`InvalidParameter` on `to_status`).
    """
    if to_status not in SALE_STATUSES:
        raise InvalidParameter(
            "to_status", f"Unknown sale status '{to_status}'; one of: {', '.join(SALE_STATUSES)}."
        )
    if not actor:
        raise InvalidParameter("actor", "A status change needs an actor.")
    parcel_id = resolve_parcel(conn, parcel_key)
    current = conn.execute(_CURRENT, {"id": parcel_id}).scalar()
    if current is None:
        raise NotFound("land record of parcel", parcel_key)
    if current == to_status:
        raise InvalidParameter(
            "to_status", f"Parcel '{parcel_key}' is already '{to_status}': nothing to change."
        )
    conn.execute(_SET, {"id": parcel_id, "to": to_status})
    changed_at = conn.execute(
        _RECORD,
        {"id": parcel_id, "actor": actor, "from_status": current, "to": to_status, "note": note},
    ).scalar_one()
    return {
        "parcel": parcel_key,
        "parcel_id": parcel_id,
        "from_status": current,
        "to_status": to_status,
        "changed_at": changed_at.isoformat(),
        "actor": actor,
        "note": note,
    }


def status_history(conn: Connection, parcel_key: str) -> Sequence[RowMapping]:
    """Every change of the parcel's sale status, oldest first."""
    parcel_id = resolve_parcel(conn, parcel_key)
    return conn.execute(_HISTORY, {"id": parcel_id}).mappings().all()
