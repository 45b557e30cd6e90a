"""Builds the land data (data/land/*.csv) of the reference dataset from vollsmose.gpkg.

    .venv/bin/python data/kort/land.py [--gpkg PATH] [--out DIR]

ILLUSTRATIVE: plot labels, sale statuses and years, building rights, expected dwellings and
business m², constraints, prices, buyers, option holders and dates are chosen here to tell
the arealudviklingsselskab's story; only the company's totals follow public figures
(DOMAIN.md: ~218,000 m² of building rights, ~2,000 dwellings, ~35,000 m² business). The
rules are below, each in one place; data/land/README.md explains them. Deterministic: the
same gpkg gives the same files. Rows are keyed by matrikel (ejerlavskode, matrikelnummer),
which gis/reference.py resolves when it loads them.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path

import pyogrio
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "land"
GPKG = HERE / "vollsmose.gpkg"

DATA_SOURCE = (
    "ILLUSTRATIVE land data of the reference dataset (data/kort/land.py): the company's "
    "totals follow its public figures; plots, statuses, rights and sale data are chosen."
)
DEVELOPER = "Arealudviklingsselskabet Vollsmose (illustrative)"
ACTOR = "reference data import (illustrative)"

# parcel.owner -> owner_category (every owner in the layout must be listed).
OWNER_CATEGORIES = {
    "Odense Kommune": "odense_kommune",
    "Civica": "civica",
    "FAB": "fab",
    "Dan Mark Ejendomme A/S": "dan_mark_ejendomme",
    DEVELOPER: "company",
    "Privat udlejer (illustrative)": "private",
    "Ejerforening, ejerlejligheder (illustrative)": "private",
    "Andelsboligforening (illustrative)": "private",
    "Andelsboligforeningen Fyrren (illustrative)": "private",
    "Vollsmose Bolig ApS (illustrative)": "private",
    "Erhvervsinvestor (illustrative)": "private",
    "Folkekirken (menighedsråd)": "other",
    "Mulernes Legatskole (selvejende)": "other",
}

# Building right per plot kind: explicit (the built project's floor area, or a stated m²)
# or a plot ratio (bebyggelsesprocent / 100). Dwellings and business per plot (chosen).
TAET_LAV_RATIO = 0.4  # the open fields not built by 2029: dense-low housing, ~9 dwellings
TAET_LAV_DWELLINGS = 9
FREED_HOUSING_RATIO = 0.5  # plots freed by a demolition, planned for housing
FREED_HOUSING_DWELLINGS = 12
FREED_MIXED_RATIO = 1.0  # plots freed by a demolition, planned mixed: business + a few flats
FREED_MIXED_BUSINESS_M2 = 2450.0
FREED_MIXED_DWELLINGS = 2
# DKK per m² of building right (illustrative).
PRICE_PER_M2 = {"housing": 2600, "mixed": 2200, "business": 1600}

# The open fields are sold nearest-the-letbane first: years by rank (chosen).
FIELD_SALE_YEARS = [2025] * 6 + [2026] * 12 + [2027] * 6 + [2028] * 5 + [2029] * 4 + [2030] * 4
FIELDS_ON_OFFER = 12  # the first twelve fields are on offer; the rest planned
# Who holds the option on a plot not yet sold (chosen; confidential): never the plot's public
# owner, which is the company's until the sale (gis.land.confidential.check_public_owner).
OPTION_HOLDERS = (
    "Boligselskabet Nordlys A/S (illustrative)",
    "Fynske Boligudviklere ApS (illustrative)",
    "Andelsboligforeningen Vollsmose Have (illustrative)",
)
BUSINESS_OPTION_HOLDER = "Erhvervsinvestor (illustrative)"
REGISTERED = date(2022, 6, 1)  # the company's sale plan (company established 2022)
MAIN_ROADS = ("Ejbygade", "Åsumvej", "Vollsmose Allé", "Kertemindevej")


def phase(year: int | None) -> str | None:
    if year is None:
        return None
    for first, last, name in ((2020, 2024, "1"), (2025, 2027, "2"), (2028, 2030, "3")):
        if first <= year <= last:
            return f"etape {name} ({first}-{last})"
    return "etape 4 (2031-2032)"


def _read(path: Path, layer: str):
    return pyogrio.read_dataframe(path, layer=layer)


def build(gpkg: Path = GPKG) -> dict[str, list[dict]]:
    parcels = _read(gpkg, "parcel")
    buildings = _read(gpkg, "building")
    roads = _read(gpkg, "road")
    stops = _read(gpkg, "rail_stop")
    rail = _read(gpkg, "rail_line")
    unknown = set(parcels.owner) - set(OWNER_CATEGORIES)
    if unknown:
        raise ValueError(f"owners without a category: {sorted(unknown)}")

    main_roads = unary_union(list(roads[roads.name.isin(MAIN_ROADS)].geometry))
    paths = unary_union(list(roads[roads.kind == "path"].geometry))
    railway = unary_union(list(rail.geometry))
    green = unary_union(list(parcels[parcels.planned_use == "green"].geometry))
    stop_points = list(stops.geometry)
    on = {m: g for m, g in buildings.groupby("parcel_matrikelnummer")}

    def constraints(geom, freed: bool) -> list[str]:
        out = []
        if geom.distance(paths) <= 10:
            out.append("easement")  # a path's right of way along or across the plot
        if geom.distance(main_roads) <= 60 or geom.distance(railway) <= 25:
            out.append("noise")
        if freed:
            out.append("soil")  # foundations and fill of the demolished block
        if not freed and geom.distance(green) <= 15:
            out.append("protected")  # trees on the edge of a green area
        return out

    land: dict[str, dict] = {}
    fields, built_fields, freed, business = [], [], [], []
    for p in parcels.itertuples():
        here = on.get(p.matrikelnummer)
        new_housing = here is not None and here.source_id.str.startswith("ref:ny-").any()
        demolished = (
            here is not None and ((here.use == "housing") & here.demolished_year.notna()).any()
        )
        if p.owner == DEVELOPER and here is None:
            fields.append(p)
        elif new_housing:
            built_fields.append((p, here.iloc[0]))
        elif demolished and p.planned_use in ("housing", "mixed"):
            freed.append((p, here.iloc[0]))
        elif here is not None and here.source_id.str.startswith("ref:erhverv-").any():
            business.append((p, here.iloc[0]))
        status = "not_for_sale"
        if p.owner == "Odense Kommune" and p.planned_use == "public":
            status = "reserved_welfare"
        land[p.matrikelnummer] = {
            "ejerlavskode": int(p.ejerlavskode),
            "matrikelnummer": p.matrikelnummer,
            "plot_label": None,
            "owner_category": OWNER_CATEGORIES[p.owner],
            "sale_status": status,
            "sale_year": None,
            "sale_phase": None,
            "building_right_m2": None,
            "plot_ratio": None,
            "expected_dwellings": None,
            "expected_business_m2": None,
            "constraints": constraints(p.geometry, demolished),
            "data_source": DATA_SOURCE,
        }

    sales: list[dict] = []
    history: list[dict] = []
    label = 0

    def plot(p, **values) -> dict:
        nonlocal label
        label += 1
        row = land[p.matrikelnummer]
        row.update(plot_label=str(label), sale_phase=phase(values.get("sale_year")), **values)
        return row

    def sell(row: dict, use: str, holder: str | None, offered, option=None, sold=None) -> None:
        """Sale data and the status history that led to the row's status."""
        right = row["building_right_m2"] or (row["plot_ratio"] or 0) * row["_area"]
        sales.append(
            {
                "ejerlavskode": row["ejerlavskode"],
                "matrikelnummer": row["matrikelnummer"],
                "price_dkk": int(round(right * PRICE_PER_M2[use], -4)),
                "buyer": holder if sold else None,
                "option_holder": holder if option else None,
                "offered_date": offered,
                "option_date": option,
                "option_expires": date(option.year + 2, option.month, 1) if option else None,
                "sold_date": sold,
            }
        )
        # Plots offered before the company's plan was drawn up were in the municipality's.
        registered = min(REGISTERED, date(offered.year, 1, 2))
        steps = [(registered, None, "planned"), (offered, "planned", "on_offer")]
        if option:
            steps.append((option, "on_offer", "under_option"))
        if sold:
            steps.append((sold, "under_option", "sold"))
        for when, before, after in steps:
            history.append(
                {
                    "ejerlavskode": row["ejerlavskode"],
                    "matrikelnummer": row["matrikelnummer"],
                    "changed_at": f"{min(when, date(2026, 10, 1)).isoformat()}T10:00:00+00:00",
                    "actor": ACTOR,
                    "from_status": before,
                    "to_status": after,
                    "note": None if after != "sold" else "skøde tinglyst (illustrative)",
                }
            )

    # 1. The open fields, nearest a letbane stop first.
    def to_stop(p) -> float:
        return min(p.geometry.distance(s) for s in stop_points)

    fields.sort(key=lambda p: (round(to_stop(p), 1), p.matrikelnummer))
    if len(fields) != len(FIELD_SALE_YEARS):
        raise ValueError(f"{len(fields)} open fields, {len(FIELD_SALE_YEARS)} sale years")
    for rank, (p, year) in enumerate(zip(fields, FIELD_SALE_YEARS, strict=True)):
        status = "on_offer" if rank < FIELDS_ON_OFFER else "planned"
        row = plot(
            p,
            sale_status=status,
            sale_year=year,
            plot_ratio=TAET_LAV_RATIO,
            expected_dwellings=TAET_LAV_DWELLINGS,
            expected_business_m2=0.0,
        )
        if status == "on_offer":
            row["_area"] = p.geometry.area
            sell(row, "housing", None, date(year - 1 if year > 2025 else year, 3, 1))

    # 2. The fields of the 1,600 new private dwellings: sold up to the decided buildings, then
    # optioned, offered and planned by the year the building is to stand (chosen).
    built_fields.sort(key=lambda pb: (pb[1].built_year, pb[0].matrikelnummer))
    optioned = 0
    for p, b in built_fields:
        built = int(b.built_year)
        dwellings = 50  # every new private building holds ~50 (description.py)
        right = float(b.floor_area_m2)
        if built <= 2025:
            year, status = max(2022, built - 1), "sold"
        elif built <= 2027:
            year, status = 2026, "under_option"
        elif built == 2028:
            year, status = 2027, "on_offer"
        else:
            year, status = 2028, "planned"
        row = plot(
            p,
            sale_status=status,
            sale_year=year,
            building_right_m2=right,
            expected_dwellings=dwellings,
            expected_business_m2=0.0,
        )
        if status != "sold":  # until the sale the company owns it (the layout says so too)
            row["owner_category"] = "company"
        row["_area"] = p.geometry.area
        if status == "sold":
            sell(
                row, "housing", p.owner, date(year - 1, 9, 1), date(year, 1, 15), date(year, 6, 15)
            )
        elif status == "under_option":
            option = date(2025, 9, 1) if built == 2026 else date(2026, 3, 1)
            holder = OPTION_HOLDERS[optioned % len(OPTION_HOLDERS)]
            optioned += 1
            sell(row, "housing", holder, date(2025, 2, 1), option)
        elif status == "on_offer":
            sell(row, "housing", None, date(2026, 2, 1))

    # 3. Plots freed by the demolitions (housing, mixed): for sale the year after.
    freed.sort(key=lambda pb: (pb[1].demolished_year, pb[0].matrikelnummer))
    for p, b in freed:
        year = int(b.demolished_year) + 1
        status = "under_option" if year <= 2025 else "on_offer" if year == 2026 else "planned"
        mixed = p.planned_use == "mixed"
        row = plot(
            p,
            sale_status=status,
            sale_year=year,
            plot_ratio=FREED_MIXED_RATIO if mixed else FREED_HOUSING_RATIO,
            expected_dwellings=FREED_MIXED_DWELLINGS if mixed else FREED_HOUSING_DWELLINGS,
            expected_business_m2=FREED_MIXED_BUSINESS_M2 if mixed else 0.0,
        )
        row["_area"] = p.geometry.area
        use = "mixed" if mixed else "housing"
        if status == "under_option":
            holder = "Vollsmose Byudvikling P/S (illustrative)"
            sell(row, use, holder, date(2025, 2, 1), date(2025, 5, 1))
        elif status == "on_offer":
            sell(row, use, None, date(2026, 3, 1))

    # 4. The two business plots by the bygade and Vollsmose Allé.
    business.sort(key=lambda pb: pb[1].built_year)
    for p, b in business:
        optioned = int(b.built_year) <= 2027
        row = plot(
            p,
            sale_status="under_option" if optioned else "planned",
            sale_year=2026 if optioned else 2028,
            building_right_m2=float(b.business_floor_area_m2),
            expected_dwellings=0,
            expected_business_m2=float(b.business_floor_area_m2),
        )
        row["owner_category"] = "company"
        row["_area"] = p.geometry.area
        if optioned:
            sell(row, "business", BUSINESS_OPTION_HOLDER, date(2025, 2, 1), date(2025, 11, 1))

    rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in land.values()]
    for r in rows:
        r["constraints"] = ";".join(r["constraints"])
    return {"parcel_land": rows, "parcel_sale": sales, "sale_status_change": history}


def write(tables: dict[str, list[dict]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: "" if v is None else _text(v) for k, v in r.items()})


def _text(v) -> str:
    if isinstance(v, float):
        return repr(round(v, 2))
    return str(v)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--gpkg", type=Path, default=GPKG)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    tables = build(args.gpkg)
    write(tables, args.out)
    for name, rows in tables.items():
        print(f"{name}: {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
