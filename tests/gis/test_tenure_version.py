"""The tenure mix of a scenario or a recorded time from the derived state changes corrected by
the buildings the version has otherwise (migration 0027, gis/sql/tenure_version.sql) equals
the same mix computed from the plan version views (gis/sql/tenure_mix.sql, the rule written
out in full): for every scenario, recorded times before and after the 2023 reference update,
every area and quarter set, every year; and the corrections are what answers, unless they
are too many or a quarter is otherwise. Corrections kept from one read (gis.tenure's memo)
answer the next only for the same version at the same data. All in the test's rolled-back
transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, event, text

from gis import record, tenure
from gis.areas import get_area, get_quarter_set, list_areas
from gis.record import PlanView
from gis.state import MAX_YEAR, MIN_YEAR
from tests.gis.test_scenarios import (
    almen_buildings,
    change_building,
    delete_building,
    edit,
    make,
    new_building,
    set_dwellings,
    take_over_building,
)

DANISH = record.LOCAL
# Around the reference data's recorded versions (tests/gis/test_reference_recorded.py): the
# plan of 2020, recorded 1 January 2020, and the ILLUSTRATIVE 2023 update of 1 March 2023.
RECORDED = {
    "before the 2023 update": dt.datetime(2021, 6, 1, tzinfo=DANISH),
    "the day before it": dt.datetime(2023, 2, 28, 23, 59, tzinfo=DANISH),
    "after it": dt.datetime(2024, 6, 1, tzinfo=DANISH),
}


def _every_mix(conn: Connection, statement: str) -> dict:
    """Every area, quarter set (and none) and year, by one statement (a version's corrections
    fall back on the plan views when they cannot answer, as every read does)."""
    out = {}
    for info in list_areas(conn):
        area = get_area(conn, info.slug)
        for qs_slug in [None] + [qs.slug for qs in area.quarter_sets]:
            qs = get_quarter_set(area, qs_slug) if qs_slug else None
            out[(info.slug, qs_slug)] = tenure._compute(
                conn, area, qs, MIN_YEAR, MAX_YEAR, statement=statement
            )
    return out


def _answered_by_corrections(conn: Connection, area_slug: str = "vollsmose") -> bool:
    """Whether the corrections answer the version `conn` reads (no fall back)."""
    area = get_area(conn, area_slug)
    parameters = {
        **tenure._parameters(area, None, 2030, 2030),
        "max_corrected": tenure.MAX_CORRECTED,
    }
    return conn.execute(tenure._statement("tenure_version"), parameters).first() is not None


def assert_version_is_right(conn: Connection, view: PlanView) -> dict:
    """In `view`: the corrected answers equal the plan views' everywhere; returns them."""
    with conn.begin_nested() as inner:
        record.enter(conn, view)
        assert not conn.execute(tenure._PROBE).one().reads_tables
        corrected = _every_mix(conn, "tenure_version")
        assert corrected == _every_mix(conn, "tenure_mix")
        assert _answered_by_corrections(conn)
        inner.rollback()
    return corrected


def _scenario(conn: Connection) -> int:
    """A scenario with every kind of edit: a demolition postponed, dwellings sold off, a
    building deleted, a new one with 120 owner-occupied dwellings, one taken over unchanged."""
    sid = make(conn, "egeparken-udskudt")
    postponed, sold, gone, kept = almen_buildings(conn, 4)
    edit(conn, sid)
    change_building(conn, sid, postponed, demolished_year=2031, name="Udskudt blok")
    take_over_building(conn, sid, sold)
    set_dwellings(conn, sid, sold, "owner_occupied")
    delete_building(conn, sid, gone)
    new_building(conn, sid, like=postponed, dwellings=120)
    take_over_building(conn, sid, kept)
    return sid


def test_a_scenario_is_the_derived_plan_corrected_by_its_edits(ref_conn: Connection) -> None:
    _scenario(ref_conn)
    adopted = _every_mix(ref_conn, "tenure_delta")
    corrected = assert_version_is_right(ref_conn, PlanView("egeparken-udskudt"))
    # The edits show: else the corrections could be missing and the test still pass.
    assert corrected[("vollsmose", None)] != adopted[("vollsmose", None)]


@pytest.mark.parametrize("when", list(RECORDED))
def test_a_recorded_time_is_the_derived_plan_corrected_by_what_changed_since(
    ref_conn: Connection, when: str
) -> None:
    # Changed now too, after every recorded time asked: a building's life and dwellings.
    building = almen_buildings(ref_conn, 1)[0]
    record.begin_change(ref_conn, actor="test", role="planner", kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2032 WHERE id = :id"), {"id": building}
    )
    ref_conn.execute(
        text("UPDATE dwelling_stock SET tenure = 'private_rental' WHERE building_id = :id"),
        {"id": building},
    )
    adopted = _every_mix(ref_conn, "tenure_delta")
    corrected = assert_version_is_right(ref_conn, PlanView(recorded=RECORDED[when]))
    assert corrected[("vollsmose", None)] != adopted[("vollsmose", None)]


