"""Initial schema: areas, quarters, parcels, buildings and dwellings, roads, letbane, facilities.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:05:10.089494
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of gis.state.STATE_FUNCTION_SQL as it was at this revision: a migration is
# history and must not change when the live definition does (tests/test_migrations_frozen.py).
STATE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION state_includes(start_year integer, end_year integer, year integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ($1 IS NULL OR $1 < $3) AND ($2 IS NULL OR $2 >= $3)
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute(STATE_FUNCTION_SQL)
    op.create_geospatial_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("data_source", sa.Text(), nullable=True),
        sa.Column(
            "boundary",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('hard_ghetto', 'omdannelse', 'parallelsamfund', 'udsat', 'forebyggelse', 'other')",
            name="area_kind",
        ),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="area_slug_format"),
        sa.CheckConstraint("ST_IsValid(boundary)", name="area_boundary_valid"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_geospatial_index(
        "area_boundary_gist",
        "area",
        ["boundary"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "parcel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ejerlavskode", sa.Integer(), nullable=False),
        sa.Column("matrikelnummer", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("registered_area_m2", sa.Float(), nullable=True),
        sa.Column("planned_use", sa.String(length=32), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "planned_use IS NULL OR planned_use IN ('housing', 'business', 'mixed', 'public', 'green', 'road')",
            name="parcel_planned_use",
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="parcel_geom_valid"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ejerlavskode", "matrikelnummer", name="parcel_matrikel"),
    )
    op.create_geospatial_index(
        "parcel_geom_gist",
        "parcel",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "rail_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("decided", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("opening_year", sa.SmallInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="rail_line_geom_valid"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "rail_line_geom_gist",
        "rail_line",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "road",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opening_year", sa.SmallInteger(), nullable=True),
        sa.Column("closing_year", sa.SmallInteger(), nullable=True),
        sa.Column("decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('bygade', 'sivegade', 'path', 'road')", name="road_kind"),
        sa.CheckConstraint("status IN ('existing', 'planned', 'closed')", name="road_status"),
        sa.CheckConstraint("ST_IsValid(geom)", name="road_geom_valid"),
        sa.CheckConstraint(
            "opening_year IS NULL OR closing_year IS NULL OR opening_year <= closing_year",
            name="road_life_order",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "road_geom_gist", "road", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("parcel_id", sa.Integer(), nullable=True),
        sa.Column("use", sa.String(length=32), nullable=False),
        sa.Column("bbr_use_code", sa.SmallInteger(), nullable=True),
        sa.Column("storeys", sa.SmallInteger(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("business_floor_area_m2", sa.Float(), server_default="0", nullable=False),
        sa.Column("construction_year", sa.SmallInteger(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("ejerforhold", sa.SmallInteger(), nullable=True),
        sa.Column("built_year", sa.SmallInteger(), nullable=True),
        sa.Column("built_decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("renovation_start_year", sa.SmallInteger(), nullable=True),
        sa.Column("renovation_end_year", sa.SmallInteger(), nullable=True),
        sa.Column("renovation_decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("demolished_year", sa.SmallInteger(), nullable=True),
        sa.Column("demolition_decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "demolished_replaced_by_almen_family", sa.Integer(), server_default="0", nullable=False
        ),
        sa.Column(
            "footprint",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "anchor",
            Geometry(
                geometry_type="POINT",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            sa.Computed("ST_PointOnSurface(footprint)", persisted=True),
            nullable=True,
        ),
        sa.CheckConstraint(
            "use IN ('housing', 'business', 'mixed', 'institution', 'other')", name="building_use"
        ),
        sa.CheckConstraint("ST_IsValid(footprint)", name="building_footprint_valid"),
        sa.CheckConstraint(
            "built_year IS NULL OR demolished_year IS NULL OR built_year <= demolished_year",
            name="building_life_order",
        ),
        sa.CheckConstraint("business_floor_area_m2 >= 0", name="building_business_area"),
        sa.CheckConstraint(
            "demolished_replaced_by_almen_family >= 0", name="building_replaced_nonnegative"
        ),
        sa.CheckConstraint(
            "ejerforhold IS NULL OR ejerforhold IN (10, 20, 30, 40, 41, 50, 60, 70, 80, 90)",
            name="building_ejerforhold",
        ),
        sa.CheckConstraint(
            "renovation_start_year IS NULL OR renovation_end_year IS NULL OR renovation_start_year <= renovation_end_year",
            name="building_renovation",
        ),
        sa.ForeignKeyConstraint(["parcel_id"], ["parcel.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id"),
    )
    op.create_geospatial_index(
        "building_anchor_gist",
        "building",
        ["anchor"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "building_footprint_gist",
        "building",
        ["footprint"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("building_parcel", "building", ["parcel_id"], unique=False)
    op.create_table(
        "quarter_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="quarter_set_slug_format"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("area_id", "slug", name="quarter_set_area_slug"),
    )
    op.create_geospatial_table(
        "rail_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("decided", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("opening_year", sa.SmallInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="rail_stop_geom_valid"),
        sa.ForeignKeyConstraint(["line_id"], ["rail_line.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "rail_stop_geom_gist",
        "rail_stop",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("rail_stop_line", "rail_stop", ["line_id"], unique=False)
    op.create_table(
        "dwelling_stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("tenure", sa.String(length=32), nullable=False),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), server_default="0", nullable=False),
        sa.Column("start_year", sa.SmallInteger(), nullable=True),
        sa.Column("end_year", sa.SmallInteger(), nullable=True),
        sa.Column("change", sa.String(length=32), nullable=True),
        sa.Column("decided", sa.Boolean(), server_default="true", nullable=False),
        sa.CheckConstraint(
            "change IS NULL OR change IN ('conversion', 'sale', 'addition')",
            name="dwelling_stock_change",
        ),
        sa.CheckConstraint(
            "tenure IN ('almen_family', 'almen_youth', 'almen_elderly', 'private_rental', 'owner_occupied', 'cooperative')",
            name="dwelling_stock_tenure",
        ),
        sa.CheckConstraint("dwellings >= 0 AND floor_area_m2 >= 0", name="dwelling_stock_amounts"),
        sa.CheckConstraint(
            "start_year IS NULL OR end_year IS NULL OR start_year <= end_year",
            name="dwelling_stock_period",
        ),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("dwelling_stock_building", "dwelling_stock", ["building_id"], unique=False)
    op.create_geospatial_table(
        "facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("opening_year", sa.SmallInteger(), nullable=True),
        sa.Column("closing_year", sa.SmallInteger(), nullable=True),
        sa.Column("decided", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('school', 'gymnasium', 'daycare', 'library', 'swimming_hall', 'church', 'youth_school', 'sports', 'culture', 'municipal_workplace', 'shopping', 'health', 'other')",
            name="facility_kind",
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="facility_geom_valid"),
        sa.CheckConstraint(
            "opening_year IS NULL OR closing_year IS NULL OR opening_year <= closing_year",
            name="facility_life_order",
        ),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "facility_geom_gist",
        "facility",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "quarter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter_set_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("color", sa.String(length=7), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=25832,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("color IS NULL OR color ~ '^#[0-9a-fA-F]{6}$'", name="quarter_color"),
        sa.CheckConstraint("ST_IsValid(geom)", name="quarter_geom_valid"),
        sa.ForeignKeyConstraint(["quarter_set_id"], ["quarter_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quarter_set_id", "slug", name="quarter_set_slug"),
    )
    op.create_geospatial_index(
        "quarter_geom_gist",
        "quarter",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )


def downgrade() -> None:
    op.drop_geospatial_index(
        "quarter_geom_gist", table_name="quarter", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("quarter")
    op.drop_geospatial_index(
        "facility_geom_gist", table_name="facility", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("facility")
    op.drop_index("dwelling_stock_building", table_name="dwelling_stock")
    op.drop_table("dwelling_stock")
    op.drop_index("rail_stop_line", table_name="rail_stop")
    op.drop_geospatial_index(
        "rail_stop_geom_gist", table_name="rail_stop", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("rail_stop")
    op.drop_table("quarter_set")
    op.drop_index("building_parcel", table_name="building")
    op.drop_geospatial_index(
        "building_footprint_gist",
        table_name="building",
        postgresql_using="gist",
        column_name="footprint",
    )
    op.drop_geospatial_index(
        "building_anchor_gist", table_name="building", postgresql_using="gist", column_name="anchor"
    )
    op.drop_geospatial_table("building")
    op.drop_geospatial_index(
        "road_geom_gist", table_name="road", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("road")
    op.drop_geospatial_index(
        "rail_line_geom_gist", table_name="rail_line", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("rail_line")
    op.drop_geospatial_index(
        "parcel_geom_gist", table_name="parcel", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("parcel")
    op.drop_geospatial_index(
        "area_boundary_gist", table_name="area", postgresql_using="gist", column_name="boundary"
    )
    op.drop_geospatial_table("area")
    op.execute("DROP FUNCTION IF EXISTS state_includes(integer, integer, integer)")
