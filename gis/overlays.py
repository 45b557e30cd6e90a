"""Raster overlays: georeferenced GeoTIFFs in data/kort (a scanned plan drawing, an aerial
photo) served to the viewer, reprojected with rasterio to the web map's EPSG:3857.

The folder is data/kort in the checkout, or VOLLSMOSE_KORT_DIR when set.
"""

from __future__ import annotations

import io
import os
import re
from functools import lru_cache
from pathlib import Path

from gis.errors import DataError, NotFound
from gis.models import SRID

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "kort"
# Longest side of a served overlay image, in pixels.
MAX_SIDE = 2048
WEB_CRS = "EPSG:3857"


def kort_dir() -> Path:
    return Path(os.environ.get("VOLLSMOSE_KORT_DIR") or DEFAULT_DIR)


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "overlay"


def _files() -> dict[str, Path]:
    folder = kort_dir()
    if not folder.is_dir():
        return {}
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".tif", ".tiff"))
    return {_slug(p.stem): p for p in found}


def wgs84_bounds(bbox: tuple[float, float, float, float], crs: str | int = SRID) -> list:
    """[[south, west], [north, east]] of a bbox in `crs`, as Leaflet takes bounds."""
    # pyproj (PROJ, some 10 MB) where the viewer asks for bounds, not in every worker.
    from pyproj import Transformer

    t = Transformer.from_crs(crs, 4326, always_xy=True)
    xs, ys = t.transform([bbox[0], bbox[0], bbox[2], bbox[2]], [bbox[1], bbox[3], bbox[1], bbox[3]])
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


@lru_cache(maxsize=16)
def _info(path: Path, mtime: float) -> dict:
    # rasterio (its own GDAL, some 40 MB) only where an overlay is: most servers have none.
    import rasterio
    from rasterio.warp import calculate_default_transform

    with rasterio.open(path) as src:
        if src.crs is None:
            raise DataError(f"{path.name} has no CRS: it cannot be placed on the map.")
        transform, width, height = calculate_default_transform(
            src.crs, WEB_CRS, src.width, src.height, *src.bounds
        )
        scale = max(width, height) / MAX_SIDE
        if scale > 1:
            width, height = int(width / scale), int(height / scale)
            transform = transform * transform.scale(scale, scale)
        left, top = transform * (0, 0)
        right, bottom = transform * (width, height)
        title = src.tags().get("TITLE") or src.tags().get("title") or path.stem
        return {
            "title": title,
            "bounds": wgs84_bounds((left, bottom, right, top), WEB_CRS),
            "transform": transform,
            "width": width,
            "height": height,
            "crs": src.crs.to_string(),
        }


def list_overlays() -> list[dict]:
    """The overlays the viewer can offer; a file that cannot be placed is left out."""
    out = []
    for key, path in _files().items():
        from rasterio.errors import RasterioError

        try:
            info = _info(path, path.stat().st_mtime)
        except (DataError, RasterioError):
            continue
        out.append(
            {
                "id": key,
                "title": info["title"],
                "bounds": info["bounds"],
                "crs": info["crs"],
                "file": path.name,
            }
        )
    return out


@lru_cache(maxsize=8)
def _png(path: Path, mtime: float) -> bytes:
    import numpy as np
    import rasterio
    from PIL import Image
    from rasterio.warp import Resampling, reproject

    info = _info(path, mtime)
    with rasterio.open(path) as src:
        bands = min(src.count, 3)
        out = np.zeros((4, info["height"], info["width"]), dtype=np.uint8)
        colormap = None
        if src.count == 1:
            try:
                colormap = src.colormap(1)
            except ValueError:
                colormap = None
        for b in range(bands):
            reproject(
                source=rasterio.band(src, b + 1),
                destination=out[b],
                dst_transform=info["transform"],
                dst_crs=WEB_CRS,
                resampling=Resampling.nearest if colormap else Resampling.bilinear,
                dst_nodata=0,
            )
        valid = np.zeros((info["height"], info["width"]), dtype=np.uint8)
        reproject(
            source=np.full((src.height, src.width), 255, dtype=np.uint8),
            destination=valid,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=info["transform"],
            dst_crs=WEB_CRS,
            resampling=Resampling.nearest,
            dst_nodata=0,
        )
        nodata = src.nodata
    if colormap:
        lut = np.zeros((256, 4), dtype=np.uint8)
        for k, rgba in colormap.items():
            lut[k] = rgba
        rgba = lut[out[0]].transpose(2, 0, 1).copy()
        rgba[3] = np.minimum(rgba[3], valid)
    else:
        if bands == 1:
            out[1] = out[0]
            out[2] = out[0]
        rgba = out
        rgba[3] = valid
        if nodata is not None and bands == 1:
            rgba[3][out[0] == nodata] = 0
    buf = io.BytesIO()
    Image.fromarray(rgba.transpose(1, 2, 0), "RGBA").save(buf, "PNG", optimize=False)
    return buf.getvalue()


def overlay_png(overlay: str) -> bytes:
    path = _files().get(overlay)
    if path is None:
        raise NotFound("overlay", overlay)
    return _png(path, path.stat().st_mtime)