def test_a_scenario_at_a_recorded_time_and_a_pinned_scenario(ref_conn: Connection) -> None:
    _scenario(ref_conn)
    assert_version_is_right(ref_conn, PlanView("egeparken-udskudt", RECORDED["after it"]))
    pinned = make(
        ref_conn, "fastholdt", base_recorded=RECORDED["before the 2023 update"].isoformat()
    )
    edit(ref_conn, pinned)
    change_building(ref_conn, pinned, almen_buildings(ref_conn, 1)[0], demolished_year=2029)
    assert_version_is_right(ref_conn, PlanView("fastholdt"))


def test_a_read_of_a_version_runs_the_corrections_not_the_plan_views(
    ref_conn: Connection,
) -> None:
    _scenario(ref_conn)
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with ref_conn.begin_nested() as inner:
        record.enter(ref_conn, PlanView("egeparken-udskudt"))
        event.listen(ref_conn, "before_cursor_execute", note)
        try:
            tenure.trajectory(ref_conn, "vollsmose", 2020, 2035, "kvarterer")
        finally:
            event.remove(ref_conn, "before_cursor_execute", note)
        inner.rollback()
    assert any("derived.tenure_version_changes" in s for s in seen)
    # Not a statement over the plan views: the full statement places the area's buildings.
    assert not any("CROSS JOIN LATERAL" in s for s in seen)


