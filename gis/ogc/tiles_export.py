"""A pre-rendered tile pyramid as one static file: a PMTiles v3 archive per year and plan
version, for offline use and for serving from any static file host.

Every tile is made by `gis.ogc.tiles.tile`, the one function the tile server uses, for all
layers, so a stored tile is byte for byte the server's tile of the same z/x/y, year and
version (gzip-compressed, as PMTiles stores MVT). The pyramid is every tile over the data's
extent, one more tile on each side (a feature next to a tile edge lies in the neighbour's
buffer, so the neighbour holds data too) at `zooms[0]`, and below it the children of every
tile whose box holds any feature: over a national extent most of the box is empty, and an
empty box's children are never made. Empty tiles are left out. The whole pyramid is read in
one REPEATABLE READ snapshot (shared by every connection making tiles, `helpers`), so it is
one version of the data however long it takes, as the public (`gis.db.READER_ROLE`) reads
it: the file is for anyone. The archive is written to a temporary file beside `out` and
renamed when complete: a failed export leaves nothing behind, an existing file is replaced
whole or not at all.

The `pmtiles` package writes the archive (directories, run-length entries for repeated
tiles, metadata); tiles are given to it in tile id order, so the archive is clustered.
A layer is in the pyramid's tiles from its minimum zoom on (`Layer.tile_minzoom`, as the
server's), and the metadata's `vector_layers` say from which.
"""

from __future__ import annotations

import datetime as dt
import gzip
import math
import os
import queue
import re
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from sqlalchemy import Connection, text
from tqdm import tqdm

from gis import data_version, record, temporal
from gis.db import READER_ROLE, statement
from gis.errors import InvalidQuery, NotFound
from gis.layers import LAYERS
from gis.ogc import features, tiles

ATTRIBUTION = "Fremtidens Vollsmose (reference layout, not surveyed)"
# A guard against a pyramid nobody meant to make (z24 over the national stock): counted
# zoom by zoom, before the zoom's tiles are made.
MAX_TILES = 2_000_000
MERCATOR_LAT = 85.0511287798066  # WebMercatorQuad's edge, degrees
CHUNK = 64  # most tiles a connection makes at a time: few hand-offs, little held in memory


@dataclass(frozen=True)
class Pyramid:
    """What an export wrote."""

    path: Path
    tiles: int  # tiles stored (non-empty)
    empty: int  # tiles made and left out
    bytes: int
    bounds: tuple[float, float, float, float]  # CRS84
    zooms: tuple[int, int]
    seconds: float
    metadata: dict


def parse_zooms(value: str) -> tuple[int, int]:
    """`--zoom`: 'from-to' (10-17) or one zoom level (14)."""
    parts = value.strip().split("-")
    try:
        if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
            raise ValueError
        first, last = int(parts[0]), int(parts[-1])
    except ValueError:
        raise InvalidQuery(
            "zoom", f"zoom: '{value}' is not a zoom range 'from-to' (10-17) or a zoom (14)."
        ) from None
    for z in (first, last):
        if not tiles.MIN_ZOOM <= z <= tiles.MAX_ZOOM:
            raise InvalidQuery(
                "zoom", f"zoom: {z} is not a zoom level ({tiles.MIN_ZOOM} to {tiles.MAX_ZOOM})."
            )
    if first > last:
        raise InvalidQuery("zoom", f"zoom: the range {value} ends before it starts.")
    return first, last


def check_year(year: int) -> temporal.YearRange:
    """The year as the server's `datetime=` reads it; refused where the server refuses it."""
    try:
        years = temporal.parse_datetime(str(year))
    except InvalidQuery:
        raise InvalidQuery("year", f"year: {year} is out of range.") from None
    assert years is not None
    return years


def check_out(out: Path) -> None:
    if out.is_dir():
        raise InvalidQuery("out", f"out: {out} is a directory; name the file to write.")
    if not out.parent.is_dir():
        raise InvalidQuery("out", f"out: the directory {out.parent} does not exist.")


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """Columns x0..x1 and rows y0..y1 (inclusive) of the tiles at `z` covering `bounds`,
    with one tile more on every side (within the tile matrix)."""
    n = 1 << z

    def col(lon: float) -> int:
        return int((lon + 180.0) / 360.0 * n)

    def row(lat: float) -> int:
        lat = math.radians(max(-MERCATOR_LAT, min(MERCATOR_LAT, lat)))
        return int((1.0 - math.asinh(math.tan(lat)) / math.pi) / 2.0 * n)

    west, south, east, north = bounds
    x0, x1 = col(west) - 1, col(east) + 1
    y0, y1 = row(north) - 1, row(south) + 1
    return max(x0, 0), min(x1, n - 1), max(y0, 0), min(y1, n - 1)


