"""Builds data/kort/vollsmose.gpkg (EPSG:25832) from description.py, deterministically.

    .venv/bin/python data/kort/build_reference.py [--out PATH]

Layers are named after the platform's tables; foreign keys are written as text keys
(area slug, quarter set slug, building source_id, parcel matrikel) that gis/reference.py
resolves when it loads the file.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.affinity import translate
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, box
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import description as d  # noqa: E402

CRS = "EPSG:25832"
SLAB = (70, 14)  # a housing slab's footprint, metres
ROW_HOUSE = (50, 10)
COLUMNS = 5
COLUMN_STEP = 105
AREA_PER_DWELLING = {
    "almen_family": 75.0,
    "almen_youth": 40.0,
    "almen_elderly": 60.0,
    "private_rental": 80.0,
    "owner_occupied": 95.0,
    "cooperative": 85.0,
}
# Rows of slab slots (local y of the slab's south edge), per row of departments: the
# existing estate, and the fields where new buildings go.
ESTATE_ROWS = {0: (40, 100, 160, 220, 380, 440), 680: (720, 780, 840, 900, 1060, 1120)}
NEW_ROWS = {0: (270, 600), 680: (960, 1180, 1240)}


def at(x: float, y: float) -> tuple[float, float]:
    return (d.ORIGIN[0] + x, d.ORIGIN[1] + y)


def rect(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    a, b = at(x0, y0)
    c, e = at(x1, y1)
    return MultiPolygon([box(a, b, c, e)])


def line(points) -> MultiLineString:
    return MultiLineString([LineString([at(x, y) for x, y in points])])


def slug(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "-", ".": ""})
    return name.lower().translate(table)


def slots(cell, rows, size=SLAB):
    x0 = cell[0]
    for y in rows:
        for i in range(COLUMNS):
            x = x0 + 30 + i * COLUMN_STEP
            yield (x, y, x + size[0], y + size[1])


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def overlaps_business(s) -> bool:
    return any(
        not (
            s[2] <= b["rect"][0]
            or s[0] >= b["rect"][2]
            or s[3] <= b["rect"][1]
            or s[1] >= b["rect"][3]
        )
        for b in d.BUSINESS
    )


class Builder:
    def __init__(self) -> None:
        self.buildings: list[dict] = []
        self.stock: list[dict] = []
        self.parcels: list[dict] = []
        self.parcel_of_cell: dict[str, str] = {}

    # -- parcels -------------------------------------------------------------------------
    def parcel(self, geom, owner: str, use: str) -> str:
        number = f"{len(self.parcels) + 1}a"
        self.parcels.append(
            {
                "ejerlavskode": d.EJERLAVSKODE,
                "matrikelnummer": number,
                "owner": owner,
                "registered_area_m2": round(geom.area),
                "planned_use": use,
                "geometry": geom,
            }
        )
        return number

    def make_parcels(self) -> None:
        business = unary_union([box(*b["rect"]) for b in d.BUSINESS])
        for b in d.BUSINESS:
            self.parcel_of_cell[b["key"]] = self.parcel(rect(*b["rect"]), b["owner"], "business")
        for dep in d.DEPARTMENTS + d.ROW_HOUSE_DEPARTMENTS:
            geom = _shift(box(*dep["cell"]).difference(business))
            self.parcel_of_cell[dep["name"]] = self.parcel(geom, dep["owner"], "housing")

    # -- buildings -----------------------------------------------------------------------
    def building(self, key: str, footprint, parcel: str, **attrs) -> dict:
        row = {
            "source_id": f"ref:{key}",
            "name": None,
            "department": None,
            "parcel_ejerlavskode": d.EJERLAVSKODE,
            "parcel_matrikelnummer": parcel,
            "use": "housing",
            "bbr_use_code": 140,
            "storeys": 4,
            "floor_area_m2": None,
            "business_floor_area_m2": 0.0,
            "construction_year": None,
            "owner": None,
            "ejerforhold": 20,
            "built_year": None,
            "built_decided": True,
            "renovation_start_year": None,
            "renovation_end_year": None,
            "renovation_decided": True,
            "demolished_year": None,
            "demolition_decided": True,
            "demolished_replaced_by_almen_family": 0,
            "geometry": footprint,
        }
        row.update(attrs)
        self.buildings.append(row)
        return row

    def dwellings(
        self, building: dict, tenure: str, n: int, start=None, end=None, change=None, decided=True
    ) -> None:
        self.stock.append(
            {
                "building": building["source_id"],
                "tenure": tenure,
                "dwellings": n,
                "floor_area_m2": n * AREA_PER_DWELLING[tenure],
                "start_year": start,
                "end_year": end,
                "change": change,
                "decided": decided,
            }
        )

    def departments(self) -> dict[str, list]:
        free: dict[str, list] = {}
        for n_dep, dep in enumerate(d.DEPARTMENTS):
            cell = dep["cell"]
            estate = list(slots(cell, ESTATE_ROWS[cell[1]]))
            demolished, first, last = dep["demolition"]
            years = list(range(first, last + 1))
            parts = split(demolished, len(years))
            kept = dep["dwellings"] - demolished
            kept_parts = split(kept, math.ceil(kept / 55))
            blocks = [(n, y) for n, y in zip(parts, years, strict=True)] + [
                (n, None) for n in kept_parts
            ]
            parcel = self.parcel_of_cell[dep["name"]]
            for i, (n, year) in enumerate(blocks):
                footprint = rect(*estate.pop(0))
                b = self.building(
                    f"{slug(dep['name'])}-{i + 1:02d}",
                    footprint,
                    parcel,
                    name=f"{dep['name']}, blok {i + 1}",
                    department=dep["name"],
                    storeys=4 if n_dep % 2 else 3,
                    floor_area_m2=n * AREA_PER_DWELLING["almen_family"],
                    construction_year=1967 + n_dep,
                    owner=dep["owner"],
                    demolished_year=year,
                    renovation_start_year=None if year else dep["renovation"][0],
                    renovation_end_year=None if year else dep["renovation"][1],
                )
                self.dwellings(b, "almen_family", n)
            free[dep["name"]] = estate
        return free

    def conversions(self) -> None:
        for dep_name, n, year in d.CONVERSIONS:
            left = n
            for b in self.buildings:
                if left == 0:
                    break
                if b["department"] != dep_name or b["demolished_year"] is not None:
                    continue
                row = next(s for s in self.stock if s["building"] == b["source_id"])
                take = min(left, row["dwellings"])
                row["end_year"] = year
                if row["dwellings"] > take:
                    self.dwellings(
                        b, "almen_family", row["dwellings"] - take, start=year, change="conversion"
                    )
                self.dwellings(b, "almen_elderly", take, start=year, change="conversion")
                left -= take

    def other_dwellings(self, free: dict[str, list]) -> None:
        for dep_name, tenure, n, owner, ejerforhold in d.OTHER_DWELLINGS:
            parts = split(n, math.ceil(n / 60))
            for i, part in enumerate(parts):
                b = self.building(
                    f"{slug(dep_name)}-{tenure.replace('_', '-')}-{i + 1}",
                    rect(*free[dep_name].pop(0)),
                    self.parcel_of_cell[dep_name],
                    name=f"{dep_name}, {tenure.replace('_', ' ')} {i + 1}",
                    department=dep_name if tenure.startswith("almen") else None,
                    floor_area_m2=part * AREA_PER_DWELLING[tenure],
                    construction_year=1972,
                    owner=owner,
                    ejerforhold=ejerforhold,
                    bbr_use_code=140 if tenure != "owner_occupied" else 130,
                    storeys=3 if tenure != "owner_occupied" else 2,
                )
                self.dwellings(b, tenure, part)

    def business(self) -> None:
        for biz in d.BUSINESS:
            self.building(
                biz["key"],
                rect(*biz["rect"]),
                self.parcel_of_cell[biz["key"]],
                name=biz["name"],
                use="business",
                bbr_use_code=biz["bbr_use_code"],
                storeys=2 if biz["built"] is None else 4,
                floor_area_m2=float(biz["m2"]),
                business_floor_area_m2=float(biz["m2"]),
                construction_year=biz["built"] or 1973,
                owner=biz["owner"],
                ejerforhold=biz["ejerforhold"],
                built_year=biz["built"],
                built_decided=biz["built"] is None or biz["built"] <= 2026,
            )

    def new_private(self) -> None:
        # New buildings go to the fields of each planned quarter in turn.
        by_quarter: dict[str, list] = {k["slug"]: [] for k in d.KVARTERER}
        for dep in d.DEPARTMENTS:
            for s in slots(dep["cell"], NEW_ROWS[dep["cell"][1]]):
                if overlaps_business(s):
                    continue
                cx, cy = (s[0] + s[2]) / 2, (s[1] + s[3]) / 2
                q = next(k for k in d.KVARTERER if box(*k["rect"]).contains(Point(cx, cy)))
                by_quarter[q["slug"]].append((s, dep["name"]))
        order = [k["slug"] for k in d.KVARTERER]
        n = 0
        for year, dwellings in d.NEW_PRIVATE_BY_YEAR.items():
            for part in split(dwellings, dwellings // d.NEW_BUILDING_DWELLINGS):
                quarter = order[n % len(order)]
                s, dep_name = by_quarter[quarter].pop(0)
                tenure = d.NEW_PRIVATE_TENURES[n % len(d.NEW_PRIVATE_TENURES)]
                b = self.building(
                    f"ny-{year}-{n + 1:02d}",
                    rect(*s),
                    self.parcel_of_cell[dep_name],
                    name=f"Nyt byggeri {n + 1} ({tenure.replace('_', ' ')})",
                    storeys=5,
                    floor_area_m2=part * AREA_PER_DWELLING[tenure],
                    construction_year=year,
                    owner="Private bygherrer (illustrative)",
                    ejerforhold=30 if tenure != "cooperative" else 41,
                    built_year=year,
                    built_decided=year <= 2026,
                )
                self.dwellings(b, tenure, part, decided=year <= 2026)
                n += 1

    def row_houses(self) -> None:
        for dep in d.ROW_HOUSE_DEPARTMENTS:
            spots = list(slots(dep["cell"], (1330, 1380, 1430, 1480), ROW_HOUSE))
            for i, n in enumerate(split(dep["dwellings"], len(spots))):
                b = self.building(
                    f"{slug(dep['name'])}-{i + 1:02d}",
                    rect(*spots[i]),
                    self.parcel_of_cell[dep["name"]],
                    name=f"{dep['name']}, række {i + 1}",
                    department=dep["name"],
                    bbr_use_code=130,
                    storeys=1,
                    floor_area_m2=n * AREA_PER_DWELLING["almen_family"],
                    construction_year=1972,
                    owner=dep["owner"],
                )
                self.dwellings(b, "almen_family", n)


def _shift(local) -> MultiPolygon:
    moved = translate(local, *d.ORIGIN)
    return moved if isinstance(moved, MultiPolygon) else MultiPolygon([moved])


def build() -> dict[str, pd.DataFrame]:
    b = Builder()
    b.make_parcels()
    free = b.departments()
    b.conversions()
    b.other_dwellings(free)
    b.business()
    b.new_private()
    b.row_houses()

    areas = gpd.GeoDataFrame(
        [
            {
                "slug": a["slug"],
                "name": a["name"],
                "kind": a["kind"],
                "description": a["description"],
                "data_source": d.DATA_SOURCE,
                "geometry": rect(*a["rect"]),
            }
            for a in d.AREAS
        ],
        crs=CRS,
    )
    quarter_sets = pd.DataFrame(
        [
            {
                "area": "vollsmose",
                "slug": "afdelinger",
                "name": "Boligafdelinger",
                "description": "The six almene housing departments of the hard area.",
            },
            {
                "area": "vollsmose",
                "slug": "kvarterer",
                "name": "Nye kvarterer",
                "description": "The planned new quarters (names illustrative).",
            },
            {
                "area": "kertemindevejkvarteret",
                "slug": "afdelinger",
                "name": "Boligafdelinger",
                "description": "The three row-house departments along Kertemindevej.",
            },
        ]
    )

    def quarter(area: str, quarter_set: str, key: str, spec: dict, cell: str) -> dict:
        return {
            "area": area,
            "quarter_set": quarter_set,
            "slug": key,
            "name": spec["name"],
            "owner": spec.get("owner"),
            "color": spec["color"],
            "geometry": rect(*spec[cell]),
        }

    quarters = (
        [quarter("vollsmose", "afdelinger", slug(x["name"]), x, "cell") for x in d.DEPARTMENTS]
        + [quarter("vollsmose", "kvarterer", k["slug"], k, "rect") for k in d.KVARTERER]
        + [
            quarter("kertemindevejkvarteret", "afdelinger", slug(x["name"]), x, "cell")
            for x in d.ROW_HOUSE_DEPARTMENTS
        ]
    )
    roads = [
        {
            "kind": k,
            "name": n,
            "status": s,
            "opening_year": o,
            "closing_year": c,
            "decided": dec,
            "geometry": line(pts),
        }
        for k, n, s, o, c, dec, pts in d.ROADS
    ]
    rail_line = [
        {
            "name": d.LETBANE["name"],
            "decided": False,
            "opening_year": d.LETBANE["opening_year"],
            "geometry": line(d.LETBANE["route"]),
        }
    ]
    rail_stops = [
        {
            "line": d.LETBANE["name"],
            "name": n,
            "decided": False,
            "opening_year": d.LETBANE["opening_year"],
            "geometry": Point(at(*p)),
        }
        for n, p in d.LETBANE["stops"]
    ]
    facilities = [
        {
            "name": n,
            "kind": k,
            "owner": o,
            "opening_year": op,
            "closing_year": cl,
            "decided": dec,
            "building": None,
            "geometry": Point(at(*p)),
        }
        for k, n, o, op, cl, dec, p in d.FACILITIES
    ]
    years = [
        "built_year",
        "renovation_start_year",
        "renovation_end_year",
        "demolished_year",
        "construction_year",
        "opening_year",
        "closing_year",
        "start_year",
        "end_year",
    ]

    def frame(rows, geo=True):
        df = gpd.GeoDataFrame(rows, crs=CRS) if geo else pd.DataFrame(rows)
        for col in years:
            if col in df:
                df[col] = df[col].astype("Int64")
        return df

    return {
        "area": areas,
        "quarter_set": quarter_sets,
        "quarter": frame(quarters),
        "parcel": frame(b.parcels),
        "building": frame(b.buildings),
        "dwelling_stock": frame(b.stock, geo=False),
        "road": frame(roads),
        "rail_line": frame(rail_line),
        "rail_stop": frame(rail_stops),
        "facility": frame(facilities),
    }


def write(layers: dict[str, pd.DataFrame], out: Path) -> None:
    if out.exists():
        out.unlink()
    for name, df in layers.items():
        if isinstance(df, gpd.GeoDataFrame):
            pyogrio.write_dataframe(df, out, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(df, out, layer=name, driver="GPKG")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, default=HERE / "vollsmose.gpkg")
    args = p.parse_args(argv)
    layers = build()
    write(layers, args.out)
    for name, df in layers.items():
        print(f"{name}: {len(df)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