def test_too_many_buildings_otherwise_fall_back_on_the_plan_views(
    ref_conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario(ref_conn)
    monkeypatch.setattr(tenure, "MAX_CORRECTED", 3)  # the scenario has 5 otherwise
    with ref_conn.begin_nested() as inner:
        record.enter(ref_conn, PlanView("egeparken-udskudt"))
        assert not _answered_by_corrections(ref_conn)
        assert _every_mix(ref_conn, "tenure_version") == _every_mix(ref_conn, "tenure_mix")
        inner.rollback()


def test_a_quarter_otherwise_falls_back_on_the_plan_views(ref_conn: Connection) -> None:
    """A quarter moved places its buildings elsewhere: the derived placements do not hold."""
    sid = make(ref_conn, "nye-kvarterer")
    edit(ref_conn, sid)
    quarter = ref_conn.execute(
        text(
            "SELECT q.id FROM quarter q JOIN quarter_set s ON s.id = q.quarter_set_id"
            " JOIN area a ON a.id = s.area_id WHERE a.slug = 'vollsmose' ORDER BY q.id LIMIT 1"
        )
    ).scalar_one()
    cols = ", ".join(
        c
        for c in ref_conn.execute(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'quarter'::regclass"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            )
        ).scalars()
        if c not in ("recorded_from", "change_id")
    )
    ref_conn.execute(
        text(
            f"INSERT INTO quarter_version (scenario_id, {cols}) SELECT :s, {cols}"
            " FROM quarter WHERE id = :q"
        ),
        {"s": sid, "q": quarter},
    )
    ref_conn.execute(
        text(
            "UPDATE quarter_version SET geom = ST_Translate(geom, 5000, 0)"
            " WHERE scenario_id = :s AND id = :q"
        ),
        {"s": sid, "q": quarter},
    )
    with ref_conn.begin_nested() as inner:
        record.enter(ref_conn, PlanView("nye-kvarterer"))
        assert not _answered_by_corrections(ref_conn)
        redrawn = _every_mix(ref_conn, "tenure_version")
        assert redrawn == _every_mix(ref_conn, "tenure_mix")
        inner.rollback()
    assert redrawn != _every_mix(ref_conn, "tenure_delta")


def _read(conn: Connection, view: PlanView, seen: list[str] | None = None) -> tuple:
    """In `view`: the trajectory 2020-2035 per quarter as a read answers it (the statements it
    sent into `seen`), and as the plan views compute it."""

    def note(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with conn.begin_nested() as inner:
        record.enter(conn, view)
        if seen is not None:
            event.listen(conn, "before_cursor_execute", note)
        try:
            read = tenure.trajectory(conn, "vollsmose", 2020, 2035, "kvarterer").years
        finally:
            if seen is not None:
                event.remove(conn, "before_cursor_execute", note)
        area = get_area(conn, "vollsmose")
        qs = get_quarter_set(area, "kvarterer")
        full = tenure._compute(conn, area, qs, 2020, 2035, statement="tenure_mix")
        inner.rollback()
    return read, full


def test_a_version_read_again_at_the_same_data_uses_the_corrections_it_kept(
    ref_conn: Connection,
) -> None:
    _scenario(ref_conn)
    view = PlanView("egeparken-udskudt")
    reads = [_read(ref_conn, view, seen := []) + (seen,) for _ in range(3)]
    full = reads[0][1]
    assert all(read == full for read, _full, _seen in reads)
    first, second, third = (seen for _read, _full, seen in reads)
    # The first read computes the corrections in its statement, the second keeps them, the
    # third is answered from them: the statement is handed them, nothing computes them.
    assert not any("json_to_recordset" in s for s in first)
    assert any("derived.tenure_version_changes" in s for s in second)
    assert not any("derived.tenure_version_changes" in s for s in third)
    assert any("json_to_recordset" in s for s in third)


def test_kept_corrections_answer_only_at_their_stamp(ref_conn: Connection) -> None:
    """The statement that sums kept corrections checks, in its own snapshot, that the data
    is still at their stamp (a write may come between the read's first statement and it)."""
    _scenario(ref_conn)
    with ref_conn.begin_nested() as inner:
        record.enter(ref_conn, PlanView("egeparken-udskudt"))
        area = get_area(ref_conn, "vollsmose")
        parameters = {
            **tenure._parameters(area, get_quarter_set(area, "kvarterer"), 2020, 2035),
            "max_corrected": tenure.MAX_CORRECTED,
        }
        computed = tenure._run(ref_conn, "tenure_version", parameters)
        kept = ref_conn.execute(tenure._CORRECTIONS, parameters).one()

        def summed(version: int, token) -> tuple:
            stamped = {**parameters, "corrections": kept.rows}
            stamped.update(stamp_version=version, stamp_token=token)
            return tenure._run(ref_conn, "tenure_memo", stamped)

        assert summed(kept.version, kept.stamp) == computed
        assert summed(kept.version - 1, kept.stamp)[1] == []
        # A write: the scenario's new building one year later (its table's trigger bumps the
        # data version, as every write to a plan table does).
        written = ref_conn.execute(
            text(
                "UPDATE building_version SET built_year = built_year + 1"
                " WHERE name = 'Nyt byggeri' AND recorded_to = 'infinity'"
            )
        )
        assert written.rowcount == 1
        assert summed(kept.version, kept.stamp)[1] == []
        inner.rollback()


def test_kept_corrections_are_not_answered_after_a_write(ref_conn: Connection) -> None:
    """An edit of the scenario, and of the adopted plan now (which a recorded time differs
    from), after each version was read and kept its corrections: the next read answers the
    edit."""
    sid = _scenario(ref_conn)
    scenario, at_2024 = PlanView("egeparken-udskudt"), PlanView(recorded=RECORDED["after it"])
    before = {view: [_read(ref_conn, view) for _ in range(3)][-1] for view in (scenario, at_2024)}
    postponed = almen_buildings(ref_conn, 1)[0]
    ref_conn.execute(
        text(
            "UPDATE building_version SET demolished_year = 2027 WHERE scenario_id = :s"
            " AND id = :id AND recorded_to = 'infinity'"
        ),
        {"s": sid, "id": postponed},
    )
    record.begin_change(ref_conn, actor="test", role="planner", kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2026 WHERE id = :id"),
        {"id": almen_buildings(ref_conn, 2)[1]},
    )
    seen: list[str] = []
    after = {view: _read(ref_conn, view, seen) for view in (scenario, at_2024)}
    for view, (read, full) in after.items():
        assert read == full, view
    # The read's first statement saw the new stamp: the kept corrections were not tried.
    assert not any("json_to_recordset" in s for s in seen)
    # The scenario follows both edits; the plan as recorded in 2024 neither, but the
    # corrections that say so changed (kept ones would answer it with today's edit in).
    assert after[scenario][0] != before[scenario][0]
    assert after[at_2024][0] == before[at_2024][0]


def test_versions_at_the_same_data_keep_corrections_of_their_own(ref_conn: Connection) -> None:
    _scenario(ref_conn)
    pinned = make(ref_conn, "fastholdt", base_recorded=RECORDED["the day before it"].isoformat())
    edit(ref_conn, pinned)
    change_building(ref_conn, pinned, almen_buildings(ref_conn, 1)[0], demolished_year=2029)
    views = [
        PlanView("egeparken-udskudt"),
        PlanView("egeparken-udskudt", RECORDED["after it"]),
        PlanView("fastholdt"),
        PlanView(recorded=RECORDED["before the 2023 update"]),
    ]
    answers = []
    for _ in range(3):  # the third time round, each from the corrections it kept
        for view in views:
            read, full = _read(ref_conn, view)
            assert read == full, view
            answers.append(read)
    assert len({repr(a) for a in answers}) == len(views)
