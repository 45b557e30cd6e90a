"""The arealudviklingsselskab's land: each parcel's sale status, building right and plans.

The land attributes sit beside the cadastral parcel (one row per parcel) rather than in it:
the matrikel is a register of record, the sale plan is the company's working data, and the
confidential sale data (price, buyer) is a table of its own so that no query of the public
land attributes can reach it by accident.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.models.base import Base, one_of
from gis.models.record import Recorded

OWNER_CATEGORIES = (
    "odense_kommune",
    "civica",
    "fab",
    "dan_mark_ejendomme",
    "company",  # Arealudviklingsselskabet Vollsmose
    "private",
    "other",  # church, self-governing school: neither public nor private developer
)
SALE_STATUSES = ("reserved_welfare", "not_for_sale", "planned", "on_offer", "under_option", "sold")
CONSTRAINTS = ("easement", "noise", "soil", "protected")


class ParcelLand(Recorded, Base):
    """A parcel as land: who owns it, what it may become, and where its sale stands."""

    __tablename__ = "parcel_land"

    parcel_id: Mapped[int] = mapped_column(
        ForeignKey("parcel.id", ondelete="CASCADE"), primary_key=True
    )
    # The company's own name for a plot ("12", "B3"), as its sale prospectuses use.
    plot_label: Mapped[str | None] = mapped_column(String(16), unique=True)
    owner_category: Mapped[str] = mapped_column(String(32))
    sale_status: Mapped[str] = mapped_column(String(16), server_default="not_for_sale")
    sale_year: Mapped[int | None] = mapped_column(SmallInteger)
    sale_phase: Mapped[str | None] = mapped_column(String(32))
    # Building right is either stated (a local plan's explicit m²) or derived from the
    # permitted plot ratio (bebyggelsesprocent / 100) times the parcel's area.
    building_right_m2: Mapped[float | None] = mapped_column(Float)
    plot_ratio: Mapped[float | None] = mapped_column(Float)
    expected_dwellings: Mapped[int | None] = mapped_column(Integer)
    expected_business_m2: Mapped[float | None] = mapped_column(Float)
    constraints: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), server_default=text("'{}'::varchar[]")
    )
    data_source: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(one_of("owner_category", OWNER_CATEGORIES), name="parcel_land_owner"),
        CheckConstraint(one_of("sale_status", SALE_STATUSES), name="parcel_land_status"),
        CheckConstraint(
            "constraints <@ ARRAY[" + ", ".join(f"'{c}'" for c in CONSTRAINTS) + "]::varchar[]",
            name="parcel_land_constraints",
        ),
        CheckConstraint(
            "building_right_m2 IS NULL OR building_right_m2 >= 0", name="parcel_land_br"
        ),
        CheckConstraint("plot_ratio IS NULL OR plot_ratio > 0", name="parcel_land_ratio"),
        CheckConstraint(
            "expected_dwellings IS NULL OR expected_dwellings >= 0", name="parcel_land_dwellings"
        ),
        CheckConstraint(
            "expected_business_m2 IS NULL OR expected_business_m2 >= 0",
            name="parcel_land_business",
        ),
        CheckConstraint(
            "sale_year IS NULL OR sale_year BETWEEN 2000 AND 2100", name="parcel_land_sale_year"
        ),
        Index("parcel_land_status_year", "sale_status", "sale_year"),
    )


class ParcelSale(Recorded, Base):
    """Confidential sale data: only roles that may read sale data ever see these columns."""

    __tablename__ = "parcel_sale"

    parcel_id: Mapped[int] = mapped_column(
        ForeignKey("parcel.id", ondelete="CASCADE"), primary_key=True
    )
    price_dkk: Mapped[float | None] = mapped_column(Numeric(14, 0))
    buyer: Mapped[str | None] = mapped_column(Text)
    option_holder: Mapped[str | None] = mapped_column(Text)
    offered_date: Mapped[date | None] = mapped_column(Date)
    option_date: Mapped[date | None] = mapped_column(Date)
    option_expires: Mapped[date | None] = mapped_column(Date)
    sold_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("price_dkk IS NULL OR price_dkk >= 0", name="parcel_sale_price"),
    )


class SaleStatusChange(Base):
    """Every change of a parcel's sale status: who, when, from and to."""

    __tablename__ = "sale_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    change_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("plan_change.id"))

    __table_args__ = (
        CheckConstraint(
            "from_status IS NULL OR " + one_of("from_status", SALE_STATUSES),
            name="sale_status_change_from",
        ),
        CheckConstraint(one_of("to_status", SALE_STATUSES), name="sale_status_change_to"),
        Index("sale_status_change_parcel", "parcel_id", "changed_at"),
    )
