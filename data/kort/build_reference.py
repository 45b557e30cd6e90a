"""Builds data/kort/vollsmose.gpkg (EPSG:25832) from description.py, deterministically.

    .venv/bin/python data/kort/build_reference.py [--out PATH]

Layers are named after the platform's tables; foreign keys are written as text keys (area
slug, quarter set slug, parcel ejerlavskode + matrikelnummer, building source_id, rail line
name) that gis/reference.py resolves when it loads the file. No randomness: the same
description gives the same features in the same order. Before writing, the build checks the
layout (footprints and parcels do not overlap, each building stands on its parcel, quarters
tile their area, no road crosses a building) and stops with an error if it does not hold.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import description as d  # noqa: E402

from gis.reference import LAYERS  # noqa: E402  the loader's layer list is the file's

CRS = "EPSG:25832"
PRIVATE_TENURES = ("private_rental", "owner_occupied", "cooperative")
YEAR_COLUMNS = (
    "built_year",
    "renovation_start_year",
    "renovation_end_year",
    "demolished_year",
    "construction_year",
    "opening_year",
    "closing_year",
    "start_year",
    "end_year",
    "storeys",
    "bbr_use_code",
    "ejerforhold",
    "ejerlavskode",
    "parcel_ejerlavskode",
)


# -- placing the local grid ---------------------------------------------------------------
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


def origin() -> tuple[float, float]:
    """EPSG:25832 of the local grid's (0, 0): Vollsmose Torv's projected WGS84 position less
    its local position, rounded to whole metres so that all local arithmetic stays exact."""
    x, y = _to_utm().transform(*d.TORV_WGS84)
    return (float(round(x - d.TORV_LOCAL[0])), float(round(y - d.TORV_LOCAL[1])))


ORIGIN = origin()


def at(x: float, y: float) -> tuple[float, float]:
    return (ORIGIN[0] + x, ORIGIN[1] + y)


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    a, b = at(x0, y0)
    c, e = at(x1, y1)
    return box(a, b, c, e)


def multi(geom) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and g.area > 0]
    return MultiPolygon(polys)


def multiline(geom) -> MultiLineString:
    if isinstance(geom, LineString):
        return MultiLineString([geom])
    if isinstance(geom, MultiLineString):
        return geom
    return MultiLineString([g for g in geom.geoms if isinstance(g, LineString)])


def extent() -> Polygon:
    """DOMAIN's approximate extent of Vollsmose in EPSG:25832, 2 m inside its edges."""
    w, s, e, n = d.EXTENT_WGS84
    steps = 20
    ring = (
        [(w + (e - w) * i / steps, s) for i in range(steps)]
        + [(e, s + (n - s) * i / steps) for i in range(steps)]
        + [(e - (e - w) * i / steps, n) for i in range(steps)]
        + [(w, n - (n - s) * i / steps) for i in range(steps)]
    )
    t = _to_utm()
    return Polygon([t.transform(lon, lat) for lon, lat in ring]).buffer(-2.0, join_style="mitre")


def line(points, clip: Polygon) -> MultiLineString:
    return multiline(LineString([at(x, y) for x, y in points]).intersection(clip))


