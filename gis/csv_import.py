"""Reading a CSV upload row by row, every problem of its form named by line and column (the
criteria and the program's indicator imports: all rows or none)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence

# Numbers as a spreadsheet writes them: ASCII digits, a decimal point or one decimal comma,
# an exponent. Python's int() and float() also take "2_037", " 12", Arabic-Indic or
# full-width digits and "nan", none of which a register or a spreadsheet means as a number.
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def whole(raw: str) -> int:
    """A whole number in ASCII digits; ValueError otherwise."""
    if not _WHOLE.fullmatch(raw):
        raise ValueError(raw)
    return int(raw)


def decimal(raw: str) -> float:
    """A finite decimal number (a single comma taken as the decimal sign when there is no
    point); ValueError otherwise."""
    text = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw
    if not _DECIMAL.fullmatch(text):
        raise ValueError(raw)
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(raw)
    return value


def read_rows(
    content: str, columns: Sequence[str], max_rows: int, rows: list, errors: list[dict]
) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a CSV whose header names exactly `columns` (in any order), as (line,
    {column: its text, stripped}); blank lines are skipped. Every problem of the file's form
    goes to `errors`: a header that is not `columns` (nothing is read), a record the csv
    module cannot read (the reading stops there), more than `max_rows` rows kept in `rows`
    (the caller's, which it fills: the reading stops), a row of the wrong length."""
    content = content.lstrip("\ufeff")
    # strict: a quote left open (or text after a closing quote) is an error, not, as the
    # csv module would have it, the rest of the file read as one field.
    # newline=None: a file of old Mac line ends (CR alone) reads as lines, as CRLF and LF do.
    reader = csv.reader(io.StringIO(content, newline=None), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        errors.append(_malformed(content, 1, None, exc))
        return
    if header is None:
        errors.append({"line": 1, "column": None, "message": "the file is empty"})
        return
    header = [h.strip() for h in header]
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in columns]
    if missing or unknown or len(set(header)) != len(header):
        for c in missing:
            errors.append({"line": 1, "column": c, "message": "column missing from the header"})
        for c in unknown:
            errors.append({"line": 1, "column": c, "message": "unknown column"})
        if len(set(header)) != len(header):
            errors.append({"line": 1, "column": None, "message": "a column is named twice"})
        return
    for line, fields in _records(reader):
        if isinstance(fields, csv.Error):
            errors.append(_malformed(content, line, header, fields))
            return
        if not any(f.strip() for f in fields):
            continue
        if len(rows) >= max_rows:
            errors.append({"line": line, "column": None, "message": f"more than {max_rows} rows"})
            return
        if len(fields) != len(header):
            errors.append(
                {
                    "line": line,
                    "column": None,
                    "message": f"{len(fields)} fields where the header has {len(header)}",
                }
            )
            continue
        yield line, {h: f.strip() for h, f in zip(header, fields, strict=True)}


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
