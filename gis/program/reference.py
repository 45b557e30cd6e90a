"""The plan's ten delprogrammer (data/program/delprogrammer.json) and the bundled indicator
values (data/program/values.csv) loaded as reference data.

The JSON holds the plan's own text (names, effects, indicators, indsatser, links); its two
computed target series, the employment track and the rehousing profile, are built here from
the plan's figures (`employment_targets`, `rehousing_targets`) so they cannot drift from a
typing slip. The values go through the importer's checks, suppression included. The caller
owns the transaction.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, insert, select

from gis.criteria.importer import CsvImportError
from gis.errors import DataError
from gis.models.program import Delprogram, Effect, Indicator, Indsats, Link, Target, Value
from gis.program.importer import parse_values

DATA = Path(__file__).resolve().parents[2] / "data" / "program"
PLAN = "Realiseringsplan for Fremtidens Vollsmose, Odense Kommune 2020 (seed 001)"

# Delprogram 3, "Ønskede effekter" (seed 001): 1,734 must leave public support to reach the
# rest of Odense's level; 150 fewer by the end of 2020, then 195 fewer a year 2021-2028.
EXCESS_BASELINE = 1734
FEWER_BY_2020 = 150
FEWER_A_YEAR = 195
EMPLOYMENT_YEARS = range(2021, 2029)

# Delprogram 10, "Genhusning" (seed 001): Civica ~97 households a year 2021-2028; FAB ~67 a
# year 2023-2025, plus 26 from Fyrreparken 2020-2022.
REHOUSING = (
    ("Civica", 97, range(2021, 2029)),
    ("FAB", 67, range(2023, 2026)),
)
FYRREPARKEN = (26, range(2020, 2023))


def employment_targets() -> list[dict]:
    """The excess on public support allowed at the end of each year 2020-2028."""
    out = [
        {
            "year": 2020,
            "value": EXCESS_BASELINE - FEWER_BY_2020,
            "note": "150 færre offentligt forsørgede end udgangspunktet 1.734 i slutningen af 2020",
        }
    ]
    for i, year in enumerate(EMPLOYMENT_YEARS, start=1):
        out.append(
            {
                "year": year,
                "value": EXCESS_BASELINE - FEWER_BY_2020 - FEWER_A_YEAR * i,
                "note": f"195 færre om året 2021–2028 ({i}. år)",
            }
        )
    return [
        {**t, "kind": "target", "comparison": "<=", "illustrative": False, "source": PLAN}
        for t in out
    ]


def rehousing_targets() -> list[dict]:
    """Households rehoused permanently in all, at the end of each year (the averages spread
    evenly; Fyrreparken's 26 over three years as 9, 9, 8)."""
    per_year: dict[int, int] = {}
    for _, n, years in REHOUSING:
        for y in years:
            per_year[y] = per_year.get(y, 0) + n
    total, years = FYRREPARKEN
    base, rest = divmod(total, len(years))
    for i, y in enumerate(years):
        per_year[y] = per_year.get(y, 0) + base + (1 if i < rest else 0)
    out, running = [], 0
    for y in sorted(per_year):
        running += per_year[y]
        out.append(
            {
                "year": y,
                "value": running,
                "kind": "target",
                "comparison": ">=",
                "note": "Civica ~97/år 2021–2028; FAB ~67/år 2023–2025 og 26 fra Fyrreparken "
                "2020–2022 (gennemsnit, fordelt jævnt)",
                "illustrative": False,
                "source": PLAN,
            }
        )
    return out


COMPUTED = {"employment": employment_targets, "rehousing": rehousing_targets}


@cache
def program() -> dict:
    with (DATA / "delprogrammer.json").open(encoding="utf-8") as f:
        return json.load(f)


def _targets(spec) -> list[dict]:
    if isinstance(spec, str):
        if spec not in COMPUTED:
            raise DataError(f"delprogrammer.json: no computed target series '{spec}'.")
        return COMPUTED[spec]()
    return [{**t, "source": PLAN} for t in spec or []]


def load_program(conn: Connection) -> dict[str, int]:
    """Loads the delprogrammer with everything under them, then the bundled values."""
    data = program()
    counts = dict.fromkeys(
        ("program_delprogram", "program_effect", "program_indicator", "program_target"), 0
    )
    counts.update(program_indsats=0, program_link=0)
    ids: dict[int, int] = {}
    for d in data["delprogrammer"]:
        dp_id = conn.execute(
            insert(Delprogram)
            .values(
                number=d["number"],
                slug=d["slug"],
                name=d["name"],
                scope=d["scope"],
                committees=d["committees"],
                summary=d["summary"],
                source=PLAN,
            )
            .returning(Delprogram.id)
        ).scalar_one()
        ids[d["number"]] = dp_id
        counts["program_delprogram"] += 1
        effects = [
            {"delprogram_id": dp_id, "position": i, "phase": e["phase"], "text": e["text"]}
            for i, e in enumerate(d["effects"], start=1)
        ]
        if effects:
            conn.execute(insert(Effect), effects)
            counts["program_effect"] += len(effects)
        for i, ind in enumerate(d["indicators"], start=1):
            ind_id = conn.execute(
                insert(Indicator)
                .values(
                    delprogram_id=dp_id,
                    key=ind["key"],
                    position=i,
                    name=ind["name"],
                    unit=ind["unit"],
                    better=ind["better"],
                    description=ind.get("description"),
                    source=PLAN if ind["source"] == "plan" else ind["source"],
                )
                .returning(Indicator.id)
            ).scalar_one()
            counts["program_indicator"] += 1
            targets = [{**t, "indicator_id": ind_id} for t in _targets(ind.get("targets"))]
            if targets:
                conn.execute(insert(Target), targets)
                counts["program_target"] += len(targets)
        indsatser = []
        for i, s in enumerate(d["indsatser"], start=1):
            first, last = s.get("years") or (None, None)
            indsatser.append(
                {
                    "delprogram_id": dp_id,
                    "position": i,
                    "name": s["name"],
                    "decided": s["decided"],
                    "committee": s.get("committee"),
                    "start_year": first,
                    "end_year": last,
                    "years_illustrative": bool(s.get("years_illustrative", False)),
                }
            )
        if indsatser:
            conn.execute(insert(Indsats), indsatser)
            counts["program_indsats"] += len(indsatser)
    links = [
        {
            "from_id": ids[link["from"]],
            "to_id": ids[link["to"]],
            "kind": link["kind"],
            "strength": link.get("strength", "direct"),
            "note": link["note"],
            "source": PLAN,
        }
        for link in data["links"]
    ]
    conn.execute(insert(Link), links)
    counts["program_link"] = len(links)
    counts["program_value"] = _load_values(conn)
    return counts


def _load_values(conn: Connection) -> int:
    known = {
        key: (id_, unit)
        for key, id_, unit in conn.execute(select(Indicator.key, Indicator.id, Indicator.unit))
    }
    content = (DATA / "values.csv").read_text(encoding="utf-8")
    rows, errors = parse_values(content, known)
    if errors:
        raise DataError(f"data/program/values.csv: {CsvImportError(errors).detail} {errors}")
    if rows:
        conn.execute(insert(Value), rows)
    return len(rows)
