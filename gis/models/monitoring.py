"""Monitoring: plan items (milestones), their yearly targets and recorded actuals (issue 6).

A plan item's `derive` names the rule (in `gis.monitoring.progress`) that counts its progress
from the map data; items without one (rehousing, decisions, land sales) progress by recorded
actuals. Years follow the state rule: a target or actual dated year E counts in the state of
1 January E+1.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.models.base import Base, geometry, one_of, ordered_years

PLAN_ITEM_KINDS = (
    "demolition",
    "renovation",
    "new_building",
    "rehousing",
    "bygade",
    "sivegade",
    "letbane_decision",
    "letbane_construction",
    "local_plan",
    "land_sale",
    "land_company",
    "institution",
    "municipal_building",
)
PLAN_UNITS = ("dwellings", "households", "items", "m2", "m")
# The rules that count progress from the map data (see gis.monitoring.progress).
DERIVE_RULES = (
    "demolished_dwellings",
    "renovated_dwellings",
    "new_private_dwellings",
    "roads_opened",
    "letbane_opened",
    "facilities_opened",
    "facilities_closed",
    "land_sold",
)


class PlanItem(Base):
    __tablename__ = "plan_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    start_year: Mapped[int] = mapped_column(SmallInteger)
    end_year: Mapped[int] = mapped_column(SmallInteger)
    planned_quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    derive: Mapped[str | None] = mapped_column(String(32))
    # The rule's argument: a road kind, a facility kind. The department is its own column.
    derive_match: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("area_id", "key", name="plan_item_area_key"),
        CheckConstraint("key ~ '^[a-z0-9][a-z0-9_-]*$'", name="plan_item_key_format"),
        CheckConstraint(one_of("kind", PLAN_ITEM_KINDS), name="plan_item_kind"),
        CheckConstraint(one_of("unit", PLAN_UNITS), name="plan_item_unit"),
        CheckConstraint(
            "derive IS NULL OR " + one_of("derive", DERIVE_RULES), name="plan_item_derive"
        ),
        # A rule needs its argument: whose buildings, which kind of road or facility.
        CheckConstraint(
            "derive IS NULL OR derive NOT IN ('demolished_dwellings', 'renovated_dwellings')"
            " OR department IS NOT NULL",
            name="plan_item_derive_department",
        ),
        CheckConstraint(
            "derive IS NULL OR derive NOT IN ('roads_opened', 'facilities_opened',"
            " 'facilities_closed') OR derive_match IS NOT NULL",
            name="plan_item_derive_match",
        ),
        CheckConstraint(ordered_years("start_year", "end_year"), name="plan_item_years"),
        CheckConstraint("planned_quantity >= 0", name="plan_item_quantity"),
    )


class PlanTarget(Base):
    """The planned quantity of one item in one year (its profile, e.g. 97 households/yr)."""

    __tablename__ = "plan_target"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("plan_item.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)

    __table_args__ = (CheckConstraint("quantity >= 0", name="plan_target_quantity"),)


class PlanActual(Base):
    """A quantity recorded as done in one year, by hand or from a partner's report."""

    __tablename__ = "plan_actual"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)
    quantity: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("quantity >= 0", name="plan_actual_quantity"),
        Index("plan_actual_item_year", "item_id", "year"),
    )


class RehousingMove(Base):
    """Households of a rehousing item that moved in a year into a receiving area (NULL: other
    almene dwellings in Odense). Aggregates only: the API suppresses counts below 5."""

    __tablename__ = "rehousing_move"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)
    receiving_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    households: Mapped[int] = mapped_column(Integer)
    illustrative: Mapped[bool] = mapped_column(Boolean, server_default="false")
    data_source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("households >= 0", name="rehousing_move_households"),
        Index("rehousing_move_item_year", "item_id", "year"),
    )


class ReplacementDwelling(Base):
    """Almene dwellings built elsewhere in Odense to replace those demolished in `area`."""

    __tablename__ = "replacement_dwelling"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    # Taken into use in this year: counted from 1 January of the next (the state rule).
    year: Mapped[int] = mapped_column(SmallInteger)
    dwellings: Mapped[int] = mapped_column(Integer)
    decided: Mapped[bool] = mapped_column(Boolean, server_default="true")
    illustrative: Mapped[bool] = mapped_column(Boolean, server_default="false")
    data_source: Mapped[str] = mapped_column(Text)
    geom = mapped_column(geometry("POINT"), nullable=False)

    __table_args__ = (
        CheckConstraint("dwellings > 0", name="replacement_dwelling_dwellings"),
        Index("replacement_dwelling_geom_gist", "geom", postgresql_using="gist"),
    )


class ReportText(Base):
    """What planners write for a year's status report (migration 0020, gis.monitoring.texts):
    an explanation of an item behind, a decision taken, a signatory. A new text supersedes
    the current one of its subject, which is kept; one current text per subject."""

    __tablename__ = "report_text"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    author: Mapped[str | None] = mapped_column(Text)
    author_role: Mapped[str] = mapped_column(String(32))
    written_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "kind IN ('explanation', 'decision', 'signatory')", name="report_text_kind"
        ),
        CheckConstraint("(kind = 'decision') = (decided_on IS NOT NULL)", name="report_text_date"),
        CheckConstraint("(kind = 'explanation') = (title IS NULL)", name="report_text_title"),
        CheckConstraint("length(body) BETWEEN 1 AND 4000", name="report_text_body"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="report_text_year"),
        Index(
            "report_text_current",
            "area_id",
            "year",
            "kind",
            "subject",
            unique=True,
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index("report_text_subject", "area_id", "kind", "subject"),
    )
