"""The stored plan: areas, quarters, parcels, buildings and dwellings, roads, letbane, facilities.

Every geometry is EPSG:25832 (ETRS89 / UTM 32N). The database enforces the SRID through the
column type, validity through CHECK constraints, and each geometry has a GiST index.

Life over time is recorded as event years. An event dated year E (built, demolished, a
conversion of dwellings, a road opening) takes effect during E, so it shows from the state of
1 January E+1 onwards; the one rule for that is `gis.state.in_state`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gis.models.base import Base, geometry, one_of, ordered_years, valid
from gis.models.record import Recorded

TENURES = (
    "almen_family",
    "almen_youth",
    "almen_elderly",
    "private_rental",
    "owner_occupied",
    "cooperative",
)
AREA_KINDS = ("hard_ghetto", "omdannelse", "parallelsamfund", "udsat", "forebyggelse", "other")
ROAD_KINDS = ("bygade", "sivegade", "path", "road")
ROAD_STATUSES = ("existing", "planned", "closed")
FACILITY_KINDS = (
    "school",
    "gymnasium",
    "daycare",
    "library",
    "swimming_hall",
    "church",
    "youth_school",
    "sports",
    "culture",
    "municipal_workplace",
    "shopping",
    "health",
    "other",
)
PLANNED_USES = ("housing", "business", "mixed", "public", "green", "road")
BUILDING_USES = ("housing", "business", "mixed", "institution", "other")
STOCK_CHANGES = ("conversion", "sale", "addition")
# BBR byg066Ejerforhold: who owns the building.
EJERFORHOLD_CODES = (10, 20, 30, 40, 41, 50, 60, 70, 80, 90)
# The registers a row may come from (gis.registers).
SOURCE_REGISTER = "source_register IS NULL OR source_register IN ('bbr', 'matrikel')"


class Area(Base):
    """A designated area: the unit the legal share is computed for."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    # Where the area's data comes from; shown with every answer about the area, so that
    # the approximate reference layout is never taken for surveyed data.
    data_source: Mapped[str | None] = mapped_column(Text)
    boundary = mapped_column(geometry("MULTIPOLYGON"), nullable=False)

    quarter_sets: Mapped[list[QuarterSet]] = relationship(back_populates="area")

    __table_args__ = (
        CheckConstraint(one_of("kind", AREA_KINDS), name="area_kind"),
        CheckConstraint(valid("boundary"), name="area_boundary_valid"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="area_slug_format"),
        Index("area_boundary_gist", "boundary", postgresql_using="gist"),
    )


class QuarterSet(Base):
    """A named way of dividing an area: the housing departments, the planned quarters, ..."""

    __tablename__ = "quarter_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)

    area: Mapped[Area] = relationship(back_populates="quarter_sets")
    quarters: Mapped[list[Quarter]] = relationship(back_populates="quarter_set")

    __table_args__ = (
        UniqueConstraint("area_id", "slug", name="quarter_set_area_slug"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="quarter_set_slug_format"),
    )


class Quarter(Recorded, Base):
    __tablename__ = "quarter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter_set_id: Mapped[int] = mapped_column(ForeignKey("quarter_set.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(7))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)

    quarter_set: Mapped[QuarterSet] = relationship(back_populates="quarters")

    __table_args__ = (
        UniqueConstraint("quarter_set_id", "slug", name="quarter_set_slug"),
        CheckConstraint(valid("geom"), name="quarter_geom_valid"),
        CheckConstraint("color IS NULL OR color ~ '^#[0-9a-fA-F]{6}$'", name="quarter_color"),
        Index("quarter_geom_gist", "geom", postgresql_using="gist"),
    )