def _bounds(conn: Connection) -> tuple[float, float, float, float]:
    boxes = [e.bbox_crs84 for e in features.extents(conn, list(LAYERS.values())).values()]
    boxes = [b for b in boxes if b]
    if not boxes:
        raise NotFound("map data", "any layer")
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _holds_geometry_sql() -> str:
    # Any feature of any layer, of any year, in the tile's box with its buffer: a tile
    # without one has children without one (theirs lie within it). An empty tile alone
    # does not say so: its features may all be of other years, or too small to draw at
    # its zoom. 1 m more than the tile's own box covers the chords the box is taken along.
    hits = " OR ".join(
        f"EXISTS (SELECT 1 FROM {layer.source} WHERE {layer.geometry}"
        " && ST_Expand(bounds.stored, 1))"
        for layer in LAYERS.values()
    )
    return f"WITH {tiles.BOUNDS_SQL} SELECT coalesce({hits}, false) FROM bounds"


_HOLDS = _holds_geometry_sql()


def _holds_geometry(conn: Connection, z: int, x: int, y: int) -> bool:
    return bool(conn.execute(statement(_HOLDS), tiles.bounds_params(z, x, y)).scalar_one())


def _metadata(
    year: int, view: record.PlanView, zooms: tuple[int, int], as_of: dt.datetime, version: int
) -> dict:
    layers = list(LAYERS.values())
    recorded = view.recorded.isoformat() if view.recorded else None
    return {
        "name": f"vollsmose-{year}"
        + ("" if view.scenario == record.ADOPTED else f"-{view.scenario}"),
        "description": f"The plan's map layers in {year} (1 January), scenario {view.scenario}"
        + (f", as recorded at {recorded}" if recorded else ", as recorded at the export"),
        "attribution": ATTRIBUTION,
        "type": "overlay",
        "format": "pbf",
        "year": year,
        "scenario": view.scenario,
        # The recorded time asked for (None: the plan as it stood), and the instant the
        # export read it at, which names the version exactly either way.
        "recorded": recorded,
        "recorded_as_of": as_of.isoformat(),
        "data_version": version,
        # A layer's zooms are the pyramid's from its own minimum zoom on (the tiles below
        # it do not carry it); a layer whose minimum zoom the pyramid never reaches is in
        # none of its tiles, so not named.
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title,
                "fields": tiles.vector_fields(layer),
                "minzoom": max(zooms[0], layer.tile_minzoom),
                "maxzoom": zooms[1],
            }
            for layer in layers
            if layer.tile_minzoom <= zooms[1]
        ],
    }


T = TypeVar("T")
R = TypeVar("R")


