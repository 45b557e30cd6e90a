"""A worker's cache of vector tiles, right across workers because it is keyed by the data.

A tile is kept under the key its request names (the API passes the ETag's key: the reader's
view, the path and the query, so the layers, z/x/y, years, scenario and recorded time) and
the data's stamp (`gis.data_version.stamp`: the version and the random token of its last
bump, read in one cheap statement on the connection the tile would be read on). Any write to
map data bumps the version (a statement-level trigger), so a tile made before it is never
found again, whichever worker or process wrote; the token keeps it so across a bump rolled
back or a database restored to an earlier version and written again (the same number, other
data).

A hit costs that one statement instead of the tile's (z13 over Vollsmose: 1.6 ms in the
database; at 16 clients on 2 cores the database's CPU was most of a tile's time). A tile is
stored only when the tile's own statement read the version just read: a write committed
between the two leaves that tile uncached. Bounded by bytes (least recently used out).
"""

from __future__ import annotations

import threading

from cachetools import LRUCache
from sqlalchemy import Connection

from gis import data_version, temporal
from gis.layers import Layer
from gis.ogc import tiles


class TileCache:
    """Tiles by (request key, stamp), at most `max_bytes` of tile data (0: none kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # The size of an entry is its tile's bytes (an empty tile counts one, so a cache of
        # empty tiles is bounded too).
        self._tiles: LRUCache = LRUCache(max(max_bytes, 1), getsizeof=_size)
        # Tiles are read on the event loop's thread; the lock keeps the LRU's bookkeeping
        # whole should one ever be read from a thread pool.
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def tile(
        self,
        conn: Connection,
        key: bytes,
        layers: list[Layer],
        z: int,
        x: int,
        y: int,
        years: temporal.YearRange | None = None,
    ) -> tiles.Tile:
        """`gis.ogc.tiles.tile(conn, layers, z, x, y, years)`, from the cache when it holds the
        tile of `key` at the data's present stamp. `key` must name everything the tile's
        bytes depend on besides the data (the API's ETag key does)."""
        if self.max_bytes <= 0:
            return tiles.tile(conn, layers, z, x, y, years)
        now = data_version.stamp(conn)
        with self._lock:
            found = self._tiles.get((key, now))
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        made = tiles.tile(conn, layers, z, x, y, years)
        if made.data_version == now.version and _size(made) <= self.max_bytes:
            with self._lock:
                self._tiles[(key, now)] = made
        return made

    @property
    def size(self) -> int:
        """Bytes held."""
        return int(self._tiles.currsize)


def _size(tile: tiles.Tile) -> int:
    return max(len(tile.data), 1)
