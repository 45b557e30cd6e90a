"""Migrations are frozen history: none imports live code (`gis`, `api`), so a later change of
a live module never rewrites what an old revision does. The live definitions the migrations
once took from `gis` still equal what the migrated database holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text

from gis import data_version, state

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
LIVE_PACKAGES = ("gis", "api")


def _live_imports(path: Path) -> list[str]:
    """The modules of `gis` or `api` that a migration file imports, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in LIVE_PACKAGES]
    return found


MIGRATIONS = sorted(p for p in VERSIONS.glob("*.py") if p.name != "__init__.py")


def test_every_revision_is_checked():
    # The glob must find the revisions; an empty list would make the test below vacuous.
    assert len(MIGRATIONS) >= 10
    assert {p.name[:4] for p in MIGRATIONS} >= {"0001", "0002", "0008", "0010"}


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: p.name)
def test_migration_imports_no_live_code(path):
    assert _live_imports(path) == [], (
        f"{path.name} imports live code; inline a frozen copy of what it needs instead"
    )


def test_the_check_sees_imports(tmp_path):
    # The detector itself: each form of import of live code is caught, others are not.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import gis\nimport api.deps as d\nfrom gis.state import X\nfrom gis import data_version\n"
        "import sqlalchemy\nfrom alembic import op\nfrom . import sibling\n"
        "def f():\n    import gis.record\n"
    )
    assert _live_imports(probe) == ["gis", "api.deps", "gis.state", "gis", "gis.record"]


# Scratch objects live in a schema of their own, inside the test's rolled-back transaction.
SCRATCH = "frozen_check"


def _functiondef(conn, schema: str, name: str) -> str:
    return conn.execute(
        text(
            "SELECT replace(pg_get_functiondef(p.oid), n.nspname || '.', '') FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = :s AND p.proname = :f"
        ),
        {"s": schema, "f": name},
    ).scalar_one()


@pytest.fixture
def scratch(ref_conn):
    ref_conn.execute(text(f"CREATE SCHEMA {SCRATCH}"))
    ref_conn.execute(text(f"SET LOCAL search_path = {SCRATCH}, public"))
    return ref_conn


@pytest.mark.parametrize(
    "sql, name",
    [
        (state.STATE_FUNCTION_SQL, "state_includes"),
        (data_version.FUNCTION_SQL, data_version.FUNCTION),
    ],
)
def test_live_function_equals_the_migrated_one(scratch, sql, name):
    migrated = _functiondef(scratch, "public", name)
    scratch.execute(text(sql))  # the live definition, made in the scratch schema
    assert _functiondef(scratch, SCRATCH, name) == migrated


def test_live_trigger_equals_the_migrated_ones(scratch):
    scratch.execute(text(data_version.FUNCTION_SQL))
    # A plain table, and one named as a table of sale data alone (its trigger moves the full
    # counter only, migration 0035), in the scratch schema.
    sale = data_version.CONFIDENTIAL_TABLES[0]
    for table in ("probe", sale):
        scratch.execute(text(f"CREATE TABLE {table} (x integer)"))
        scratch.execute(text(data_version.attach_sql(table)))
    rows = scratch.execute(
        text(
            "SELECT c.relname, n.nspname,"
            " replace(replace(pg_get_triggerdef(t.oid), n.nspname || '.', ''),"
            " ' ON ' || c.relname || ' ', ' ON T ') AS def"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = :t"
        ),
        {"t": data_version.TRIGGER},
    ).all()
    live = {r.relname: r[2] for r in rows if r.nspname == SCRATCH}
    migrated = {r.relname: r[2] for r in rows if r.nspname == "public"}
    # 0002's tables and 0008's land tables (0010's version tables carry it too).
    assert {
        "area",
        "building",
        "dwelling_stock",
        "facility",
        "parcel",
        "parcel_land",
        "parcel_sale",
    } <= set(migrated)
    assert set(data_version.CONFIDENTIAL_TABLES) <= set(migrated)
    assert live["probe"] != live[sale]
    expected = {
        t: live[sale] if t in data_version.CONFIDENTIAL_TABLES else live["probe"] for t in migrated
    }
    assert migrated == expected
