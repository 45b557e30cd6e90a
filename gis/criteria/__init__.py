"""Area criteria and list status: per area year by year, and for every area in a year.

The rules are rows (`gis.models.criteria`); `evaluate.AreaEvaluator` interprets them. Each
year's answer is a plain dict: the values used (with their 2-year averages), the thresholds
in force, which criteria and lists are met, the resulting status and a Danish reason.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, text

from gis.criteria.evaluate import AreaEvaluator
from gis.criteria.rules import load_listings, load_national, load_rules, load_values
from gis.errors import InvalidParameter, NotFound
from gis.models import Area
from gis.state import check_period

__all__ = ["areas_status", "by_list", "evaluate"]

# The longest span one request may ask for: every list year since the first list, and more.
MAX_SPAN = 60


def _area_id(conn: Connection, slug: str) -> int:
    found = conn.execute(select(Area.id).where(Area.slug == slug)).scalar_one_or_none()
    if found is None:
        raise NotFound("area", slug)
    return found


def evaluate(conn: Connection, area: str, first: int, last: int) -> list[dict]:
    """The list status of `area` for each list year first..last (both included)."""
    check_period(first, last)
    if last - first >= MAX_SPAN:
        raise InvalidParameter("to", f"At most {MAX_SPAN} years at a time.")
    area_id = _area_id(conn, area)
    evaluator = AreaEvaluator(
        load_rules(conn),
        load_values(conn, [area_id]).get(area_id, {}),
        load_national(conn),
        load_listings(conn, [area_id]).get(area_id, {}),
    )
    return [evaluator.year(y) for y in range(first, last + 1)]


AREAS_SQL = text(
    """
    SELECT id, slug, name, kind, data_source,
           ST_AsGeoJSON(ST_Transform(boundary, 4326), 6) AS geometry
    FROM area ORDER BY name
    """
)


def areas_status(conn: Connection, year: int) -> list[dict]:
    """Every stored area's status in `year`, with which lists it approaches, and its outline."""
    rules, national = load_rules(conn), load_national(conn)
    values, listings = load_values(conn), load_listings(conn)
    out = []
    for a in conn.execute(AREAS_SQL).mappings():
        result = AreaEvaluator(
            rules, values.get(a["id"], {}), national, listings.get(a["id"], {})
        ).year(year)
        out.append(
            {
                "slug": a["slug"],
                "name": a["name"],
                "area_data_source": a["data_source"],
                "geometry": json.loads(a["geometry"]),
                **result,
            }
        )
    return out


def by_list(found: list[dict]) -> list[dict]:
    """Per list of the year's rule set: the areas that meet it and those that approach it."""
    out: dict[str, dict] = {}
    for a in found:
        for lst in a["lists"]:
            entry = out.setdefault(
                lst["key"], {"key": lst["key"], "name": lst["name"], "meet": [], "approach": []}
            )
            if lst["met"] is True:
                entry["meet"].append(a["slug"])
            elif lst["approaching"]:
                entry["approach"].append(a["slug"])
    return list(out.values())
