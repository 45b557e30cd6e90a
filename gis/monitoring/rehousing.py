"""Rehousing across Odense (delprogram 10): households rehoused per year and organisation
against the plan, where they moved, the rule that no one is rehoused into an udsat or at-risk
area, and the almene dwellings built elsewhere in Odense to replace those demolished.

Aggregates only: a count below `SUPPRESS_BELOW` is never given. A destination under it joins
"other areas"; when that group itself stays under the threshold, the smallest shown
destinations join it too, so no suppressed count can be worked out from the year's total.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Connection, text

from gis.areas import get_area
from gis.criteria import areas_status
from gis.errors import DataError
from gis.monitoring.disclosure import SUPPRESS_BELOW
from gis.monitoring.progress import Progress, progress

DATA = Path(__file__).resolve().parents[2] / "data" / "monitoring"
# The plan's total (seed 001): one new almen dwelling elsewhere in Odense per demolished one.
REPLACEMENT_TOTAL = 1000
# Lists a household may not be rehoused into: udsat and every list above it, and the
# forebyggelsesområde (at risk). Approaching a list is a warning, not a breach.
BARRED = {
    "udsat",
    "ghetto",
    "haard_ghetto",
    "parallelsamfund",
    "omdannelsesomraade",
    "forebyggelsesomraade",
}
OTHER_DA = "øvrige almene boliger i Odense"
CHECK_DA = {
    "ok": "ikke på en liste",
    "barred": "på en liste: må ikke modtage genhusede",
    "approaching": "nærmer sig en liste",
    "unknown": "kan ikke kontrolleres (ingen listedata)",
    "unlisted": "ikke et overvåget område",
}


def _read(name: str) -> list[dict]:
    path = DATA / name
    if not path.exists():
        raise DataError(f"No monitoring data at {path}.")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_rehousing(conn: Connection) -> dict[str, int]:
    """The bundled moves and replacement projects (illustrative); areas the database does
    not hold are skipped, as the plan items are."""
    areas = dict(conn.execute(text("SELECT slug, id FROM area")).tuples().all())
    items = {
        (a, k): i
        for i, a, k in conn.execute(
            text("SELECT i.id, a.slug, i.key FROM plan_item i JOIN area a ON a.id = i.area_id")
        )
    }
    moves = []
    for r in _read("rehousing_moves.csv"):
        if r["area"] not in areas:
            continue
        if (r["area"], r["item"]) not in items:
            raise DataError(f"rehousing_moves.csv names '{r['item']}', which is not a plan item.")
        if r["receiving_area"] and r["receiving_area"] not in areas:
            raise DataError(f"rehousing_moves.csv: no area '{r['receiving_area']}'.")
        moves.append(
            {
                "item_id": items[(r["area"], r["item"])],
                "year": int(r["year"]),
                "area_id": areas.get(r["receiving_area"]) if r["receiving_area"] else None,
                "households": int(r["households"]),
                "illustrative": r["illustrative"] == "true",
                "data_source": r["data_source"],
            }
        )
    if moves:
        conn.execute(
            text(
                "INSERT INTO rehousing_move"
                " (item_id, year, receiving_area_id, households, illustrative, data_source)"
                " VALUES (:item_id, :year, :area_id, :households, :illustrative, :data_source)"
            ),
            moves,
        )
    projects = [
        {
            **r,
            "area_id": areas[r["area"]],
            "year": int(r["year"]),
            "dwellings": int(r["dwellings"]),
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
            "decided": r["decided"] == "true",
            "illustrative": r["illustrative"] == "true",
        }
        for r in _read("replacement_dwellings.csv")
        if r["area"] in areas
    ]
    if projects:
        conn.execute(
            text(
                "INSERT INTO replacement_dwelling (key, area_id, name, organisation, year,"
                " dwellings, decided, illustrative, data_source, geom)"
                " VALUES (:key, :area_id, :name, :organisation, :year, :dwellings, :decided,"
                " :illustrative, :data_source,"
                " ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 25832))"
            ),
            projects,
        )
    return {"rehousing_move": len(moves), "replacement_dwelling": len(projects)}


def suppress(destinations: list[dict]) -> list[dict]:
    """Destinations {slug, name, households, ...} with no count below the threshold shown:
    small ones are merged into one "other" row (primary suppression) and, while that row is
    itself small, the smallest shown ones join it (secondary), so none can be derived."""
    shown = sorted(
        (d for d in destinations if d["slug"] is not None), key=lambda d: -d["households"]
    )
    other = [d for d in destinations if d["slug"] is None]
    while True:
        small = [d for d in shown if d["households"] < SUPPRESS_BELOW]
        if small:
            other += small
            shown = [d for d in shown if d["households"] >= SUPPRESS_BELOW]
            continue
        rest = sum(d["households"] for d in other)
        if other and 0 < rest < SUPPRESS_BELOW and shown:
            other.append(shown.pop())  # the smallest shown one
            continue
        break
    out = [{**d, "suppressed": False} for d in shown]
    if other:
        rest = sum(d["households"] for d in other)
        merged = [d["slug"] for d in other if d["slug"] is not None]
        ok = rest >= SUPPRESS_BELOW or rest == 0
        out.append(
            {
                "slug": None,
                "name": OTHER_DA,
                "households": rest if ok else None,
                "suppressed": not ok,
                # Which monitored areas are in the group (never their counts).
                "merged_areas": merged,
                "check": None,
            }
        )
    return out


def _small(count: float | None) -> bool:
    return count is not None and 0 < count < SUPPRESS_BELOW


def _check(status: dict | None) -> str:
    if status is None:
        return "unlisted"
    if status["status_key"] in BARRED:
        return "barred"
    if status["status_key"] in ("unknown", "no_data", "no_rules"):
        return "unknown"
    return "approaching" if status["approaching"] else "ok"


def rehousing(conn: Connection, area: str) -> dict:
    """Per year and rehousing item: the plan's target, the recorded households, where they
    moved (suppressed below 5) and the rule check of each receiving area.

    A move in year Y is checked against the list published 1 December Y−1, the one in force
    when the household was offered its new home.
    """
    info = get_area(conn, area)
    rows = conn.execute(
        text(
            """
            SELECT i.key, i.title, i.organisation, i.source, y.year,
                   (SELECT sum(t.quantity) FROM plan_target t
                    WHERE t.item_id = i.id AND t.year = y.year) AS planned,
                   (SELECT sum(a.quantity) FROM plan_actual a
                    WHERE a.item_id = i.id AND a.year = y.year) AS recorded
            FROM plan_item i
            CROSS JOIN LATERAL (
                SELECT year FROM plan_target WHERE item_id = i.id
                UNION SELECT year FROM plan_actual WHERE item_id = i.id
                UNION SELECT year FROM rehousing_move WHERE item_id = i.id
            ) y
            WHERE i.area_id = :area AND i.kind = 'rehousing'
            ORDER BY y.year, i.organisation, i.key
            """
        ),
        {"area": info.id},
    ).mappings()
    moves: dict[tuple[str, int], list[dict]] = {}
    illustrative: set[tuple[str, int]] = set()
    sources: dict[tuple[str, int], str] = {}
    for m in conn.execute(
        text(
            """
            SELECT i.key, m.year, a.slug, a.name, sum(m.households) AS households,
                   bool_or(m.illustrative) AS illustrative, min(m.data_source) AS data_source
            FROM rehousing_move m JOIN plan_item i ON i.id = m.item_id
            LEFT JOIN area a ON a.id = m.receiving_area_id
            WHERE i.area_id = :area
            GROUP BY i.key, m.year, a.slug, a.name
            """
        ),
        {"area": info.id},
    ).mappings():
        moves.setdefault((m["key"], m["year"]), []).append(dict(m))
        if m["illustrative"]:
            illustrative.add((m["key"], m["year"]))
        sources.setdefault((m["key"], m["year"]), m["data_source"])
    statuses: dict[int, dict[str, dict]] = {}

    def status_of(slug: str, year: int) -> dict | None:
        if year - 1 not in statuses:
            statuses[year - 1] = {a["slug"]: a for a in areas_status(conn, year - 1)}
        return statuses[year - 1].get(slug)

    years = []
    for r in rows:
        found = moves.get((r["key"], r["year"]), [])
        destinations = []
        breaches = False
        for d in found:
            st = status_of(d["slug"], r["year"]) if d["slug"] else None
            check = _check(st) if d["slug"] else "unlisted"
            breaches |= check == "barred"
            destinations.append(
                {
                    "slug": d["slug"],
                    "name": d["name"] or OTHER_DA,
                    "households": int(d["households"]),
                    "check": check,
                    "list_status": st["status"] if st else None,
                    "list_year": r["year"] - 1,
                }
            )
        moved = sum(d["households"] for d in destinations)
        small = _small(r["recorded"]) or (bool(found) and _small(moved))
        years.append(
            {
                "item": r["key"],
                "title": r["title"],
                "organisation": r["organisation"],
                "year": r["year"],
                "planned": r["planned"],
                # A year's households below the threshold are a count of persons too.
                "recorded": None if small else r["recorded"],
                "moved": moved if found and not small else None,
                "suppressed": small,
                # The destinations must add up to the recorded households of the year.
                "consistent": (not found) or r["recorded"] is None or moved == r["recorded"],
                "destinations": suppress(destinations),
                # Whether anyone was rehoused into a barred area, never how many if few.
                "rule_breached": breaches,
                "illustrative": (r["key"], r["year"]) in illustrative,
                # Planned: the plan (seed 001); recorded and destinations: as recorded.
                "provenance": {
                    "planned": {"kind": "plan", "source": r["source"]},
                    "destinations": None
                    if not found
                    else {
                        "kind": "illustrative"
                        if (r["key"], r["year"]) in illustrative
                        else "import",
                        "source": sources[(r["key"], r["year"])],
                    },
                },
            }
        )
    return {"area": info.slug, "suppress_below": SUPPRESS_BELOW, "years": years}


def replacement(conn: Connection, area: str, year: int, done: Progress | None = None) -> dict:
    """The replacement almene dwellings of `area`: each project, the total taken into use
    before 1 January `year` against the plan's 1,000, and against the dwellings demolished
    in the area by then (one for one)."""
    info = get_area(conn, area)
    projects = [
        dict(p)
        for p in conn.execute(
            text(
                """
                SELECT key, name, organisation, year, dwellings, decided, illustrative,
                       data_source, ST_X(ST_Transform(geom, 4326)) AS lon,
                       ST_Y(ST_Transform(geom, 4326)) AS lat
                FROM replacement_dwelling WHERE area_id = :area ORDER BY year, key
                """
            ),
            {"area": info.id},
        ).mappings()
    ]
    # The demolition items' progress (counted from the map data), not a second count.
    done = done or progress(conn, area, year)
    demolished = sum(i.done_to_date or 0 for i in done.items if i.kind == "demolition")
    built = sum(p["dwellings"] for p in projects if p["year"] < year)
    by_year: dict[int, int] = {}
    for p in projects:
        by_year[p["year"]] = by_year.get(p["year"], 0) + p["dwellings"]
    return {
        "area": info.slug,
        "year": year,
        "target": REPLACEMENT_TOTAL,
        "planned": sum(p["dwellings"] for p in projects),
        "built_to_date": built,
        "demolished_to_date": int(demolished),
        "by_year": [{"year": y, "dwellings": n} for y, n in sorted(by_year.items())],
        "projects": projects,
        "illustrative": any(p["illustrative"] for p in projects),
    }