def slug(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "-", ".": ""})
    return name.lower().translate(table)


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def weighted(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`; the remainder to the first parts."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


def storeys_for(dwellings: int, tenure: str, footprint: float, least: int = 1) -> int:
    return max(least, math.ceil(dwellings * d.AREA_PER_DWELLING[tenure] / footprint))


def dep_cell(dep: dict) -> tuple[float, float, float, float]:
    """A department's cell on the local grid: its quarter, and its parcel before others."""
    x, y = dep["origin"]
    if y >= d.HARD_AREA[3]:
        top = d.UDSAT_AREA[3]
    elif y < d.SOUTH_ROW_TOP:
        top = d.SOUTH_ROW_TOP
    else:
        top = d.HARD_AREA[3]
    return (x, y, x + d.CELL_WIDTH, top)


# -- the site plans ------------------------------------------------------------------------
def slot(cell_origin, column: int, row: int) -> tuple[float, float, float, float]:
    x = cell_origin[0] + d.SLOT_COLUMNS[column]
    y = cell_origin[1] + d.ROW_FIRST + row * d.ROW_STEP
    return (x, y, x + d.SLOT_LENGTH, y + d.SLOT_DEPTH)


def read_plan(dep: dict) -> list[tuple[str, tuple]]:
    """(character, slot rectangle) for every slot, northernmost row first, west to east."""
    rows = d.SITE_PLANS[dep["name"]]
    if len(rows) != d.ROWS:
        raise ValueError(f"{dep['name']}: {len(rows)} rows in its site plan, not {d.ROWS}")
    out = []
    for i, text in enumerate(rows):
        chars = text.replace(" ", "")
        if len(chars) != len(d.SLOT_COLUMNS) or text[2] != " ":
            raise ValueError(f"{dep['name']}: bad site plan row {text!r}")
        for column, ch in enumerate(chars):
            out.append((ch, slot(dep["origin"], column, d.ROWS - 1 - i)))
    return out


def bounds_of(rects) -> tuple[float, float, float, float]:
    return (
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
    )


def grown(r, margin: float = d.PARCEL_MARGIN) -> tuple[float, float, float, float]:
    return (r[0] - margin, r[1] - margin, r[2] + margin, r[3] + margin)


def centred(region, size) -> tuple[float, float, float, float]:
    cx, cy = (region[0] + region[2]) / 2, (region[1] + region[3]) / 2
    w, h = size
    if w > region[2] - region[0] or h > region[3] - region[1]:
        raise ValueError(f"a footprint of {size} does not fit its slots {region}")
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


class Builder:
    def __init__(self) -> None:
        self.buildings: list[dict] = []
        self.stock: list[dict] = []
        self.parcels: list[dict] = []
        self.facilities: list[dict] = []
        self.department_parcel: dict[str, dict] = {}

    # -- parcels ---------------------------------------------------------------------------
    def parcel(self, geom, owner: str, use: str) -> dict:
        row = {
            "ejerlavskode": d.EJERLAVSKODE,
            "matrikelnummer": f"{len(self.parcels) + 1}a",
            "owner": owner,
            "registered_area_m2": None,
            "planned_use": use,
            "geometry": geom,
        }
        self.parcels.append(row)
        return row

    def department_parcels(self) -> None:
        """One parcel per department: its cell, less the other parcels (filled in last)."""
        for dep in d.DEPARTMENTS + d.ROW_HOUSE_DEPARTMENTS:
            self.department_parcel[dep["name"]] = self.parcel(None, dep["owner"], "housing")

    def road_parcels(self) -> None:
        hw = d.ROAD_PARCEL_HALF_WIDTH
        bygade = None
        for _name, (x0, y0), (x1, y1) in d.ROAD_PARCELS:
            strip = (min(x0, x1) - hw, min(y0, y1) - hw, max(x0, x1) + hw, max(y0, y1) + hw)
            strip = rect(*strip).intersection(rect(*d.HARD_AREA))
            if bygade is None:
                bygade = strip
                self.parcel(multi(strip), d.MUNICIPALITY, "road")
                continue
            for part in sorted(strip.difference(bygade).geoms, key=lambda g: g.bounds[1]):
                self.parcel(multi(part), d.MUNICIPALITY, "road")

    def finish_parcels(self) -> None:
        others = unary_union([p["geometry"] for p in self.parcels if p["geometry"] is not None])
        for dep in d.DEPARTMENTS + d.ROW_HOUSE_DEPARTMENTS:
            cell = rect(*dep_cell(dep))
            self.department_parcel[dep["name"]]["geometry"] = multi(cell.difference(others))
        for p in self.parcels:
            p["geometry"] = multi(p["geometry"])
            p["registered_area_m2"] = float(round(p["geometry"].area))

    # -- buildings -------------------------------------------------------------------------
    def building(self, key: str, footprint, parcel: dict, **attrs) -> dict:
        row = {
            "source_id": f"ref:{key}",
            "name": None,
            "department": None,
            "parcel_ejerlavskode": parcel["ejerlavskode"],
            "parcel_matrikelnummer": parcel["matrikelnummer"],
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
            "geometry": MultiPolygon([footprint]),
        }
        row.update(attrs)
        if row["floor_area_m2"] is None:
            row["floor_area_m2"] = float(round(footprint.area * row["storeys"]))
        self.buildings.append(row)
        return row

    def dwellings(
        self, building: dict, tenure: str, n: int, start=None, end=None, change=None, decided=True
    ) -> dict:
        row = {
            "building": building["source_id"],
            "tenure": tenure,
            "dwellings": n,
            "floor_area_m2": n * d.AREA_PER_DWELLING[tenure],
            "start_year": start,
            "end_year": end,
            "change": change,
            "decided": decided,
        }
        self.stock.append(row)
        return row

    def facility(self, spec, building: dict | None, point: Point) -> None:
        kind, name, owner, opening, closing, decided = spec
        self.facilities.append(
            {
                "name": name,
                "kind": kind,
                "owner": owner,
                "opening_year": opening,
                "closing_year": closing,
                "decided": decided,
                "building": building["source_id"] if building else None,
                "geometry": point,
            }
        )

    def estate(self, dep: dict, plan) -> None:
        """The department's slab blocks: demolished ones (D) and kept, renovated ones (E, H)."""
        demolished, first, last = dep["demolition"]
        years = list(range(first, last + 1))
        doomed = [r for ch, r in plan if ch == "D"]
        kept = [(ch, r) for ch, r in plan if ch in "EH"]
        if len(doomed) < len(years):
            raise ValueError(f"{dep['name']}: fewer D blocks than demolition years")
        doomed_n = split(demolished, len(doomed))
        kept_n = weighted(dep["dwellings"] - demolished, [2 if ch == "H" else 1 for ch, _ in kept])
        parcel = self.department_parcel[dep["name"]]
        uses = ("housing", "mixed", "green")
        blocks = []
        for ch, r in plan:
            if ch == "D":
                i = doomed.index(r)
                blocks.append((r, "D", doomed_n[i], years[i * len(years) // len(doomed)], None))
            elif ch in "EH":
                i = [x for _, x in kept].index(r)
                phase = dep["renovation"][i % len(dep["renovation"])]
                blocks.append((r, ch, kept_n[i], None, phase))
        # The blocks to be demolished first (blok 1, 2, ...), then the kept ones.
        blocks.sort(key=lambda block: block[3] is None)
        for n_block, (r, ch, n, year, phase) in enumerate(blocks, start=1):
            on = parcel
            if year is not None:  # the plot this demolition frees
                on = self.parcel(multi(rect(*grown(r))), dep["owner"], uses[n_block % len(uses)])
            b = self.building(
                f"{slug(dep['name'])}-{n_block:02d}",
                rect(*r),
                on,
                name=f"{dep['name']}, blok {n_block}",
                department=dep["name"],
                storeys=storeys_for(n, "almen_family", (r[2] - r[0]) * (r[3] - r[1]), 3),
                construction_year=dep["built"] + (1 if ch == "H" else 0),
                owner=dep["owner"],
                demolished_year=year,
                renovation_start_year=phase[0] if phase else None,
                renovation_end_year=phase[1] if phase else None,
                renovation_decided=phase is None or phase[0] <= d.RENOVATION_DECIDED_UNTIL,
            )
            self.dwellings(b, "almen_family", n)

    def specials(self, plan, dep_name: str) -> None:
        seen: dict[str, list] = {}
        for ch, r in plan:
            if ch not in "EHDN.":
                if ch not in d.SPECIALS:
                    raise ValueError(f"{dep_name}: '{ch}' is not in SPECIALS")
                seen.setdefault(ch, []).append(r)
        for ch, slots in seen.items():
            spec = d.SPECIALS[ch]
            if spec["kind"] == "housing":
                self.other_dwellings(spec, slots)
            else:
                self.institution(ch, spec, slots)

    def other_dwellings(self, spec: dict, slots: list) -> None:
        for i, (r, n) in enumerate(zip(slots, split(spec["dwellings"], len(slots)), strict=True)):
            parcel = self.parcel(multi(rect(*grown(r))), spec["owner"], "housing")
            b = self.building(
                f"{slug(spec['name']).replace(',', '')}-{i + 1}",
                rect(*r),
                parcel,
                name=f"{spec['name']} {i + 1}",
                storeys=storeys_for(n, spec["tenure"], (r[2] - r[0]) * (r[3] - r[1]), 3),
                construction_year=spec["built"],
                owner=spec["owner"],
                ejerforhold=spec["ejerforhold"],
            )
            self.dwellings(b, spec["tenure"], n)

    def institution(self, ch: str, spec: dict, slots: list) -> None:
        spec = ({**d.DAYCARE, "use": "institution"} | spec) if spec["kind"] == "daycare" else spec
        region = bounds_of(slots)
        fp = spec["rect"] if "rect" in spec else centred(region, spec["size"])
        owner = spec.get("owner", d.MUNICIPALITY)
        use = spec.get("parcel_use") or ("business" if spec["use"] == "business" else "public")
        parcel = self.parcel(multi(rect(*grown(bounds_of([region, fp])))), owner, use)
        new = spec.get("new")
        business = float(spec.get("business_m2", 0))
        b = self.building(
            spec.get("key") or slug(spec["name"]),
            rect(*fp),
            parcel,
            name=spec["name"],
            use=spec["use"],
            bbr_use_code=spec["bbr_use_code"],
            storeys=spec["storeys"],
            business_floor_area_m2=business,
            construction_year=new or spec.get("built"),
            owner=owner,
            ejerforhold=spec.get("ejerforhold", 50),
            built_year=new,
            built_decided=spec.get("decided", True),
            demolished_year=spec.get("closed"),
        )
        if business > b["floor_area_m2"]:
            raise ValueError(f"{spec['name']}: more business floor area than floor area")
        facilities = spec.get("facilities")
        if spec["kind"] == "daycare":
            decided = spec.get("decided", True)
            facilities = [
                ("daycare", spec["name"], d.MUNICIPALITY, new, spec.get("closed"), decided)
            ]
        centre = rect(*fp).centroid
        for i, f in enumerate(facilities or []):
            if ch == "T":  # Vollsmose Torv: at its public WGS84 position
                point = Point(_to_utm().transform(*d.TORV_WGS84))
                if not rect(*fp).contains(point):
                    raise ValueError("Vollsmose Torv's position is not inside its footprint")
            else:
                point = Point(centre.x + (i - (len(facilities) - 1) / 2) * 20, centre.y)
            self.facility(f, b, point)

    def new_private(self, fields: list) -> None:
        """1,600 new private dwellings on the N fields, by year, over the quarters in turn."""
        by_quarter: dict[str, list] = {k["slug"]: [] for k in d.KVARTERER}
        for r, parcel in fields:
            cx, cy = (r[0] + r[2]) / 2, (r[1] + r[3]) / 2
            q = next(k for k in d.KVARTERER if box(*k["rect"]).contains(Point(cx, cy)))
            by_quarter[q["slug"]].append((r, parcel))
        order = [k["slug"] for k in d.KVARTERER]
        n = 0
        for year, dwellings in d.NEW_PRIVATE_BY_YEAR.items():
            for part in split(dwellings, round(dwellings / d.NEW_BUILDING_DWELLINGS)):
                quarter = order[n % len(order)]
                if not by_quarter[quarter]:
                    raise ValueError(f"no N field left in {quarter}")
                r, parcel = by_quarter[quarter].pop(0)
                tenure = d.NEW_PRIVATE_TENURES[n % len(d.NEW_PRIVATE_TENURES)]
                owner, ejerforhold = d.NEW_PRIVATE_OWNERS[tenure]
                decided = year <= d.NEW_BUILDING_DECIDED_UNTIL
                if decided:  # sold: the buyer owns the field (data/kort/land.py)
                    parcel["owner"] = owner
                else:  # not sold yet: the company's; who buys it is confidential till then
                    owner = d.DEVELOPER
                fp = centred(r, d.NEW_BUILDING)
                b = self.building(
                    f"ny-{year}-{n + 1:02d}",
                    rect(*fp),
                    parcel,
                    name=f"Nyt byggeri {n + 1} ({tenure.replace('_', ' ')})",
                    storeys=storeys_for(part, tenure, d.NEW_BUILDING[0] * d.NEW_BUILDING[1], 3),
                    construction_year=year,
                    owner=owner,
                    ejerforhold=ejerforhold,
                    built_year=year,
                    built_decided=decided,
                )
                self.dwellings(b, tenure, part, decided=decided)
                n += 1

    def conversions(self) -> None:
        for dep_name, n, year, tenure, decided in d.CONVERSIONS:
            left = n
            kept = [
                b
                for b in self.buildings
                if b["department"] == dep_name and b["demolished_year"] is None
            ]
            for b in reversed(kept):
                if left == 0:
                    break
                row = next(s for s in self.stock if s["building"] == b["source_id"])
                take = min(left, row["dwellings"])
                row["end_year"] = year
                if row["dwellings"] > take:
                    self.dwellings(
                        b,
                        "almen_family",
                        row["dwellings"] - take,
                        start=year,
                        change="conversion",
                        decided=decided,
                    )
                self.dwellings(b, tenure, take, start=year, change="conversion", decided=decided)
                left -= take
            if left:
                raise ValueError(f"{dep_name}: too few kept dwellings to convert {n}")

    def row_houses(self) -> None:
        w, h = d.ROW_HOUSE
        for dep in d.ROW_HOUSE_DEPARTMENTS:
            x0, y0 = dep["origin"]
            spots = [
                (x0 + cx, y0 + cy, x0 + cx + w, y0 + cy + h)
                for cy in d.ROW_HOUSE_ROWS
                for cx in d.ROW_HOUSE_COLUMNS
            ]
            count = math.ceil(dep["dwellings"] / d.ROW_HOUSE_DWELLINGS)
            for i, n in enumerate(split(dep["dwellings"], count)):
                b = self.building(
                    f"{slug(dep['name'])}-{i + 1:02d}",
                    rect(*spots[i]),
                    self.department_parcel[dep["name"]],
                    name=f"{dep['name']}, række {i + 1}",
                    department=dep["name"],
                    bbr_use_code=130,
                    storeys=1,
                    construction_year=dep["built"],
                    owner=dep["owner"],
                )
                self.dwellings(b, "almen_family", n)


# -- checks --------------------------------------------------------------------------------
def _pairs(geoms):
    """Index pairs whose bounding boxes meet."""
    bounds = [g.bounds for g in geoms]
    order = sorted(range(len(geoms)), key=lambda i: bounds[i][0])
    for a_pos, i in enumerate(order):
        for j in order[a_pos + 1 :]:
            if bounds[j][0] > bounds[i][2]:
                break
            if bounds[j][1] <= bounds[i][3] and bounds[i][1] <= bounds[j][3]:
                yield i, j


def check(layers: dict) -> None:
    problems = []
    buildings, parcels = layers["building"], layers["parcel"]
    fps = list(buildings.geometry)
    for i, j in _pairs(fps):
        if fps[i].intersection(fps[j]).area > 0:
            problems.append(
                f"footprints overlap: {buildings.source_id[i]}, {buildings.source_id[j]}"
            )
    pgs = list(parcels.geometry)
    for i, j in _pairs(pgs):
        if pgs[i].intersection(pgs[j]).area > 0:
            problems.append(
                f"parcels overlap: {parcels.matrikelnummer[i]}, {parcels.matrikelnummer[j]}"
            )
    by_key = dict(zip(parcels.matrikelnummer, pgs, strict=True))
    for b in buildings.itertuples():
        if not by_key[b.parcel_matrikelnummer].contains(b.geometry):
            problems.append(f"{b.source_id} is not inside its parcel {b.parcel_matrikelnummer}")
    for name in ("road", "rail_line"):
        for r in layers[name].itertuples():
            for b in buildings.itertuples():
                if r.geometry.intersects(b.geometry):
                    problems.append(f"{name} {r.name} crosses {b.source_id}")
    areas = layers["area"]
    quarters = layers["quarter"]
    for a in areas.itertuples():
        for qs, group in quarters[quarters["area"] == a.slug].groupby("quarter_set"):
            union = unary_union(list(group.geometry))
            if union.symmetric_difference(a.geometry).area > 1e-6:
                problems.append(f"quarter set {a.slug}/{qs} does not tile its area")
            for b in buildings.itertuples():
                anchor = b.geometry.point_on_surface()
                if not a.geometry.contains(anchor):
                    continue
                inside = [q.slug for q in group.itertuples() if q.geometry.contains(anchor)]
                if len(inside) != 1:
                    problems.append(f"{b.source_id} lies in quarters {inside} of {a.slug}/{qs}")
    if problems:
        raise ValueError("the layout does not hold:\n  " + "\n  ".join(problems[:20]))


# -- the layers ----------------------------------------------------------------------------
def build() -> dict[str, pd.DataFrame]:
    clip = extent()
    b = Builder()
    b.department_parcels()
    b.road_parcels()
    plans = {dep["name"]: read_plan(dep) for dep in d.DEPARTMENTS}
    # The fields for new housing, each its own parcel (the arealudviklingsselskab's until
    # a developer buys it), in site-plan order.
    fields = [
        (r, b.parcel(multi(rect(*grown(r))), d.DEVELOPER, "housing"))
        for dep in d.DEPARTMENTS
        for ch, r in plans[dep["name"]]
        if ch == "N"
    ]
    for dep in d.DEPARTMENTS:
        b.estate(dep, plans[dep["name"]])
    for dep in d.DEPARTMENTS:
        b.specials(plans[dep["name"]], dep["name"])
    b.new_private(fields)
    b.row_houses()
    b.conversions()
    b.finish_parcels()

    areas = [
        {
            "slug": a["slug"],
            "name": a["name"],
            "kind": a["kind"],
            "description": a["description"],
            "data_source": d.DATA_SOURCE,
            "geometry": multi(rect(*a["rect"])),
        }
        for a in d.AREAS
    ]
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
                "description": "The four planned new quarters (names and borders illustrative).",
            },
            {
                "area": "kertemindevejkvarteret",
                "slug": "afdelinger",
                "name": "Boligafdelinger",
                "description": "The three row-house departments along Kertemindevej.",
            },
        ]
    )

    def quarter(area: str, quarter_set: str, key: str, spec: dict, r: tuple) -> dict:
        return {
            "area": area,
            "quarter_set": quarter_set,
            "slug": key,
            "name": spec["name"],
            "owner": spec.get("owner"),
            "color": spec["color"],
            "geometry": multi(rect(*r)),
        }

    quarters = (
        [quarter("vollsmose", "afdelinger", slug(x["name"]), x, dep_cell(x)) for x in d.DEPARTMENTS]
        + [quarter("vollsmose", "kvarterer", k["slug"], k, k["rect"]) for k in d.KVARTERER]
        + [
            quarter("kertemindevejkvarteret", "afdelinger", slug(x["name"]), x, dep_cell(x))
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
            "geometry": line(pts, clip),
        }
        for k, n, s, o, c, dec, pts in d.ROADS
    ]
    rail_line = [
        {
            "name": d.LETBANE["name"],
            "decided": False,
            "opening_year": d.LETBANE["opening_year"],
            "geometry": line(d.LETBANE["route"], clip),
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

    def frame(rows, geo=True):
        df = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS) if geo else pd.DataFrame(rows)
        for col in YEAR_COLUMNS:
            if col in df:
                df[col] = df[col].astype("Int64")
        return df

    layers = {
        "area": frame(areas),
        "quarter_set": quarter_sets,
        "quarter": frame(quarters),
        "parcel": frame(b.parcels),
        "building": frame(b.buildings),
        "dwelling_stock": frame(b.stock, geo=False),
        "road": frame(roads),
        "rail_line": frame(rail_line),
        "rail_stop": frame(rail_stops),
        "facility": frame(b.facilities),
    }
    check(layers)
    return layers


def write(layers: dict[str, pd.DataFrame], out: Path) -> None:
    if out.exists():
        out.unlink()
    for name in LAYERS:
        pyogrio.write_dataframe(layers[name], out, layer=name, driver="GPKG")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, default=HERE / "vollsmose.gpkg")
    args = p.parse_args(argv)
    layers = build()
    write(layers, args.out)
    for name in LAYERS:
        print(f"{name}: {len(layers[name])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
