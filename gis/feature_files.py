"""A page of features as a file: CSV (geometry as WKT) or GeoPackage."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import shapely
from shapely.ops import transform

from gis import csv_cells
from gis.ogc.features import Rows


def to_csv(found: Rows) -> str:
    out = io.StringIO()
    writer = csv_cells.writer(out, lineterminator="\n")
    writer.writerow([*found.columns[:-1], "wkt"])
    for row in found.rows:
        wkb = row[-1]
        wkt = ""
        if wkb is not None:
            geom = shapely.from_wkb(bytes(wkb))
            wkt = shapely.to_wkt(geom, rounding_precision=found.crs.precision)
        writer.writerow([*("" if v is None else v for v in row[:-1]), wkt])
    return out.getvalue()


def to_gpkg(found: Rows, layer_name: str) -> bytes:
    """A GeoPackage with one layer in the page's CRS.

    GeoPackage (like GDAL) stores EPSG:4326 as longitude, latitude whatever the CRS's axis
    order, so a latitude-first page is flipped back before it is written.
    """
    geoms = [None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in found.rows]
    if found.crs.lat_first:
        geoms = [None if g is None else transform(lambda x, y: (y, x), g) for g in geoms]
    fields = found.columns[:-1]
    columns = [_column([r[i] for r in found.rows]) for i in range(len(fields))]
    # Here, not at the top: pyogrio brings GDAL, pandas and geopandas (some 140 MB) into the
    # process, which only a GeoPackage download needs.
    import pyogrio.raw

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer_name}.gpkg"
        pyogrio.raw.write(
            str(path),
            geometry=np.array(
                [None if g is None else shapely.to_wkb(g) for g in geoms], dtype=object
            ),
            field_data=[c for c, _ in columns],
            field_mask=[m for _, m in columns],
            fields=fields,
            layer=layer_name,
            driver="GPKG",
            geometry_type=found.geometry_type,
            crs=f"EPSG:{found.crs.srid}",
        )
        return path.read_bytes()


def _column(values: list) -> tuple[np.ndarray, np.ndarray | None]:
    """A typed array for GDAL, and the mask of its NULLs: ints, floats and booleans stay
    what they are; anything else is text."""
    present = [v for v in values if v is not None]
    mask = np.array([v is None for v in values], dtype=bool)
    if present and all(isinstance(v, bool) for v in present):
        return np.array([bool(v) for v in values], dtype=bool), mask
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return np.array([v or 0 for v in values], dtype=np.int64), mask
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64), None
    return np.array([None if v is None else str(v) for v in values], dtype=object), None
