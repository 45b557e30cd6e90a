"""Plandata.dk: lokalplaner and their delområder into the plan's `local_plan` table.

Read as its WFS gives them (README, "Danish registers"): a GeoJSON FeatureCollection of one
layer (`pdk:theme_pdk_lokalplan_vedtaget`, `…_forslag`, `pdk:theme_pdk_lokalplandelomraade_…`),
EPSG:25832, or a GeoPackage of such layers (ogr2ogr of the WFS). Plandata's field names:
`planid`, `plannr`, `plannavn`, `status` (vedtaget / forslag / aflyst, or V / F / A),
`komnr`, `datoforsl`, `datovedt`, `datoikraft` (YYYYMMDD or ISO), `doklink`; a delområde
also `delnr`, `lokplan_id` (its lokalplan's planid), `lp_plannr`, `lp_plannavn`,
`anvendelsegenerel`, `bebygpct` (bebyggelsesprocent), `maxbygnhjd` (max height, m) and
`maxetager`. A feature with a `delnr` is a delområde, any other a lokalplan.

A plan is keyed by its planid. Without a `status`, a GeoPackage layer's name says it
(`…_vedtaget`, `…_forslag`, `…_aflyst`).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from functools import partial
from typing import IO

import ijson
import shapely
from sqlalchemy import Connection, text

from gis.registers import common
from gis.registers.common import ImportReport, Problems

REGISTER = "plandata"
STATUSES = {
    "vedtaget": "vedtaget",
    "v": "vedtaget",
    "forslag": "forslag",
    "f": "forslag",
    "aflyst": "aflyst",
    "a": "aflyst",
}
GPKG_MAGIC = b"SQLite format 3\x00"
BATCH = 1000
STAGE = (
    "rec text, source_id text, kind text, plan_id text, plan_number text, plan_name text, "
    "subarea text, status text, municipality integer, proposed_date date, adopted_date date, "
    "in_force_date date, general_use text, plot_ratio_pct float8, max_height_m float8, "
    "max_storeys integer, document_url text, geom geometry(MultiPolygon, 25832)"
)
COLUMNS = [c.split()[0] for c in re.split(r",(?![^()]*\))", STAGE)][1:]


def _date(problems: Problems, rec: str, props: dict, name: str) -> dt.date | None:
    raw = props.get(name)
    if raw is None or raw == "":
        return None
    value = str(int(raw)) if isinstance(raw, int | float) and not isinstance(raw, bool) else raw
    if isinstance(value, str):
        digits = value.strip()[:10].replace("-", "")
        try:
            return dt.datetime.strptime(digits, "%Y%m%d").date()
        except ValueError:
            pass
    problems.add(rec, name, f"{str(raw)[:40]!r} is not a date (YYYYMMDD or YYYY-MM-DD)")
    return None


def _status(problems: Problems, rec: str, props: dict, layer_status: str | None) -> str | None:
    raw = props.get("status")
    if raw is None or raw == "":
        if layer_status is None:
            problems.add(rec, "status", "missing (vedtaget, forslag or aflyst)")
        return layer_status
    found = STATUSES.get(str(raw).strip().lower())
    if found is None:
        problems.add(rec, "status", f"{str(raw)[:40]!r} is not vedtaget, forslag or aflyst")
    return found


def _record(
    problems: Problems, stage: common.Stage, rec: str, feature, layer_status: str | None, seen
) -> None:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        problems.add(rec, "properties", "missing (not a feature)")
        return
    p = feature["properties"]
    planid = common.text_field(problems, rec, p, "planid", required=True)
    rec = f"{rec} (planid {planid})" if planid else rec
    sub = "delnr" in p
    text_of = common.text_field
    row = {
        "source_id": planid,
        "kind": "delomraade" if sub else "lokalplan",
        "plan_id": text_of(problems, rec, p, "lokplan_id", required=False) or planid,
        "plan_number": text_of(problems, rec, p, "plannr", required=False, max_len=32)
        or text_of(problems, rec, p, "lp_plannr", required=False, max_len=32),
        "plan_name": text_of(problems, rec, p, "plannavn", required=False, max_len=500)
        or text_of(problems, rec, p, "lp_plannavn", required=False, max_len=500),
        "subarea": text_of(problems, rec, p, "delnr", required=False, max_len=16),
        "status": _status(problems, rec, p, layer_status),
        "municipality": common.number(
            problems, rec, p, "komnr", integer=True, minimum=100, maximum=999
        ),
        "proposed_date": _date(problems, rec, p, "datoforsl"),
        "adopted_date": _date(problems, rec, p, "datovedt"),
        "in_force_date": _date(problems, rec, p, "datoikraft"),
        "general_use": text_of(problems, rec, p, "anvendelsegenerel", required=False, max_len=200),
        # A bebyggelsesprocent beyond 2,000 % is no local plan's (plots' plot_ratio: at most 20).
        "plot_ratio_pct": common.number(problems, rec, p, "bebygpct", minimum=0, maximum=2000),
        "max_height_m": common.number(problems, rec, p, "maxbygnhjd", minimum=0, maximum=1000),
        "max_storeys": common.number(
            problems, rec, p, "maxetager", integer=True, minimum=0, maximum=200
        ),
        "document_url": text_of(problems, rec, p, "doklink", required=False, max_len=2000),
        "geom": common.polygon(problems, rec, feature.get("geometry")),
    }
    if planid is not None:
        if planid in seen:
            problems.add(rec, "planid", f"{planid} is {seen[planid]} too")
            return
        seen[planid] = rec
    if None in (planid, row["status"], row["geom"]):
        return
    row["geom"] = shapely.to_wkb(shapely.set_srid(row["geom"], 25832), hex=True, include_srid=True)
    stage.add((rec, *(row[c] for c in COLUMNS)))


def _geojson(f: IO[bytes], problems: Problems) -> Iterator[tuple[str, dict, str | None]]:
    if common.first_key(f, ("features",)) is None:
        problems.add("file", None, "neither a GeoJSON FeatureCollection nor a GeoPackage")
        problems.raise_if_any()
    common.check_geojson_crs(f, problems)
    for i, feature in enumerate(common.stream(f, "features.item")):
        yield f"features[{i}]", feature, None


def _gpkg(source: common.Source, problems: Problems) -> Iterator[tuple[str, dict, str | None]]:
    """Every layer's features, BATCH at a time (pyogrio, GDAL): never a whole layer. An
    upload's bytes are read from a temporary file (GDAL reads a GeoPackage by its path)."""
    if isinstance(source, str):
        yield from _gpkg_layers(source, problems)
        return
    content = source if isinstance(source, bytes) else source.read()
    with tempfile.NamedTemporaryFile(suffix=".gpkg") as tmp:
        tmp.write(content)
        tmp.flush()
        yield from _gpkg_layers(tmp.name, problems)


