"""BBR (the building and dwelling register): buildings with their units into the plan.

Two shapes of the same objects are read (README, "Danish registers"):
- the Datafordeler file extract (JSON): top-level arrays `BygningList` and `EnhedList`,
  with BBR's field names (`byg026Opførelsesår`, `enh046OffentligStøtte`, …);
- the Datafordeler GraphQL answer: `data.BBR_Bygning.nodes` and `data.BBR_Enhed.nodes`, the
  same names in ASCII (`byg026Opfoerelsesaar`, `enh046OffentligStoette`).
Both are bitemporal: only current registrations (`registreringTil` and `virkningTil` null)
are read, the latest `registreringFra` where an object has several.

Each unit is a dwelling (`enh020` 110–190) of one tenure (`tenure_of`), business floor area
(`enh028`, or the whole unit for a 3xx business unit), or neither. A building is keyed by its
`id_lokalId` (`building.source_id`) and placed on its parcel by its `jordstykke` (MAT's
id_lokalId), else by the parcel holding its coordinate. BBR has no outline: the footprint is
a square of the registered built area (`byg041`, 100 m² when absent) around `byg404Koordinat`.

A re-import writes only what the register changed; the life years, names, owners and
planned stock planners entered are never touched. Where the register contradicts the plan
(a building the plan says is demolished that BBR still has), the report says so.
"""

from __future__ import annotations

import math
from functools import cache, partial
from typing import IO

import ijson
import shapely
from sqlalchemy import Connection, text

from gis.models import EJERFORHOLD_CODES
from gis.registers import common, dar
from gis.registers.common import ImportReport, Problems
from gis.state import MIN_YEAR

REGISTER = "bbr"
# (ijson prefix of buildings, of units) per shape, found by the document's first key.
SHAPES = {
    "BygningList": ("BygningList.item", "EnhedList.item"),
    "EnhedList": ("BygningList.item", "EnhedList.item"),
    "data": ("data.BBR_Bygning.nodes.item", "data.BBR_Enhed.nodes.item"),
}
# enh046OffentligStøtte → tenure. Almene care dwellings (42) are almene ældreboliger
# (almenboligloven § 5): dwellings, not family dwellings; subsidised private rental (15) and
# youth (30) are private rental, subsidised cooperative (20) cooperative.
SUPPORT_TENURE = {
    10: "almen_family",
    25: "almen_youth",
    40: "almen_elderly",
    42: "almen_elderly",
    15: "private_rental",
    30: "private_rental",
    20: "cooperative",
}
SUPPORT_CODES = {0, *SUPPORT_TENURE}
RENTAL_CODES = {1, 2, 3}  # enh045Udlejningsforhold: rented, owner-occupied, unused
ANDELSBOLIGFORENING = 41  # byg066Ejerforhold: a cooperative owns the building
# BBR life-cycle status of a building or unit that is not (or no longer) real: case basis (4),
# concluded (9), deleted (10), registered in error (11), shelved (14).
NOT_REAL = {4, 9, 10, 11, 14}
PLANNED = {2, 3}  # projected, under construction: standing from the extract's year
DEFAULT_BUILT_M2 = 100.0


@cache
def _ascii(key: str) -> str:
    return key.replace("ø", "oe").replace("Ø", "Oe").replace("å", "aa").replace("æ", "ae")


def tenure_of(use: int | None, rental: int | None, support: int | None, owner: int | None):
    """The platform's tenure of a dwelling unit (None: the unit is no dwelling)."""
    if use is None or not 110 <= use <= 190:
        return None
    if support in SUPPORT_TENURE:
        return SUPPORT_TENURE[support]
    if owner == ANDELSBOLIGFORENING:
        return "cooperative"
    # Without public support: owner-occupied when the owner lives there; rented or unused
    # dwellings are private rental (an unused dwelling is still a dwelling of the stock).
    return "owner_occupied" if rental == 2 else "private_rental"


BUILDING_STAGE = (
    "rec text, id text, registered text, use_code integer, construction_year integer, "
    "floor_area float8, built_area float8, storeys integer, ejerforhold integer, "
    "status integer, jordstykke text, x float8, y float8"
)
UNIT_STAGE = (
    "rec text, id text, registered text, building text, use_code integer, tenure text, "
    "floor_area float8, business_m2 float8, status integer"
)


