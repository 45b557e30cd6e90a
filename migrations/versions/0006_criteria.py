"""Area criteria: yearly indicator values per area and the list rules in force each year.

The rules since the first list (2010) are seeded here, as rows: their sources are in
data/criteria/README.md.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE_SETS = [
    (
        1,
        "ghetto_2010",
        "Ghettolisten 2010–2017",
        2010,
        2017,
        "Regeringens ghettostrategi 2010; the criteria as stated 1.10.2012 in seed 000/002: "
        "non-western > 50 %, outside labour market and education > 40 %, > 270 convicted per "
        "10,000 residents 18+; at least 1,000 residents and 2 of the 3.",
    ),
    (
        2,
        "udsat_2018",
        "Udsatte boligområder og ghettoområder 2018–2020",
        2018,
        2020,
        "Almenboligloven § 61 a as amended by L 38 (lov nr. 1322, 27.11.2018); thresholds as "
        "on ghettolisten 2019 (seed 001): > 40 %, ≥ 3× national (2.03 % in 2019), > 60 %, "
        "< 55 %, non-western > 50 %; hård ghetto: ghetto 4 years running.",
    ),
    (
        3,
        "parallel_2021",
        "Parallelsamfund, omdannelsesområder og forebyggelsesområder 2021–",
        2021,
        None,
        "Almenboligloven § 61 a as amended in 2021 (DOMAIN.md, Area lists): parallelsamfund "
        "= udsat + non-western > 50 %; omdannelsesområde = parallelsamfund 5 years running; "
        "forebyggelsesområde = non-western > 30 % and 2 of: > 30 %, ≥ 2× national, > 60 %, "
        "< 65 %.",
    ),
]
# id, rule set, key, Danish name, lineage, rank, min residents, min counted, run lineage, years
LISTS = [
    (1, 1, "ghetto", "ghettoområde", "ghetto", 3, 1000, 2, None, None),
    (2, 2, "udsat", "udsat boligområde", "udsat", 2, 1000, 2, None, None),
    (3, 2, "ghetto", "ghettoområde", "ghetto", 3, 1000, 2, None, None),
    (4, 2, "haard_ghetto", "hårdt ghettoområde", "haard_ghetto", 4, None, None, "ghetto", 4),
    (5, 3, "udsat", "udsat boligområde", "udsat", 2, 1000, 2, None, None),
    (6, 3, "parallelsamfund", "parallelsamfund", "ghetto", 3, 1000, 2, None, None),
    (7, 3, "omdannelsesomraade", "omdannelsesområde", "haard_ghetto", 4, None, None, "ghetto", 5),
    (8, 3, "forebyggelsesomraade", "forebyggelsesområde", "forebyggelse", 1, 1000, 2, None, None),
]
# The four socio-economic criteria of 2018 onwards (udsat, ghetto, parallelsamfund).
SOCIO_2018 = [
    ("outside_work", "counted", ">", 40.0, None, 2),
    ("convicted", "counted", ">=", 3.0, "national", 2),
    ("basic_school", "counted", ">", 60.0, None, 1),
    ("income", "counted", "<", 55.0, None, 1),
]
NON_WESTERN_50 = [("non_western", "required", ">", 50.0, None, 1)]
THRESHOLDS = {
    1: [
        ("non_western", "counted", ">", 50.0, None, 1),
        ("outside_work", "counted", ">", 40.0, None, 1),
        ("convicted", "counted", ">", 2.70, None, 1),
    ],
    2: SOCIO_2018,
    3: SOCIO_2018 + NON_WESTERN_50,
    5: SOCIO_2018,
    6: SOCIO_2018 + NON_WESTERN_50,
    8: [
        ("non_western", "required", ">", 30.0, None, 1),
        ("outside_work", "counted", ">", 30.0, None, 2),
        ("convicted", "counted", ">=", 2.0, "national", 2),
        ("basic_school", "counted", ">", 60.0, None, 1),
        ("income", "counted", "<", 65.0, None, 1),
    ],
}


def upgrade() -> None:
    op.create_table(
        "criteria_national",
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("convicted", sa.Float(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "convicted IS NULL OR (convicted >= 0 AND convicted <= 100)",
            name="criteria_national_percent",
        ),
        sa.PrimaryKeyConstraint("year"),
    )
    rule_set = op.create_table(
        "criteria_rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("first_year", sa.SmallInteger(), nullable=False),
        sa.Column("last_year", sa.SmallInteger(), nullable=True),
        sa.Column("approach_margin", sa.Float(), server_default="0.1", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "approach_margin >= 0 AND approach_margin < 1", name="criteria_rule_set_margin"
        ),
        sa.CheckConstraint(
            "first_year IS NULL OR last_year IS NULL OR first_year <= last_year",
            name="criteria_rule_set_years",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "criteria_value",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=True),
        sa.Column("outside_work", sa.Float(), nullable=True),
        sa.Column("convicted", sa.Float(), nullable=True),
        sa.Column("basic_school", sa.Float(), nullable=True),
        sa.Column("income", sa.Float(), nullable=True),
        sa.Column("non_western", sa.Float(), nullable=True),
        sa.Column("published", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.CheckConstraint("income IS NULL OR income >= 0", name="criteria_value_income"),
        sa.CheckConstraint(
            "(outside_work IS NULL OR (outside_work >= 0 AND outside_work <= 100)) AND "
            "(convicted IS NULL OR (convicted >= 0 AND convicted <= 100)) AND "
            "(basic_school IS NULL OR (basic_school >= 0 AND basic_school <= 100)) AND "
            "(non_western IS NULL OR (non_western >= 0 AND non_western <= 100))",
            name="criteria_value_percent",
        ),
        sa.CheckConstraint("residents IS NULL OR residents >= 0", name="criteria_value_residents"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("area_id", "year"),
    )
    list_table = op.create_table(
        "criteria_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("min_residents", sa.Integer(), nullable=True),
        sa.Column("min_counted", sa.SmallInteger(), nullable=True),
        sa.Column("run_lineage", sa.String(length=32), nullable=True),
        sa.Column("run_years", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "(run_lineage IS NULL) = (run_years IS NULL)", name="criteria_list_run_pair"
        ),
        sa.CheckConstraint("min_counted IS NULL OR min_counted >= 1", name="criteria_list_counted"),
        sa.CheckConstraint("run_years IS NULL OR run_years >= 2", name="criteria_list_run_years"),
        sa.ForeignKeyConstraint(["rule_set_id"], ["criteria_rule_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_set_id", "key", name="criteria_list_rule_set_key"),
    )
    threshold = op.create_table(
        "criteria_threshold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("comparison", sa.String(length=2), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("relative_to", sa.String(length=16), nullable=True),
        sa.Column("years_averaged", sa.SmallInteger(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "comparison IN ('>', '>=', '<', '<=')", name="criteria_threshold_comparison"
        ),
        sa.CheckConstraint(
            "indicator IN ('outside_work', 'convicted', 'basic_school', 'income', 'non_western')",
            name="criteria_threshold_indicator",
        ),
        sa.CheckConstraint(
            "relative_to IS NULL OR relative_to IN ('national')",
            name="criteria_threshold_relative",
        ),
        sa.CheckConstraint("role IN ('required', 'counted')", name="criteria_threshold_role"),
        sa.CheckConstraint("years_averaged BETWEEN 1 AND 4", name="criteria_threshold_years"),
        sa.ForeignKeyConstraint(["list_id"], ["criteria_list.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_id", "indicator", name="criteria_threshold_list_indicator"),
    )
    cols = ("id", "key", "name", "first_year", "last_year", "source")
    op.bulk_insert(rule_set, [dict(zip(cols, r, strict=True)) for r in RULE_SETS])
    cols = (
        "id",
        "rule_set_id",
        "key",
        "name",
        "lineage",
        "rank",
        "min_residents",
        "min_counted",
        "run_lineage",
        "run_years",
    )
    op.bulk_insert(list_table, [dict(zip(cols, r, strict=True)) for r in LISTS])
    cols = ("indicator", "role", "comparison", "value", "relative_to", "years_averaged")
    op.bulk_insert(
        threshold,
        [
            {"list_id": list_id, **dict(zip(cols, t, strict=True))}
            for list_id, rows in THRESHOLDS.items()
            for t in rows
        ],
    )
    # The seeded rows carry explicit ids: move the sequences past them.
    for table in ("criteria_rule_set", "criteria_list"):
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def downgrade() -> None:
    op.drop_table("criteria_threshold")
    op.drop_table("criteria_list")
    op.drop_table("criteria_value")
    op.drop_table("criteria_rule_set")
    op.drop_table("criteria_national")
