"""The plan's schedules (data/monitoring/*.csv) loaded as plan items, targets and actuals.

The demolition and renovation items take their figures from the same description the map
data is built from (data/kort/description.py), marked `kort` in the CSV, so the plan and the
map cannot disagree by a typing slip; they may still differ where the map's state does, which
is what progress measures. Items of areas the database does not hold are skipped: the plan
belongs to the bundled Vollsmose.
"""

from __future__ import annotations

import csv
import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

from sqlalchemy import Connection, insert, select

from gis.errors import DataError
from gis.models import Area
from gis.models.monitoring import PlanActual, PlanItem, PlanTarget

DATA = Path(__file__).resolve().parents[2] / "data"
FROM_MAP = "kort"


@cache
def _description() -> ModuleType:
    path = DATA / "kort" / "description.py"
    spec = importlib.util.spec_from_file_location("vollsmose_kort_description", path)
    if spec is None or spec.loader is None:
        raise DataError(f"Cannot read {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split_even(total: float, years: list[int]) -> dict[int, float]:
    """`total` over `years` in whole units, the remainder to the first years."""
    if total == int(total) and years:
        base, rest = divmod(int(total), len(years))
        return {y: float(base + (1 if i < rest else 0)) for i, y in enumerate(years)}
    return {y: total / len(years) for y in years}


def _department(name: str) -> dict:
    for dep in _description().DEPARTMENTS:
        if dep["name"] == name:
            return dep
    raise DataError(f"Department '{name}' is not in data/kort/description.py.")


def _from_map(row: dict) -> dict:
    """Fills the `kort` fields of a demolition or renovation row from the map's description."""
    d = _description()
    dep = _department(row["department"])
    demolished, first, last = dep["demolition"]
    if row["kind"] == "demolition":
        figures = {"start_year": first, "end_year": last, "planned_quantity": demolished}
        profile = None
    elif row["kind"] == "renovation":
        phases = dep["renovation"]
        kept = dep["dwellings"] - demolished
        # A phase's blocks count as renovated when it ends; the blocks take the phases in turn.
        ends = split_even(kept, [end for _, end in phases])
        figures = {
            "start_year": phases[0][0],
            "end_year": phases[-1][1],
            "planned_quantity": kept,
            "decided": str(phases[0][0] <= d.RENOVATION_DECIDED_UNTIL).lower(),
        }
        profile = ends
    else:
        raise DataError(f"'{row['key']}': only demolition and renovation come from the map.")
    figures["organisation"] = dep["owner"]
    out = dict(row)
    for field, value in figures.items():
        if out.get(field) == FROM_MAP:
            out[field] = value
    if out["profile"] == FROM_MAP:
        out["profile"] = profile
    return out


def _profile(row: dict) -> dict[int, float]:
    spec = row["profile"]
    years = list(range(int(row["start_year"]), int(row["end_year"]) + 1))
    if isinstance(spec, dict):
        return spec
    if spec == "even":
        return split_even(float(row["planned_quantity"]), years)
    if spec == FROM_MAP and row["kind"] == "new_building":
        return {y: float(n) for y, n in _description().NEW_PRIVATE_BY_YEAR.items()}
    try:
        return {int(y): float(q) for y, q in (part.split(":") for part in spec.split(";"))}
    except ValueError as exc:
        raise DataError(f"'{row['key']}': profile '{spec}' is not 'even' or 'year:qty;…'.") from exc


def _read(name: str) -> list[dict]:
    with (DATA / "monitoring" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def plan_rows() -> list[dict]:
    """The plan items of the CSV with `kort` fields resolved and their yearly targets."""
    rows = []
    for raw in _read("plan_items.csv"):
        row = _from_map(raw) if raw["kind"] in ("demolition", "renovation") else dict(raw)
        targets = _profile(row)
        if abs(sum(targets.values()) - float(row["planned_quantity"])) > 1e-6:
            raise DataError(
                f"'{row['key']}': the yearly targets add up to {sum(targets.values()):g},"
                f" not the planned {float(row['planned_quantity']):g}."
            )
        row["targets"] = targets
        rows.append(row)
    return rows


def load_monitoring(conn: Connection) -> dict[str, int]:
    """Loads the plan items, their targets and the recorded actuals; returns row counts."""
    area_ids = dict(conn.execute(select(Area.slug, Area.id)).all())
    item_ids: dict[tuple[str, str], int] = {}
    n_targets = 0
    for row in plan_rows():
        if row["area"] not in area_ids:
            continue
        item_id = conn.execute(
            insert(PlanItem)
            .values(
                area_id=area_ids[row["area"]],
                key=row["key"],
                kind=row["kind"],
                title=row["title"],
                department=row["department"] or None,
                organisation=row["organisation"] or None,
                start_year=int(row["start_year"]),
                end_year=int(row["end_year"]),
                planned_quantity=float(row["planned_quantity"]),
                unit=row["unit"],
                decided=str(row["decided"]).lower() == "true",
                derive=row["derive"] or None,
                derive_match=row["derive_match"] or None,
                source=row["source"],
            )
            .returning(PlanItem.id)
        ).scalar_one()
        item_ids[(row["area"], row["key"])] = item_id
        targets = [
            {"item_id": item_id, "year": y, "quantity": q} for y, q in row["targets"].items()
        ]
        conn.execute(insert(PlanTarget), targets)
        n_targets += len(targets)
    actuals = []
    for row in _read("actuals.csv"):
        if row["area"] not in area_ids:
            continue
        key = (row["area"], row["item"])
        if key not in item_ids:
            raise DataError(f"actuals.csv names '{row['item']}', which is not a plan item.")
        actuals.append(
            {
                "item_id": item_ids[key],
                "year": int(row["year"]),
                "quantity": float(row["quantity"]),
                "note": row["note"] or None,
            }
        )
    if actuals:
        conn.execute(insert(PlanActual), actuals)
    return {"plan_item": len(item_ids), "plan_target": n_targets, "plan_actual": len(actuals)}
