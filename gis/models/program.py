"""The whole program (issue 18): the plan's ten delprogrammer, their wanted effects,
indicators with targets, milestones and yearly values, indsatser, and the dependencies and
synergies between delprogrammer.

These are the plan's follow-up, not its map: they keep no transaction-time history of their
own (`gis.record` is for the map's plan tables). Indicator values are aggregates only: a
value that counts fewer than `gis.program.SUPPRESS_BELOW` persons is stored as suppressed,
with no number, and the database refuses a count below it (trigger `program_value_guard`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.models.base import Base, one_of, ordered_years

SCOPES = ("hard_ghetto", "vollsmose", "odense")
PHASES = ("nyorientering", "omdannelse", "fremtidens_vollsmose")
UNITS = ("percent", "count", "per_100", "number", "points")
BETTER = ("lower", "higher")
TARGET_KINDS = ("target", "milestone")
COMPARISONS = ("<", "<=", ">", ">=")
PROVENANCES = ("plan", "register", "import", "illustrative")
INDSATS_STATUSES = ("not_reported", "planned", "running", "done", "paused")
LINK_KINDS = ("dependency", "synergy")
LINK_STRENGTHS = ("direct", "minor")


class Delprogram(Base):
    __tablename__ = "program_delprogram"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(SmallInteger, unique=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16))
    # The committees the plan names, space-separated as in its margin: "ØU BKU BUU".
    committees: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(one_of("scope", SCOPES), name="program_delprogram_scope"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="program_delprogram_slug"),
    )


class Effect(Base):
    """A wanted effect; `phase` NULL where the plan gives it for the whole period."""

    __tablename__ = "program_effect"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delprogram_id: Mapped[int] = mapped_column(
        ForeignKey("program_delprogram.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    phase: Mapped[str | None] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("phase IS NULL OR " + one_of("phase", PHASES), name="program_effect_phase"),
    )


class Indicator(Base):
    __tablename__ = "program_indicator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delprogram_id: Mapped[int] = mapped_column(
        ForeignKey("program_delprogram.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))
    better: Mapped[str] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("key ~ '^[a-z0-9][a-z0-9_]*$'", name="program_indicator_key"),
        CheckConstraint(one_of("unit", UNITS), name="program_indicator_unit"),
        CheckConstraint(one_of("better", BETTER), name="program_indicator_better"),
    )


class Target(Base):
    """A target (`target`) or milestone (`milestone`) of an indicator for the end of a year."""

    __tablename__ = "program_target"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("program_indicator.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    comparison: Mapped[str] = mapped_column(String(2))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, server_default="false")

    __table_args__ = (
        CheckConstraint(one_of("kind", TARGET_KINDS), name="program_target_kind"),
        CheckConstraint(one_of("comparison", COMPARISONS), name="program_target_comparison"),
    )


class Value(Base):
    """An indicator's value for a year, with its provenance. Suppressed: no number stored."""

    __tablename__ = "program_value"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("program_indicator.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    provenance: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    source_date: Mapped[dt.date | None] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("(value IS NULL) = suppressed", name="program_value_suppressed"),
        CheckConstraint(one_of("provenance", PROVENANCES), name="program_value_provenance"),
    )


class Indsats(Base):
    """An indsats of a delprogram's table "Indsats 2020 … 2030", decided or not. The plan
    draws its years as bars, which its text does not carry: years given here are marked
    `years_illustrative` unless the text states them."""

    __tablename__ = "program_indsats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delprogram_id: Mapped[int] = mapped_column(
        ForeignKey("program_delprogram.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(Text)
    decided: Mapped[bool] = mapped_column(Boolean)
    committee: Mapped[str | None] = mapped_column(String(8))
    start_year: Mapped[int | None] = mapped_column(SmallInteger)
    end_year: Mapped[int | None] = mapped_column(SmallInteger)
    years_illustrative: Mapped[bool] = mapped_column(Boolean, server_default="false")
    status: Mapped[str] = mapped_column(String(16), server_default="not_reported")
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(one_of("status", INDSATS_STATUSES), name="program_indsats_status"),
        CheckConstraint(ordered_years("start_year", "end_year"), name="program_indsats_years"),
    )


class Link(Base):
    """`dependency`: the first delprogram waits for the second. `synergy`: they strengthen
    each other, as the first's section of the plan says."""

    __tablename__ = "program_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("program_delprogram.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(ForeignKey("program_delprogram.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    strength: Mapped[str] = mapped_column(String(8), server_default="direct")
    note: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("from_id", "to_id", "kind", name="program_link_unique"),
        CheckConstraint("from_id <> to_id", name="program_link_not_self"),
        CheckConstraint(one_of("kind", LINK_KINDS), name="program_link_kind"),
        CheckConstraint(one_of("strength", LINK_STRENGTHS), name="program_link_strength"),
    )
