"""Scenarios (gis.scenarios): create, list, diff and adopt against the reference plan, with
scenario edits written as the version tables hold them (copy-on-write of a feature and its
parts), as the Part 4 writes will."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text

from gis import record, scenarios
from gis.errors import Conflict, InvalidParameter, NotFound
from gis.record import PlanView
from gis.tenure import tenure_mix, trajectory
from tests.support import opaque

RECORD = ("recorded_from", "change_id", "anchor")


def _cols(conn: Connection, table: str) -> str:
    names = conn.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
            " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ),
        {"t": table},
    ).scalars()
    return ", ".join(n for n in names if n not in RECORD)


def edit(conn: Connection, scenario_id: int, note: str = "test") -> record.Change:
    return record.begin_change(
        conn, actor="test", role="planner", kind="edit", note=note, scenario_id=scenario_id
    )


def take_over_building(conn: Connection, scenario_id: int, building_id: int) -> None:
    """Copy-on-write: the building and its dwellings become the scenario's, unchanged (in
    the transaction's current change; the version table's trigger stamps it)."""
    b, d = _cols(conn, "building"), _cols(conn, "dwelling_stock")
    conn.execute(
        text(
            f"INSERT INTO building_version (scenario_id, {b}) SELECT :s, {b}"
            " FROM building WHERE id = :id"
        ),
        {"s": scenario_id, "id": building_id},
    )
    conn.execute(
        text(
            f"INSERT INTO dwelling_stock_version (scenario_id, {d}) SELECT :s, {d}"
            " FROM dwelling_stock WHERE building_id = :id"
        ),
        {"s": scenario_id, "id": building_id},
    )


def change_building(conn: Connection, scenario_id: int, building_id: int, **values) -> None:
    """The scenario's building (taken over first if it is not the scenario's yet) with
    `values` set."""
    mine = conn.execute(
        text(
            "SELECT 1 FROM building_version WHERE scenario_id = :s AND id = :id"
            " AND recorded_to = 'infinity'"
        ),
        {"s": scenario_id, "id": building_id},
    ).first()
    if mine is None:
        take_over_building(conn, scenario_id, building_id)
    assign = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(
        text(
            f"UPDATE building_version SET {assign} WHERE scenario_id = :s AND id = :id"
            " AND recorded_to = 'infinity'"
        ),
        {"s": scenario_id, "id": building_id, **values},
    )


def set_dwellings(conn: Connection, scenario_id: int, building_id: int, tenure: str) -> None:
    """The scenario's building holds the same dwellings, all of `tenure`."""
    conn.execute(
        text(
            "UPDATE dwelling_stock_version SET tenure = :t WHERE scenario_id = :s"
            " AND building_id = :id AND recorded_to = 'infinity'"
        ),
        {"s": scenario_id, "id": building_id, "t": tenure},
    )


def delete_building(conn: Connection, scenario_id: int, building_id: int) -> None:
    b = _cols(conn, "building")
    conn.execute(
        text(
            f"INSERT INTO building_version (scenario_id, deleted, {b}) SELECT :s, true, {b}"
            " FROM building WHERE id = :id"
        ),
        {"s": scenario_id, "id": building_id},
    )


def new_building(conn: Connection, scenario_id: int, like: int, dwellings: int) -> int:
    """A new building in the scenario, 60 m east of `like`, with owner-occupied dwellings
    built in 2027."""
    new_id = conn.execute(
        text(
            "INSERT INTO building_version (scenario_id, name, use, footprint, built_year,"
            " floor_area_m2) SELECT :s, 'Nyt byggeri', 'housing',"
            " ST_Translate(footprint, 60, 0), 2027, 9000 FROM building WHERE id = :like"
            " RETURNING id"
        ),
        {"s": scenario_id, "like": like},
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO dwelling_stock_version (scenario_id, building_id, tenure, dwellings,"
            " floor_area_m2) VALUES (:s, :b, 'owner_occupied', :n, :n * 90)"
        ),
        {"s": scenario_id, "b": new_id, "n": dwellings},
    )
    return new_id


