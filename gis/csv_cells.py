"""CSV written for spreadsheets: a text cell is never read as a formula.

Every CSV the platform writes opens in a spreadsheet somewhere (a planner's Excel, the
company's LibreOffice), and a text that begins with `=`, `+`, `-` or `@` (or a tab or a
carriage return, which some read past) is taken there as a formula: a feature name a
planner wrote, such as `=HYPERLINK("http://…"&A1)`, would run in whoever opens the file
(CSV injection, OWASP). Such a text is written with a leading apostrophe, which a
spreadsheet shows as text; numbers, which are not text, are written as they are. The
writers here are `csv.writer` and `csv.DictWriter` with that rule applied to every cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value` as a CSV cell a spreadsheet reads as what it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class writer:  # noqa: N801 (named as the csv module's, which it stands in for)
    def __init__(self, f, **kwargs: Any) -> None:
        self._w = csv.writer(f, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
