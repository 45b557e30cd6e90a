"""What of a count of people may be shown: no person can be identified from an aggregate.

A count of households or persons below `SUPPRESS_BELOW` is never given (a year's rehousing
count, say), and a running total of such counts is given rounded to a multiple of
`ROUND_TO`, so that the difference of two totals does not give a suppressed year's count
back exactly. Counts of dwellings, m² and plots are not about people and are given as they
are.
"""

from __future__ import annotations

SUPPRESS_BELOW = 5
ROUND_TO = 5
# The plan items' units that count people (data/monitoring/plan_items.csv).
PERSON_UNITS = frozenset({"households", "persons"})


def counts_people(unit: str) -> bool:
    return unit in PERSON_UNITS


def shown_count(value: float | None, unit: str) -> float | None:
    """A year's count as it may be shown: None for a count of people from 1 to 4."""
    if value is None or not counts_people(unit):
        return value
    return None if 0 < value < SUPPRESS_BELOW else value


def shown_total(value: float | None, unit: str) -> float | None:
    """A running total as it may be shown: of people, rounded to a multiple of ROUND_TO."""
    if value is None or not counts_people(unit):
        return value
    return float(ROUND_TO * round(value / ROUND_TO))