def change_road(conn: Connection, scenario_id: int, road_id: int, **values) -> None:
    cols = _cols(conn, "road")
    conn.execute(
        text(
            f"INSERT INTO road_version (scenario_id, {cols}) SELECT :s, {cols}"
            " FROM road WHERE id = :id"
        ),
        {"s": scenario_id, "id": road_id},
    )
    assign = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(
        text(f"UPDATE road_version SET {assign} WHERE scenario_id = :s AND id = :id"),
        {"s": scenario_id, "id": road_id, **values},
    )


def almen_buildings(conn: Connection, n: int) -> list[int]:
    """Buildings holding almene family dwellings, standing in 2030, in Vollsmose."""
    return (
        conn.execute(
            text(
                "SELECT b.id FROM building b JOIN dwelling_stock s ON s.building_id = b.id"
                " JOIN area a ON a.slug = 'vollsmose' AND ST_Covers(a.boundary, b.anchor)"
                " WHERE s.tenure = 'almen_family' AND b.demolished_year IS NULL"
                " GROUP BY b.id HAVING count(*) = 1 ORDER BY sum(s.dwellings) DESC, b.id"
                " LIMIT :n"
            ),
            {"n": n},
        )
        .scalars()
        .all()
    )


def make(conn: Connection, slug: str, **kw) -> int:
    s = scenarios.create_scenario(
        conn, slug=slug, name=slug.title(), actor="test", role="planner", **kw
    )
    return s.id


def test_features_are_the_plan_tables_the_views_override(ref_conn):
    said = dict(
        ref_conn.execute(
            text(
                "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'plan_view' AND c.relkind = 'v'"
            )
        ).all()
    )
    ours = {}
    for kind in scenarios.FEATURES:
        ours[kind.table] = f"{kind.table} id"
        for part in kind.parts:
            ours[part.table] = f"{kind.table} {part.owner_col}"
    assert ours == said


def test_create_list_and_get(ref_conn):
    sid = make(ref_conn, "egeparken-udskudt", description="Nedrivning udskudt")
    found = {s.slug: s for s in scenarios.list_scenarios(ref_conn)}
    assert found["vedtaget"].base is None and found["vedtaget"].id == record.ADOPTED_ID
    mine = found["egeparken-udskudt"]
    assert (mine.id, mine.base, mine.base_recorded, mine.created_by) == (
        sid,
        "vedtaget",
        None,
        "test",
    )
    assert not mine.adopted and mine.override_count == 0
    # The creation is audited, as the scenario's first change.
    kind, note = ref_conn.execute(
        text("SELECT kind, note FROM plan_change WHERE scenario_id = :s"), {"s": sid}
    ).one()
    assert (kind, note) == ("edit", "scenario created")

    building = almen_buildings(ref_conn, 1)[0]
    edit(ref_conn, sid)
    change_building(ref_conn, sid, building, demolished_year=2031)
    assert scenarios.get_scenario(ref_conn, "egeparken-udskudt").overrides == {"buildings": 1}


def test_a_taken_slug_is_a_conflict_and_bad_input_is_refused_before_any_write(ref_conn):
    make(ref_conn, "dobbelt")
    with pytest.raises(Conflict):
        make(ref_conn, "dobbelt")
    before = ref_conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one()
    for kw, field in (
        ({"slug": "Store Bogstaver"}, "slug"),
        ({"slug": "ok", "base": "andet"}, "base"),
        ({"slug": "ok", "base_recorded": "i går"}, "base_recorded"),
        ({"slug": "ok", "name": "  "}, "name"),
    ):
        args = {"slug": "ok", "name": "Ok", "actor": "t", "role": None} | kw
        with pytest.raises(InvalidParameter) as err:
            scenarios.create_scenario(ref_conn, **args)
        assert err.value.parameter == field
    assert ref_conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one() == before


def test_unknown_scenarios_are_not_found(ref_conn):
    with pytest.raises(NotFound):
        scenarios.get_scenario(ref_conn, "findes-ikke")
    with pytest.raises(NotFound):
        scenarios.diff(ref_conn, PlanView("findes-ikke"), PlanView())


def _scenario_with_edits(conn: Connection) -> dict:
    sid = make(conn, "blandet")
    postponed, sold, gone = almen_buildings(conn, 3)
    road = conn.execute(text("SELECT min(id) FROM road")).scalar_one()
    edit(conn, sid)
    change_building(conn, sid, postponed, demolished_year=2031, name="Udskudt blok")
    take_over_building(conn, sid, sold)
    set_dwellings(conn, sid, sold, "owner_occupied")
    delete_building(conn, sid, gone)
    added = new_building(conn, sid, like=postponed, dwellings=120)
    change_road(conn, sid, road, opening_year=2033, name="Ny sivegade")
    return {
        "id": sid,
        "postponed": postponed,
        "sold": sold,
        "gone": gone,
        "added": added,
        "road": road,
    }