def _label(list_name: str, i: int, obj: dict) -> str:
    ident = obj.get("id_lokalId")
    return f"{list_name}[{i}]" + (f" ({ident})" if isinstance(ident, str) else "")


def _building(problems: Problems, stage: common.Stage, rec: str, o: dict, owners) -> None:
    ident = common.text_field(problems, rec, o, "id_lokalId", required=True)
    use = common.number(
        problems,
        rec,
        o,
        "byg021BygningensAnvendelse",
        integer=True,
        minimum=100,
        maximum=999,
        required=True,
    )
    year = common.number(
        problems, rec, o, "byg026Opfoerelsesaar", integer=True, minimum=1000, maximum=2100
    )
    floor = common.number(problems, rec, o, "byg038SamletBygningsareal", minimum=0, maximum=1e7)
    built = common.number(problems, rec, o, "byg041BebyggetAreal", minimum=0, maximum=1e7)
    storeys = common.number(
        problems, rec, o, "byg054AntalEtager", integer=True, minimum=0, maximum=200
    )
    owner = common.number(
        problems, rec, o, "byg066Ejerforhold", integer=True, minimum=0, maximum=99
    )
    if owner is not None and owner not in EJERFORHOLD_CODES:
        problems.add(rec, "byg066Ejerforhold", f"{owner} is not a BBR ejerforhold code")
        owner = None
    status = common.number(problems, rec, o, "status", integer=True, minimum=0, maximum=99)
    jordstykke = common.text_field(problems, rec, o, "jordstykke", required=False)
    point = _point(problems, rec, o.get("byg404Koordinat"))
    if ident is None or use is None or point is None:
        if ident is not None:
            owners.setdefault(ident, ("", None))  # refused itself: its units are not orphans
        return
    registered = common.registration(problems, rec, o)
    stage.add(
        (
            rec,
            ident,
            registered,
            use,
            year,
            floor,
            built,
            storeys,
            owner,
            status,
            jordstykke,
            point[0],
            point[1],
        )
    )
    # The owner of the latest registration decides a unit's tenure (a cooperative's).
    if ident not in owners or owners[ident][0] <= registered:
        owners[ident] = (registered, owner)


def _point(problems: Problems, rec: str, raw) -> tuple[float, float] | None:
    name = "byg404Koordinat"
    if raw is None or raw == "":
        problems.add(rec, name, "missing (a WKT point in EPSG:25832)")
        return None
    # GEOS reads text up to a NUL: "POINT (…)\x00…" would pass for a point.
    wkt = raw if isinstance(raw, str) and common.unstorable(raw) is None else None
    try:
        geom = shapely.from_wkt(wkt) if wkt is not None else None
    except shapely.errors.ShapelyError:
        geom = None
    if geom is None or geom.geom_type != "Point" or geom.is_empty:
        problems.add(rec, name, f"{str(raw)[:60]!r} is not a WKT point")
        return None
    if not (math.isfinite(geom.x) and math.isfinite(geom.y)) or not common.in_denmark(
        geom.x, geom.y
    ):
        problems.add(
            rec, name, f"({geom.x:g}, {geom.y:g}) is not EPSG:25832 in Denmark (wrong CRS?)"
        )
        return None
    return geom.x, geom.y


