"""The list rules and the indicator values, read from the database into plain objects.

Nothing here decides anything: `gis.criteria.evaluate` interprets these rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from gis.errors import DataError
from gis.models.criteria import (
    INDICATORS,
    CriteriaList,
    CriteriaListing,
    CriteriaNational,
    CriteriaRuleSet,
    CriteriaThreshold,
    CriteriaValue,
)


@dataclass(frozen=True)
class Threshold:
    indicator: str
    role: str  # "required" (must hold) or "counted" (towards min_counted)
    comparison: str
    value: float
    relative_to: str | None  # "national": the threshold is value × the national value
    years_averaged: int


@dataclass(frozen=True)
class ListRule:
    key: str
    name: str
    lineage: str
    rank: int
    min_residents: int | None
    min_counted: int | None
    run_lineage: str | None
    run_years: int | None
    thresholds: tuple[Threshold, ...]

    @property
    def by_run(self) -> bool:
        return self.run_lineage is not None


@dataclass(frozen=True)
class RuleSet:
    key: str
    name: str
    first_year: int
    last_year: int | None
    approach_margin: float
    source: str
    lists: tuple[ListRule, ...]

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def lineage(self, lineage: str) -> ListRule | None:
        return next((lst for lst in self.lists if lst.lineage == lineage), None)


@dataclass(frozen=True)
class Rules:
    sets: tuple[RuleSet, ...]

    def in_force(self, year: int) -> RuleSet | None:
        found = [s for s in self.sets if s.covers(year)]
        if len(found) > 1:
            names = ", ".join(s.key for s in found)
            raise DataError(f"Several rule sets are in force in {year}: {names}.")
        return found[0] if found else None

    @property
    def longest_look_back(self) -> int:
        """How many years before a year its evaluation may read (runs and averages)."""
        back = 1
        for s in self.sets:
            for lst in s.lists:
                back = max(back, lst.run_years or 1, *(t.years_averaged for t in lst.thresholds))
        return back


def load_rules(conn: Connection) -> Rules:
    thresholds: dict[int, list[Threshold]] = {}
    for t in conn.execute(select(CriteriaThreshold.__table__).order_by(CriteriaThreshold.id)):
        thresholds.setdefault(t.list_id, []).append(
            Threshold(t.indicator, t.role, t.comparison, t.value, t.relative_to, t.years_averaged)
        )
    lists: dict[int, list[ListRule]] = {}
    for lst in conn.execute(select(CriteriaList.__table__).order_by(CriteriaList.id)):
        lists.setdefault(lst.rule_set_id, []).append(
            ListRule(
                lst.key,
                lst.name,
                lst.lineage,
                lst.rank,
                lst.min_residents,
                lst.min_counted,
                lst.run_lineage,
                lst.run_years,
                tuple(thresholds.get(lst.id, ())),
            )
        )
    sets = [
        RuleSet(
            s.key,
            s.name,
            s.first_year,
            s.last_year,
            s.approach_margin,
            s.source,
            tuple(lists.get(s.id, ())),
        )
        for s in conn.execute(
            select(CriteriaRuleSet.__table__).order_by(CriteriaRuleSet.first_year)
        )
    ]
    return Rules(tuple(sets))


VALUE_FIELDS = (
    "residents",
    *INDICATORS,
    "published",
    "illustrative",
    "data_source",
    "provenance",
    "source_date",
)


def load_values(conn: Connection, area_ids: list[int] | None = None) -> dict[int, dict[int, dict]]:
    """{area id: {year: row}} of the stored indicator values."""
    q = select(CriteriaValue.__table__)
    if area_ids is not None:
        q = q.where(CriteriaValue.__table__.c.area_id.in_(area_ids))
    out: dict[int, dict[int, dict]] = {}
    for v in conn.execute(q):
        out.setdefault(v.area_id, {})[v.year] = {f: getattr(v, f) for f in VALUE_FIELDS}
    return out


def load_listings(
    conn: Connection, area_ids: list[int] | None = None
) -> dict[int, dict[int, dict]]:
    """{area id: {year: published list status}} as sources state it (criteria_listing)."""
    q = select(CriteriaListing.__table__)
    if area_ids is not None:
        q = q.where(CriteriaListing.__table__.c.area_id.in_(area_ids))
    out: dict[int, dict[int, dict]] = {}
    for r in conn.execute(q):
        out.setdefault(r.area_id, {})[r.year] = {
            "list_key": r.list_key,
            "provenance": r.provenance,
            "source_date": r.source_date,
            "data_source": r.data_source,
        }
    return out


def load_national(conn: Connection) -> dict[int, dict]:
    return {
        n.year: {
            "convicted": n.convicted,
            "illustrative": n.illustrative,
            "data_source": n.data_source,
        }
        for n in conn.execute(select(CriteriaNational.__table__))
    }
