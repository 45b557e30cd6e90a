"""What the address and planning registers give the plan: DAR addresses and Plandata.dk's
lokalplaner with their delområder (migration 0017, `gis.registers.dar`, `.plandata`).

Both are plan tables (migration 0010): an import is a recorded change, and the state as
recorded at any time can be read back.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
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
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.models.base import Base, geometry, one_of, valid
from gis.models.record import Recorded

# The address lookup's text, trigram-indexed (migration 0021).
ADDRESS_SEARCH_TEXT = (
    "vejnavn || ' ' || husnummer || ' ' || coalesce(postnummer::text, '') || ' ' "
    "|| coalesce(postnrnavn, '')"
)
LOCAL_PLAN_KINDS = ("lokalplan", "delomraade")
LOCAL_PLAN_STATUSES = ("forslag", "vedtaget", "aflyst")


class Address(Recorded, Base):
    """A DAR husnummer (adgangsadresse): its street name, number, postcode and access point,
    and the building and parcel it gives access to (by BBR's or MAT's id, else the point)."""

    __tablename__ = "address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # DAR's id_lokalId of the husnummer.
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    vejnavn: Mapped[str] = mapped_column(Text)
    husnummer: Mapped[str] = mapped_column(String(16))
    postnummer: Mapped[int | None] = mapped_column(SmallInteger)
    postnrnavn: Mapped[str | None] = mapped_column(Text)
    # DAR's references as given: adgangTilBygning (BBR id_lokalId), jordstykke (MAT id_lokalId).
    bbr_building: Mapped[str | None] = mapped_column(String(64))
    jordstykke: Mapped[str | None] = mapped_column(String(64))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="SET NULL"))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcel.id", ondelete="SET NULL"))
    geom = mapped_column(geometry("POINT"), nullable=False)
    source_extract_date: Mapped[date] = mapped_column(Date)
    # What the lookup searches (gis.registers.dar.search), trigram-indexed (migration 0021).
    search_text: Mapped[str | None] = mapped_column(
        Text, Computed(ADDRESS_SEARCH_TEXT, persisted=True)
    )

    __table_args__ = (
        Index("address_geom_gist", "geom", postgresql_using="gist"),
        Index("address_building", "building_id"),
        Index("address_parcel", "parcel_id"),
        Index(
            "address_search",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),  # fmt: skip
    )


class LocalPlan(Recorded, Base):
    """A lokalplan or one of its delområder, as Plandata.dk's WFS gives them: the plan's
    number, name, status and dates; a delområde's use and building right."""

    __tablename__ = "local_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Plandata's planid (a lokalplan's or a delområde's own).
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The lokalplan's planid (a lokalplan: its own).
    plan_id: Mapped[str] = mapped_column(String(64))
    plan_number: Mapped[str | None] = mapped_column(String(32))
    plan_name: Mapped[str | None] = mapped_column(Text)
    subarea: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    municipality: Mapped[int | None] = mapped_column(SmallInteger)
    proposed_date: Mapped[date | None] = mapped_column(Date)
    adopted_date: Mapped[date | None] = mapped_column(Date)
    in_force_date: Mapped[date | None] = mapped_column(Date)
    general_use: Mapped[str | None] = mapped_column(Text)
    plot_ratio_pct: Mapped[float | None] = mapped_column(Float)
    max_height_m: Mapped[float | None] = mapped_column(Float)
    max_storeys: Mapped[int | None] = mapped_column(SmallInteger)
    document_url: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)
    source_extract_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(one_of("kind", LOCAL_PLAN_KINDS), name="local_plan_kind"),
        CheckConstraint(one_of("status", LOCAL_PLAN_STATUSES), name="local_plan_status"),
        CheckConstraint(valid("geom"), name="local_plan_geom_valid"),
        CheckConstraint(
            "plot_ratio_pct IS NULL OR plot_ratio_pct >= 0", name="local_plan_plot_ratio"
        ),
        Index("local_plan_geom_gist", "geom", postgresql_using="gist"),
        Index("local_plan_plan", "plan_id"),
    )
