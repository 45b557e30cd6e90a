"""How a user names a parcel: the company's plot label ("12"), or its matrikel key
("{ejerlavskode}-{matrikelnummer}", e.g. "2000454-7a")."""

from __future__ import annotations

from sqlalchemy import Connection, text

from gis.errors import NotFound

_RESOLVE = text(
    """
    SELECT p.id FROM parcel p LEFT JOIN parcel_land l ON l.parcel_id = p.id
    WHERE l.plot_label = :key
       OR p.ejerlavskode::text || '-' || p.matrikelnummer = :key
    ORDER BY (l.plot_label = :key) IS TRUE DESC
    LIMIT 1
    """
)


def resolve_parcel(conn: Connection, key: str) -> int:
    """The parcel's id; a plot label wins over a matrikel key that happens to read the same."""
    parcel_id = conn.execute(_RESOLVE, {"key": key.strip()}).scalar()
    if parcel_id is None:
        raise NotFound("parcel", key)
    return parcel_id