# A Plandata GeoPackage (ogr2ogr of the WFS) holds a few layers, each a plain table. The
# file is checked with SQLite before GDAL reads any of it: GDAL reopens the file for each
# layer (1,000 layers took 105 s) and reads a view or a generated column as it would a
# table, which computes what it likes (a recursive view ran for hours; a view's text of
# 200 MB a row took gigabytes), none of it bounded by the file's size. Audit, 2026-12-04.
MAX_LAYERS = 20
# Tables and views in all: a layer brings five or so (its table, its spatial index's four).
MAX_SCHEMA_OBJECTS = 400
# SQLite's virtual instructions the check may run: its own few queries need a few thousand.
MAX_CHECK_STEPS = 10_000_000


def _gpkg_checked(path: str, problems: Problems) -> list[str]:
    """The file's layers, once SQLite shows it is a GeoPackage of at most MAX_LAYERS plain
    tables of features; else the problems, and no layer."""
    not_gpkg = "not a readable GeoPackage"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        problems.add("file", None, not_gpkg)
        return []
    steps = 0

    def budget() -> int:
        nonlocal steps
        steps += 1000
        return int(steps > MAX_CHECK_STEPS)  # non-zero: SQLite interrupts the query

    db.set_progress_handler(budget, 1000)
    try:
        # No function the file's schema names runs while it is read.
        db.execute("PRAGMA trusted_schema = OFF")
        objects = db.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master"
            " WHERE type IN ('table', 'view') LIMIT ?",
            (MAX_SCHEMA_OBJECTS + 1,),
        ).fetchall()
        if len(objects) > MAX_SCHEMA_OBJECTS:
            problems.add("file", None, f"holds more than {MAX_SCHEMA_OBJECTS} tables and views")
            return []
        kind = {name: (t, sql) for t, name, sql in objects}
        if kind.get("gpkg_contents", ("",))[0] != "table":
            problems.add("file", None, f"{not_gpkg} (no gpkg_contents table)")
            return []
        contents = db.execute(
            "SELECT table_name, data_type FROM gpkg_contents LIMIT ?", (MAX_LAYERS + 1,)
        ).fetchall()
        if len(contents) > MAX_LAYERS:
            problems.add(
                "file", None, f"holds more than {MAX_LAYERS} layers (a Plandata file: a few)"
            )
            return []
        for name in (n for n, (t, _) in kind.items() if t == "view"):
            problems.add(
                f"view {str(name)[:64]}", None, "a view: a Plandata GeoPackage holds tables only"
            )
        layers = []
        for name, data_type in contents:
            where = f"layer {str(name)[:64]}"
            t, sql = kind.get(name, ("", ""))
            if data_type != "features":
                problems.add(where, None, f"holds {str(data_type)[:20]}, not features")
            elif t != "table" or sql.upper().startswith("CREATE VIRTUAL"):
                problems.add(where, None, "is not a table of the file")
            elif any(c[6] for c in db.execute(f"PRAGMA table_xinfo({_quoted(name)})")):
                problems.add(where, None, "has a generated or hidden column")
            else:
                layers.append(name)
        return layers if not problems else []
    except sqlite3.Error:  # corrupt, encrypted, or the check's budget spent
        problems.add("file", None, not_gpkg)
        return []
    finally:
        db.close()


