"""The reference data holds two recorded versions of the plan: the plan of 2020
(vollsmose.gpkg) and an ILLUSTRATIVE 2023 update (plan_2023.json), recorded on 1 March 2023.
`recorded=` before that day answers the file of 2020, after it the update."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pyogrio
import pytest
from sqlalchemy import create_engine, text

from gis import migrate, record
from gis.errors import DataError
from gis.reference import UPDATES, default_reference_path, load_recorded_update, load_reference
from tests.test_reference_file import legal_share

GPKG = default_reference_path()
UPDATE_FILE = GPKG.with_name(UPDATES[0])
UPDATE = json.loads(UPDATE_FILE.read_text(encoding="utf-8"))
UPDATED_AT = dt.datetime(2023, 3, 1, tzinfo=record.LOCAL)
BEFORE = "2022-12-31"  # the plan as recorded at the end of that day: the plan of 2020
JUST_BEFORE = "2023-02-28T23:59:59+01:00"
AFTER = "2023-03-01"  # the end of that day: after the update
COLLECTIONS = {"building": "buildings", "road": "roads", "facility": "facilities"}


def test_the_update_is_labelled_illustrative():
    assert UPDATE["title"].startswith("ILLUSTRATIVE 2023 update of the plan")
    assert UPDATE["disclaimer"].startswith("ILLUSTRATIVE")
    assert UPDATE["note"].startswith("ILLUSTRATIVE 2023 update of the plan (reference dataset)")
    readme = GPKG.with_name("README.md").read_text(encoding="utf-8")
    assert "plan_2023.json" in readme and "ILLUSTRATIVE 2023 update" in readme


def test_the_recorded_versions_exist_with_their_notes(ref_conn):
    changes = ref_conn.execute(
        text("SELECT recorded_at, kind, actor, note FROM plan_change ORDER BY recorded_at")
    ).all()
    assert [(c.recorded_at, c.kind, c.actor) for c in changes[:2]] == [
        (record.REFERENCE_RECORDED, "load", "reference dataset"),
        (UPDATED_AT, "load", "reference dataset"),
    ]
    assert changes[0].note == "vollsmose.gpkg: the Realiseringsplan 2020 (reference dataset)"
    assert changes[1].note == UPDATE["note"]


def _file_row(layer: str, key: dict) -> dict:
    """The feature as the 2020 file holds it."""
    df = pyogrio.read_dataframe(GPKG, layer=layer, read_geometry=False)
    for column, value in key.items():
        df = df[df[column] == value]
    assert len(df) == 1, key
    return df.iloc[0].to_dict()


def _item(ref_client, layer: str, key: dict, recorded: str | None) -> dict:
    """The one item the key names, as the items of its collection answer it then: its id
    and properties."""
    cql = " AND ".join(f"{column} = '{value}'" for column, value in key.items())
    params = {"filter": cql, **({"recorded": recorded} if recorded else {})}
    r = ref_client.get(f"/collections/{COLLECTIONS[layer]}/items", params=params)
    assert r.status_code == 200, r.text
    [feature] = r.json()["features"]
    return {"id": feature["id"], **feature["properties"]}


@pytest.mark.parametrize("update", UPDATE["updates"], ids=lambda u: str(u["key"]))
def test_recorded_reads_answer_each_version_of_a_changed_feature(ref_client, update):
    layer, key = update["layer"], update["key"]
    # The 2020 reading is what the file says; the update was written against it.
    in_file = _file_row(layer, key)
    assert {c: in_file[c] for c in update["from"]} == update["from"]
    for recorded, expected in (
        (BEFORE, update["from"]),
        (JUST_BEFORE, update["from"]),
        (AFTER, update["to"]),
        (None, update["to"]),
    ):
        props = _item(ref_client, layer, key, recorded)
        assert {c: props[c] for c in expected} == expected, recorded
        # The one item's own path answers the same version.
        params = {"recorded": recorded} if recorded else {}
        one = ref_client.get(
            f"/collections/{COLLECTIONS[layer]}/items/{props['id']}", params=params
        )
        assert one.status_code == 200, one.text
        assert {c: one.json()["properties"][c] for c in expected} == expected, recorded


def _facility_names(ref_client, recorded: str | None) -> set[str]:
    params = {"limit": 1000, **({"recorded": recorded} if recorded else {})}
    r = ref_client.get("/collections/facilities/items", params=params)
    assert r.status_code == 200, r.text
    return {f["properties"]["name"] for f in r.json()["features"]}


def test_the_new_facility_exists_only_from_the_update(ref_client):
    in_file = set(pyogrio.read_dataframe(GPKG, layer="facility", read_geometry=False)["name"])
    [added] = UPDATE["additions"]
    name = added["values"]["name"]
    assert name not in in_file
    assert _facility_names(ref_client, BEFORE) == in_file
    assert _facility_names(ref_client, AFTER) == in_file | {name}
    assert _facility_names(ref_client, None) == in_file | {name}


def _mix(ref_client, year: int, recorded: str | None) -> dict:
    params = {"year": year, **({"recorded": recorded} if recorded else {})}
    r = ref_client.get("/areas/vollsmose/tenure-mix", params=params)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def test_the_2020_reading_of_the_tenure_mix_is_the_files(ref_client):
    # 2026 is the one year the postponed demolition moves.
    for year in (2025, 2026, 2030):
        expected = legal_share("vollsmose", year)
        total = _mix(ref_client, year, BEFORE)
        assert total["dwellings"]["almen_family"] == expected["dwellings"]["almen_family"]
        assert total["dwellings"]["total"] == expected["total"]
        assert total["demolished_not_replaced"] == expected["demolished"]
        assert total["legal_share"] == round(expected["share"], 4)


def test_the_postponed_demolition_moves_the_mix_of_2026_only(ref_client, ref_conn):
    [demolition] = [u for u in UPDATE["updates"] if "demolished_year" in u["to"]]
    block = ref_conn.execute(
        text(
            "SELECT sum(s.dwellings) FROM dwelling_stock s JOIN building b"
            " ON b.id = s.building_id WHERE b.source_id = :s"
        ),
        {"s": demolition["key"]["source_id"]},
    ).scalar_one()
    assert block > 0
    before, after = _mix(ref_client, 2026, BEFORE), _mix(ref_client, 2026, AFTER)
    assert after["dwellings"]["almen_family"] - before["dwellings"]["almen_family"] == block
    assert before["demolished_not_replaced"] - after["demolished_not_replaced"] == block
    assert after["legal_share"] > before["legal_share"]
    assert _mix(ref_client, 2026, None) == after
    for year in (2025, 2027, 2030):
        assert _mix(ref_client, year, BEFORE) == _mix(ref_client, year, AFTER), year


def test_the_trajectory_of_both_versions_differs_in_2026(ref_client):
    def shares(recorded: str) -> dict[int, float]:
        params = {"from": 2020, "to": 2035, "recorded": recorded}
        r = ref_client.get("/areas/vollsmose/tenure-mix/trajectory", params=params)
        assert r.status_code == 200, r.text
        return {y["year"]: y["total"]["legal_share"] for y in r.json()["years"]}

    before, after = shares(BEFORE), shares(AFTER)
    assert len(before) == 16
    assert [y for y in before if before[y] != after[y]] == [2026]


@pytest.fixture
def scratch_url(new_database):
    return new_database()


def test_an_update_that_does_not_fit_the_plan_is_refused(scratch_url, tmp_path):
    # Written against values the plan no longer holds: nothing of it is applied.
    stale = json.loads(UPDATE_FILE.read_text(encoding="utf-8"))
    stale["updates"][0]["from"] = {"demolished_year": 2024}
    bad = tmp_path / "plan_2023.json"
    bad.write_text(json.dumps(stale), encoding="utf-8")
    shutil.copy(GPKG, tmp_path / GPKG.name)
    engine = create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
        with pytest.raises(DataError, match="holds"), engine.begin() as conn:
            load_reference(conn, tmp_path / GPKG.name)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"layer": "area"}, "not one a recorded update may change"),
        ({"to": {"footprint": 1}, "from": {"footprint": 1}}, "no column footprint"),
        ({"key": {"source_id": "ref:no-such-block"}}, "names 0 building rows"),
        ({"key": {"department": "Bøgeparken"}}, "needs a key"),
    ],
)
def test_an_update_naming_the_wrong_thing_is_refused(ref_conn, tmp_path, change, message):
    doc = json.loads(UPDATE_FILE.read_text(encoding="utf-8"))
    doc["updates"] = [doc["updates"][0] | change]
    doc["additions"] = []
    doc["recorded"] = "2024-01-01T00:00:00"  # after the 2023 change the reference holds
    path = tmp_path / "update.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_recorded_update(ref_conn, path)