def _unit(problems: Problems, stage: common.Stage, rec: str, o: dict, owners) -> None:
    ident = common.text_field(problems, rec, o, "id_lokalId", required=True)
    building = common.text_field(problems, rec, o, "bygning", required=True)
    use = common.number(
        problems,
        rec,
        o,
        "enh020EnhedensAnvendelse",
        integer=True,
        minimum=100,
        maximum=999,
        required=True,
    )
    total = common.number(problems, rec, o, "enh026EnhedensSamledeAreal", minimum=0, maximum=1e7)
    living = common.number(problems, rec, o, "enh027ArealTilBeboelse", minimum=0, maximum=1e7)
    business = common.number(problems, rec, o, "enh028ArealTilErhverv", minimum=0, maximum=1e7)
    rental = common.number(
        problems, rec, o, "enh045Udlejningsforhold", integer=True, minimum=0, maximum=99
    )
    if rental is not None and rental not in RENTAL_CODES:
        problems.add(rec, "enh045Udlejningsforhold", f"{rental} is not 1, 2 or 3")
    support = common.number(
        problems, rec, o, "enh046OffentligStoette", integer=True, minimum=0, maximum=99
    )
    if support is not None and support not in SUPPORT_CODES:
        problems.add(
            rec,
            "enh046OffentligStoette",
            f"{support} is not a code of public support ({sorted(SUPPORT_CODES)})",
        )
    if building is not None and building not in owners:
        problems.add(rec, "bygning", f"building {building} is not in the file")
        return
    status = common.number(problems, rec, o, "status", integer=True, minimum=0, maximum=99)
    registered = common.registration(problems, rec, o)
    if ident is None or building is None or use is None:
        return
    is_dwelling = 110 <= use <= 190
    floor = (living if living is not None else total) if is_dwelling else None
    if business is None and 300 <= use <= 399:
        business = total
    owner = owners.get(building, (None, None))[1]
    stage.add(
        (
            rec,
            ident,
            registered,
            building,
            use,
            tenure_of(use, rental, support, owner),
            floor,
            business,
            status,
        )
    )


def read(conn: Connection, source: common.Source, *, show_progress: bool = False) -> dict:
    """Checks every building and unit of the file and stages the current ones (tables
    reg_building, reg_unit). Raises ImportRefused listing every problem."""
    problems = Problems(REGISTER)
    buildings = common.Stage(conn, "reg_building", BUILDING_STAGE)
    units = common.Stage(conn, "reg_unit", UNIT_STAGE)
    counts = {"buildings": 0, "units": 0}
    with common.open_source(source) as f:
        try:
            shape_key = common.first_key(f, SHAPES)
            if shape_key is None:
                problems.add(
                    "file",
                    None,
                    "neither a BBR file extract (BygningList, EnhedList) nor a "
                    "GraphQL answer (data.BBR_Bygning, data.BBR_Enhed)",
                )
                problems.raise_if_any()
            _read_lists(f, SHAPES[shape_key], problems, buildings, units, counts, show_progress)
        except ijson.JSONError as exc:
            common.not_json(problems, exc)
    if counts["buildings"] == 0 and not problems:
        problems.add("file", "BygningList", "holds no building")
    problems.raise_if_any()
    buildings.flush()
    units.flush()
    _current(conn)
    return counts


def _read_lists(
    f: IO[bytes], prefixes, problems, buildings, units, counts, show_progress: bool
) -> None:
    owners: dict[str, tuple[str, int | None]] = {}
    for prefix, kind, add in (
        (prefixes[0], "buildings", _building),
        (prefixes[1], "units", _unit),
    ):
        stage = buildings if kind == "buildings" else units
        list_name = prefix.removesuffix(".item")
        items = common.progress(common.stream(f, prefix), f"BBR {kind}", show_progress)
        for i, obj in enumerate(items):
            counts[kind] += 1
            if not isinstance(obj, dict):
                problems.add(f"{list_name}[{i}]", None, "is not an object")
                continue
            o = {_ascii(k): v for k, v in obj.items()}
            if not common.current_registration(o):
                if kind == "buildings" and isinstance(o.get("id_lokalId"), str):
                    # Its units may still name it: they are left out with it, not refused.
                    owners.setdefault(o["id_lokalId"], ("", None))
                continue
            add(problems, stage, _label(list_name, i, o), o, owners)


def _current(conn: Connection) -> None:
    # The current state: the latest current registration of each object, real ones only.
    common.run_script(
        conn,
        """
            DROP TABLE IF EXISTS reg_b;
            DROP TABLE IF EXISTS reg_u;
            CREATE TEMP TABLE reg_b ON COMMIT DROP AS
            SELECT DISTINCT ON (id) * FROM reg_building ORDER BY id, registered DESC;
            DELETE FROM reg_b WHERE status = ANY(:not_real);
            CREATE TEMP TABLE reg_u ON COMMIT DROP AS
            SELECT DISTINCT ON (id) * FROM reg_unit ORDER BY id, registered DESC;
            DELETE FROM reg_u WHERE status = ANY(:not_real);
            CREATE INDEX ON reg_b (id);
            ANALYZE reg_b;
            ANALYZE reg_u;
            """,
        {"not_real": list(NOT_REAL)},
    )


