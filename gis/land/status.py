"""A parcel's sale status: reading it with its version, changing it (with its history, in the
caller's transaction) and reading that history.

A change names the status it expects to leave (`from_status`) and may name the version of
the plot it was read from (`If-Match`, the parcel's ETag). It opens a change of the plan
record first (`gis.record.begin_change`), which queues it behind every other writer, so it
is checked against what they committed and its history row takes the change's time: the
history, in time order, is the order the changes were committed in, and each entry leaves
the status the one before it set.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from gis import record
from gis.errors import InvalidParameter, NotFound, PreconditionFailed
from gis.land.confidential import (
    check_parties_in_sale,
    check_public_owner,
    may_read,
    status_history_fields,
)
from gis.land.keys import resolve_parcel
from gis.models.land import SALE_STATUSES
from gis.roles import Reader

# `parcel` and `parcel_land` are the plan version the transaction entered (gis.record.enter);
# the parcel's change_id moves with its land data too (a trigger of migration 0010). The
# version is as the statement's role may see it: a reader who may not read sale data reads
# `parcel` through a view with an opaque tag (migrations 0026, 0032), not the change's place
# in the sequence of changes, which would bound the time of the status change; the company
# and writers read the table, the id.
_CURRENT = text(
    """
    SELECT l.sale_status, p.change_id
    FROM parcel p JOIN parcel_land l ON l.parcel_id = p.id
    WHERE p.id = :id
    """
)
_SET = text("UPDATE parcel_land SET sale_status = :to WHERE parcel_id = :id")
_RECORD = text(
    """
    INSERT INTO sale_status_change
        (parcel_id, changed_at, actor, from_status, to_status, note, change_id)
    VALUES (:id, :at, :actor, :from_status, :to, :note, :change_id)
    RETURNING changed_at
    """
)
# (changed_at, id): changed_at is the change's recorded time, in commit order; id only
# orders rows that share a time (rows loaded with the reference data).
_HISTORY = text(
    """
    SELECT changed_at, from_status, to_status, actor, note
    FROM sale_status_change WHERE parcel_id = :id
    ORDER BY changed_at, id
    """
)


def _known(field: str, status: str) -> None:
    if status not in SALE_STATUSES:
        raise InvalidParameter(
            field, f"Unknown sale status '{status}'; one of: {', '.join(SALE_STATUSES)}."
        )


def current_status(conn: Connection, parcel_key: str, scenario: str = record.ADOPTED) -> dict:
    """The parcel's sale status in the plan version `conn` answers, and the plot's ETag."""
    parcel_id = resolve_parcel(conn, parcel_key)
    row = conn.execute(_CURRENT, {"id": parcel_id}).first()
    if row is None:
        raise NotFound("land record of parcel", parcel_key)
    return {
        "parcel": parcel_key,
        "parcel_id": parcel_id,
        "sale_status": row.sale_status,
        "etag": record.version_tag(row.change_id, scenario),
    }


def change_sale_status(
    conn: Connection,
    parcel_key: str,
    to_status: str,
    *,
    from_status: str,
    actor: str,
    role: str | None = None,
    note: str | None = None,
    if_match: str | None = None,
) -> dict:
    """Sets the parcel's sale status from `from_status` to `to_status` and records who
    changed it, when, from what, to what and why, on `conn` (committed or rolled back
    together), in the adopted plan.

    Refused before any I/O (`InvalidParameter`): an unknown status, or `to_status` equal to
    `from_status`. Refused with nothing written (`PreconditionFailed`, carrying the plot's
    ETag now): a parcel whose status is not `from_status`, or whose version is not the one
    `if_match` names, when it names one.
    """
    _known("from_status", from_status)
    _known("to_status", to_status)
    if to_status == from_status:
        raise InvalidParameter(
            "to_status", f"to_status is from_status ('{to_status}'): nothing to change."
        )
    if not actor:
        raise InvalidParameter("actor", "A status change needs an actor.")
    change = record.begin_change(conn, actor=actor, role=role, kind="edit", note=note)
    parcel_id = resolve_parcel(conn, parcel_key)
    row = conn.execute(_CURRENT, {"id": parcel_id}).first()
    if row is None:
        raise NotFound("land record of parcel", parcel_key)
    tag = record.version_tag(row.change_id)
    if if_match is not None:
        # The public read the plot's version opaque (migration 0026): either tag names it.
        record.check_if_match(if_match, tag, record.masked_tag(conn, row.change_id))
    if row.sale_status != from_status:
        raise PreconditionFailed(
            f"Parcel '{parcel_key}' is '{row.sale_status}' now, not '{from_status}': someone "
            "changed it since you read it. Read it again and decide from what is there now.",
            tag,
        )
    conn.execute(_SET, {"id": parcel_id, "to": to_status})
    # Leaving `sold` makes the buyer confidential again: the owner may not name them.
    check_public_owner(conn, [parcel_id])
    # Its parties stay with a sale: leaving one (an option lapsed) clears them first.
    check_parties_in_sale(conn, [parcel_id])
    changed_at = conn.execute(
        _RECORD,
        {
            "id": parcel_id,
            "at": change.recorded_at,
            "actor": actor,
            "from_status": from_status,
            "to": to_status,
            "note": note,
            "change_id": change.id,
        },
    ).scalar_one()
    return {
        "parcel": parcel_key,
        "parcel_id": parcel_id,
        "from_status": from_status,
        "to_status": to_status,
        "changed_at": changed_at,
        "actor": actor,
        "note": note,
        "change_id": change.id,
        # The land data's update made the parcel's version this change (its trigger).
        "etag": record.version_tag(change.id),
    }


# The same as anyone may see it (migration 0014's view: the year of each change, no time).
_PUBLIC_HISTORY = text(
    """
    SELECT changed_year, from_status, to_status
    FROM sale_status_history WHERE parcel_id = :id
    ORDER BY seq
    """
)


def status_history(conn: Connection, parcel_key: str, reader: Reader) -> list[dict]:
    """Every change of the parcel's sale status, in the order the changes were committed, as
    `reader` may see it (`gis.land.confidential`): the public's from the database's public
    view of it, which has no time to give away."""
    parcel_id = resolve_parcel(conn, parcel_key)
    fields = status_history_fields(reader)
    query = _HISTORY if may_read(reader) else _PUBLIC_HISTORY
    return [{k: r[k] for k in fields} for r in conn.execute(query, {"id": parcel_id}).mappings()]