def _in_order(pool: Executor, fn: Callable[[T], R], items: Iterable[T], ahead: int) -> Iterator[R]:
    """`pool.map(fn, items)` with at most `ahead` items given out and not yet taken back:
    `Executor.map` submits every item at once, and made tiles waiting for the writer
    would pile up."""
    pending: deque[Future[R]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def export_pyramid(
    conn: Connection,
    out: Path,
    year: int,
    zooms: tuple[int, int],
    view: record.PlanView = record.CURRENT,
    *,
    helpers: Sequence[Connection] = (),
    max_tiles: int = MAX_TILES,
    show_progress: bool = False,
    bounds: tuple[float, float, float, float] | None = None,
) -> Pyramid:
    """Writes the pyramid of `year` in plan version `view` to `out` (PMTiles v3).

    `conn` must not be in a transaction: the export reads in one of its own. `helpers`,
    more connections (none in a transaction), make tiles beside it, each in a transaction
    of the same snapshot, so the pyramid is one version however many make it. Arguments
    are checked before the database is asked; an unknown scenario is `NotFound`. With
    `show_progress`, a bar per zoom on stderr (a national pyramid takes hours). `bounds`
    (west, south, east, north in CRS84) limits the pyramid at every zoom to the tiles over
    that region, one more on each side (a measure of a part of a pyramid too long to make
    whole here: benchmarks/ogc_national.py)."""
    years = check_year(year)
    if not tiles.MIN_ZOOM <= zooms[0] <= zooms[1] <= tiles.MAX_ZOOM:
        raise InvalidQuery("zoom", f"zoom: {zooms} is not a zoom range.")
    check_out(out)
    start = time.perf_counter()
    layers = list(LAYERS.values())
    with ExitStack() as stack:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        stack.enter_context(conn.begin())
        conn.exec_driver_sql(f"SET LOCAL ROLE {READER_ROLE}")
        record.enter(conn, view)
        as_of = conn.execute(text("SELECT now()")).scalar_one()
        idle: queue.SimpleQueue[Connection] = queue.SimpleQueue()
        idle.put(conn)
        if helpers:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            for helper in helpers:
                helper = helper.execution_options(isolation_level="REPEATABLE READ")
                stack.enter_context(helper.begin())
                # A SET takes no parameters; the id is the server's own (00000005-00005D5A-1).
                assert re.fullmatch(r"[0-9A-Fa-f-]+", snapshot), snapshot
                helper.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                helper.exec_driver_sql(f"SET LOCAL ROLE {READER_ROLE}")
                record.enter(helper, view)
                idle.put(helper)
        region = bounds is not None
        if bounds is None:
            bounds = _bounds(conn)

        def make(
            z: int, chunk: list[tuple[int, int, int]]
        ) -> list[tuple[int, int, int, bytes, bool]]:
            # On whichever connection is free: the tiles of `chunk`, and for an empty one
            # whether the export goes on below it.
            c = idle.get()
            try:
                done = []
                for tile_id, x, y in chunk:
                    data = tiles.tile(c, layers, z, x, y, years).data
                    below = z < zooms[1] and (bool(data) or _holds_geometry(c, z, x, y))
                    done.append((tile_id, x, y, data, below))
                return done
            finally:
                idle.put(c)

        pool = stack.enter_context(ThreadPoolExecutor(len(helpers) + 1))
        # Chunks given out and not yet written: a few for each connection.
        ahead = 4 * (len(helpers) + 1)
        x0, x1, y0, y1 = tile_range(bounds, zooms[0])
        # A zoom's tiles as (tile id, x, y): one list a zoom, sorted in place (a national
        # z17 is 5.9 million tiles; a copy of it is most of what an export holds).
        level = [
            (zxy_to_tileid(zooms[0], x, y), x, y)
            for x in range(x0, x1 + 1)
            for y in range(y0, y1 + 1)
        ]
        # Beside `out`, under a name no other export picks; made as open() makes a file
        # (0666 less the umask), not mkstemp's 0600: the pyramid is for a file host to
        # serve, and the rename keeps the mode.
        part = str(out.parent / f".{out.name}.{secrets.token_hex(8)}.part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        stored = empty = made_count = 0
        try:
            with os.fdopen(fd, "wb") as f:
                writer = Writer(f)
                for z in range(zooms[0], zooms[1] + 1):
                    if region:  # only the tiles over the region (±1), at every zoom
                        rx0, rx1, ry0, ry1 = tile_range(bounds, z)
                        level = [t for t in level if rx0 <= t[1] <= rx1 and ry0 <= t[2] <= ry1]
                    made_count += len(level)
                    if made_count > max_tiles:
                        raise InvalidQuery(
                            "zoom",
                            f"zoom: {zooms[0]}-{zooms[1]} over the data's extent is more than "
                            f"{max_tiles:,} tiles; export fewer zoom levels, or allow more"
                            " (--max-tiles).",
                        )
                    # Tile id order (zoom, then the Hilbert curve) is the archive's own:
                    # written in it, the archive is clustered and its directories are runs.
                    # Made in chunks on every connection, written in that order.
                    level.sort()
                    # A zoom of few tiles (the low ones, each heavy) is split finer, so that
                    # every connection has some.
                    size = max(1, min(CHUNK, len(level) // ahead))
                    chunks = (level[i : i + size] for i in range(0, len(level), size))
                    bar = tqdm(
                        total=len(level),
                        desc=f"z{z}",
                        unit=" tiles",
                        file=sys.stderr,
                        mininterval=0.5,
                        disable=not show_progress,
                    )
                    below = []
                    with bar:
                        for done in _in_order(pool, partial(make, z), chunks, ahead):
                            for tile_id, x, y, data, deeper in done:
                                if data:
                                    # mtime=0: the same tile is the same bytes, so the
                                    # writer stores a repeated tile once.
                                    writer.write_tile(tile_id, gzip.compress(data, mtime=0))
                                    stored += 1
                                else:
                                    empty += 1
                                if deeper:
                                    below += [
                                        (zxy_to_tileid(z + 1, cx, cy), cx, cy)
                                        for cx in (2 * x, 2 * x + 1)
                                        for cy in (2 * y, 2 * y + 1)
                                    ]
                            bar.update(len(done))
                    level = below
                if stored == 0:
                    raise NotFound("tiles with data", f"{year} at zoom {zooms[0]}-{zooms[1]}")
                # The public's version: the pyramid holds what everyone may read, and the
                # full one would count a sale's writes for anyone holding the file.
                version = conn.execute(
                    text(f"SELECT {data_version.PUBLIC_COLUMN_SQL}")
                ).scalar_one()
                metadata = _metadata(year, view, zooms, as_of, version)
                west, south, east, north = bounds
                writer.finalize(
                    {
                        "tile_type": TileType.MVT,
                        "tile_compression": Compression.GZIP,
                        "min_zoom": zooms[0],
                        "max_zoom": zooms[1],
                        "min_lon_e7": math.floor(west * 1e7),
                        "min_lat_e7": math.floor(south * 1e7),
                        "max_lon_e7": math.ceil(east * 1e7),
                        "max_lat_e7": math.ceil(north * 1e7),
                        "center_zoom": max(zooms[0], min(zooms[1], 14)),
                        "center_lon_e7": round((west + east) / 2 * 1e7),
                        "center_lat_e7": round((south + north) / 2 * 1e7),
                    },
                    metadata,
                )
            os.replace(part, out)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
    return Pyramid(
        out,
        stored,
        empty,
        out.stat().st_size,
        bounds,
        zooms,
        time.perf_counter() - start,
        metadata,
    )
