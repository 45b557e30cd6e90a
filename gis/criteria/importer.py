"""Importing yearly indicator values from CSV: every row checked before anything is written.

Format (UTF-8, comma-separated, a header line; data/criteria/README.md documents it):
`area,year,residents,outside_work,convicted,basic_school,income,non_western,published,
illustrative,data_source`. Empty = missing (stored as NULL, never guessed). A row replaces the
stored values of its area and year. Any bad row: nothing is written and every problem is
reported with its line number and column.
"""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from gis.csv_import import decimal, read_rows, whole
from gis.errors import DataError
from gis.models import Area
from gis.models.criteria import INDICATORS, CriteriaValue

COLUMNS = (
    "area",
    "year",
    "residents",
    *INDICATORS,
    "published",
    "illustrative",
    "data_source",
)
REQUIRED = ("area", "year", "data_source")
PERCENT = ("outside_work", "convicted", "basic_school", "non_western")
FIRST_YEAR, LAST_YEAR = 2000, 2100
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "": False}
MAX_ROWS = 100_000
# `criteria_value.residents` is an integer column (int4).
MAX_RESIDENTS = 2**31 - 1


class CsvImportError(DataError):
    """The file's problems, each as {line, column, message}; nothing was written."""

    def __init__(self, errors: list[dict]) -> None:
        n = len(errors)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the file; nothing was imported.")
        self.errors = errors


def _number(raw: str, column: str) -> tuple[float | None, str | None]:
    if raw == "":
        return None, None
    try:
        value = decimal(raw)
    except ValueError:
        return None, f"'{raw[:40]}' is not a finite number"
    if column in PERCENT and not 0 <= value <= 100:
        return None, f"{value:g} is not a percentage between 0 and 100"
    if value < 0:
        return None, f"{value:g} is negative"
    return value, None


def parse_values(content: str, areas: dict[str, int]) -> tuple[list[dict], list[dict]]:
    """(rows ready to store, problems). `areas` maps the known area slugs to their ids."""
    errors: list[dict] = []
    rows: list[dict] = []
    seen: dict[tuple[str, int], int] = {}
    for line, raw in read_rows(content, COLUMNS, MAX_ROWS, rows, errors):

        def bad(column: str, message: str, line: int = line) -> None:
            errors.append({"line": line, "column": column, "message": message})

        unstorable = [h for h, f in raw.items() if "\x00" in f]
        for c in unstorable:
            bad(c, "contains a NUL character")
        if unstorable:
            continue

        row: dict = {}
        for c in REQUIRED:
            if raw[c] == "":
                bad(c, "required, but empty")
        if raw["area"] and raw["area"] not in areas:
            bad("area", f"no area '{raw['area']}' (give an area's slug)")
        year = None
        if raw["year"]:
            try:
                year = whole(raw["year"])
            except ValueError:
                bad("year", f"'{raw['year']}' is not a whole year")
            else:
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    bad("year", f"{year} is outside {FIRST_YEAR}–{LAST_YEAR}")
                    year = None
        if raw["residents"]:
            try:
                row["residents"] = whole(raw["residents"])
                if row["residents"] < 0:
                    bad("residents", "negative")
                elif row["residents"] > MAX_RESIDENTS:
                    bad("residents", f"{row['residents']} is more than {MAX_RESIDENTS}")
            except ValueError:
                bad("residents", f"'{raw['residents']}' is not a whole number")
        else:
            row["residents"] = None
        for c in INDICATORS:
            value, problem = _number(raw[c], c)
            if problem:
                bad(c, problem)
            row[c] = value
        for c in ("published", "illustrative"):
            flag = raw[c].lower()
            if flag not in BOOLEANS:
                bad(c, f"'{raw[c]}' is not true or false")
            row[c] = BOOLEANS.get(flag, False)
        if raw["area"] in areas and year is not None:
            key = (raw["area"], year)
            if key in seen:
                bad("year", f"{raw['area']} {year} is already given on line {seen[key]}")
            seen[key] = line
            row.update(area_id=areas[raw["area"]], year=year, data_source=raw["data_source"])
            rows.append(row)
    return rows, errors


def import_values(conn: Connection, content: str) -> int:
    """Stores every row of the CSV, or none (raises CsvImportError); returns the row count."""
    areas = dict(conn.execute(select(Area.slug, Area.id)).tuples().all())
    rows, errors = parse_values(content, areas)
    if errors:
        raise CsvImportError(errors)
    if not rows:
        raise CsvImportError([{"line": 2, "column": None, "message": "no data rows"}])
    stmt = insert(CriteriaValue).values(rows)
    fields = ("residents", *INDICATORS, "published", "illustrative", "data_source")
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["area_id", "year"], set_={f: stmt.excluded[f] for f in fields}
        )
    )
    return len(rows)