class Parcel(Recorded, Base):
    """A cadastral parcel (matrikel Jordstykke)."""

    __tablename__ = "parcel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ejerlavskode: Mapped[int] = mapped_column(Integer)
    matrikelnummer: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(Text)
    registered_area_m2: Mapped[float | None] = mapped_column(Float)
    planned_use: Mapped[str | None] = mapped_column(String(32))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)
    # Provenance of a parcel from a register (migration 0012): MAT's id_lokalId, the
    # register, the extract it was first seen with its current values in. NULL: not imported.
    source_id: Mapped[str | None] = mapped_column(String(64))
    source_register: Mapped[str | None] = mapped_column(String(16))
    source_extract_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("ejerlavskode", "matrikelnummer", name="parcel_matrikel"),
        CheckConstraint(SOURCE_REGISTER, name="parcel_source_register"),
        Index("parcel_source", "source_register", "source_id"),
        CheckConstraint(valid("geom"), name="parcel_geom_valid"),
        CheckConstraint(
            "planned_use IS NULL OR " + one_of("planned_use", PLANNED_USES),
            name="parcel_planned_use",
        ),
        Index("parcel_geom_gist", "geom", postgresql_using="gist"),
    )


class Building(Recorded, Base):
    """A building and its life. Dwellings live in `dwelling_stock`."""

    __tablename__ = "building"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Key in the source the building came from: BBR id_lokalId, or the reference dataset's key.
    source_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcel.id", ondelete="SET NULL"))
    use: Mapped[str] = mapped_column(String(32))
    bbr_use_code: Mapped[int | None] = mapped_column(SmallInteger)
    storeys: Mapped[int | None] = mapped_column(SmallInteger)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    business_floor_area_m2: Mapped[float] = mapped_column(Float, server_default="0")
    construction_year: Mapped[int | None] = mapped_column(SmallInteger)
    owner: Mapped[str | None] = mapped_column(Text)
    ejerforhold: Mapped[int | None] = mapped_column(SmallInteger)
    # Life. NULL built_year: it stood before the period the plan looks at.
    built_year: Mapped[int | None] = mapped_column(SmallInteger)
    built_decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    renovation_start_year: Mapped[int | None] = mapped_column(SmallInteger)
    renovation_end_year: Mapped[int | None] = mapped_column(SmallInteger)
    renovation_decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    demolished_year: Mapped[int | None] = mapped_column(SmallInteger)
    demolition_decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    # Demolished dwellings replaced by new almene family dwellings inside the same area:
    # those leave the denominator of the legal share (almenboligloven § 168 a).
    demolished_replaced_by_almen_family: Mapped[int] = mapped_column(Integer, server_default="0")
    footprint = mapped_column(geometry("MULTIPOLYGON"), nullable=False)
    # Provenance of a building from BBR (migration 0012; its record id is `source_id`).
    source_register: Mapped[str | None] = mapped_column(String(16))
    source_extract_date: Mapped[date | None] = mapped_column(Date)
    # The one point that places a building in exactly one area and one quarter.
    anchor = mapped_column(
        geometry("POINT"), Computed("ST_PointOnSurface(footprint)", persisted=True)
    )

    stock: Mapped[list[DwellingStock]] = relationship(back_populates="building")

    __table_args__ = (
        CheckConstraint(
            one_of("use", BUILDING_USES),
            name="building_use",
        ),
        CheckConstraint(
            "ejerforhold IS NULL OR " + one_of("ejerforhold", EJERFORHOLD_CODES),
            name="building_ejerforhold",
        ),
        CheckConstraint("business_floor_area_m2 >= 0", name="building_business_area"),
        CheckConstraint(SOURCE_REGISTER, name="building_source_register"),
        CheckConstraint(ordered_years("built_year", "demolished_year"), name="building_life_order"),
        CheckConstraint(
            ordered_years("renovation_start_year", "renovation_end_year"),
            name="building_renovation",
        ),
        CheckConstraint(
            "demolished_replaced_by_almen_family >= 0", name="building_replaced_nonnegative"
        ),
        CheckConstraint(valid("footprint"), name="building_footprint_valid"),
        Index("building_footprint_gist", "footprint", postgresql_using="gist"),
        Index("building_anchor_gist", "anchor", postgresql_using="gist"),
        Index("building_parcel", "parcel_id"),
        # What a version has otherwise than now (migration 0027, gis.tenure).
        Index("building_recorded_from", "recorded_from"),
    )


