"""Loading the bundled reference dataset (data/kort/vollsmose.gpkg) into the database.

The file's layers are named after the tables and carry text keys instead of ids (area slug,
quarter set slug, parcel matrikel, building source_id); they are resolved here. Rows go in
in file order, so a fresh database gets the same ids every time. The caller owns the
transaction: nothing is committed here, so a failed load leaves nothing behind.

The file is the plan as recorded in 2020. Later recorded versions ship beside it as small
JSON files of changes keyed by stable keys (`UPDATES`, e.g. `plan_2023.json`, an
ILLUSTRATIVE 2023 update); each is applied after the 2020 load as a change of its own,
backdated to the time it names, so `recorded=` before that time answers the 2020 plan.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from sqlalchemy import Connection, Table, func, insert, select, text, update

from gis import record
from gis.criteria.reference import load_criteria
from gis.errors import DataError
from gis.land.reference import load_land
from gis.models import (
    SRID,
    Area,
    Building,
    DwellingStock,
    Facility,
    Parcel,
    Quarter,
    QuarterSet,
    RailLine,
    RailStop,
    Road,
)
from gis.monitoring.reference import load_monitoring
from gis.monitoring.rehousing import load_rehousing
from gis.program.reference import load_program

LAYERS = (
    "area",
    "quarter_set",
    "quarter",
    "parcel",
    "building",
    "dwelling_stock",
    "road",
    "rail_line",
    "rail_stop",
    "facility",
)


# The later recorded versions of the plan shipped beside the GeoPackage, applied in order.
UPDATES = ("plan_2023.json",)
# Illustrative lokalplaner beside the reference dataset (data/kort/lokalplaner.json).
LOCAL_PLANS = "lokalplaner.json"


def default_reference_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "kort" / "vollsmose.gpkg"


def is_empty(conn: Connection) -> bool:
    return conn.execute(select(Area.id).limit(1)).first() is None


def _plain(value):
    """GDAL's missing values (None, NaN) and numpy scalars as plain Python values."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _geometry(geom, column_kind: str):
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    elif isinstance(geom, LineString):
        geom = MultiLineString([geom])
    if geom is None or geom.is_empty:
        raise DataError(f"An empty geometry where a {column_kind} is required.")
    return from_shape(geom, srid=SRID)


def _records(path: Path, layer: str) -> list[dict]:
    """The layer's rows as dicts of plain values, `geometry` a shapely geometry. Read as
    arrays (pyogrio.raw), not as a data frame: pandas and geopandas are no dependency of the
    platform's (only of the reference builder's and the tests')."""
    import pyogrio.raw
    from pyproj import CRS

    meta, _fids, geoms, fields = pyogrio.raw.read(path, layer=layer)
    if meta["crs"] is not None and CRS(meta["crs"]).to_epsg() != SRID:
        raise DataError(f"Layer '{layer}' is in {meta['crs']}, not EPSG:{SRID}.")
    names = list(meta["fields"])
    n = len(geoms) if geoms is not None else len(fields[0]) if fields else 0
    rows = []
    for i in range(n):
        row = {name: _plain(fields[k][i]) for k, name in enumerate(names)}
        if geoms is not None:
            row["geometry"] = None if geoms[i] is None else shapely.from_wkb(geoms[i])
        rows.append(row)
    return rows


def _insert(conn: Connection, table: Table, rows: list[dict]) -> dict:
    """Inserts rows one statement at a time, returning the ids in order."""
    ids = []
    for row in rows:
        ids.append(conn.execute(insert(table).values(**row).returning(table.c.id)).scalar_one())
    return ids


def _with_geometry(rows: list[dict], column: str, kind: str) -> list[dict]:
    out = []
    for row in rows:
        row = dict(row)
        row[column] = _geometry(row.pop("geometry"), kind)
        out.append(row)
    return out


def _resolve(rows: list[dict], key: str, ids: dict, target: str) -> list[dict]:
    """Replaces the text key `key` of each row by the id it names, as `target`."""
    out = []
    for row in rows:
        row = dict(row)
        ref = row.pop(key)
        if ref not in ids:
            raise DataError(f"'{key}' names '{ref}', which the file does not hold.")
        row[target] = ids[ref]
        out.append(row)
    return out