def test_diff_lists_added_removed_and_changed_features_and_both_trajectories(ref_conn):
    s = _scenario_with_edits(ref_conn)
    result = scenarios.diff(ref_conn, PlanView("blandet"), PlanView())
    assert [(f.collection, f.id) for f in result.added] == [("buildings", s["added"])]
    assert result.added[0].name == "Nyt byggeri"
    assert [(f.collection, f.id) for f in result.removed] == [("buildings", s["gone"])]
    changed = {(f.collection, f.id): f.changed for f in result.changed}
    assert set(changed) == {
        ("buildings", s["postponed"]),
        ("buildings", s["sold"]),
        ("roads", s["road"]),
    }
    postponed = changed[("buildings", s["postponed"])]
    assert postponed["demolished_year"] == {"from": None, "to": 2031}
    assert postponed["name"]["to"] == "Udskudt blok"
    assert "geometry" not in postponed and "dwellings" not in postponed
    sold = changed[("buildings", s["sold"])]
    assert set(sold) == {"dwellings"}
    (n,) = sold["dwellings"]["from"].values()
    assert sold["dwellings"] == {"from": {"almen_family": n}, "to": {"owner_occupied": n}}
    road = changed[("roads", s["road"])]
    assert road["opening_year"]["to"] == 2033 and road["name"]["to"] == "Ny sivegade"

    # Each side's trajectory is the one its own reads answer.
    assert [y.year for y in result.scenario.trajectory.years] == list(range(2020, 2036))
    ref_conn.execute(text("SAVEPOINT t"))
    record.enter(ref_conn, PlanView("blandet"))
    theirs = trajectory(ref_conn, "vollsmose", 2020, 2035)
    ref_conn.execute(text("ROLLBACK TO SAVEPOINT t"))
    assert [y.total for y in result.scenario.trajectory.years] == [y.total for y in theirs.years]
    adopted = trajectory(ref_conn, "vollsmose", 2020, 2035)
    assert [y.total for y in result.against.trajectory.years] == [y.total for y in adopted.years]
    mine_2030 = result.scenario.trajectory.years[10].total
    their_2030 = result.against.trajectory.years[10].total
    gone = ref_conn.execute(
        text("SELECT sum(dwellings) FROM dwelling_stock WHERE building_id = :id"), {"id": s["gone"]}
    ).scalar_one()
    assert mine_2030.dwellings["almen_family"] == their_2030.dwellings["almen_family"] - n - gone
    assert mine_2030.dwellings["owner_occupied"] > their_2030.dwellings["owner_occupied"]
    for side in (result.scenario, result.against):
        y2030 = next(y for y in side.trajectory.years if y.year == 2030)
        assert side.meets_deadline == (y2030.total.legal_share <= 0.40)
        assert side.first_compliant_year == side.trajectory.first_compliant_year
    assert result.scenario.trajectory.years[10].total.legal_share < their_2030.legal_share


def test_a_scenario_that_fails_the_law_says_so(ref_conn):
    sid = make(ref_conn, "alt-almen")
    edit(ref_conn, sid)
    # Every owner-occupied and private rental dwelling an almen family dwelling instead.
    private = (
        ref_conn.execute(
            text(
                "SELECT DISTINCT building_id FROM dwelling_stock"
                " WHERE tenure IN ('owner_occupied', 'private_rental', 'cooperative')"
            )
        )
        .scalars()
        .all()
    )
    for b in private:
        take_over_building(ref_conn, sid, b)
        set_dwellings(ref_conn, sid, b, "almen_family")
    result = scenarios.diff(ref_conn, PlanView("alt-almen"), PlanView())
    assert result.scenario.meets_deadline is False
    assert result.scenario.first_compliant_year is None
    assert result.against.meets_deadline is True


