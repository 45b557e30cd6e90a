"""A tile's statement is planned once per connection, not on every tile
(`gis.ogc.tiles.BOUNDS_SQL`): no bound value (z, x, y, margin, piece, pad, the years) is
folded into a custom plan, so the custom plans cost what the generic plan does and
PostgreSQL keeps the generic one. Before, a custom plan computed the tile's envelope at
planning time and came out cheaper by those functions' cost, so on the national stock every
tile was planned again: about 0.17 ms of the database's 0.27 ms a z15 buildings tile
(benchmarks/README.md, "Uncached tiles planned once per connection")."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.dialects import postgresql

from gis.layers import LAYERS
from gis.models import SRID
from gis.ogc import crs, tiles
from gis.temporal import YearRange
from tests.api.test_ogc_tiles import TORV, tile_of

ALL = list(LAYERS.values())


def _cost(conn: Connection, mode: str, sql: str, args: str) -> float:
    conn.exec_driver_sql(f"SET LOCAL plan_cache_mode = {mode}")
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE vm_tile({args})").scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Total Cost"]


@pytest.mark.parametrize(
    ("layers", "z", "years"),
    [
        (["buildings"], 15, None),
        (["buildings"], 17, YearRange(2030, 2030)),
        (None, 13, None),
        (None, 14, YearRange(2020, 2025)),
        (["quarters"], 5, None),  # below z8: 64 pieces an edge and a pad
    ],
    ids=["buildings z15", "buildings z17 2030", "all z13", "all z14 2020-2025", "quarters z5"],
)
def test_a_custom_plan_costs_what_the_generic_plan_does(
    ref_engine: Engine, layers: list[str] | None, z: int, years: YearRange | None
) -> None:
    chosen = ALL if layers is None else [LAYERS[name] for name in layers]
    sql, params = tiles.tile_statement(chosen, *tile_of(*TORV, z), years)
    compiled = text(sql).compile(dialect=postgresql.psycopg.dialect())
    names = list(compiled.params)
    prepared = str(compiled)
    for i, name in enumerate(names, 1):
        prepared = prepared.replace(f"%({name})s", f"${i}")
    args = ", ".join(repr(params[name]) for name in names)
    with ref_engine.connect() as conn:
        conn.exec_driver_sql(f"PREPARE vm_tile AS {prepared}")
        try:
            custom = _cost(conn, "force_custom_plan", prepared, args)
            generic = _cost(conn, "force_generic_plan", prepared, args)
        finally:
            conn.rollback()
            conn.exec_driver_sql("DEALLOCATE ALL")
    # A custom plan cheaper than the generic one (by more than rounding) is made every time.
    assert custom >= generic - 0.01, (custom, generic)


# The envelope as it was computed before it was kept from the plans (3449ffa): the tiles'
# bytes must not depend on how the statement reaches them.
_FOLDABLE_BOUNDS = (
    tiles.BOUNDS_SQL.split("bounds AS MATERIALIZED", 1)[0]
    + f"""
    clip AS (
        SELECT ST_ClipByBox2D(ST_TileEnvelope(:z, :x, :y, margin => :margin),
                              {crs.domain_box_sql(3857)}) AS g
    ),
    bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
               CASE WHEN ST_IsEmpty(clip.g) THEN NULL
                    ELSE ST_Expand(ST_Envelope(ST_Transform(ST_Segmentize(clip.g, :piece),
                                                            {SRID})), :pad) END AS stored
        FROM clip
    )
"""
)


def test_a_sweep_of_tiles_has_the_bytes_of_the_foldable_envelope(ref_conn: Connection) -> None:
    """Every tile of a sweep (z2 to z18 around Vollsmose Torv and its neighbours, all layers
    and the buildings alone, with and without a year) is byte for byte the tile the
    statement with the envelope written plainly gives."""
    checked = 0
    for z in range(2, 19):
        _, x0, y0 = tile_of(*TORV, z)
        for x, y in ((x0, y0), (x0 + 1, y0), (x0, y0 + 1)):
            for layers in (ALL, [LAYERS["buildings"]]):
                for years in (None, YearRange(2030, 2030)):
                    sql, params = tiles.tile_statement(layers, z, x, y, years)
                    plain = sql.replace(tiles.BOUNDS_SQL, _FOLDABLE_BOUNDS)
                    assert plain != sql
                    want = ref_conn.execute(text(plain), params).one()
                    got = tiles.tile(ref_conn, layers, z, x, y, years)
                    assert (got.data, got.data_version) == (bytes(want.data), want.version), (
                        z,
                        x,
                        y,
                        [layer.id for layer in layers],
                        years,
                    )
                    checked += bool(got.data)
    assert checked >= 80  # the tiles with features (no buildings below their minimum zoom)


# Two ways PostgreSQL may read a layer's rows: by the GiST index (in the index's order) or
# the whole table (in the table's). With the table scan off, every part of the statement is
# read by an index, which is slow (about half a second a tile of all layers), hence few tiles.
SCANS = {"index": ("on", "off", "off"), "table": ("off", "off", "on")}


def test_a_tile_has_the_same_bytes_whatever_the_plan_reads_it_by(ref_conn: Connection) -> None:
    """A tile's ETag names the data version and the request, not its bytes, so the bytes must
    not depend on the plan: a connection's first tiles run custom plans and later ones the
    generic plan, and each worker and replica plans for itself. Each layer's features are
    encoded in id order. (Before, the order was the scan's, and the two scans gave other
    bytes for the z14 tile of all layers.)"""
    compared = 0
    for z in (14, 16):
        _, x0, y0 = tile_of(*TORV, z)
        for x, y in ((x0, y0), (x0 + 1, y0)):
            for layers in (ALL, [LAYERS["buildings"]]):
                seen = {}
                for scan, (index, bitmap, table) in SCANS.items():
                    ref_conn.exec_driver_sql(
                        f"SET LOCAL enable_indexscan = {index}; "
                        f"SET LOCAL enable_bitmapscan = {bitmap}; "
                        f"SET LOCAL enable_seqscan = {table}"
                    )
                    seen[scan] = tiles.tile(ref_conn, layers, z, x, y).data
                ref_conn.exec_driver_sql("RESET enable_indexscan; RESET enable_bitmapscan; "
                                         "RESET enable_seqscan")  # fmt: skip
                assert len(set(seen.values())) == 1, (z, x, y, [layer.id for layer in layers])
                compared += bool(seen["index"])
    assert compared >= 6
