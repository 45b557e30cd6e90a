"""Loading the reference dataset's land data (data/land/*.csv, ILLUSTRATIVE; built by
data/kort/land.py) for the parcels the reference loader has just stored.

Rows name their parcel by matrikel (ejerlavskode, matrikelnummer); a row naming a parcel
that is not there is a `DataError`, so the land data cannot drift from the layout unnoticed.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, insert

from gis.errors import DataError
from gis.land.confidential import check_reference
from gis.models.land import ParcelLand, ParcelSale, SaleStatusChange

INTS = {"ejerlavskode", "sale_year", "expected_dwellings"}
FLOATS = {"building_right_m2", "plot_ratio", "expected_business_m2", "price_dkk"}
DATES = {"offered_date", "option_date", "option_expires", "sold_date"}


def default_land_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "land"


def _value(name: str, text: str):
    if text == "":
        return [] if name == "constraints" else None
    if name in INTS:
        return int(text)
    if name in FLOATS:
        return float(text)
    if name in DATES:
        return date.fromisoformat(text)
    if name == "changed_at":
        return datetime.fromisoformat(text)
    if name == "constraints":
        return text.split(";")
    return text


def _rows(path: Path, parcel_ids: dict[tuple[int, str], int]) -> list[dict]:
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for raw in csv.DictReader(f):
            row = {k: _value(k, v) for k, v in raw.items()}
            key = (row.pop("ejerlavskode"), row.pop("matrikelnummer"))
            if key not in parcel_ids:
                raise DataError(f"{path.name} names parcel {key[0]} {key[1]}, which is not loaded.")
            row["parcel_id"] = parcel_ids[key]
            out.append(row)
    return out


def load_land(
    conn: Connection, parcel_ids: dict[tuple[int, str], int], folder: Path | None = None
) -> dict[str, int]:
    """Inserts the land rows of the parcels in `parcel_ids` ((ejerlavskode, matrikelnummer)
    -> id); returns the number of rows per table."""
    folder = folder or default_land_path()
    counts = {}
    for table in (ParcelLand.__table__, ParcelSale.__table__, SaleStatusChange.__table__):
        path = folder / f"{table.name}.csv"
        if not path.exists():
            raise DataError(f"No land data at {path}.")
        rows = _rows(path, parcel_ids)
        if rows:
            conn.execute(insert(table), rows)
        counts[table.name] = len(rows)
    check_reference(conn)  # the bundled data is published: no owner names a secret buyer
    return counts
