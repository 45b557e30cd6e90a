"""Indicator values the platform derives itself rather than stores: delprogram 1's legal
share of almene family dwellings, from the plan's map data by the same function as
`GET /areas/{area}/tenure-mix` (`gis.tenure`), so the program can never disagree with it.

The program's years are ends of years; the tenure mix is the state as of 1 January. The
value of year Y is therefore the share on 1 January Y + 1 (the law's "1 January 2030" is the
target of 2029).
"""

from __future__ import annotations

from sqlalchemy import Connection

from gis import tenure
from gis.errors import NotFound

LEGAL_SHARE = "almene_familieboliger_andel"
AREA = "vollsmose"
FIRST_YEAR, LAST_YEAR = 2019, 2030


def legal_share_values(conn: Connection) -> list[dict]:
    """The legal share at the end of each year, in %; none where the area is not stored."""
    try:
        tr = tenure.trajectory(conn, AREA, FIRST_YEAR + 1, LAST_YEAR + 1)
    except NotFound:
        return []
    return [
        {
            "year": y.year - 1,
            "value": round(y.total.legal_share * 100, 2),
            "suppressed": False,
            "provenance": "plan",
            "source": f"Platformens kortdata: andelen pr. 1. januar {y.year} (som "
            "/areas/vollsmose/tenure-mix; kortets geometri er omtrentlig)",
            "source_date": None,
        }
        for y in tr.years
        if y.total.legal_share is not None
    ]


DERIVED = {LEGAL_SHARE: legal_share_values}
