"""Flat rows of a tenure mix: one per quarter, the unassigned rest and the total.

Shared by the CSV answer of the API and the CLI's table and CSV output.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

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


def _row(tm: TenureMix, slug: str, name: str, mix: Mix) -> dict:
    row = {
        "area": tm.area.slug,
        "year": tm.year,
        "quarter_set": tm.quarter_set.slug if tm.quarter_set else "",
        "quarter": slug,
        "quarter_name": name,
    }
    row.update({f"dwellings_{t}": mix.dwellings[t] for t in TENURES})
    row["dwellings_total"] = mix.total_dwellings
    row.update({f"floor_area_m2_{t}": round(mix.floor_area_m2[t], 1) for t in TENURES})
    share = mix.legal_share
    row.update(
        business_floor_area_m2=round(mix.business_floor_area_m2, 1),
        business_dwelling_equivalents=round(mix.business_dwelling_equivalents, 2),
        demolished_not_replaced=mix.demolished_not_replaced,
        legal_denominator=round(mix.legal_denominator, 2),
        legal_share="" if share is None else round(share, 4),
        compliant="" if share is None else mix.compliant,
    )
    return row


def rows(tm: TenureMix) -> list[dict]:
    out = [_row(tm, q.slug or "", q.name, q.mix) for q in tm.quarters]
    if tm.unassigned is not None:
        out.append(_row(tm, UNASSIGNED, "Uden for kvartererne", tm.unassigned))
    out.append(_row(tm, TOTAL, tm.area.name, tm.total))
    return out


def trajectory_rows(tr: Trajectory) -> list[dict]:
    return [row for tm in tr.years for row in rows(tm)]


def to_csv(table: Iterable[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buf.getvalue()
