"""The bbox condition is made for the box (gis.ogc.crs.bbox_sql): one side unless the box
crosses the antimeridian, no clipping for a box inside DOMAIN; and each form answers as
the general one, both antimeridian sides clipped, does."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.layers import LAYERS
from gis.ogc.crs import CRS84, STORAGE, WEB_MERCATOR, bbox_sql, envelope_sql, parse_bbox

BUILDINGS = LAYERS["buildings"]
BOXES = [
    (CRS84, "10.425,55.403,10.435,55.410"),  # over the data, inside DOMAIN
    (CRS84, "10.3,55.3,10.6,55.5"),
    (CRS84, "-180,-90,180,90"),  # the world: reaches outside DOMAIN
    (CRS84, "170,50,10.44,56"),  # across the antimeridian, the data in its west side
    (CRS84, "170,50,-170,56"),  # across it, nothing of the data
    (WEB_MERCATOR, "1160000,7440000,1162000,7443000"),
    (STORAGE, "588000,6140000,591000,6143000"),
]


def _general(geometry: str, crs, prefix: str) -> str:
    one = f"ST_Intersects({geometry}, {envelope_sql(crs, prefix)})"
    return f"({one} OR ST_Intersects({geometry}, {envelope_sql(crs, prefix, 1)}))"


@pytest.mark.parametrize(("crs", "value"), BOXES)
def test_each_form_answers_as_the_general_one(ref_conn, crs, value):
    box = parse_bbox(value, crs)
    params = dict(zip(("bb_x0", "bb_y0", "bb_x1", "bb_y1"), box, strict=True))
    made = bbox_sql(BUILDINGS.geometry, crs, "bb_", box)
    crosses = crs.geographic and box[0] > box[2]
    assert (" OR " in made) == crosses
    assert ("ST_ClipByBox2D" in made) == (crosses or value.startswith("-180"))

    def ids(condition: str) -> list[int]:
        sql = f"SELECT t.id FROM {BUILDINGS.source} WHERE {condition} ORDER BY t.id"
        return list(ref_conn.execute(text(sql), params).scalars())

    assert ids(made) == ids(_general(BUILDINGS.geometry, crs, "bb_"))
