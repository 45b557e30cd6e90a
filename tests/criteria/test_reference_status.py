"""The bundled data: Vollsmose's 2019 list values give the status seed 001 states."""

from __future__ import annotations

import csv

from gis.criteria import areas_status, evaluate
from gis.criteria.reference import DATA

# Seed 001, "Ghettolisten 2019": Vollsmose over all five thresholds; a hard ghetto area.
SEED_2019 = {
    "outside_work": 49.5,
    "convicted": 2.70,
    "basic_school": 77.2,
    "income": 53.3,
    "non_western": 76.6,
}


def test_vollsmose_2019_meets_all_five_and_is_a_hard_ghetto(ref_conn) -> None:
    (y,) = evaluate(ref_conn, "vollsmose", 2019, 2019)
    assert y["values"] | {} and not y["illustrative"]
    ghetto = next(r for r in y["lists"] if r["key"] == "ghetto")
    by = {c["indicator"]: c for c in ghetto["criteria"]}
    for indicator, value in SEED_2019.items():
        assert by[indicator]["value"] == value
        assert by[indicator]["met"] is True
    # The seed's printed threshold for convictions: 3 × national = 2.03 %.
    assert round(by["convicted"]["threshold"], 2) == 2.03
    assert ghetto["met"] is True
    assert y["status_key"] == "haard_ghetto" and y["status"] == "hårdt ghettoområde"
    assert y["rule_set"]["key"] == "udsat_2018"
    assert len(y["met"]) == 5


def test_every_area_row_of_the_bundled_data_is_loaded_with_its_label(ref_conn) -> None:
    with (DATA / "areas.csv").open(encoding="utf-8") as f:
        slugs = {r["slug"] for r in csv.DictReader(f)}
    found = {a["slug"]: a for a in areas_status(ref_conn, 2025)}
    assert slugs | {"vollsmose", "kertemindevejkvarteret"} <= set(found)
    for slug in slugs:
        assert "Illustrative" in found[slug]["area_data_source"]
        assert found[slug]["illustrative"] is True
        assert found[slug]["geometry"]["type"] == "MultiPolygon"