def test_a_diff_of_a_scenario_with_no_edits_is_empty(ref_conn):
    make(ref_conn, "tom")
    result = scenarios.diff(ref_conn, PlanView("tom"), PlanView())
    assert (result.added, result.removed, result.changed) == ([], [], [])
    take_over = almen_buildings(ref_conn, 1)[0]
    edit(ref_conn, scenarios.get_scenario(ref_conn, "tom").id)
    take_over_building(ref_conn, scenarios.get_scenario(ref_conn, "tom").id, take_over)
    # Taken over but unchanged: nothing to show.
    assert scenarios.diff(ref_conn, PlanView("tom"), PlanView()).changed == []


def test_a_pinned_scenario_shows_what_vedtaget_changed_since(ref_conn):
    building = almen_buildings(ref_conn, 1)[0]
    make(ref_conn, "fastholdt", base_recorded=dt.datetime.now(dt.UTC).isoformat())
    record.begin_change(ref_conn, actor="test", role="planner", kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2028 WHERE id = :id"), {"id": building}
    )
    result = scenarios.diff(ref_conn, PlanView("fastholdt"), PlanView())
    changed = {(f.collection, f.id): f.changed for f in result.changed}
    assert changed[("buildings", building)]["demolished_year"] == {"from": 2028, "to": None}


def test_adopt_makes_vedtaget_what_the_scenario_showed_and_keeps_the_old_plan(ref_conn):
    s = _scenario_with_edits(ref_conn)
    ref_conn.execute(text("SAVEPOINT t"))
    record.enter(ref_conn, PlanView("blandet"))
    shown = [tenure_mix(ref_conn, "vollsmose", y).total for y in (2025, 2030, 2035)]
    shown_count = ref_conn.execute(text("SELECT count(*) FROM building")).scalar_one()
    ref_conn.execute(text("ROLLBACK TO SAVEPOINT t"))
    before = [tenure_mix(ref_conn, "vollsmose", y).total for y in (2025, 2030, 2035)]
    assert shown != before

    done = scenarios.adopt(ref_conn, "blandet", actor="admin", role="admin", note="vedtaget")
    assert done.tables["building"] == {"deleted": 1, "updated": 1, "inserted": 1}
    assert done.tables["road"]["updated"] == 1
    assert [tenure_mix(ref_conn, "vollsmose", y).total for y in (2025, 2030, 2035)] == shown
    assert ref_conn.execute(text("SELECT count(*) FROM building")).scalar_one() == shown_count
    result = scenarios.diff(ref_conn, PlanView("blandet"), PlanView())
    assert (result.added, result.removed, result.changed) == ([], [], [])
    row = ref_conn.execute(
        text("SELECT demolished_year, name, change_id FROM building WHERE id = :id"),
        {"id": s["postponed"]},
    ).one()
    assert (row.demolished_year, row.name, row.change_id) == (2031, "Udskudt blok", done.change_id)
    adopted = scenarios.get_scenario(ref_conn, "blandet", with_sale=True)
    assert adopted.adopted and adopted.adopted_change.id == done.change_id
    shown = scenarios.get_scenario(ref_conn, "blandet").adopted_change
    assert shown is not None and shown.id == opaque(ref_conn, done.change_id)

    # The plan as recorded before the adoption is the old vedtaget.
    ref_conn.execute(text("SAVEPOINT t"))
    record.enter(ref_conn, PlanView(recorded=done.recorded_at - dt.timedelta(microseconds=1)))
    assert [tenure_mix(ref_conn, "vollsmose", y).total for y in (2025, 2030, 2035)] == before
    ref_conn.execute(text("ROLLBACK TO SAVEPOINT t"))

    # Adopted: read-only, and not again.
    with pytest.raises(Conflict):
        scenarios.writable_scenario(ref_conn, "blandet")
    with pytest.raises(Conflict):
        scenarios.adopt(ref_conn, "blandet", actor="admin", role="admin")
    with pytest.raises(Conflict):
        scenarios.delete_scenario(ref_conn, "blandet", actor="admin", role="admin")


def test_adopt_keeps_what_only_vedtaget_changed(ref_conn):
    mine, theirs = almen_buildings(ref_conn, 2)
    sid = make(ref_conn, "egen")
    edit(ref_conn, sid)
    change_building(ref_conn, sid, mine, demolished_year=2031)
    record.begin_change(ref_conn, actor="colleague", role="planner", kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2029 WHERE id = :id"), {"id": theirs}
    )
    scenarios.adopt(ref_conn, "egen", actor="admin", role="admin")
    years = dict(
        ref_conn.execute(
            text("SELECT id, demolished_year FROM building WHERE id IN (:a, :b)"),
            {"a": mine, "b": theirs},
        ).all()
    )
    assert years == {mine: 2031, theirs: 2029}


