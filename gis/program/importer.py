"""Importing indicator values from CSV: every row checked before anything is written, as the
criteria import does (`gis.criteria.importer`, whose CSV reading this shares).

Format (UTF-8, comma-separated, a header line; data/program/README.md documents it):
`indicator,year,value,count,provenance,source,source_date`. `count` is the number of persons a
share or rate is computed from (optional; a count indicator's value is its own count). A value
of fewer than 5 persons is stored suppressed, without its number. A row replaces the stored
value of its indicator and year. Any bad row: nothing is written, and every problem is
reported with its line number and column (never with the value of a suppressed row).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from gis.criteria.importer import CsvImportError
from gis.csv_import import decimal, read_rows, whole
from gis.models.program import PROVENANCES, Indicator, Value
from gis.program import suppressed

COLUMNS = ("indicator", "year", "value", "count", "provenance", "source", "source_date")
REQUIRED = ("indicator", "year", "value", "source")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_ROWS = 100_000
MAX_COUNT = 10_000_000  # more persons than Denmark has
MAX_VALUE = 1e9
DEFAULT_PROVENANCE = "import"

__all__ = ["COLUMNS", "CsvImportError", "import_values", "parse_values"]


def _number(raw: str) -> float | None:
    try:
        return decimal(raw)
    except ValueError:
        return None


def _check_value(value: float, unit: str) -> str | None:
    if abs(value) > MAX_VALUE:
        return f"more than {MAX_VALUE:g} in size"
    if unit == "percent" and not 0 <= value <= 100:
        return "not a percentage between 0 and 100"
    if unit != "points" and value < 0:
        return "negative"
    if unit == "count" and value != int(value):
        return "not a whole number (the indicator is a count)"
    return None


def parse_values(
    content: str, indicators: dict[str, tuple[int, str]], today: dt.date | None = None
) -> tuple[list[dict], list[dict]]:
    """(rows ready to store, problems). `indicators` maps each known key to (id, unit)."""
    today = today or dt.date.today()
    errors: list[dict] = []
    rows: list[dict] = []
    seen: dict[tuple[str, int], int] = {}
    for line, raw in read_rows(content, COLUMNS, MAX_ROWS, rows, errors):
        row_errors: list[dict] = []

        def bad(column: str, message: str, line: int = line, into: list = row_errors) -> None:
            into.append({"line": line, "column": column, "message": message})

        unstorable = [h for h, f in raw.items() if "\x00" in f]
        for c in unstorable:
            bad(c, "contains a NUL character")
        if unstorable:
            errors += row_errors
            continue
        for c in REQUIRED:
            if raw[c] == "":
                bad(c, "required, but empty")
        known = indicators.get(raw["indicator"])
        if raw["indicator"] and known is None:
            bad("indicator", f"no indicator '{raw['indicator'][:64]}' (give an indicator's key)")
        year = None
        if raw["year"]:
            try:
                year = whole(raw["year"])
            except ValueError:
                bad("year", "not a whole year")
            else:
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    bad("year", f"outside {FIRST_YEAR}–{LAST_YEAR}")
                    year = None
        count = None
        if raw["count"]:
            try:
                count = whole(raw["count"])
            except ValueError:
                bad("count", "not a whole number of persons")
            else:
                if not 0 <= count <= MAX_COUNT:
                    bad("count", f"not between 0 and {MAX_COUNT}")
                    count = None
        value = None
        if raw["value"]:
            value = _number(raw["value"])
            # The value itself is never echoed: it may be a count that must not be shown.
            if value is None:
                bad("value", "not a finite number")
            elif known is not None and (problem := _check_value(value, known[1])):
                bad("value", problem)
                value = None
        both = count is not None and value is not None
        if known is not None and known[1] == "count" and both and count != value:
            bad("count", "differs from the value of a count indicator (leave it empty)")
        provenance = raw["provenance"] or DEFAULT_PROVENANCE
        if provenance not in PROVENANCES:
            bad("provenance", f"not one of {', '.join(PROVENANCES)}")
        source_date = None
        if raw["source_date"]:
            try:
                source_date = dt.date.fromisoformat(raw["source_date"])
            except ValueError:
                bad("source_date", "not a date (YYYY-MM-DD)")
            else:
                if source_date > today:
                    bad("source_date", "in the future")
        if known is not None and year is not None:
            key = (raw["indicator"], year)
            if key in seen:
                bad("year", f"{raw['indicator']} {year} is already given on line {seen[key]}")
            seen[key] = line
        if row_errors:
            errors += row_errors
            continue
        hidden = suppressed(value, count, known[1])
        rows.append(
            {
                "indicator_id": known[0],
                "year": year,
                "value": None if hidden else value,
                "suppressed": hidden,
                "provenance": provenance,
                "source": raw["source"],
                "source_date": source_date,
            }
        )
    return rows, errors


def import_values(conn: Connection, content: str) -> dict[str, int]:
    """Stores every row of the CSV, or none (raises CsvImportError); returns how many rows
    were imported and how many of them were suppressed."""
    known = {
        key: (id_, unit)
        for key, id_, unit in conn.execute(select(Indicator.key, Indicator.id, Indicator.unit))
    }
    rows, errors = parse_values(content, known)
    if errors:
        raise CsvImportError(errors)
    if not rows:
        raise CsvImportError([{"line": 2, "column": None, "message": "no data rows"}])
    stmt = insert(Value).values(rows)
    fields = ("value", "suppressed", "provenance", "source", "source_date")
    set_ = {f: stmt.excluded[f] for f in fields}
    set_["recorded_at"] = stmt.excluded.recorded_at
    conn.execute(stmt.on_conflict_do_update(index_elements=["indicator_id", "year"], set_=set_))
    return {"imported": len(rows), "suppressed": sum(r["suppressed"] for r in rows)}
