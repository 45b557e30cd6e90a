"""Counts of people (rehousing's households) on every monitoring path: a year's count under 5
is never given, and running totals are rounded to 5, so two years' totals do not give a
suppressed year back (gis.monitoring.disclosure). The reference data records 4 households
rehoused from Fyrreparken in 2022 (illustrative)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from gis.monitoring.disclosure import PERSON_UNITS, ROUND_TO, SUPPRESS_BELOW

AREA = "vollsmose"


def _raw_small_years(ref_engine) -> set[tuple[str, int]]:
    with ref_engine.connect() as conn:
        rows = conn.execute(
            text(
                """
                SELECT i.key, a.year FROM plan_actual a JOIN plan_item i ON i.id = a.item_id
                WHERE i.unit = ANY(:units)
                GROUP BY i.key, a.year HAVING sum(a.quantity) BETWEEN 1 AND :below - 1
                """
            ),
            {"units": sorted(PERSON_UNITS), "below": SUPPRESS_BELOW},
        ).all()
    return {(r.key, r.year) for r in rows}


def test_the_reference_data_has_a_small_count_to_hide(ref_engine):
    assert ("genhusning-fab-fyrreparken", 2022) in _raw_small_years(ref_engine)


def test_plan_items_give_no_count_of_people_under_5(ref_client, ref_engine):
    small = _raw_small_years(ref_engine)
    items = ref_client.get(f"/areas/{AREA}/plan-items").json()
    seen = set()
    for item in items:
        if item["unit"] not in PERSON_UNITS:
            continue
        for y in item["years"]:
            if y["recorded"] is not None:
                assert y["recorded"] >= SUPPRESS_BELOW, (item["key"], y)
            if y["suppressed"]:
                assert y["recorded"] is None
                seen.add((item["key"], y["year"]))
    assert seen == small


def test_progress_totals_of_people_are_rounded_in_json_and_csv(ref_client):
    for year in range(2021, 2031):
        body = ref_client.get(f"/areas/{AREA}/progress", params={"year": year}).json()
        people = [i for i in body["items"] if i["unit"] in PERSON_UNITS]
        assert people
        for i in people:
            for field in ("done_to_date", "recorded_to_date"):
                if i[field] is not None:
                    assert i[field] % ROUND_TO == 0, (year, i["key"], field, i[field])
        rows = csv.DictReader(
            io.StringIO(
                ref_client.get(f"/areas/{AREA}/progress", params={"year": year, "f": "csv"}).text
            )
        )
        for r in rows:
            if r["unit"] in PERSON_UNITS and r["done_to_date"]:
                assert float(r["done_to_date"]) % ROUND_TO == 0, (year, r["key"])
