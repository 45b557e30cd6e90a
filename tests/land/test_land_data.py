"""The reference dataset's land data (ILLUSTRATIVE): reproducible from the gpkg, consistent
with the layout and with the company's public figures, and loaded whole."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import text

from gis.land.reference import default_land_path
from gis.models.land import CONSTRAINTS, OWNER_CATEGORIES, SALE_STATUSES
from gis.reference import default_reference_path

LAND = default_land_path()
GPKG = default_reference_path()
# DOMAIN.md: the company expects to sell ~218,000 m² of building rights: ~2,000 dwellings
# and ~35,000 m² business (public source). "Order of magnitude": within 15 %.
PUBLIC = {"building_right_m2": 218_000, "dwellings": 2_000, "business_m2": 35_000}


def _script():
    path = GPKG.with_name("land.py")
    spec = importlib.util.spec_from_file_location("land_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name: str) -> list[dict]:
    with (LAND / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def parcels():
    return pyogrio.read_dataframe(GPKG, layer="parcel").set_index("matrikelnummer")


@pytest.fixture(scope="module")
def plots(parcels) -> list[dict]:
    """The company's plots (those with a label), with their effective building right."""
    out = []
    for r in read("parcel_land"):
        if not r["plot_label"]:
            continue
        area = parcels.loc[r["matrikelnummer"], "registered_area_m2"]
        right = float(r["building_right_m2"] or float(r["plot_ratio"]) * area)
        out.append({**r, "right": right, "use": parcels.loc[r["matrikelnummer"], "planned_use"]})
    return out


def test_the_files_are_what_the_script_builds(tmp_path: Path):
    module = _script()
    module.write(module.build(GPKG), tmp_path)
    for name in ("parcel_land", "parcel_sale", "sale_status_change"):
        assert (tmp_path / f"{name}.csv").read_text() == (LAND / f"{name}.csv").read_text()


def test_every_parcel_has_one_land_row_with_valid_codes(parcels):
    rows = read("parcel_land")
    assert sorted(r["matrikelnummer"] for r in rows) == sorted(parcels.index)
    for r in rows:
        assert r["owner_category"] in OWNER_CATEGORIES
        assert r["sale_status"] in SALE_STATUSES
        assert set(filter(None, r["constraints"].split(";"))) <= set(CONSTRAINTS)
        assert "ILLUSTRATIVE" in r["data_source"]
        if r["plot_label"]:
            assert r["sale_year"] and (r["building_right_m2"] or r["plot_ratio"])
    labels = [r["plot_label"] for r in rows if r["plot_label"]]
    assert sorted(labels, key=int) == [str(n) for n in range(1, len(labels) + 1)]


def test_owner_category_follows_the_register_until_a_plot_is_sold(parcels):
    module = _script()
    for r in read("parcel_land"):
        registered = module.OWNER_CATEGORIES[parcels.loc[r["matrikelnummer"], "owner"]]
        if r["owner_category"] != registered:
            # The layout registers a field's future owner; until it is sold it is the company's.
            assert r["owner_category"] == "company" and r["sale_status"] != "sold"


def test_the_company_totals_are_near_its_public_figures(plots):
    totals = {
        "building_right_m2": sum(p["right"] for p in plots),
        "dwellings": sum(int(p["expected_dwellings"]) for p in plots),
        "business_m2": sum(float(p["expected_business_m2"]) for p in plots),
    }
    for key, figure in PUBLIC.items():
        assert abs(totals[key] - figure) <= 0.15 * figure, (key, totals[key])
    explicit = [p for p in plots if p["building_right_m2"]]
    assert 0 < len(explicit) < len(plots)  # some explicit, some by plot ratio


@pytest.mark.parametrize("label", ["12", "17"])
def test_the_issue_s_plots_are_unbuilt_housing_plots_for_sale(plots, label):
    plot = next(p for p in plots if p["plot_label"] == label)
    assert plot["use"] == "housing"
    assert plot["sale_status"] in ("planned", "on_offer") and int(plot["sale_year"]) <= 2027
    buildings = pyogrio.read_dataframe(GPKG, layer="building", read_geometry=False)
    assert plot["matrikelnummer"] not in set(buildings.parcel_matrikelnummer)


def test_sale_data_exists_where_a_sale_has_begun():
    status = {r["matrikelnummer"]: r["sale_status"] for r in read("parcel_land")}
    sales = {r["matrikelnummer"]: r for r in read("parcel_sale")}
    for m, s in status.items():
        if s in ("under_option", "sold"):
            assert sales[m]["price_dkk"] and sales[m]["offered_date"], m
            assert sales[m]["option_holder" if s == "under_option" else "buyer"], m
        if s == "sold":
            assert sales[m]["sold_date"] >= sales[m]["option_date"] >= sales[m]["offered_date"]
        if s in ("not_for_sale", "reserved_welfare", "planned"):
            assert m not in sales


def test_each_history_is_a_chain_ending_in_the_current_status():
    status = {r["matrikelnummer"]: r["sale_status"] for r in read("parcel_land")}
    chains: dict[str, list[dict]] = {}
    for r in read("sale_status_change"):
        chains.setdefault(r["matrikelnummer"], []).append(r)
    assert chains
    for m, chain in chains.items():
        assert chain[0]["from_status"] == ""
        for before, after in zip(chain, chain[1:], strict=False):
            assert after["from_status"] == before["to_status"]
            assert after["changed_at"] >= before["changed_at"]
        assert chain[-1]["to_status"] == status[m]


def test_the_loader_stores_every_row(ref_conn):
    for name in ("parcel_land", "parcel_sale", "sale_status_change"):
        stored = ref_conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
        assert stored == len(read(name)), name
    # the plot label and matrikel survive the trip
    row = read("parcel_land")[40]
    found = ref_conn.execute(
        text(
            "SELECT l.plot_label FROM parcel_land l JOIN parcel p ON p.id = l.parcel_id "
            "WHERE p.matrikelnummer = :m"
        ),
        {"m": row["matrikelnummer"]},
    ).scalar_one()
    assert (found or "") == row["plot_label"]
