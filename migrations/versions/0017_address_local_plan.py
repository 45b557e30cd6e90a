"""DAR addresses and Plandata.dk's lokalplaner and delområder.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 11:45:00

`address`: one DAR husnummer (adgangsadresse) per row: vejnavn, husnummer, postnummer, its
access point, DAR's references to the BBR building and the MAT jordstykke it gives access
to, and the building and parcel of the plan they resolve to (`gis.registers.dar`).

`local_plan`: a lokalplan or a delområde as Plandata.dk's WFS gives them (`planid`,
`plannr`, `plannavn`, status forslag / vedtaget / aflyst, dates, a delområde's
`anvendelsegenerel`, `bebygpct`, `maxbygnhjd`, `maxetager`), `gis.registers.plandata`.

Both are plan tables (migration 0010): `vm_version_table` makes their history.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = """
CREATE TABLE address (
    id serial PRIMARY KEY,
    source_id varchar(64) NOT NULL UNIQUE,
    vejnavn text NOT NULL,
    husnummer varchar(16) NOT NULL,
    postnummer smallint,
    postnrnavn text,
    bbr_building varchar(64),
    jordstykke varchar(64),
    building_id integer REFERENCES building (id) ON DELETE SET NULL,
    parcel_id integer REFERENCES parcel (id) ON DELETE SET NULL,
    geom geometry(Point, 25832) NOT NULL,
    source_extract_date date NOT NULL
);
CREATE INDEX address_geom_gist ON address USING gist (geom);
CREATE INDEX address_building ON address (building_id);
CREATE INDEX address_parcel ON address (parcel_id);

CREATE TABLE local_plan (
    id serial PRIMARY KEY,
    source_id varchar(64) NOT NULL UNIQUE,
    kind varchar(16) NOT NULL,
    plan_id varchar(64) NOT NULL,
    plan_number varchar(32),
    plan_name text,
    subarea varchar(16),
    status varchar(16) NOT NULL,
    municipality smallint,
    proposed_date date,
    adopted_date date,
    in_force_date date,
    general_use text,
    plot_ratio_pct float8,
    max_height_m float8,
    max_storeys smallint,
    document_url text,
    geom geometry(MultiPolygon, 25832) NOT NULL,
    source_extract_date date NOT NULL,
    CONSTRAINT local_plan_kind CHECK (kind IN ('lokalplan', 'delomraade')),
    CONSTRAINT local_plan_status CHECK (status IN ('forslag', 'vedtaget', 'aflyst')),
    CONSTRAINT local_plan_geom_valid CHECK (ST_IsValid(geom)),
    CONSTRAINT local_plan_plot_ratio CHECK (plot_ratio_pct IS NULL OR plot_ratio_pct >= 0)
);
CREATE INDEX local_plan_geom_gist ON local_plan USING gist (geom);
CREATE INDEX local_plan_plan ON local_plan (plan_id);
"""

TABLES = ("address", "local_plan")


def upgrade() -> None:
    op.execute(SCHEMA)
    for table in TABLES:
        op.execute(f"SELECT vm_version_table('{table}', '{table}', 'id')")
        # As every plan version view (migration 0014): the reader's privileges, not the owner's.
        for schema in ("plan_view", "plan_recorded", "plan_scenario"):
            op.execute(f"ALTER VIEW {schema}.{table} SET (security_invoker = true)")


def downgrade() -> None:
    for table in reversed(TABLES):
        for schema in ("plan_view", "plan_recorded", "plan_scenario"):
            op.execute(f"DROP VIEW {schema}.{table}")
        op.execute(f"DROP TABLE {table}_version")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"DROP FUNCTION vm_record_{table}()")
        op.execute(f"DROP FUNCTION vm_record_{table}_version()")