def load_reference(conn: Connection, path: Path) -> dict[str, int]:
    """Loads every layer of the GeoPackage, then the later recorded versions found beside it
    (`UPDATES`); returns the number of rows per table (and of recorded updates)."""
    if not path.exists():
        raise DataError(f"No reference dataset at {path}.")
    import pyogrio  # GDAL: only to load

    missing = set(LAYERS) - {name for name, _ in pyogrio.list_layers(path)}
    if missing:
        raise DataError(f"{path.name} lacks the layers {', '.join(sorted(missing))}.")
    data = {layer: _records(path, layer) for layer in LAYERS}
    counts: dict[str, int] = {}
    # The reference data is the plan as recorded in 2020; later recorded versions follow.
    record.begin_change(
        conn,
        actor="reference dataset",
        role=None,
        kind="load",
        note=f"{path.name}: the Realiseringsplan 2020 (reference dataset)",
        at=record.REFERENCE_RECORDED,
    )

    area_ids = dict(
        zip(
            (r["slug"] for r in data["area"]),
            _insert(conn, Area.__table__, _with_geometry(data["area"], "boundary", "boundary")),
            strict=True,
        )
    )
    set_rows = _resolve(data["quarter_set"], "area", area_ids, "area_id")
    set_ids = dict(
        zip(
            ((r["area_id"], r["slug"]) for r in set_rows),
            _insert(conn, QuarterSet.__table__, set_rows),
            strict=True,
        )
    )
    quarters = []
    for r in _with_geometry(data["quarter"], "geom", "quarter polygon"):
        r["quarter_set_id"] = set_ids[(area_ids[r.pop("area")], r.pop("quarter_set"))]
        quarters.append(r)
    _insert(conn, Quarter.__table__, quarters)

    parcel_ids = dict(
        zip(
            ((r["ejerlavskode"], r["matrikelnummer"]) for r in data["parcel"]),
            _insert(conn, Parcel.__table__, _with_geometry(data["parcel"], "geom", "parcel")),
            strict=True,
        )
    )
    buildings = []
    for r in _with_geometry(data["building"], "footprint", "footprint"):
        key = (r.pop("parcel_ejerlavskode"), r.pop("parcel_matrikelnummer"))
        if key[0] is None or key[1] is None:
            r["parcel_id"] = None
        elif key in parcel_ids:
            r["parcel_id"] = parcel_ids[key]
        else:
            raise DataError(
                f"Building '{r['source_id']}' stands on parcel {key[0]} {key[1]},"
                " which the file does not hold."
            )
        buildings.append(r)
    building_ids = dict(
        zip(
            (r["source_id"] for r in buildings),
            _insert(conn, Building.__table__, buildings),
            strict=True,
        )
    )
    stock = _resolve(data["dwelling_stock"], "building", building_ids, "building_id")
    if stock:
        conn.execute(insert(DwellingStock.__table__), stock)

    _insert(conn, Road.__table__, _with_geometry(data["road"], "geom", "road"))
    line_ids = dict(
        zip(
            (r["name"] for r in data["rail_line"]),
            _insert(conn, RailLine.__table__, _with_geometry(data["rail_line"], "geom", "line")),
            strict=True,
        )
    )
    stops = _resolve(_with_geometry(data["rail_stop"], "geom", "stop"), "line", line_ids, "line_id")
    _insert(conn, RailStop.__table__, stops)
    facilities = []
    for r in _with_geometry(data["facility"], "geom", "facility"):
        ref = r.pop("building")
        if ref and ref not in building_ids:
            raise DataError(
                f"Facility '{r['name']}' names building '{ref}', which the file does not hold."
            )
        r["building_id"] = building_ids[ref] if ref else None
        facilities.append(r)
    _insert(conn, Facility.__table__, facilities)

    for layer in LAYERS:
        counts[layer] = len(data[layer])
    counts.update(load_monitoring(conn))  # the plan's schedules (issue 6)
    counts.update(load_criteria(conn))  # Odense's almene areas and list indicators (issue 6)
    counts.update(load_rehousing(conn))  # where rehoused households moved (issue 18)
    counts.update(load_land(conn, parcel_ids))  # the company's land, illustrative (issue 5)
    counts.update(load_program(conn))  # the ten delprogrammer and their indicators (issue 18)
    counts["local_plan"] = load_local_plans(conn, path.with_name(LOCAL_PLANS))
    updates = [path.with_name(name) for name in UPDATES if path.with_name(name).exists()]
    for update_path in updates:
        load_recorded_update(conn, update_path)
    counts["recorded updates"] = len(updates)
    return counts


_LOCAL_PLAN = text(
    """
    INSERT INTO local_plan (source_id, kind, plan_id, plan_number, plan_name, subarea, status,
                            municipality, general_use, plot_ratio_pct, max_height_m,
                            max_storeys, geom, source_extract_date)
    SELECT :source_id, :kind, :plan_id, :plan_number, :plan_name, :subarea, :status,
           :municipality, :general_use, :plot_ratio_pct, :max_height_m, :max_storeys,
           ST_Multi(ST_Union(q.geom)), CAST(:recorded AS date)
    FROM quarter q
    JOIN quarter_set qs ON qs.id = q.quarter_set_id AND qs.slug = 'kvarterer'
    WHERE q.name = ANY(CAST(:quarters AS text[]))
    HAVING count(*) = cardinality(CAST(:quarters AS text[]))
    """
)


