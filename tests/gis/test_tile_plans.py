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
from gis.ogc import tiles
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