# The new register state of each building, in the plan's terms, with the plan's row if any.
_NEW = """
DROP TABLE IF EXISTS reg_new;
DROP TABLE IF EXISTS reg_stock;
CREATE TEMP TABLE reg_new ON COMMIT DROP AS
WITH units AS (
    SELECT u.building, sum(coalesce(u.business_m2, 0)) AS business_m2
    FROM reg_u u JOIN reg_b b ON b.id = u.building
    GROUP BY u.building
),
dwellings AS (
    SELECT u.building, count(*) AS n FROM reg_u u
    WHERE u.use_code BETWEEN 110 AND 190 GROUP BY u.building
)
SELECT b.id AS source_id, b.rec, p.id AS plan_id,
       CASE WHEN b.use_code BETWEEN 110 AND 190
                 THEN CASE WHEN coalesce(u.business_m2, 0) > 0 THEN 'mixed' ELSE 'housing' END
            WHEN b.use_code BETWEEN 210 AND 399
                 THEN CASE WHEN d.n > 0 THEN 'mixed' ELSE 'business' END
            WHEN b.use_code BETWEEN 410 AND 499 THEN 'institution'
            ELSE CASE WHEN d.n > 0 THEN 'housing' ELSE 'other' END END AS use,
       b.use_code, b.storeys, b.floor_area, coalesce(u.business_m2, 0) AS business_m2,
       b.construction_year, b.ejerforhold, b.status,
       ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(b.x, b.y), 25832),
                          sqrt(coalesce(nullif(b.built_area, 0), :default_m2)) / 2))
           AS footprint,
       coalesce((SELECT q.id FROM parcel q WHERE q.source_register = 'matrikel'
                   AND q.source_id = b.jordstykke ORDER BY q.id LIMIT 1),
                (SELECT q.id FROM parcel q
                  WHERE ST_Covers(q.geom, ST_SetSRID(ST_MakePoint(b.x, b.y), 25832))
                  ORDER BY q.id LIMIT 1)) AS parcel_id
FROM reg_b b
LEFT JOIN units u ON u.building = b.id
LEFT JOIN dwellings d ON d.building = b.id
LEFT JOIN building p ON p.source_id = b.id;
CREATE TEMP TABLE reg_stock ON COMMIT DROP AS
SELECT u.building AS source_id, u.tenure, count(*) AS dwellings,
       sum(coalesce(u.floor_area, 0)) AS floor_area
FROM reg_u u JOIN reg_b b ON b.id = u.building
WHERE u.tenure IS NOT NULL
GROUP BY 1, 2;
"""


def apply(conn: Connection, report: ImportReport) -> None:
    y = report.extract_date.year
    params = {"extract": report.extract_date, "y": y}
    common.run_script(conn, _NEW, {"default_m2": DEFAULT_BUILT_M2})
    _contradictions(conn, report, y)
    _removed(conn, report, params)
    _changed(conn, report, params)
    _added(conn, report, params)
    _converted(conn, report, y)


def _name(row) -> str:
    return row.name or f"BBR {row.source_id}"


def _contradictions(conn: Connection, report: ImportReport, y: int) -> None:
    date = report.extract_date.isoformat()
    for r in conn.execute(
        text(
            """
            SELECT b.name, b.source_id, b.demolished_year, b.built_year
            FROM reg_new n JOIN building b ON b.id = n.plan_id
            WHERE b.demolished_year < :y OR b.built_year > :y
            ORDER BY b.source_id
            """
        ),
        {"y": y},
    ):
        if r.demolished_year is not None and r.demolished_year < y:
            report.contradictions.append(
                f"the plan says {_name(r)} is demolished in {r.demolished_year}; "
                f"BBR still has it on {date}"
            )
        else:
            report.contradictions.append(
                f"the plan says {_name(r)} is built in {r.built_year}; BBR already has it on {date}"
            )


