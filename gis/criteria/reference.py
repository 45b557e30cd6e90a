"""The bundled criteria data (data/criteria/*.csv): Odense's other almene housing areas,
the national values and the yearly indicator values. Mostly illustrative; each row says so.
"""

from __future__ import annotations

import csv
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
    return {
        "criteria areas": len(areas),
        "criteria_national": len(national),
        "criteria_value": values,
    }