class DwellingStock(Recorded, Base):
    """Dwellings of one tenure in one building over a period of event years.

    A conversion or a sale in year E ends one row with `end_year` E and starts another with
    `start_year` E; NULL means open-ended (since the building stood / until it goes).
    """

    __tablename__ = "dwelling_stock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    tenure: Mapped[str] = mapped_column(String(32))
    dwellings: Mapped[int] = mapped_column(Integer)
    floor_area_m2: Mapped[float] = mapped_column(Float, server_default="0")
    start_year: Mapped[int | None] = mapped_column(SmallInteger)
    end_year: Mapped[int | None] = mapped_column(SmallInteger)
    change: Mapped[str | None] = mapped_column(String(32))
    decided: Mapped[bool] = mapped_column(Boolean, server_default="true")

    building: Mapped[Building] = relationship(back_populates="stock")

    __table_args__ = (
        CheckConstraint(one_of("tenure", TENURES), name="dwelling_stock_tenure"),
        CheckConstraint("dwellings >= 0 AND floor_area_m2 >= 0", name="dwelling_stock_amounts"),
        CheckConstraint(ordered_years("start_year", "end_year"), name="dwelling_stock_period"),
        CheckConstraint(
            "change IS NULL OR " + one_of("change", STOCK_CHANGES),
            name="dwelling_stock_change",
        ),
        Index("dwelling_stock_building", "building_id"),
        Index("dwelling_stock_recorded_from", "recorded_from"),
    )


class Road(Recorded, Base):
    __tablename__ = "road"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    opening_year: Mapped[int | None] = mapped_column(SmallInteger)
    closing_year: Mapped[int | None] = mapped_column(SmallInteger)
    decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    geom = mapped_column(geometry("MULTILINESTRING"), nullable=False)

    __table_args__ = (
        CheckConstraint(one_of("kind", ROAD_KINDS), name="road_kind"),
        CheckConstraint(one_of("status", ROAD_STATUSES), name="road_status"),
        CheckConstraint(ordered_years("opening_year", "closing_year"), name="road_life_order"),
        CheckConstraint(valid("geom"), name="road_geom_valid"),
        Index("road_geom_gist", "geom", postgresql_using="gist"),
    )


class RailLine(Recorded, Base):
    __tablename__ = "rail_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    decided: Mapped[bool] = mapped_column(Boolean, server_default="false")
    opening_year: Mapped[int | None] = mapped_column(SmallInteger)
    geom = mapped_column(geometry("MULTILINESTRING"), nullable=False)

    stops: Mapped[list[RailStop]] = relationship(back_populates="line")

    __table_args__ = (
        CheckConstraint(valid("geom"), name="rail_line_geom_valid"),
        Index("rail_line_geom_gist", "geom", postgresql_using="gist"),
    )


class RailStop(Recorded, Base):
    __tablename__ = "rail_stop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("rail_line.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    decided: Mapped[bool] = mapped_column(Boolean, server_default="false")
    opening_year: Mapped[int | None] = mapped_column(SmallInteger)
    geom = mapped_column(geometry("POINT"), nullable=False)

    line: Mapped[RailLine] = relationship(back_populates="stops")

    __table_args__ = (
        CheckConstraint(valid("geom"), name="rail_stop_geom_valid"),
        Index("rail_stop_geom_gist", "geom", postgresql_using="gist"),
        Index("rail_stop_line", "line_id"),
    )


class Facility(Recorded, Base):
    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(Text)
    opening_year: Mapped[int | None] = mapped_column(SmallInteger)
    closing_year: Mapped[int | None] = mapped_column(SmallInteger)
    decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="SET NULL"))
    geom = mapped_column(geometry("POINT"), nullable=False)

    __table_args__ = (
        CheckConstraint(
            one_of("kind", FACILITY_KINDS),
            name="facility_kind",
        ),
        CheckConstraint(ordered_years("opening_year", "closing_year"), name="facility_life_order"),
        CheckConstraint(valid("geom"), name="facility_geom_valid"),
        Index("facility_geom_gist", "geom", postgresql_using="gist"),
    )
