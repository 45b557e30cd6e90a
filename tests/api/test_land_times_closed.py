"""A land change's exact time and id are closed to the reader role by the database itself
(migration 0032): whatever SQL a session of `gis.db.READER_ROLE` runs, on the tables, their
version tables, `plan_change`, the status history or any view, it is refused or gets the
year and an opaque id, in every version of the plan. The login role (a reader who may read
sale data, a write) reads them exactly, as before.

The data: the reference dataset, then a plot offered now (a land change of a known, exact
time, not a year's start) and a scenario that overrides that plot.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from gis.db import READER_ROLE, make_engine
from gis.record import MASKED_CHANGE_MIN
from tests.support import prepared_database

LOCAL = ZoneInfo("Europe/Copenhagen")
SCHEMAS = ("public", "plan_view", "plan_recorded", "plan_scenario", READER_ROLE)
# Every relation of the land data and of the record of its changes.
RELATIONS = (
    "parcel",
    "parcel_land",
    "parcel_sale",
    "parcel_version",
    "parcel_land_version",
    "parcel_sale_version",
    "sale_status_change",
    "sale_status_history",
    "plan_change",
)
IDS = ("change_id", "superseded_by")
TIMES = ("recorded_from", "recorded_to", "recorded_at", "changed_at")
# Never readable in any form.
# Never readable in any form (`xmin`: the transaction that wrote a row, ordered as commits
# are, so it would place a land change between two public ones).
NEVER = ("vid", "actor", "note", "role", "xmin")
DATING = (*IDS, *TIMES, *NEVER)
SCENARIO = "grund-test"


def _offer_a_plot_now(conn) -> None:
    """A plot goes on offer in a change of its own (now), and a scenario overrides it."""
    parcel = conn.execute(
        text("SELECT parcel_id FROM parcel_land WHERE sale_status = 'planned' ORDER BY 1 LIMIT 1")
    ).scalar_one()
    conn.execute(text("SELECT vm_begin_change('test', 'developer_company', 'edit', 'offered')"))
    conn.execute(
        text("UPDATE parcel_land SET sale_status = 'on_offer' WHERE parcel_id = :p"), {"p": parcel}
    )
    conn.execute(
        text(
            "INSERT INTO sale_status_change (parcel_id, changed_at, actor, from_status,"
            " to_status, note, change_id)"
            " VALUES (:p, vm_change_time(), 'test', 'planned', 'on_offer', 'offered',"
            " vm_change_id())"
        ),
        {"p": parcel},
    )
    conn.execute(text("SELECT vm_begin_change('test', 'planner', 'create', 'scenario')"))
    sid = conn.execute(
        text("INSERT INTO scenario (slug, name) VALUES (:s, 'Test') RETURNING id"),
        {"s": SCENARIO},
    ).scalar_one()
    for table, key in (("parcel", "id"), ("parcel_land", "parcel_id")):
        cols = conn.execute(
            text(
                "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)"
                " FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = :t AND column_name NOT IN ('recorded_from', 'change_id')"
            ),
            {"t": table},
        ).scalar_one()
        conn.execute(
            text(
                f"INSERT INTO {table}_version (scenario_id, {cols})"
                f" SELECT :s, {cols} FROM {table} WHERE {key} = :p"
            ),
            {"s": sid, "p": parcel},
        )


@pytest.fixture(scope="module")
def land_db(new_database) -> str:
    def load(conn):
        from gis.reference import default_reference_path, load_reference

        load_reference(conn, default_reference_path())
        _offer_a_plot_now(conn)

    return prepared_database(new_database, load)


@pytest.fixture(scope="module")
def exact(land_db) -> dict:
    """The offer's change as the login role reads it."""
    engine = create_engine(land_db)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT l.parcel_id, l.change_id, l.recorded_from FROM parcel_land l"
                " WHERE l.sale_status = 'on_offer' ORDER BY l.recorded_from DESC LIMIT 1"
            )
        ).one()
        sid = conn.execute(
            text("SELECT id FROM scenario WHERE slug = :s"), {"s": SCENARIO}
        ).scalar_one()
    engine.dispose()
    return {"parcel": row.parcel_id, "change": row.change_id, "at": row.recorded_from, "sid": sid}


