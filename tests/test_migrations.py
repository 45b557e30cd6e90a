"""The migrations go up and down, leave the GiST indexes and checks in place, and match
the models exactly (Alembic autogenerate finds nothing to do)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from gis import migrate
from gis.models import Base

SPATIAL = {
    "area": "boundary",
    "quarter": "geom",
    "parcel": "geom",
    "building": "footprint",
    "road": "geom",
    "rail_line": "geom",
    "rail_stop": "geom",
    "facility": "geom",
}


@pytest.fixture
def scratch(new_database):
    eng = create_engine(new_database())
    yield eng
    eng.dispose()


def _gist_indexed(conn) -> set[tuple[str, str]]:
    rows = conn.execute(
        text(
            """
            SELECT t.relname, a.attname
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_am am ON am.oid = i.relam
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey)
            WHERE am.amname = 'gist'
            """
        )
    )
    return {(r.relname, r.attname) for r in rows}


def test_up_down_up(scratch):
    with scratch.begin() as conn:
        migrate.upgrade(conn)
        assert set(SPATIAL) <= set(inspect(conn).get_table_names())
        assert set(SPATIAL.items()) <= _gist_indexed(conn)
        assert ("building", "anchor") in _gist_indexed(conn)
    with scratch.begin() as conn:
        migrate.downgrade(conn)
        left = set(inspect(conn).get_table_names()) - {"spatial_ref_sys", "alembic_version"}
        assert left == set()
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'state_includes'")
            ).scalar_one()
            == 0
        )
    with scratch.begin() as conn:
        migrate.upgrade(conn)
        assert set(SPATIAL) <= set(inspect(conn).get_table_names())


def test_models_match_migrations(conn):
    context = MigrationContext.configure(
        conn, opts={"include_object": _platform_only, "compare_type": True}
    )
    assert compare_metadata(context, Base.metadata) == []


def _platform_only(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in {"spatial_ref_sys", "alembic_version"})


def test_geometry_srid_and_type_enforced(conn):
    rows = conn.execute(
        text("SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns")
    ).all()
    by_column = {(r.f_table_name, r.f_geometry_column): (r.srid, r.type) for r in rows}
    for table, column in SPATIAL.items():
        assert by_column[(table, column)][0] == 25832


@pytest.mark.parametrize(
    "wkt, srid, message",
    [
        ("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0)))", 4326, "SRID"),
        ("MULTIPOLYGON(((0 0, 10 10, 10 0, 0 10, 0 0)))", 25832, "area_boundary_valid"),
    ],
)
def test_bad_geometry_is_refused(conn, wkt, srid, message):
    with pytest.raises(Exception, match=message), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO area (slug, name, kind, boundary)"
                " VALUES ('x', 'X', 'other', ST_GeomFromText(:wkt, :srid))"
            ),
            {"wkt": wkt, "srid": srid},
        )