def test_adopt_is_refused_when_vedtaget_changed_the_same_feature_since(ref_conn):
    contested, free = almen_buildings(ref_conn, 2)
    sid = make(ref_conn, "strid")
    edit(ref_conn, sid)
    change_building(ref_conn, sid, contested, demolished_year=2031)
    change_building(ref_conn, sid, free, demolished_year=2032)
    theirs = record.begin_change(
        ref_conn, actor="colleague", role="planner", kind="edit", note="ændret i vedtaget"
    )
    ref_conn.execute(
        text("UPDATE dwelling_stock SET dwellings = dwellings - 1 WHERE building_id = :id"),
        {"id": contested},
    )
    plan_before = ref_conn.execute(
        text("SELECT id, demolished_year, change_id FROM building ORDER BY id")
    ).all()
    with pytest.raises(Conflict) as err:
        scenarios.adopt(ref_conn, "strid", actor="admin", role="admin")
    (conflict,) = err.value.conflicts
    assert (conflict["collection"], conflict["id"]) == ("buildings", contested)
    assert conflict["change"]["id"] == theirs.id
    assert conflict["change"]["actor"] == "colleague"
    assert dt.datetime.fromisoformat(conflict["vedtaget_changed_at"]) == theirs.recorded_at
    # adopt raised before it wrote: the caller's transaction rolls back its change.
    assert (
        ref_conn.execute(
            text("SELECT id, demolished_year, change_id FROM building ORDER BY id")
        ).all()
        == plan_before
    )


def test_a_deletion_in_vedtaget_is_a_conflict_too(ref_conn):
    contested = almen_buildings(ref_conn, 1)[0]
    sid = make(ref_conn, "slettet")
    edit(ref_conn, sid)
    change_building(ref_conn, sid, contested, demolished_year=2031)
    record.begin_change(ref_conn, actor="colleague", role="planner", kind="delete")
    ref_conn.execute(text("DELETE FROM building WHERE id = :id"), {"id": contested})
    with pytest.raises(Conflict) as err:
        scenarios.adopt(ref_conn, "slettet", actor="admin", role="admin")
    assert [c["id"] for c in err.value.conflicts] == [contested]


def test_a_pinned_scenario_conflicts_with_changes_after_its_version(ref_conn):
    building = almen_buildings(ref_conn, 1)[0]
    pinned_at = ref_conn.execute(text("SELECT max(recorded_at) FROM plan_change")).scalar_one()
    record.begin_change(ref_conn, actor="colleague", role="planner", kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2029 WHERE id = :id"), {"id": building}
    )
    sid = make(ref_conn, "fastholdt-strid", base_recorded=pinned_at.isoformat())
    edit(ref_conn, sid)
    # The scenario copies the feature as it sees it: at its pinned version.
    ref_conn.execute(text("SAVEPOINT t"))
    record.enter(ref_conn, PlanView("fastholdt-strid"))
    take_over_building(ref_conn, sid, building)
    ref_conn.execute(text("RELEASE SAVEPOINT t"))
    ref_conn.execute(text("SELECT set_config('search_path', 'public', true)"))
    with pytest.raises(Conflict) as err:
        scenarios.adopt(ref_conn, "fastholdt-strid", actor="admin", role="admin")
    assert [c["id"] for c in err.value.conflicts] == [building]


def test_delete_removes_a_scenario_and_its_rows(ref_conn):
    sid = _scenario_with_edits(ref_conn)["id"]
    scenarios.delete_scenario(ref_conn, "blandet", actor="admin", role="admin")
    with pytest.raises(NotFound):
        scenarios.get_scenario(ref_conn, "blandet")
    assert (
        ref_conn.execute(
            text("SELECT count(*) FROM building_version WHERE scenario_id = :s"), {"s": sid}
        ).scalar_one()
        == 0
    )
    with pytest.raises(Conflict):
        scenarios.delete_scenario(ref_conn, "vedtaget", actor="admin", role="admin")


