"""The bundled criteria data (data/criteria/*.csv): Odense's other almene housing areas,
the national values and the yearly indicator values. Mostly illustrative; each row says so.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import Connection, insert, text

from gis.criteria.importer import import_values
from gis.errors import DataError
from gis.models import SRID
from gis.models.criteria import CriteriaNational

DATA = Path(__file__).resolve().parents[2] / "data" / "criteria"

# An approximate boundary: a rectangle of width × height metres around the given centre.
AREA_SQL = text(
    """
    INSERT INTO area (slug, name, kind, description, data_source, boundary)
    SELECT CAST(:slug AS varchar), :name, :kind, :description, :data_source,
           ST_Multi(ST_Expand(
               ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), CAST(:srid AS integer)),
               :width / 2.0, :height / 2.0))
    WHERE NOT EXISTS (SELECT 1 FROM area WHERE slug = CAST(:slug AS varchar))
    """
)


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        raise DataError(f"No criteria data at {path}.")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_criteria(conn: Connection, directory: Path = DATA) -> dict[str, int]:
    areas = _rows(directory / "areas.csv")
    for a in areas:
        conn.execute(
            AREA_SQL,
            {
                "slug": a["slug"],
                "name": a["name"],
                "kind": a["kind"],
                "description": "Almen housing area in Odense, for the city-wide list monitoring.",
                "data_source": a["data_source"],
                "lon": float(a["lon"]),
                "lat": float(a["lat"]),
                "width": float(a["width_m"]),
                "height": float(a["height_m"]),
                "srid": SRID,
            },
        )
    national = [
        {
            "year": int(r["year"]),
            "convicted": float(r["convicted"]) if r["convicted"] else None,
            "illustrative": r["illustrative"] == "true",
            "data_source": r["data_source"],
        }
        for r in _rows(directory / "national.csv")
    ]
    if national:
        conn.execute(insert(CriteriaNational), national)
    values = import_values(conn, (directory / "values.csv").read_text(encoding="utf-8"))
    _provenance(conn, _rows(directory / "provenance.csv"))
    listings = _rows(directory / "listings.csv")
    for r in listings:
        conn.execute(
            LISTING_SQL,
            {
                "slug": r["area"],
                "year": int(r["year"]),
                "list_key": r["list"],
                "provenance": r["provenance"],
                "source_date": r["source_date"] or None,
                "data_source": r["data_source"],
            },
        )
    return {
        "criteria areas": len(areas),
        "criteria_national": len(national),
        "criteria_value": values,
        "criteria_listing": len(listings),
    }


# Explicitly naming provenance and date, so the import trigger (migration 0015) keeps them.
PROVENANCE_SQL = text(
    """
    UPDATE criteria_value v SET provenance = :provenance, source_date = :source_date
    FROM area a WHERE a.id = v.area_id AND a.slug = :slug AND v.year = :year
    """
)
LISTING_SQL = text(
    """
    INSERT INTO criteria_listing (area_id, year, list_key, provenance, source_date, data_source)
    SELECT a.id, :year, :list_key, :provenance, CAST(:source_date AS date), :data_source
    FROM area a WHERE a.slug = :slug
    """
)


def _provenance(conn: Connection, rows: list[dict]) -> None:
    """The bundled rows' provenance: invented rows are illustrative (no date); every other
    bundled row must be named in provenance.csv, so none is left posing as a fresh import."""
    conn.execute(
        text(
            "UPDATE criteria_value SET provenance = 'illustrative', source_date = NULL"
            " WHERE illustrative"
        )
    )
    for r in rows:
        found = conn.execute(
            PROVENANCE_SQL,
            {
                "slug": r["area"],
                "year": int(r["year"]),
                "provenance": r["provenance"],
                "source_date": dt.date.fromisoformat(r["source_date"]),
            },
        ).rowcount
        if found != 1:
            raise DataError(f"provenance.csv: no criteria values of {r['area']} {r['year']}.")
    left = conn.execute(
        text(
            "SELECT a.slug, v.year FROM criteria_value v JOIN area a ON a.id = v.area_id"
            " WHERE v.provenance = 'import'"
        )
    ).all()
    if left:
        raise DataError(f"Bundled criteria values without provenance: {left}.")