def _masked(column: str, value) -> bool:
    """Whether `value` of a dating column is as the reader role may see it."""
    if value is None:
        return True
    if column in NEVER:
        return False
    if column in IDS or column == "id":  # a plan_change's id is a change id
        return int(value) >= MASKED_CHANGE_MIN
    if isinstance(value, str):
        if value in ("infinity", "-infinity"):
            return True
        value = dt.datetime.fromisoformat(value)
    local = value.astimezone(LOCAL)
    return (local.month, local.day, local.hour, local.minute, local.second, local.microsecond) == (
        1,
        1,
        0,
        0,
        0,
        0,
    )


def _versions(exact: dict) -> dict[str, dict[str, str]]:
    """The versions of the plan a session can name (migration 0010's settings)."""
    at = exact["at"].isoformat()
    return {
        "now": {},
        "recorded at the offer": {"vm.recorded": at, "vm.base_recorded": at},
        "the scenario": {"vm.scenario": str(exact["sid"])},
    }


def _attempts(conn) -> list[tuple[str, str, list[str]]]:
    """(relation, statement, the dating columns it reads) for every land relation."""
    found = conn.execute(
        text(
            """
            SELECT n.nspname, c.relname, c.relkind::text AS kind,
                   array_agg(a.attname::text ORDER BY a.attnum) AS cols
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = ANY(:schemas) AND c.relname = ANY(:names)
              AND c.relkind IN ('r', 'v', 'm', 'p')
            GROUP BY 1, 2, 3 ORDER BY 1, 2
            """
        ),
        {"schemas": list(SCHEMAS), "names": list(RELATIONS)},
    ).all()
    out = []
    for r in found:
        rel = f"{r.nspname}.{r.relname}"
        dating = [c for c in r.cols if c in DATING or (r.relname == "plan_change" and c == "id")]
        # Each row as JSON text (psycopg cannot load an infinite timestamp).
        out += [
            (rel, f"SELECT json_build_object('{c}', {c})::text FROM {rel}", [c]) for c in dating
        ]
        out.append((rel, f"SELECT row_to_json(x)::text FROM (SELECT * FROM {rel}) x", dating))
        out.append((rel, f"SELECT row_to_json(t)::text FROM {rel} t", dating))
        if r.kind == "r":
            out.append((rel, f"SELECT json_build_object('xmin', xmin)::text FROM {rel}", ["xmin"]))
    return out


def test_the_reader_role_reads_no_exact_land_time_or_change(land_db, exact):
    engine = make_engine(land_db, role=READER_ROLE)
    leaks, answered, refused = [], set(), 0
    try:
        with engine.connect() as conn:
            attempts = _attempts(conn)
            assert len({a[0] for a in attempts}) >= 18  # the tables and every version's views
            conn.rollback()
            for version, settings in _versions(exact).items():
                with conn.begin():
                    for name, value in settings.items():
                        conn.execute(
                            text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value}
                        )
                    for rel, sql, dating in attempts:
                        savepoint = conn.begin_nested()
                        try:
                            rows = conn.execute(text(sql)).scalars().all()
                        except ProgrammingError as exc:
                            savepoint.rollback()
                            assert "permission denied" in str(exc.orig), sql
                            refused += 1
                            continue
                        savepoint.commit()
                        answered.add(rel)
                        for row in rows:
                            values = json.loads(row)
                            leaks += [
                                (version, sql, c, values[c])
                                for c in dating
                                if c in values and not _masked(c, values[c])
                            ]
    finally:
        engine.dispose()
    assert leaks == [], leaks[:10]
    # Not vacuous: the reader still reads the land data, through the views, and some of the
    # exact values are refused outright.
    assert {
        f"{READER_ROLE}.parcel_land",
        "plan_view.parcel_land",
        "public.sale_status_history",
    } <= (answered)
    assert refused > 0


