"""The plan version views read a page in order (migration 0034): a version's page of
buildings by id merges the plan table's primary key with the version table's rows instead of
sorting every row of the version, and it answers the rows the version holds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from gis import record

SLUG = "ordnet"
PAGE = 11


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scenario(conn) -> tuple[record.Change, set[int], set[int]]:
    """A scenario that changes the two lowest-numbered buildings and deletes the third (so
    the first page differs from the adopted plan's), and adds none; returns its change, the
    ids it overrides and those it deletes."""
    sid = conn.execute(
        text("INSERT INTO scenario (slug, name) VALUES (:s, 'Ordnet') RETURNING id"), {"s": SLUG}
    ).scalar_one()
    change = record.begin_change(conn, actor="test", role="planner", kind="edit", scenario_id=sid)
    cols = ", ".join(
        conn.execute(
            text(
                "SELECT quote_ident(attname) FROM pg_attribute"
                " WHERE attrelid = 'building'::regclass AND attnum > 0 AND NOT attisdropped"
                " AND attgenerated = ''"
                " AND attname NOT IN ('recorded_from', 'change_id') ORDER BY attnum"
            )
        ).scalars()
    )
    ids = conn.execute(text("SELECT id FROM building ORDER BY id LIMIT 3")).scalars().all()
    conn.execute(
        text(
            f"INSERT INTO building_version (scenario_id, deleted, {cols})"
            f" SELECT :s, id = :gone, {cols} FROM building WHERE id = ANY(:ids)"
        ),
        {"s": sid, "ids": ids, "gone": ids[2]},
    )
    conn.execute(
        text("UPDATE building_version SET name = 'ændret' WHERE scenario_id = :s"), {"s": sid}
    )
    # As autovacuum leaves them once the rows are in (undone with the test's transaction).
    conn.execute(text("ANALYZE building, building_version"))
    return change, set(ids), {ids[2]}


VERSIONS = {
    "scenario now (plan_scenario)": lambda change: record.PlanView(scenario=SLUG),
    "adopted, recorded (plan_recorded)": lambda change: record.PlanView(
        recorded=change.recorded_at + dt.timedelta(microseconds=1)
    ),
    "scenario, recorded (plan_view)": lambda change: record.PlanView(
        scenario=SLUG, recorded=change.recorded_at + dt.timedelta(microseconds=1)
    ),
}


@pytest.mark.parametrize("version", VERSIONS, ids=list(VERSIONS))
def test_a_page_of_a_version_is_read_in_order(ref_conn, version: str) -> None:
    change, overridden, deleted = _scenario(ref_conn)
    view = VERSIONS[version](change)
    every = ref_conn.execute(text("SELECT id FROM building ORDER BY id")).scalars().all()
    schema = record.enter(ref_conn, view)
    assert schema == version.split("(")[1].rstrip(")")

    page = "SELECT id, name FROM building ORDER BY id LIMIT :n"
    plan = ref_conn.execute(text(f"EXPLAIN (FORMAT JSON) {page}"), {"n": PAGE}).scalar_one()
    plan = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
    kinds = [n["Node Type"] for n in _nodes(plan)]
    assert "Merge Append" in kinds, json.dumps(plan, indent=1)
    sorts_the_union = [
        n
        for n in _nodes(plan)
        if n["Node Type"] == "Sort" and n["Plans"][0]["Node Type"] == "Append"
    ]
    assert not sorts_the_union, kinds

    rows = ref_conn.execute(text(page), {"n": PAGE}).all()
    # What the version holds, from the tables themselves: the scenario's rows where it
    # overrides (its deletion removing one), the adopted plan's elsewhere.
    if view.scenario == SLUG:
        expected = [i for i in every if i not in deleted][:PAGE]
        names = {i: "ændret" for i in overridden - deleted}
    else:
        expected, names = every[:PAGE], {}
    assert [r.id for r in rows] == expected
    for r in rows:
        if r.id in names:
            assert r.name == names[r.id]
        else:
            assert r.name != "ændret"
