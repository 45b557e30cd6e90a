"""Matrikel (the cadastre): jordstykker into the plan's `parcel` table.

Two forms are read (README, "Danish registers"):
- a GeoJSON FeatureCollection whose features carry the flat properties `ejerlavskode`,
  `matrikelnummer`, `registreretAreal` (and optionally `id_lokalId`), EPSG:25832;
- the Datafordeler MAT2 file extract (JSON): `JordstykkeList`, an array of features (or a
  FeatureCollection) whose properties use MAT's names (`ejerlavLokalId` for the
  ejerlavskode, `id_lokalId`, `registreringTil`/`virkningTil`: only current ones are read).

A parcel is keyed by (ejerlavskode, matrikelnummer). Its register values (geometry, registered
area, provenance) follow the register; what planners entered on it (owner, planned use, land
and sale data) is never touched. A parcel gone from the register is removed unless the plan
holds data on it (then it stays, and the report says so); a parcel whose area now lies in
several, or several in one, is reported as split or merged.
"""

from __future__ import annotations

import itertools
from functools import partial

import ijson
import shapely
from sqlalchemy import Connection, text

from gis.registers import common, dar
from gis.registers.common import ImportReport, Problems

REGISTER = "matrikel"
# The ijson prefixes of the features, by the document's first key: a FeatureCollection's
# `features`; MAT2's `JordstykkeList`, an array of features or a FeatureCollection.
SHAPES = {
    "features": ("features.item",),
    "JordstykkeList": ("JordstykkeList.item", "JordstykkeList.features.item"),
}
STAGE = (
    "rec text, ejerlavskode integer, matrikelnummer text, area float8, source_id text, "
    "registered text, geom geometry(MultiPolygon, 25832)"
)


def read(conn: Connection, source: common.Source, *, show_progress: bool = False) -> dict:
    """Checks every jordstykke of the file and stages the current ones (table reg_parcel).
    Raises ImportRefused listing every problem."""
    problems = Problems(REGISTER)
    stage = common.Stage(conn, "reg_parcel", STAGE)
    n = 0
    with common.open_source(source) as f:
        try:
            shape_key = common.first_key(f, SHAPES)
            if shape_key is None:
                problems.add(
                    "file",
                    None,
                    "neither a GeoJSON FeatureCollection (features) nor a MAT2 "
                    "extract (JordstykkeList)",
                )
                problems.raise_if_any()
            features = itertools.chain.from_iterable(
                common.stream(f, prefix) for prefix in SHAPES[shape_key]
            )
            if shape_key == "features":
                common.check_geojson_crs(f, problems)
            items = common.progress(features, "jordstykker", show_progress)
            seen: dict[tuple[int, str], str] = {}
            for i, feature in enumerate(items):
                n += 1
                _record(problems, stage, shape_key, i, feature, seen)
        except ijson.JSONError as exc:
            common.not_json(problems, exc)
    problems.raise_if_any()
    stage.flush()
    if n == 0:
        problems.add("file", None, "holds no jordstykke")
    problems.raise_if_any()
    return {"jordstykker": n}


def _record(
    problems: Problems, stage: common.Stage, shape_key: str, i: int, feature, seen: dict
) -> None:
    list_name = "features" if shape_key == "features" else "JordstykkeList"
    if not isinstance(feature, dict):
        problems.add(f"{list_name}[{i}]", None, "is not a feature object")
        return
    props = feature.get("properties")
    if not isinstance(props, dict):
        problems.add(f"{list_name}[{i}]", "properties", "missing")
        return
    if not common.current_registration(props):
        return  # a superseded registration: history of the register, not the current state
    key = props.get("matrikelnummer")
    record = f"{list_name}[{i}]" + (f" ({key})" if isinstance(key, str) else "")
    elk_name = (
        "ejerlavskode" if "ejerlavskode" in props or shape_key == "features" else ("ejerlavLokalId")
    )
    ejerlavskode = common.number(
        problems,
        record,
        props,
        elk_name,
        integer=True,
        minimum=1,
        maximum=2**31 - 1,
        required=True,
    )
    nummer = common.text_field(problems, record, props, "matrikelnummer", required=True, max_len=32)
    area = common.number(problems, record, props, "registreretAreal", minimum=0, maximum=1e10)
    source_id = common.text_field(problems, record, props, "id_lokalId", required=False)
    geom = common.polygon(problems, record, feature.get("geometry"))
    registered = common.registration(problems, record, props)
    if ejerlavskode is not None and nummer is not None:
        if (ejerlavskode, nummer) in seen:
            problems.add(
                record,
                "matrikelnummer",
                f"{ejerlavskode}-{nummer} is {seen[(ejerlavskode, nummer)]} too",
            )
            return
        seen[(ejerlavskode, nummer)] = record
    if ejerlavskode is None or nummer is None or geom is None:
        return
    stage.add(
        (
            record,
            ejerlavskode,
            nummer,
            area,
            source_id or f"{ejerlavskode}-{nummer}",
            registered,
            shapely.to_wkb(shapely.set_srid(geom, 25832), hex=True, include_srid=True),
        )
    )


