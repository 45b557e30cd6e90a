"""Time for the OGC APIs: the `datetime` parameter and CQL2 temporal literals, on the features'
life.

The platform's life is **year-granular**: events are recorded as years, and the state of year
Y is the data as of 1 January Y (`gis.state`). So every instant stands for its year: an
instant d selects the state of the year of d, a plain year `2030` is 1 January 2030, and an
interval selects everything present in at least one year from the first's year to the last's.
A feature's life, as a closed range of years, is [start + 1, end] (`gis.state`'s rule).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gis.errors import InvalidQuery
from gis.layers import Layer, life_condition
from gis.state import MAX_YEAR, MIN_YEAR

# Stand-ins for an open end in year arithmetic done in SQL.
OPEN_START = -1_000_000
OPEN_END = 1_000_000

_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class YearRange:
    """A closed range of years; None: open."""

    first: int | None
    last: int | None

    @property
    def instant(self) -> bool:
        return self.first is not None and self.first == self.last


def parse_instant(value: str, parameter: str) -> int:
    """The year of an RFC 3339 date or date-time, or of a plain year."""
    v = value.strip()
    if _YEAR.match(v):
        return int(v)
    try:
        if "T" in v or "t" in v or " " in v:
            return dt.datetime.fromisoformat(v.replace("z", "Z").replace("Z", "+00:00")).year
        return dt.date.fromisoformat(v).year
    except ValueError:
        raise InvalidQuery(
            parameter,
            f"{parameter}: '{value}' is not a date (2030-01-01), a date-time "
            "(2030-01-01T00:00:00Z) or a year (2030).",
        ) from None


def parse_datetime(value: str | None) -> YearRange | None:
    """The `datetime` parameter: an instant, or `start/end` with `..` or nothing for open."""
    if value is None or value.strip() == "":
        return None
    parts = value.split("/")
    if len(parts) == 1:
        year = parse_instant(parts[0], "datetime")
        rng = YearRange(year, year)
    elif len(parts) == 2:
        ends = [None if p.strip() in ("", "..") else parse_instant(p, "datetime") for p in parts]
        if ends[0] is None and ends[1] is None:
            return None
        rng = YearRange(ends[0], ends[1])
        if rng.first is not None and rng.last is not None and rng.first > rng.last:
            raise InvalidQuery("datetime", "datetime: the interval ends before it starts.")
    else:
        raise InvalidQuery("datetime", "datetime: an instant or one interval 'start/end'.")
    for year in (rng.first, rng.last):
        if year is not None and not MIN_YEAR - 1000 <= year <= MAX_YEAR + 1000:
            raise InvalidQuery("datetime", f"datetime: year {year} is out of range.")
    return rng


def life_in_range(layer: Layer, rng: YearRange, params: dict, prefix: str = "dt_") -> str:
    """SQL: the feature is present in at least one year of `rng`. An instant is exactly
    `state_includes` for its year; a layer without a life is present at every time."""
    if not layer.has_life:
        return "TRUE"
    if rng.instant:
        params[f"{prefix}year"] = rng.first
        return life_condition(layer, f"{prefix}year")
    # Present in some year Y of [first, last]: start < Y <= end for such a Y, i.e.
    # start < last, end >= first and start < end (a life of at least one year).
    start = f"t.{layer.start}" if layer.start else None
    end = f"t.{layer.end}" if layer.end else None
    terms = []
    if start and rng.last is not None:
        params[f"{prefix}last"] = rng.last
        terms.append(f"({start} IS NULL OR {start} < :{prefix}last)")
    if end and rng.first is not None:
        params[f"{prefix}first"] = rng.first
        terms.append(f"({end} IS NULL OR {end} >= :{prefix}first)")
    if start and end:
        terms.append(f"({start} IS NULL OR {end} IS NULL OR {start} < {end})")
    return " AND ".join(terms) or "TRUE"


def life_bounds_sql(layer: Layer) -> tuple[str, str]:
    """SQL for the first and last year of a feature's life, open ends as sentinels."""
    first = f"COALESCE(t.{layer.start} + 1, {OPEN_START})" if layer.start else str(OPEN_START)
    last = f"COALESCE(t.{layer.end}, {OPEN_END})" if layer.end else str(OPEN_END)
    return first, last
