"""Importing yearly indicator values from CSV: every row checked before anything is written.

Format (UTF-8, comma-separated, a header line; data/criteria/README.md documents it):
`area,year,residents,outside_work,convicted,basic_school,income,non_western,published,
illustrative,data_source`. Empty = missing (stored as NULL, never guessed). A row replaces the
stored values of its area and year. Any bad row: nothing is written and every problem is
reported with its line number and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

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
        value = float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except ValueError:
        return None, f"'{raw}' is not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return None, f"'{raw}' is not a finite number"
    if column in PERCENT and not 0 <= value <= 100:
        return None, f"{value:g} is not a percentage between 0 and 100"
    if value < 0:
        return None, f"{value:g} is negative"
    return value, None


def parse_values(content: str, areas: dict[str, int]) -> tuple[list[dict], list[dict]]:
    """(rows ready to store, problems). `areas` maps the known area slugs to their ids."""
    errors: list[dict] = []
    content = content.lstrip("\ufeff")
    # strict: a quote left open (or text after a closing quote) is an error, not, as the
    # csv module would have it, the rest of the file read as one field.
    reader = csv.reader(io.StringIO(content), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [_malformed(content, 1, None, exc)]
    if header is None:
        return [], [{"line": 1, "column": None, "message": "the file is empty"}]
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        for c in missing:
            errors.append({"line": 1, "column": c, "message": "column missing from the header"})
        for c in unknown:
            errors.append({"line": 1, "column": c, "message": "unknown column"})
        if len(set(header)) != len(header):
            errors.append({"line": 1, "column": None, "message": "a column is named twice"})
        return [], errors
    rows: list[dict] = []
    seen: dict[tuple[str, int], int] = {}
    for line, fields in _records(reader):
        if isinstance(fields, csv.Error):
            errors.append(_malformed(content, line, header, fields))
            break
        if not any(f.strip() for f in fields):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append({"line": line, "column": None, "message": f"more than {MAX_ROWS} rows"})
            break
        if len(fields) != len(header):
            errors.append(
                {
                    "line": line,
                    "column": None,
                    "message": f"{len(fields)} fields where the header has {len(header)}",
                }
            )
            continue
        raw = {h: f.strip() for h, f in zip(header, fields, strict=True)}

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
                year = int(raw["year"])
            except ValueError:
                bad("year", f"'{raw['year']}' is not a whole year")
            else:
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    bad("year", f"{year} is outside {FIRST_YEAR}–{LAST_YEAR}")
                    year = None
        if raw["residents"]:
            try:
                row["residents"] = int(raw["residents"])
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


def _records(reader) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(line the record starts on, its fields), or the csv.Error that ended the file."""
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, exc
            return
        yield start, fields


def _malformed(content: str, line: int, header: list[str] | None, exc: csv.Error) -> dict:
    """The problem of a record the csv module could not read, with the column it is in."""
    lines = content.splitlines(keepends=True)
    text = "".join(lines[line - 1 :])
    field, quoted, closed = 0, None, False
    i = 0
    while i < len(text):
        c = text[i]
        if quoted is not None and not closed:
            if c == '"' and text[i + 1 : i + 2] == '"':
                i += 1
            elif c == '"':
                closed = True
        elif closed and c not in ",\r\n":
            break  # text after a closing quote: this field is the bad one
        elif c == '"':
            quoted, closed = field, False
        elif c == ",":
            field, quoted, closed = field + 1, None, False
        elif c in "\r\n":
            break
        i += 1
    if quoted is not None and not closed:
        message = "a quoted field is not closed (a '\"' is missing)"
    else:
        message = f"not well-formed CSV ({exc})"
    column = header[field] if header and field < len(header) else None
    return {"line": line, "column": column, "message": message}


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
