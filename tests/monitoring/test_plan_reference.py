"""The plan's reference data agrees with the map's description and with the seed's targets."""

from __future__ import annotations

from sqlalchemy import Connection, text

from gis.monitoring.progress import progress
from gis.monitoring.reference import _description, plan_rows


def test_demolition_items_take_the_map_descriptions_figures() -> None:
    rows = {r["key"]: r for r in plan_rows()}
    for dep in _description().DEPARTMENTS:
        demolished, first, last = dep["demolition"]
        item = next(
            r for r in rows.values() if r["kind"] == "demolition" and r["department"] == dep["name"]
        )
        assert (item["planned_quantity"], item["start_year"], item["end_year"]) == (
            demolished,
            first,
            last,
        )
        assert item["organisation"] == dep["owner"]
        renovation = next(
            r for r in rows.values() if r["kind"] == "renovation" and r["department"] == dep["name"]
        )
        assert renovation["planned_quantity"] == dep["dwellings"] - demolished
    assert sum(r["planned_quantity"] for r in rows.values() if r["kind"] == "demolition") == 1000


def test_rehousing_targets_are_the_seeds() -> None:
    rows = {r["key"]: r for r in plan_rows()}
    assert rows["genhusning-civica"]["targets"] == {y: 97.0 for y in range(2021, 2029)}
    assert rows["genhusning-fab"]["targets"] == {y: 67.0 for y in range(2023, 2026)}
    assert sum(rows["genhusning-fab-fyrreparken"]["targets"].values()) == 26


def test_after_the_plan_every_demolition_matches_the_map(ref_conn: Connection) -> None:
    by_department = dict(
        ref_conn.execute(
            text(
                "SELECT b.department, sum(s.dwellings) FROM building b"
                " JOIN dwelling_stock s ON s.building_id = b.id"
                " WHERE b.demolished_year IS NOT NULL AND s.tenure = 'almen_family'"
                " GROUP BY b.department"
            )
        ).all()
    )
    p = progress(ref_conn, "vollsmose", 2031)
    demolitions = [i for i in p.items if i.kind == "demolition"]
    assert len(demolitions) == 6
    for item in demolitions:
        assert item.done_to_date == by_department[item.department] == item.planned_quantity
    assert p.conflicts == []


def test_every_plan_row_names_its_source_and_every_actual_says_what_it_is() -> None:
    import csv
    from pathlib import Path

    assert all(r["source"].strip() for r in plan_rows())
    path = Path(__file__).resolve().parents[2] / "data" / "monitoring" / "actuals.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            note = row["note"]
            assert "ILLUSTRATIVE" in note or "public source" in note, row
