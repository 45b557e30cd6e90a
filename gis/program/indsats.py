"""Recording an indsats's status, years and note (planners): the plan gives decided or not,
the follow-up "at least once a year" gives how each is going."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from gis.errors import InvalidParameter, NotFound
from gis.models.program import INDSATS_STATUSES, Delprogram, Indsats

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_NOTE = 2000
FIELDS = ("status", "start_year", "end_year", "note")


def check(changes: dict) -> None:
    """Every value of `changes` within what its column holds, before any I/O."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise InvalidParameter(sorted(unknown)[0], "Not a field of an indsats one may set.")
    if "status" in changes and changes["status"] not in INDSATS_STATUSES:
        raise InvalidParameter("status", f"One of {', '.join(INDSATS_STATUSES)}.")
    for f in ("start_year", "end_year"):
        y = changes.get(f)
        if y is not None and not FIRST_YEAR <= y <= LAST_YEAR:
            raise InvalidParameter(f, f"A year {FIRST_YEAR}–{LAST_YEAR}.")
    note = changes.get("note")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidParameter("note", f"At most {MAX_NOTE} characters.")


def update_indsats(conn: Connection, slug: str, position: int, changes: dict) -> dict:
    """Sets the given fields of the delprogram's indsats number `position` (as listed, from
    1); years set so are a planner's, no longer illustrative. Returns the indsats."""
    check(changes)
    row = conn.execute(
        select(Indsats.id, Indsats.start_year, Indsats.end_year)
        .join(Delprogram, Delprogram.id == Indsats.delprogram_id)
        .where(Delprogram.slug == slug, Indsats.position == position)
        .with_for_update(of=Indsats)
    ).first()
    if row is None:
        raise NotFound("indsats", f"{slug}/{position}")
    start = changes.get("start_year", row.start_year)
    end = changes.get("end_year", row.end_year)
    if start is not None and end is not None and start > end:
        raise InvalidParameter("end_year", "The end year comes before the start year.")
    values = dict(changes)
    if "start_year" in changes or "end_year" in changes:
        values["years_illustrative"] = False
    if values:
        conn.execute(update(Indsats).where(Indsats.id == row.id).values(**values))
    out = conn.execute(select(*Indsats.__table__.c).where(Indsats.id == row.id)).first()
    return {
        "number": out.position,
        "name": out.name,
        "decided": out.decided,
        "committee": out.committee,
        "start_year": out.start_year,
        "end_year": out.end_year,
        "years_illustrative": out.years_illustrative,
        "status": out.status,
        "note": out.note,
    }