def _removed(conn: Connection, report: ImportReport, params: dict) -> None:
    """A building gone from BBR (where the extract reaches) was demolished by the extract's
    year at the latest: a plan that says nothing of its demolition is told so; one that says
    otherwise is flagged."""
    gone = conn.execute(
        text(
            """
            SELECT b.id, b.name, b.source_id, b.built_year, b.demolished_year FROM building b
            WHERE b.source_register = 'bbr'
              AND NOT EXISTS (SELECT 1 FROM reg_b r WHERE r.id = b.source_id)
              -- Only where the extract reaches (an extract is one municipality's): the hull
              -- of its buildings' points, so another extract's buildings are never gone.
              AND ST_Covers((SELECT ST_ConvexHull(ST_Collect(
                                 ST_SetSRID(ST_MakePoint(r.x, r.y), 25832))) FROM reg_b r),
                            b.anchor)
              AND (b.demolished_year IS NULL OR b.demolished_year > :y)
            ORDER BY b.source_id
            """
        ),
        params,
    ).all()
    ended = []
    for r in gone:
        if r.demolished_year is None and (r.built_year is None or r.built_year <= params["y"]):
            ended.append(r.id)
        else:
            when = (
                f"demolished in {r.demolished_year}"
                if r.demolished_year is not None
                else f"built in {r.built_year}"
            )
            report.contradictions.append(
                f"the plan says {_name(r)} is {when}; BBR no longer has it on "
                f"{report.extract_date.isoformat()}"
            )
    if ended:
        conn.execute(
            text("UPDATE building SET demolished_year = :y WHERE id = ANY(:ids)"),
            {"y": params["y"], "ids": ended},
        )
    report.add(
        "buildings removed",
        [f"{_name(r)} (demolished {params['y']})" for r in gone if r.id in set(ended)],
    )


def _changed(conn: Connection, report: ImportReport, params: dict) -> None:
    rows = conn.execute(
        text(
            """
            UPDATE building b
            SET use = n.use, bbr_use_code = n.use_code, storeys = n.storeys,
                floor_area_m2 = n.floor_area, business_floor_area_m2 = n.business_m2,
                construction_year = n.construction_year, ejerforhold = n.ejerforhold,
                footprint = n.footprint, parcel_id = coalesce(n.parcel_id, b.parcel_id),
                source_register = 'bbr', source_extract_date = :extract
            FROM reg_new n
            WHERE n.plan_id = b.id
              AND ((b.use, b.bbr_use_code, b.storeys, b.floor_area_m2,
                    b.business_floor_area_m2, b.construction_year, b.ejerforhold,
                    coalesce(n.parcel_id, b.parcel_id), b.source_register)
                   IS DISTINCT FROM
                   (n.use, n.use_code, n.storeys, n.floor_area, n.business_m2,
                    n.construction_year, n.ejerforhold, b.parcel_id, 'bbr')
                   OR NOT ST_Equals(b.footprint, n.footprint))
            RETURNING b.source_id, b.name
            """
        ),
        params,
    ).all()
    report.add("buildings changed", sorted(_name(r) for r in rows))


def _added(conn: Connection, report: ImportReport, params: dict) -> None:
    rows = conn.execute(
        text(
            """
            INSERT INTO building (source_id, parcel_id, use, bbr_use_code, storeys,
                                  floor_area_m2, business_floor_area_m2, construction_year,
                                  ejerforhold, built_year, footprint, source_register,
                                  source_extract_date)
            SELECT n.source_id, n.parcel_id, n.use, n.use_code, n.storeys, n.floor_area,
                   n.business_m2, n.construction_year, n.ejerforhold,
                   CASE WHEN n.status = ANY(:planned)
                        THEN greatest(n.construction_year, :y)
                        WHEN n.construction_year >= :min_year THEN n.construction_year END,
                   n.footprint, 'bbr', :extract
            FROM reg_new n WHERE n.plan_id IS NULL
            ORDER BY n.source_id
            RETURNING id, source_id
            """
        ),
        {**params, "planned": list(PLANNED), "min_year": MIN_YEAR},
    ).all()
    if not rows:
        return
    conn.execute(
        text(
            """
            INSERT INTO dwelling_stock (building_id, tenure, dwellings, floor_area_m2)
            SELECT b.id, s.tenure, s.dwellings, s.floor_area
            FROM reg_stock s JOIN building b ON b.source_id = s.source_id
            WHERE b.id = ANY(:ids)
            ORDER BY b.id, s.tenure
            """
        ),
        {"ids": [r.id for r in rows]},
    )
    report.add("buildings added", [r.source_id for r in rows])


