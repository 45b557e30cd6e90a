"""The plan as a record (gis.record, migration 0010): history kept by the database whoever
writes, scenarios that override the adopted plan feature by feature, and reads of any
recorded time, all through the queries the platform already has."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from gis import record
from gis.errors import InvalidQuery, NotFound
from gis.tenure import tenure_mix

PLAN_TABLES = (
    "quarter",
    "parcel",
    "parcel_land",
    "parcel_sale",
    "building",
    "dwelling_stock",
    "road",
    "rail_line",
    "rail_stop",
    "facility",
)
META = ["vid", "scenario_id", "recorded_to", "superseded_by", "deleted"]


def _columns(conn, table: str) -> list[str]:
    return (
        conn.execute(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"t": table},
        )
        .scalars()
        .all()
    )


@pytest.mark.parametrize("table", PLAN_TABLES)
def test_version_tables_hold_every_column_of_their_plan_table(conn, table):
    assert _columns(conn, f"{table}_version") == META + _columns(conn, table)
    assert _columns(conn, f"plan_view.{table}") == _columns(conn, table)


def _a_building(conn) -> int:
    return conn.execute(
        text(
            "SELECT min(b.id) FROM building b JOIN dwelling_stock s ON s.building_id = b.id"
            " WHERE b.demolished_year IS NOT NULL"
        )
    ).scalar_one()


def _demolished(conn, building_id: int) -> int | None:
    return conn.execute(
        text("SELECT demolished_year FROM building WHERE id = :id"), {"id": building_id}
    ).scalar_one_or_none()


def test_reference_data_is_recorded_as_the_plan_of_2020(ref_conn):
    row = ref_conn.execute(
        text("SELECT min(recorded_from), count(*) FILTER (WHERE recorded_from > :t) FROM building"),
        {"t": record.REFERENCE_RECORDED},
    ).one()
    # All but the two buildings the ILLUSTRATIVE 2023 update changed (data/kort/plan_2023.json).
    assert row[0] == record.REFERENCE_RECORDED and row[1] == 2
    kind = ref_conn.execute(
        text("SELECT c.kind FROM plan_change c JOIN building b ON b.change_id = c.id LIMIT 1")
    ).scalar_one()
    assert kind == "load"


def test_an_update_keeps_the_superseded_row_and_a_recorded_read_answers_it(ref_conn):
    building = _a_building(ref_conn)
    before = _demolished(ref_conn, building)
    change = record.begin_change(
        ref_conn, actor="test", role="planner", kind="edit", note="postpone"
    )
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2035 WHERE id = :id"), {"id": building}
    )
    old = ref_conn.execute(
        text(
            "SELECT demolished_year, superseded_by, recorded_to FROM building_version"
            " WHERE id = :id AND scenario_id = 1"
        ),
        {"id": building},
    ).one()
    assert (old.demolished_year, old.superseded_by) == (before, change.id)
    assert old.recorded_to == change.recorded_at

    ref_conn.execute(text("SAVEPOINT s"))
    record.enter(ref_conn, record.PlanView(recorded=change.recorded_at - dt.timedelta(seconds=1)))
    assert _demolished(ref_conn, building) == before
    ref_conn.execute(text("ROLLBACK TO SAVEPOINT s"))
    assert _demolished(ref_conn, building) == 2035


def test_dwellings_changed_alone_make_a_new_version_of_their_building(ref_conn):
    building = _a_building(ref_conn)
    change = record.begin_change(ref_conn, actor="test", role=None, kind="edit")
    ref_conn.execute(
        text("UPDATE dwelling_stock SET dwellings = dwellings + 1 WHERE building_id = :id"),
        {"id": building},
    )
    assert (
        ref_conn.execute(
            text("SELECT change_id FROM building WHERE id = :id"), {"id": building}
        ).scalar_one()
        == change.id
    )
    assert (
        ref_conn.execute(
            text("SELECT count(*) FROM building_version WHERE id = :id AND superseded_by = :c"),
            {"id": building, "c": change.id},
        ).scalar_one()
        == 1
    )


def test_a_write_without_a_change_gets_one_of_its_own(ref_conn):
    building = _a_building(ref_conn)
    ref_conn.execute(text("UPDATE building SET name = 'x' WHERE id = :id"), {"id": building})
    kind, actor = ref_conn.execute(
        text(
            "SELECT c.kind, c.actor FROM building b JOIN plan_change c ON c.id = b.change_id"
            " WHERE b.id = :id"
        ),
        {"id": building},
    ).one()
    assert kind == "sql" and actor


def test_a_scenario_overrides_its_base_and_is_invisible_in_the_adopted_plan(ref_conn):
    building = _a_building(ref_conn)
    base = _demolished(ref_conn, building)
    sid = ref_conn.execute(
        text("INSERT INTO scenario (slug, name) VALUES ('udskudt', 'Udskudt') RETURNING id")
    ).scalar_one()
    record.begin_change(ref_conn, actor="test", role="planner", kind="edit", scenario_id=sid)
    cols = ", ".join(c for c in _columns(ref_conn, "building"))
    ref_conn.execute(
        text(
            f"INSERT INTO building_version (scenario_id, {cols}) SELECT :s, {cols}"
            " FROM building WHERE id = :id"
        ),
        {"s": sid, "id": building},
    )
    ref_conn.execute(
        text(
            "UPDATE building_version SET demolished_year = 2031 WHERE scenario_id = :s AND id = :id"
        ),
        {"s": sid, "id": building},
    )
    ref_conn.execute(text("SAVEPOINT s"))
    record.enter(ref_conn, record.PlanView(scenario="udskudt"))
    assert _demolished(ref_conn, building) == 2031
    total = ref_conn.execute(text("SELECT count(*) FROM building")).scalar_one()
    ref_conn.execute(text("ROLLBACK TO SAVEPOINT s"))
    assert _demolished(ref_conn, building) == base
    assert ref_conn.execute(text("SELECT count(*) FROM building")).scalar_one() == total


def test_tenure_mix_of_an_earlier_recorded_time_is_the_one_served_then(ref_conn):
    served = tenure_mix(ref_conn, "vollsmose", 2030)
    change = record.begin_change(ref_conn, actor="test", role=None, kind="edit")
    ref_conn.execute(
        text("UPDATE dwelling_stock SET dwellings = dwellings * 2 WHERE tenure = 'owner_occupied'")
    )
    assert tenure_mix(ref_conn, "vollsmose", 2030).total != served.total
    ref_conn.execute(text("SAVEPOINT s"))
    record.enter(
        ref_conn, record.PlanView(recorded=change.recorded_at - dt.timedelta(microseconds=1))
    )
    assert tenure_mix(ref_conn, "vollsmose", 2030).total == served.total
    ref_conn.execute(text("ROLLBACK TO SAVEPOINT s"))


def test_unknown_scenario_is_not_found(ref_conn):
    with pytest.raises(NotFound):
        record.enter(ref_conn, record.PlanView(scenario="findes-ikke"))


@pytest.mark.parametrize(
    "value",
    [
        "igår",
        "2021-13-01",
        "3000-01-01",
        "0001-01-01T00:00:00Z",
        # the last day there is, and its last hour west of UTC: past the last datetime
        "9999-12-31",
        "9999-12-31T23:00:00-05:00",
    ],
)
def test_bad_recorded_times_are_refused(value):
    with pytest.raises(InvalidQuery):
        record.parse_recorded(value)


def test_the_last_day_there_is_is_a_400_not_a_500(ref_client):
    """Found by an audit: `recorded=9999-12-31` overflowed the day's end, a public 500."""
    for path in ("/areas", "/collections/buildings/items", "/tiles/WebMercatorQuad/0/0/0"):
        r = ref_client.get(path, params={"recorded": "9999-12-31"})
        assert r.status_code == 400, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "not come yet" in r.json()["detail"]


