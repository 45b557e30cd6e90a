"""Expectations computed independently of the platform: from the CSV files and the state rule."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "monitoring"


def actuals(item: str) -> dict[int, float]:
    out: dict[int, float] = {}
    with (DATA / "actuals.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["item"] == item:
                out[int(row["year"])] = out.get(int(row["year"]), 0) + float(row["quantity"])
    return out


def to_date(by_year: dict[int, float], year: int) -> float:
    """State of 1 January `year`: what is dated before it."""
    return sum(q for y, q in by_year.items() if y < year)
