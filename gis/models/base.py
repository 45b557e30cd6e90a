"""What every model shares: the declarative base, the storage CRS and constraint helpers."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy.orm import DeclarativeBase

SRID = 25832


class Base(DeclarativeBase):
    pass


def geometry(kind: str) -> Geometry:
    # spatial_index=False: the migrations create the GiST indexes by name, so the models
    # declare them explicitly and autogenerate compares like with like.
    return Geometry(kind, srid=SRID, spatial_index=False)


def one_of(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def valid(column: str) -> str:
    return f"ST_IsValid({column})"


def ordered_years(first: str, last: str) -> str:
    return f"{first} IS NULL OR {last} IS NULL OR {first} <= {last}"
