"""The stored data model, mirrored by the Alembic migrations.

One module per part of the domain; importing this package registers every table on
`Base.metadata`, which the migrations' autogenerate check compares against.
"""

from gis.models import (  # noqa: F401  (register their tables)
    auth,
    criteria,
    land,
    meta,
    monitoring,
    program,
    record,
    registers,
)
from gis.models.base import SRID, Base
from gis.models.plan import (
    AREA_KINDS,
    BUILDING_USES,
    EJERFORHOLD_CODES,
    FACILITY_KINDS,
    PLANNED_USES,
    ROAD_KINDS,
    ROAD_STATUSES,
    STOCK_CHANGES,
    TENURES,
    Area,
    Building,
    DwellingStock,
    Facility,
    Parcel,
    Quarter,
    QuarterSet,
    RailLine,
    RailStop,
    Road,
)

__all__ = [
    "AREA_KINDS",
    "BUILDING_USES",
    "EJERFORHOLD_CODES",
    "FACILITY_KINDS",
    "PLANNED_USES",
    "ROAD_KINDS",
    "ROAD_STATUSES",
    "SRID",
    "STOCK_CHANGES",
    "TENURES",
    "Area",
    "Base",
    "Building",
    "DwellingStock",
    "Facility",
    "Parcel",
    "Quarter",
    "QuarterSet",
    "RailLine",
    "RailStop",
    "Road",
]