def test_a_date_is_the_end_of_that_day_in_danish_time():
    at = record.parse_recorded("2021-03-01")
    assert at == dt.datetime(2021, 3, 2, tzinfo=record.LOCAL) - dt.timedelta(microseconds=1)
    assert record.parse_recorded("2021-03-01T12:00:00Z") == dt.datetime(
        2021, 3, 1, 12, tzinfo=dt.UTC
    )


def test_api_reads_take_scenario_and_recorded(ref_client):
    now = ref_client.get("/areas/vollsmose/tenure-mix", params={"year": 2030}).json()
    then = ref_client.get(
        "/areas/vollsmose/tenure-mix", params={"year": 2030, "recorded": "2020-06-01"}
    ).json()
    assert then == now  # nothing was recorded since the reference plan
    before = ref_client.get(
        "/areas/vollsmose/tenure-mix", params={"year": 2030, "recorded": "2019-06-01"}
    )
    assert before.status_code == 200
    assert before.json()["total"]["dwellings"]["total"] == 0  # nothing was recorded yet
    missing = ref_client.get("/collections/buildings/items", params={"scenario": "nej"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    items = ref_client.get(
        "/collections/buildings/items", params={"recorded": "2020-06-01", "limit": 5}
    )
    assert items.status_code == 200 and len(items.json()["features"]) == 5
    bad = ref_client.get("/collections/buildings/items", params={"recorded": "i morgen"})
    assert bad.status_code == 400


def test_tilejson_tiles_carry_the_scenario_and_recorded_time(ref_client):
    doc = ref_client.get(
        "/tiles/WebMercatorQuad/tilejson.json",
        params={"recorded": "2021-03-01", "datetime": "2030"},
    ).json()
    assert all("recorded=2021-03-01" in t and "datetime=2030" in t for t in doc["tiles"])
    tile = doc["tiles"][0].replace("{z}", "15").replace("{x}", "17270").replace("{y}", "10145")
    assert ref_client.get(tile.split("testserver", 1)[1]).status_code in (200, 204)


def test_an_update_that_changes_nothing_makes_no_version(ref_conn):
    building = _a_building(ref_conn)
    record.begin_change(ref_conn, actor="test", role=None, kind="edit")
    ref_conn.execute(
        text("UPDATE building SET demolished_year = demolished_year WHERE id = :id"),
        {"id": building},
    )
    assert (
        ref_conn.execute(
            text("SELECT count(*) FROM building_version WHERE id = :id"), {"id": building}
        ).scalar_one()
        == 0
    )


def test_a_print_map_of_another_version_says_which(ref_client):
    r = ref_client.get("/maps/fremtidsbillede/2030.png", params={"recorded": "2021-03-01"})
    assert r.status_code == 200
    assert "registreret-20210301" in r.headers["content-disposition"]
    import io

    from PIL import Image

    title = Image.open(io.BytesIO(r.content)).info["Title"]
    assert "Planen som registreret 01.03.2021 23:59" in title
    adopted = ref_client.get("/maps/fremtidsbillede/2030.png")
    assert "registreret" not in Image.open(io.BytesIO(adopted.content)).info["Title"]


def test_a_geotiff_of_another_version_names_it(ref_client):
    from rasterio.io import MemoryFile

    r = ref_client.get("/maps/fremtidsbillede/2030.tif", params={"recorded": "2021-03-01"})
    assert r.status_code == 200
    with MemoryFile(r.content) as mem, mem.open() as src:
        tags = src.tags()
    assert tags["SCENARIO"] == "vedtaget" and tags["RECORDED"].startswith("2021-03-01T23:59")
    assert "registreret 01.03.2021" in tags["TIFFTAG_DOCUMENTNAME"]