def _converted(conn: Connection, report: ImportReport, y: int) -> None:
    """Buildings the plan already had whose dwellings by tenure now differ in BBR: each
    changed tenure ends its open row with the extract's year and starts a new one (a
    conversion, the platform's model of a change of tenure); a row that began this year is
    corrected in place. Rows planners planned (a later start, an end to come) are left."""
    diffs = conn.execute(
        text(
            """
            WITH present AS (
                SELECT s.building_id, s.tenure, sum(s.dwellings) AS dwellings,
                       bool_and(s.end_year IS NULL) AS open, count(*) AS rows,
                       max(s.id) AS row_id, max(s.start_year) AS start_year
                FROM dwelling_stock s JOIN reg_new n ON n.plan_id = s.building_id
                WHERE (s.start_year IS NULL OR s.start_year <= :y)
                  AND (s.end_year IS NULL OR s.end_year > :y)
                GROUP BY 1, 2
            ),
            wanted AS (
                SELECT n.plan_id AS building_id, s.tenure, s.dwellings, s.floor_area
                FROM reg_stock s JOIN reg_new n ON n.source_id = s.source_id
                WHERE n.plan_id IS NOT NULL
            )
            SELECT coalesce(p.building_id, w.building_id) AS building_id,
                   coalesce(p.tenure, w.tenure) AS tenure,
                   coalesce(p.dwellings, 0) AS old, coalesce(w.dwellings, 0) AS new,
                   coalesce(w.floor_area, 0) AS floor_area, p.open, p.rows, p.row_id,
                   p.start_year, b.source_id, b.name
            FROM present p FULL JOIN wanted w USING (building_id, tenure)
            JOIN building b ON b.id = coalesce(p.building_id, w.building_id)
            WHERE coalesce(p.dwellings, 0) <> coalesce(w.dwellings, 0)
            ORDER BY b.source_id, 2
            """
        ),
        {"y": y},
    ).all()
    converted = []
    for d in diffs:
        what = f"{_name(d)}: {d.tenure} {d.old} → {d.new}"
        if d.rows is not None and (d.rows > 1 or not d.open):
            report.contradictions.append(
                f"{what} in BBR, but the plan has its own rows for it (a planned change): "
                "not changed"
            )
            continue
        if d.row_id is not None and d.start_year == y:
            if d.new:
                conn.execute(
                    text(
                        "UPDATE dwelling_stock SET dwellings = :n, floor_area_m2 = :fa "
                        "WHERE id = :id"
                    ),
                    {"n": d.new, "fa": d.floor_area, "id": d.row_id},
                )
            else:
                conn.execute(text("DELETE FROM dwelling_stock WHERE id = :id"), {"id": d.row_id})
        else:
            if d.row_id is not None:
                conn.execute(
                    text("UPDATE dwelling_stock SET end_year = :y WHERE id = :id"),
                    {"y": y, "id": d.row_id},
                )
            if d.new:
                conn.execute(
                    text(
                        "INSERT INTO dwelling_stock (building_id, tenure, dwellings, "
                        "floor_area_m2, start_year, change) "
                        "VALUES (:b, :t, :n, :fa, :y, 'conversion')"
                    ),
                    {"b": d.building_id, "t": d.tenure, "n": d.new, "fa": d.floor_area, "y": y},
                )
        converted.append(what)
    report.add("units converted", converted)


# The file read and applied as one recorded change (gis.registers.common.import_extract).
import_bbr = partial(
    common.import_extract, register=REGISTER, read=read, apply=dar.addresses_follow(apply)
)