def test_the_reader_role_reads_the_land_data_with_opaque_versions(land_db, exact):
    engine = make_engine(land_db, role=READER_ROLE)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT sale_status, change_id, recorded_from FROM parcel_land"
                    " WHERE parcel_id = :p"
                ),
                {"p": exact["parcel"]},
            ).one()
            assert row.sale_status == "on_offer"
            assert row.change_id >= MASKED_CHANGE_MIN
            assert row.recorded_from == dt.datetime(
                exact["at"].astimezone(LOCAL).year, 1, 1, tzinfo=LOCAL
            )
            # The item's version as the OGC API reads it: the same opaque id.
            assert (
                conn.execute(
                    text("SELECT change_id FROM parcel WHERE id = :p"), {"p": exact["parcel"]}
                ).scalar_one()
                == row.change_id
            )
    finally:
        engine.dispose()


def test_the_login_role_reads_them_exactly(land_db, exact):
    """A reader who may read sale data, and every write, take the login role's rights: the
    tables themselves, exact; so in a reader's session after `SET LOCAL ROLE NONE`."""
    engine = make_engine(land_db, role=READER_ROLE)
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET LOCAL ROLE NONE")
            row = conn.execute(
                text("SELECT change_id, recorded_from FROM parcel_land WHERE parcel_id = :p"),
                {"p": exact["parcel"]},
            ).one()
            assert (row.change_id, row.recorded_from) == (exact["change"], exact["at"])
            at = conn.execute(
                text("SELECT recorded_at FROM plan_change WHERE id = :c"), {"c": exact["change"]}
            ).scalar_one()
            assert at == exact["at"]
            conn.execute(
                text("SELECT set_config('vm.recorded', :t, true)"), {"t": exact["at"].isoformat()}
            )
            versioned = conn.execute(
                text(
                    "SELECT change_id, recorded_from FROM plan_recorded.parcel_land"
                    " WHERE parcel_id = :p"
                ),
                {"p": exact["parcel"]},
            ).one()
            assert tuple(versioned) == (exact["change"], exact["at"])
    finally:
        engine.dispose()


def test_no_oracle_for_the_opaque_ids(land_db, exact):
    """Masking a chosen id in turn until one matches a plot's opaque id would give the id
    back: the reader role cannot mask an id it chooses."""
    engine = make_engine(land_db, role=READER_ROLE)
    try:
        for sql in ("SELECT vm_mask_change(1)", "SELECT vm_land_change(CAST(1 AS bigint))"):
            with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
                conn.execute(text(sql))
        with engine.connect() as conn:
            # With a key of its own choosing it gets a number, never the plot's opaque id.
            opaque = conn.execute(
                text("SELECT change_id FROM parcel_land WHERE parcel_id = :p"),
                {"p": exact["parcel"]},
            ).scalar_one()
            guessed = conn.execute(
                text("SELECT vm_land_change(CAST(:c AS bigint), '\\x00'::bytea)"),
                {"c": exact["change"]},
            ).scalar_one()
            assert guessed != opaque
    finally:
        engine.dispose()


def test_a_refresh_of_a_land_table_keeps_it_closed(land_db, exact):
    """A later migration adding a column to a land table calls `vm_version_table_refresh`
    (migration 0010): the table stays closed and its views masked."""
    engine = create_engine(land_db)
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("ALTER TABLE parcel_land ADD COLUMN vm_test_extra integer"))
            conn.execute(text("ALTER TABLE parcel_land_version ADD COLUMN vm_test_extra integer"))
            conn.execute(text("SELECT vm_version_table_refresh('parcel_land')"))
            conn.exec_driver_sql(f"SET LOCAL ROLE {READER_ROLE}")
            savepoint = conn.begin_nested()
            with pytest.raises(ProgrammingError, match="permission"):
                conn.execute(text("SELECT recorded_from FROM public.parcel_land"))
            savepoint.rollback()
            for rel in (f"{READER_ROLE}.parcel_land", "plan_recorded.parcel_land"):
                row = conn.execute(
                    text(f"SELECT change_id, vm_test_extra FROM {rel} WHERE parcel_id = :p"),
                    {"p": exact["parcel"]},
                ).one()
                assert row.change_id >= MASKED_CHANGE_MIN, rel
            conn.rollback()
    finally:
        engine.dispose()
