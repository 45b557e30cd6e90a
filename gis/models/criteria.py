"""Area criteria: yearly indicator values per area and the list rules, as data (issue 6).

The rules are rows, not code: a rule set has its period of force; each list of a rule set
(udsat, ghetto, hård ghetto, parallelsamfund, ...) has its minimum residents, how many of its
counted criteria must be met and, for the lists defined by time (hård ghetto,
omdannelsesområde), which list lineage must have been met how many years running; each
criterion has its indicator, comparison, threshold (absolute, or a factor of the national
value of that year) and the number of years it is averaged over. `gis.criteria.rules`
interprets them; the migration seeds the rules in force since 2010.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.models.base import Base, one_of, ordered_years

# The indicator columns of `criteria_value`, in the order the lists publish them.
INDICATORS = (
    "outside_work",  # % of residents 18–64 outside the labour market and education
    "convicted",  # % of residents 18+ convicted (straffelov, våbenlov, euforiserende stoffer)
    "basic_school",  # % of residents 30–59 with basic schooling only
    "income",  # average gross income 15–64 as % of the region's
    "non_western",  # % immigrants and descendants from non-western countries
)
COMPARISONS = (">", ">=", "<", "<=")
CRITERION_ROLES = ("required", "counted")
RELATIVE_TO = ("national",)
# Where a figure comes from (migration 0015).
PROVENANCE = ("plan", "register", "import", "illustrative")


class CriteriaValue(Base):
    """One area's indicator values in one list year; a missing value is NULL, never guessed."""

    __tablename__ = "criteria_value"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    residents: Mapped[int | None] = mapped_column(Integer)
    outside_work: Mapped[float | None] = mapped_column(Float)
    convicted: Mapped[float | None] = mapped_column(Float)
    basic_school: Mapped[float | None] = mapped_column(Float)
    income: Mapped[float | None] = mapped_column(Float)
    non_western: Mapped[float | None] = mapped_column(Float)
    # True when the values are the list's published figures, where the averaged criteria
    # (employment, convictions) are already the multi-year averages: used as they are.
    published: Mapped[bool] = mapped_column(Boolean, server_default="false")
    illustrative: Mapped[bool] = mapped_column(Boolean, server_default="false")
    data_source: Mapped[str] = mapped_column(Text)
    # An import that changes the figures resets both (trigger of migration 0015).
    provenance: Mapped[str] = mapped_column(String(16), server_default="import")
    source_date: Mapped[dt.date | None] = mapped_column(Date, server_default=text("CURRENT_DATE"))

    __table_args__ = (
        CheckConstraint(one_of("provenance", PROVENANCE), name="criteria_value_provenance"),
        CheckConstraint("residents IS NULL OR residents >= 0", name="criteria_value_residents"),
        CheckConstraint(
            " AND ".join(
                f"({c} IS NULL OR ({c} >= 0 AND {c} <= 100))"
                for c in ("outside_work", "convicted", "basic_school", "non_western")
            ),
            name="criteria_value_percent",
        ),
        CheckConstraint("income IS NULL OR income >= 0", name="criteria_value_income"),
    )


class CriteriaListing(Base):
    """An area's published list status in a year, as a source states it (no figures needed)."""

    __tablename__ = "criteria_listing"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    list_key: Mapped[str] = mapped_column(String(32))
    provenance: Mapped[str] = mapped_column(String(16))
    source_date: Mapped[dt.date | None] = mapped_column(Date)
    data_source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(one_of("provenance", PROVENANCE), name="criteria_listing_provenance"),
    )


class CriteriaNational(Base):
    """The national values relative thresholds refer to (convicted ≥ 3× the national share)."""

    __tablename__ = "criteria_national"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    convicted: Mapped[float | None] = mapped_column(Float)
    illustrative: Mapped[bool] = mapped_column(Boolean, server_default="false")
    data_source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "convicted IS NULL OR (convicted >= 0 AND convicted <= 100)",
            name="criteria_national_percent",
        ),
    )


class CriteriaRuleSet(Base):
    """The list rules of one period: first_year–last_year (list years; NULL = still in force)."""

    __tablename__ = "criteria_rule_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    first_year: Mapped[int] = mapped_column(SmallInteger)
    last_year: Mapped[int | None] = mapped_column(SmallInteger)
    # "Approaching": a criterion counts as near when its value misses the threshold by at
    # most this share of the threshold (0.1: within 4 points of a 40 % threshold).
    approach_margin: Mapped[float] = mapped_column(Float, server_default="0.1")
    source: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(ordered_years("first_year", "last_year"), name="criteria_rule_set_years"),
        CheckConstraint(
            "approach_margin >= 0 AND approach_margin < 1", name="criteria_rule_set_margin"
        ),
    )


class CriteriaList(Base):
    """A list of a rule set; an area's status is the met list of the highest rank."""

    __tablename__ = "criteria_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_rule_set.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)  # Danish, as the lists are named
    # Lists that are "the same list" across rule sets (ghetto 2010–2020, parallelsamfund
    # 2021–) share a lineage, so years running can span a change of rules.
    lineage: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(SmallInteger)
    min_residents: Mapped[int | None] = mapped_column(Integer)
    min_counted: Mapped[int | None] = mapped_column(SmallInteger)
    run_lineage: Mapped[str | None] = mapped_column(String(32))
    run_years: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        UniqueConstraint("rule_set_id", "key", name="criteria_list_rule_set_key"),
        CheckConstraint(
            "(run_lineage IS NULL) = (run_years IS NULL)", name="criteria_list_run_pair"
        ),
        CheckConstraint("run_years IS NULL OR run_years >= 2", name="criteria_list_run_years"),
        CheckConstraint("min_counted IS NULL OR min_counted >= 1", name="criteria_list_counted"),
    )


class CriteriaThreshold(Base):
    """One criterion of a list: `indicator comparison value` (value × national if relative)."""

    __tablename__ = "criteria_threshold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("criteria_list.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    comparison: Mapped[str] = mapped_column(String(2))
    value: Mapped[float] = mapped_column(Float)
    relative_to: Mapped[str | None] = mapped_column(String(16))
    years_averaged: Mapped[int] = mapped_column(SmallInteger, server_default="1")

    __table_args__ = (
        UniqueConstraint("list_id", "indicator", name="criteria_threshold_list_indicator"),
        CheckConstraint(one_of("indicator", INDICATORS), name="criteria_threshold_indicator"),
        CheckConstraint(one_of("role", CRITERION_ROLES), name="criteria_threshold_role"),
        CheckConstraint(one_of("comparison", COMPARISONS), name="criteria_threshold_comparison"),
        CheckConstraint(
            f"relative_to IS NULL OR {one_of('relative_to', RELATIVE_TO)}",
            name="criteria_threshold_relative",
        ),
        CheckConstraint("years_averaged BETWEEN 1 AND 4", name="criteria_threshold_years"),
    )
