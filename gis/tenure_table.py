"""Flat rows of a tenure mix: one per quarter, the unassigned rest and the total.

Shared by the CSV answer of the API and the CLI's table and CSV output.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from gis import csv_cells
from gis.models import TENURES
from gis.tenure import Mix, TenureMix, Trajectory

TOTAL = "total"
UNASSIGNED = "unassigned"

COLUMNS = (
    ["area", "year", "quarter_set", "quarter", "quarter_name"]
    + [f"dwellings_{t}" for t in TENURES]
    + ["dwellings_total"]
    + [f"floor_area_m2_{t}" for t in TENURES]
    + [
        "business_floor_area_m2",
        "business_dwelling_equivalents",
        "demolished_not_replaced",
        "legal_denominator",
        "legal_share",
        "compliant",
    ]
)


def _figures(mix: Mix) -> tuple:
    """A Mix's values for the columns after the first five, rounded for reading."""
    share = mix.legal_share
    return (
        *(mix.dwellings[t] for t in TENURES),
        mix.total_dwellings,
        *(round(mix.floor_area_m2[t], 1) for t in TENURES),
        round(mix.business_floor_area_m2, 1),
        round(mix.business_dwelling_equivalents, 2),
        mix.demolished_not_replaced,
        round(mix.legal_denominator, 2),
        "" if share is None else round(share, 4),
        "" if share is None else mix.compliant,
    )


def _lines(tm: TenureMix, made: dict[int, tuple]) -> Iterator[tuple]:
    """The year's rows in COLUMNS order. `made`: each Mix's figures by identity, worked out
    once per answer (the years a state lasts share one Mix, gis.tenure: a national
    trajectory's 160,000 rows are about 45,000 of them)."""
    head = (tm.area.slug, tm.year, tm.quarter_set.slug if tm.quarter_set else "")
    listed = [(q.slug or "", q.name, q.mix) for q in tm.quarters]
    if tm.unassigned is not None:
        listed.append((UNASSIGNED, "Uden for kvartererne", tm.unassigned))
    listed.append((TOTAL, tm.area.name, tm.total))
    for slug, name, mix in listed:
        figures = made.get(id(mix))
        if figures is None:
            figures = made[id(mix)] = _figures(mix)
        yield (*head, slug, name, *figures)


def rows(tm: TenureMix) -> list[dict]:
    """One row per quarter, the unassigned rest and the total, by column name."""
    return [dict(zip(COLUMNS, line, strict=True)) for line in _lines(tm, {})]


def to_csv(answer: TenureMix | Trajectory | list[Trajectory]) -> str:
    """The year's rows, or every year's in turn (of each trajectory in turn), as CSV with a
    header."""
    if isinstance(answer, TenureMix):
        years = [answer]
    elif isinstance(answer, Trajectory):
        years = answer.years
    else:
        years = [tm for tr in answer for tm in tr.years]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    made: dict[int, tuple] = {}
    cell = csv_cells.cell
    # Of the columns only the quarter's slug and name are text a user writes (the others
    # are figures and the platform's slugs): those go through the spreadsheet rule, not
    # every cell of a national trajectory's 160,000 rows.
    for tm in years:
        writer.writerows(
            (*line[:3], cell(line[3]), cell(line[4]), *line[5:]) for line in _lines(tm, made)
        )
    return buf.getvalue()