# The staged parcels against the plan's: each parcel's old and new geometry, by key.
_DIFF = """
CREATE TEMP TABLE reg_parcel_diff ON COMMIT DROP AS
SELECT p.id, coalesce(p.ejerlavskode, s.ejerlavskode) AS ejerlavskode,
       coalesce(p.matrikelnummer, s.matrikelnummer) AS matrikelnummer,
       p.geom AS old_geom, s.geom AS new_geom, s.area, s.source_id,
       CASE WHEN p.id IS NULL THEN 'added'
            WHEN s.ejerlavskode IS NULL THEN 'removed'
            WHEN NOT ST_Equals(p.geom, s.geom)
                 OR p.registered_area_m2 IS DISTINCT FROM s.area
                 OR p.source_id IS DISTINCT FROM s.source_id
                 OR p.source_register IS DISTINCT FROM 'matrikel' THEN 'changed'
            ELSE 'same' END AS what
FROM (SELECT * FROM parcel) p
FULL JOIN reg_parcel s USING (ejerlavskode, matrikelnummer)
WHERE s.ejerlavskode IS NOT NULL
   -- A parcel missing from the file is gone only where the extract reaches (the hull of its
   -- parcels): an extract of one ejerlav or municipality never removes another's.
   OR (p.source_register = 'matrikel'
       AND ST_Covers((SELECT ST_ConvexHull(ST_Collect(geom)) FROM reg_parcel),
                     ST_PointOnSurface(p.geom)))
"""

# An old parcel whose ground now lies in two or more parcels was split; a new parcel that
# holds two or more old ones is their merger (each piece: over half its area in the other).
_SPLITS = """
SELECT o.ejerlavskode || '-' || o.matrikelnummer AS old,
       string_agg(n.ejerlavskode || '-' || n.matrikelnummer, ', '
                  ORDER BY n.ejerlavskode, n.matrikelnummer) AS new
FROM reg_parcel_diff o
JOIN reg_parcel_diff n ON n.what IN ('added', 'changed') AND o.old_geom && n.new_geom
 AND ST_Area(ST_Intersection(o.old_geom, n.new_geom)) > 0.5 * ST_Area(n.new_geom)
WHERE o.what IN ('removed', 'changed')
GROUP BY o.ejerlavskode, o.matrikelnummer
HAVING count(*) >= 2
ORDER BY 1
"""
_MERGES = """
SELECT n.ejerlavskode || '-' || n.matrikelnummer AS new,
       string_agg(o.ejerlavskode || '-' || o.matrikelnummer, ', '
                  ORDER BY o.ejerlavskode, o.matrikelnummer) AS old
FROM reg_parcel_diff n
JOIN reg_parcel_diff o ON o.what IN ('removed', 'changed') AND o.old_geom && n.new_geom
 AND ST_Area(ST_Intersection(o.old_geom, n.new_geom)) > 0.5 * ST_Area(o.old_geom)
WHERE n.what IN ('added', 'changed')
GROUP BY n.ejerlavskode, n.matrikelnummer
HAVING count(*) >= 2
ORDER BY 1
"""