def test_a_parcels_land_and_sale_data_are_compared_and_adopted_with_it(ref_conn):
    parcel = ref_conn.execute(
        text(
            "SELECT min(parcel_id) FROM parcel_sale JOIN parcel_land USING (parcel_id)"
            " WHERE sale_status <> 'planned'"
        )
    ).scalar_one()
    sid = make(ref_conn, "salg")
    edit(ref_conn, sid)
    for table, col in (
        ("parcel", "id"),
        ("parcel_land", "parcel_id"),
        ("parcel_sale", "parcel_id"),
    ):
        cols = _cols(ref_conn, table)
        ref_conn.execute(
            text(
                f"INSERT INTO {table}_version (scenario_id, {cols}) SELECT :s, {cols}"
                f" FROM {table} WHERE {col} = :p"
            ),
            {"s": sid, "p": parcel},
        )
    for sql in (
        "UPDATE parcel_land_version SET sale_status = 'planned' WHERE scenario_id = :s",
        "UPDATE parcel_sale_version SET price_dkk = 12345678 WHERE scenario_id = :s",
    ):
        ref_conn.execute(text(sql), {"s": sid})
    public = scenarios.diff(ref_conn, PlanView("salg"), PlanView())
    (only,) = public.changed
    assert (only.collection, only.id) == ("parcels", parcel)
    assert only.changed["land.sale_status"]["to"] == "planned"
    assert "sale.price_dkk" not in only.changed  # sale data: confidential
    company = scenarios.diff(ref_conn, PlanView("salg"), PlanView(), confidential=True)
    assert float(company.changed[0].changed["sale.price_dkk"]["to"]) == 12345678

    done = scenarios.adopt(ref_conn, "salg", actor="admin", role="admin")
    assert done.tables["parcel"]["updated"] == 0  # the parcel itself is unchanged
    row = ref_conn.execute(
        text(
            "SELECT l.sale_status, s.price_dkk FROM parcel_land l"
            " JOIN parcel_sale s USING (parcel_id) WHERE parcel_id = :p"
        ),
        {"p": parcel},
    ).one()
    assert (row.sale_status, int(row.price_dkk)) == ("planned", 12345678)


def test_two_recorded_versions_of_vedtaget_can_be_compared(ref_conn):
    building = almen_buildings(ref_conn, 1)[0]
    change = record.begin_change(ref_conn, actor="test", role="planner", kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2033 WHERE id = :id"), {"id": building}
    )
    then = PlanView(recorded=change.recorded_at - dt.timedelta(microseconds=1))
    result = scenarios.diff(ref_conn, PlanView(), then)
    changed = {(f.collection, f.id): f.changed for f in result.changed}
    assert changed[("buildings", building)]["demolished_year"] == {"from": None, "to": 2033}


@pytest.mark.parametrize("table", ["building", "dwelling_stock", "road", "parcel_land"])
def test_the_lean_views_answer_what_the_general_views_answer(ref_conn, table):
    """plan_recorded and plan_scenario (migration 0010) are shortcuts of plan_view for the
    two versions asked for most: the same rows, whichever a read is given."""
    _scenario_with_edits(ref_conn)
    rows = f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t"

    def under(schema: str, **settings: str) -> str:
        ref_conn.execute(text("SAVEPOINT lean"))
        ref_conn.execute(text(f"SET LOCAL search_path = {schema}, public"))
        for name, value in settings.items():
            ref_conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
        found = ref_conn.execute(text(rows)).scalar_one()
        ref_conn.execute(text("ROLLBACK TO SAVEPOINT lean"))
        return found

    sid = str(ref_conn.execute(text("SELECT id FROM scenario WHERE slug = 'blandet'")).scalar())
    assert under("plan_scenario", **{"vm.scenario": sid}) == under(
        "plan_view", **{"vm.scenario": sid}
    )
    at = "2023-06-01T00:00:00+02:00"
    assert under("plan_recorded", **{"vm.recorded": at}) == under(
        "plan_view", **{"vm.recorded": at, "vm.base_recorded": at}
    )
    # and the scenario does differ from the adopted plan now where it edited, so the
    # comparison means something
    if table != "parcel_land":
        assert (
            under("plan_scenario", **{"vm.scenario": sid}) != ref_conn.execute(text(rows)).scalar()
        )