def _quoted(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _gpkg_layers(path: str, problems: Problems) -> Iterator[tuple[str, dict, str | None]]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    for layer in _gpkg_checked(path, problems):
        try:
            # Only the layers the check passed (GDAL would list unregistered tables too).
            info = pyogrio.read_info(path, layer=layer, LIST_ALL_TABLES="NO")
        except (DataSourceError, DataLayerError):
            problems.add(f"layer {layer}", None, "not readable by GDAL")
            continue
        crs = info.get("crs")
        if crs not in ("EPSG:25832", None):
            shown = crs if crs.startswith("EPSG:") else "a CRS with no EPSG code"
            problems.add(f"layer {layer}", "crs", f"{shown}: must be EPSG:25832")
            continue
        if info.get("geometry_type") is None:
            problems.add(f"layer {layer}", "geometry", "the layer has no geometry column")
            continue
        found = re.search(r"(vedtaget|forslag|aflyst)", layer.lower())
        status = found.group(1) if found else None
        for start in range(0, info["features"], BATCH):
            try:
                meta, _fids, geoms, fields = pyogrio.raw.read(
                    path, layer=layer, skip_features=start, max_features=BATCH,
                    LIST_ALL_TABLES="NO",
                )  # fmt: skip
            except (DataSourceError, DataLayerError):
                last = min(start + BATCH, info["features"]) - 1
                problems.add(f"{layer}[{start}-{last}]", "geometry", "a feature GDAL cannot read")
                continue
            names = list(meta["fields"])
            for j, wkb in enumerate(geoms):
                rec = f"{layer}[{start + j}]"
                props = {n: _plain(fields[k][j]) for k, n in enumerate(names)}
                try:
                    geometry = shapely.geometry.mapping(shapely.from_wkb(wkb)) if wkb else None
                except shapely.errors.ShapelyError:
                    problems.add(rec, "geometry", "not a readable geometry")
                    continue
                yield rec, {"properties": props, "geometry": geometry}, status


def _plain(value):
    """A GDAL field value as JSON would hold it (numpy scalars to Python, NaN to None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def read(conn: Connection, source: common.Source, *, show_progress: bool = False) -> dict:
    """Checks every lokalplan and delområde of the file and stages them (reg_local_plan);
    raises ImportRefused listing every problem."""
    problems = Problems(REGISTER)
    stage = common.Stage(conn, "reg_local_plan", STAGE)
    seen: dict[str, str] = {}
    n = 0
    with common.open_source(source) as f:
        head = f.read(16)
        f.seek(0)
        try:
            features = _gpkg(source, problems) if head == GPKG_MAGIC else _geojson(f, problems)
            items = common.progress(features, "planer", show_progress)
            for rec, feature, status in items:
                n += 1
                _record(problems, stage, rec, feature, status, seen)
        except ijson.JSONError as exc:
            common.not_json(problems, exc)
    problems.raise_if_any()
    stage.flush()
    if n == 0:
        problems.add("file", None, "holds no lokalplan or delområde")
    problems.raise_if_any()
    kinds = dict(
        conn.execute(text("SELECT kind, count(*) FROM reg_local_plan GROUP BY kind")).all()
    )
    return {"lokalplaner": kinds.get("lokalplan", 0), "delområder": kinds.get("delomraade", 0)}


_SAME = " AND ".join(f"p.{c} IS NOT DISTINCT FROM s.{c}" for c in COLUMNS if c != "geom")
_DIFF = f"""
CREATE TEMP TABLE reg_local_plan_diff ON COMMIT DROP AS
SELECT p.id, coalesce(s.source_id, p.source_id) AS source_id,
       coalesce(s.plan_number, p.plan_number) AS plan_number,
       coalesce(s.subarea, p.subarea) AS subarea,
       CASE WHEN p.id IS NULL THEN 'added'
            WHEN s.source_id IS NULL THEN 'removed'
            WHEN NOT ({_SAME}) OR NOT ST_Equals(p.geom, s.geom) THEN 'changed'
            ELSE 'same' END AS what
FROM local_plan p
FULL JOIN reg_local_plan s USING (source_id)
WHERE s.source_id IS NOT NULL
   -- A plan missing from the file is gone only where the file reaches: within its plans'
   -- hull (one municipality's plans never remove another's) and of a kind and status the
   -- file holds (the WFS gives one layer a file: delområder never remove lokalplaner, the
   -- adopted plans never the proposals). The reference dataset's illustrative plans
   -- (gis.reference: source ids `reference:…`) came from no register, and no Plandata
   -- file removes them, as a Matrikel file removes only the parcels Matrikel gave.
   OR ((p.kind, p.status) IN (SELECT DISTINCT kind, status FROM reg_local_plan)
       AND p.source_id NOT LIKE 'reference:%'
       AND ST_Covers((SELECT ST_ConvexHull(ST_Collect(geom)) FROM reg_local_plan),
                     ST_PointOnSurface(p.geom)))
"""


def apply(conn: Connection, report: ImportReport) -> None:
    conn.execute(text("DROP TABLE IF EXISTS reg_local_plan_diff"))
    conn.execute(text(_DIFF))

    def keys(what: str) -> list[str]:
        rows = conn.execute(
            text(
                # A plan of no number and no delområde is named by its kind and planid alone.
                "SELECT coalesce(nullif(concat_ws(' ', 'lokalplan ' || plan_number,"
                " 'delområde ' || subarea), ''), 'plan') || ' (' || source_id || ')'"
                " FROM reg_local_plan_diff WHERE what = :w"
                " ORDER BY 1"
            ),
            {"w": what},
        )
        return list(rows.scalars())

    report.add("plans added", keys("added"))
    report.add("plans changed", keys("changed"))
    report.add("plans removed", keys("removed"))
    params = {"extract": report.extract_date}
    conn.execute(
        text(
            "DELETE FROM local_plan"
            " WHERE id IN (SELECT id FROM reg_local_plan_diff WHERE what = 'removed')"
        )
    )
    assign = ", ".join(f"{c} = s.{c}" for c in COLUMNS if c != "source_id")
    conn.execute(
        text(
            f"""
            UPDATE local_plan p SET {assign}, source_extract_date = :extract
            FROM reg_local_plan_diff d JOIN reg_local_plan s USING (source_id)
            WHERE d.id = p.id AND d.what = 'changed'
            """
        ),
        params,
    )
    cols = ", ".join(COLUMNS)
    conn.execute(
        text(
            f"""
            INSERT INTO local_plan ({cols}, source_extract_date)
            SELECT {", ".join(f"s.{c}" for c in COLUMNS)}, :extract
            FROM reg_local_plan_diff d JOIN reg_local_plan s USING (source_id)
            WHERE d.what = 'added' ORDER BY s.source_id
            """
        ),
        params,
    )


# The file read and applied as one recorded change (gis.registers.common.import_extract).
import_plandata = partial(common.import_extract, register=REGISTER, read=read, apply=apply)