def apply(conn: Connection, report: ImportReport) -> None:
    """Writes the differences between the staged parcels and the plan's (in the caller's
    change) and fills the report."""
    conn.execute(text("DROP TABLE IF EXISTS reg_parcel_diff"))
    conn.execute(text(_DIFF))

    def keys(what: str) -> list[str]:
        rows = conn.execute(
            text(
                "SELECT ejerlavskode || '-' || matrikelnummer FROM reg_parcel_diff "
                "WHERE what = :w ORDER BY ejerlavskode, matrikelnummer"
            ),
            {"w": what},
        )
        return list(rows.scalars())

    report.add("parcels split", [f"{r.old} → {r.new}" for r in conn.execute(text(_SPLITS))])
    report.add("parcels merged", [f"{r.old} → {r.new}" for r in conn.execute(text(_MERGES))])
    report.add("parcels added", keys("added"))
    report.add("parcels changed", keys("changed"))
    # A parcel the plan holds land or sale data on, or planners gave an owner or a use,
    # is kept when the register drops it: that data is the plan's, not the register's.
    kept = conn.execute(
        text(
            """
            SELECT d.id, d.ejerlavskode || '-' || d.matrikelnummer AS key
            FROM reg_parcel_diff d JOIN parcel p ON p.id = d.id
            WHERE d.what = 'removed'
              AND (p.owner IS NOT NULL OR p.planned_use IS NOT NULL
                   OR EXISTS (SELECT 1 FROM parcel_land l WHERE l.parcel_id = d.id)
                   OR EXISTS (SELECT 1 FROM parcel_sale s WHERE s.parcel_id = d.id))
            ORDER BY 2
            """
        )
    ).all()
    for k in kept:
        report.contradictions.append(
            f"parcel {k.key} is no longer in the register, but the plan holds data on it "
            "(owner, use, land or sale): kept"
        )
    kept_ids = [k.id for k in kept]
    removed = conn.execute(
        text(
            "DELETE FROM parcel WHERE id IN (SELECT id FROM reg_parcel_diff WHERE what = "
            "'removed') AND NOT id = ANY(:kept) RETURNING ejerlavskode || '-' || matrikelnummer"
        ),
        {"kept": kept_ids},
    ).scalars()
    report.add("parcels removed", sorted(removed))
    conn.execute(
        text(
            """
            UPDATE parcel p
            SET geom = d.new_geom, registered_area_m2 = d.area, source_id = d.source_id,
                source_register = 'matrikel', source_extract_date = :extract
            FROM reg_parcel_diff d WHERE d.id = p.id AND d.what = 'changed'
            """
        ),
        {"extract": report.extract_date},
    )
    conn.execute(
        text(
            """
            INSERT INTO parcel (ejerlavskode, matrikelnummer, registered_area_m2, geom,
                                source_id, source_register, source_extract_date)
            SELECT ejerlavskode, matrikelnummer, area, new_geom, source_id, 'matrikel', :extract
            FROM reg_parcel_diff WHERE what = 'added'
            ORDER BY ejerlavskode, matrikelnummer
            """
        ),
        {"extract": report.extract_date},
    )
    if not report.unchanged:
        report.add("buildings placed", place_buildings(conn))


def place_buildings(conn: Connection) -> list[str]:
    """Puts every BBR building without a parcel, or on a parcel that no longer holds its
    anchor, on the parcel holding it (the lowest id where parcels overlap)."""
    rows = conn.execute(
        text(
            """
            WITH target AS (
                SELECT b.id, (SELECT p.id FROM parcel p WHERE ST_Covers(p.geom, b.anchor)
                              ORDER BY p.id LIMIT 1) AS parcel_id
                FROM building b
                WHERE b.source_register = 'bbr'
                  AND NOT EXISTS (SELECT 1 FROM parcel p WHERE p.id = b.parcel_id
                                  AND ST_Covers(p.geom, b.anchor))
            )
            UPDATE building b SET parcel_id = t.parcel_id
            FROM target t
            WHERE t.id = b.id AND t.parcel_id IS NOT NULL
            RETURNING b.source_id
            """
        )
    ).scalars()
    return sorted(rows)


# The file read and applied as one recorded change (gis.registers.common.import_extract).
import_matrikel = partial(
    common.import_extract, register=REGISTER, read=read, apply=dar.addresses_follow(apply)
)