def load_local_plans(conn: Connection, path: Path) -> int:
    """The reference dataset's illustrative lokalplaner and delområder, each drawn over the
    quarters it names (in the 2020 load's change; its source ids begin `reference:`, which the
    layer shows as no register)."""
    if not path.exists():
        return 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    fields = ("subarea", "general_use", "plot_ratio_pct", "max_height_m", "max_storeys")
    for plan in doc["plans"]:
        row = {
            **{k: plan.get(k) for k in fields},
            **{k: plan[k] for k in ("source_id", "kind", "plan_id", "plan_number", "plan_name")},
            "status": plan["status"],
            "quarters": plan["quarters"],
            "municipality": doc["municipality"],
            "recorded": record.REFERENCE_RECORDED.date(),
        }
        if conn.execute(_LOCAL_PLAN, row).rowcount != 1:
            raise DataError(f"{path.name}: {plan['source_id']} names a quarter not in kvarterer.")
    return len(doc["plans"])


# What a recorded update may name: the layer's table, and the columns a key or a value may
# be (names go into SQL, so only known columns pass).
_UPDATABLE = {"building": Building, "road": Road, "facility": Facility, "rail_stop": RailStop}
_KEYS = {
    "building": ("source_id",),
    "road": ("name",),
    "facility": ("name",),
    "rail_stop": ("name",),
}
_FROZEN = {"id", "recorded_from", "change_id", "anchor", "footprint", "geom"}


def _table_of(layer: str, where: str) -> Table:
    if layer not in _UPDATABLE:
        raise DataError(f"{where}: layer '{layer}' is not one a recorded update may change.")
    return _UPDATABLE[layer].__table__


def _columns_of(table: Table, names, where: str) -> None:
    bad = sorted(set(names) - (set(table.c.keys()) - _FROZEN))
    if bad:
        raise DataError(f"{where}: {table.name} has no column {', '.join(bad)} to set.")


def load_recorded_update(conn: Connection, path: Path) -> record.Change:
    """Applies one later recorded version of the plan (a JSON file like `plan_2023.json`) as
    a change of its own at the time the file names (Danish time when it has no offset).

    Each update names one feature by a stable key and the values it had (`from`) and gets
    (`to`); a feature that is missing, not unique or no longer has the `from` values is a
    DataError, so an update never lands on a plan it was not written against. The adopted
    plan's tables are updated in place: their triggers keep the superseded rows."""
    where = path.name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        at = dt.datetime.fromisoformat(doc["recorded"])
        note = doc["note"]
        updates, additions = doc.get("updates", []), doc.get("additions", [])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(f"{where}: not a recorded update of the plan ({e}).") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=record.LOCAL)
    if at <= record.REFERENCE_RECORDED:
        raise DataError(f"{where}: recorded {at.isoformat()}, not after the plan of 2020.")
    change = record.begin_change(
        conn, actor="reference dataset", role=None, kind="load", note=note, at=at
    )
    for n, item in enumerate(updates, 1):
        _apply_update(conn, item, f"{where}, update {n}")
    for n, item in enumerate(additions, 1):
        _apply_addition(conn, item, f"{where}, addition {n}")
    return change


def _apply_update(conn: Connection, item: dict, where: str) -> None:
    table = _table_of(item.get("layer"), where)
    key, before, after = item.get("key") or {}, item.get("from") or {}, item.get("to") or {}
    if not key or set(key) - set(_KEYS[table.name]) or not after or set(before) != set(after):
        raise DataError(
            f"{where}: needs a key ({', '.join(_KEYS[table.name])}) and the same columns in"
            " 'from' and 'to'."
        )
    _columns_of(table, after, where)
    match = [table.c[k] == v for k, v in key.items()]
    rows = conn.execute(select(*(table.c[c] for c in before)).where(*match).with_for_update()).all()
    if len(rows) != 1:
        raise DataError(f"{where}: {key} names {len(rows)} {table.name} rows, not one.")
    found = dict(rows[0]._mapping)
    if found != before:
        raise DataError(f"{where}: {key} holds {found}, not the {before} the update expects.")
    conn.execute(update(table).where(*match).values(**after))


def _apply_addition(conn: Connection, item: dict, where: str) -> None:
    if item.get("layer") != "facility":
        raise DataError(f"{where}: only a facility can be added by a recorded update.")
    table = Facility.__table__
    values = dict(item.get("values") or {})
    _columns_of(table, values, where)
    try:
        point = func.ST_SetSRID(func.ST_MakePoint(float(item["x"]), float(item["y"])), SRID)
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{where}: needs the point's x and y in EPSG:{SRID}.") from None
    if conn.execute(select(table.c.id).where(table.c.name == values.get("name"))).first():
        raise DataError(f"{where}: a facility named {values.get('name')!r} exists already.")
    if item.get("building"):
        b = Building.__table__
        found = conn.execute(
            select(b.c.id, func.ST_Covers(b.c.footprint, point)).where(
                b.c.source_id == item["building"]
            )
        ).first()
        if found is None or not found[1]:
            raise DataError(f"{where}: the point does not stand in building '{item['building']}'.")
        values["building_id"] = found[0]
    conn.execute(insert(table).values(**values, geom=point))
