"""The scenarios API over a writable copy of the reference data: create, list, diff, adopt.
Scenario edits are written with SQL as the version tables hold them (tests.gis.test_scenarios)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import create_engine, text

from gis import record
from tests.gis.test_scenarios import (
    almen_buildings,
    change_building,
    change_road,
    delete_building,
    edit,
    new_building,
    set_dwellings,
    take_over_building,
)
from tests.support import opaque

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def db(writable_ref):
    engine = create_engine(writable_ref.url)
    yield engine
    engine.dispose()


def _create(client, writable_ref, slug: str, **body):
    return client.post(
        "/scenarios",
        json={"slug": slug, "name": slug.title(), "base": "vedtaget", **body},
        headers=writable_ref.bearer("planner"),
    )


def _id(db, slug: str) -> int:
    with db.connect() as c:
        return c.execute(text("SELECT id FROM scenario WHERE slug = :s"), {"s": slug}).scalar_one()


def _plan(db) -> list:
    with db.connect() as c:
        return c.execute(text("SELECT * FROM building ORDER BY id")).all()


def test_create_list_get_and_refusals(writable_client, writable_ref):
    made = _create(writable_client, writable_ref, "liste", description="En prøve")
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/scenarios/liste"
    body = made.json()
    assert body["base"] == "vedtaget" and body["base_recorded"] is None
    assert body["created_by"] == "planner-writer" and body["overrides"] == 0
    assert body["adopted"] is False and body["adopted_change"] is None

    listed = {s["slug"]: s for s in writable_client.get("/scenarios").json()}
    assert listed["vedtaget"]["base"] is None
    assert listed["liste"]["description"] == "En prøve"
    assert writable_client.get("/scenarios/liste").json()["name"] == "Liste"

    taken = _create(writable_client, writable_ref, "liste")
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith(PROBLEM)
    bad = _create(writable_client, writable_ref, "Ikke Gyldig")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["parameter"] == "slug"
    base = _create(writable_client, writable_ref, "anden-base", base="liste")
    assert (base.status_code, base.json()["errors"][0]["parameter"]) == (422, "base")
    when = _create(writable_client, writable_ref, "ukendt-tid", base_recorded="snart")
    assert (when.status_code, when.json()["errors"][0]["parameter"]) == (422, "base_recorded")
    missing = writable_client.get("/scenarios/findes-ikke")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
    # Who may: creating needs a planner's token, not the public's or the company's.
    anon = writable_client.post("/scenarios", json={"slug": "anon", "name": "A"})
    assert anon.status_code == 401
    company = writable_client.post(
        "/scenarios",
        json={"slug": "firma", "name": "F"},
        headers=writable_ref.bearer("developer_company"),
    )
    assert company.status_code == 403
    assert "anon" not in {s["slug"] for s in writable_client.get("/scenarios").json()}


def test_a_pinned_scenario_keeps_its_base_version(writable_client, writable_ref):
    made = _create(writable_client, writable_ref, "fastholdt", base_recorded="2021-03-01")
    assert made.status_code == 201, made.text
    pinned = dt.datetime.fromisoformat(made.json()["base_recorded"])
    assert pinned == record.parse_recorded("2021-03-01")


def test_diff_shows_the_scenario_against_vedtaget(writable_client, writable_ref, db):
    assert _create(writable_client, writable_ref, "sammenlign").status_code == 201
    sid = _id(db, "sammenlign")
    with db.begin() as c:
        postponed, sold, gone = almen_buildings(c, 3)
        road = c.execute(text("SELECT min(id) FROM road")).scalar_one()
        edit(c, sid)
        change_building(c, sid, postponed, demolished_year=2031)
        take_over_building(c, sid, sold)
        set_dwellings(c, sid, sold, "owner_occupied")
        delete_building(c, sid, gone)
        added = new_building(c, sid, like=postponed, dwellings=120)
        change_road(c, sid, road, opening_year=2033)
    answer = writable_client.get("/scenarios/sammenlign/diff", params={"against": "vedtaget"})
    assert answer.status_code == 200, answer.text
    d = answer.json()
    assert [(f["collection"], f["id"]) for f in d["added"]] == [("buildings", added)]
    assert [(f["collection"], f["id"]) for f in d["removed"]] == [("buildings", gone)]
    changed = {(f["collection"], f["id"]): f["changed"] for f in d["changed"]}
    assert changed[("buildings", postponed)]["demolished_year"] == {"from": None, "to": 2031}
    assert set(changed[("buildings", sold)]["dwellings"]["to"]) == {"owner_occupied"}
    assert changed[("roads", road)]["opening_year"]["to"] == 2033
    for side in ("scenario", "against"):
        years = d[side]["trajectory"]
        assert [y["year"] for y in years] == list(range(2020, 2036))
        y2030 = years[10]
        assert d[side]["meets_2030"] == (y2030["legal_share"] <= 0.40)
        first = next((y["year"] for y in years if y["compliant"]), None)
        assert d[side]["first_compliant_year"] == first
    assert (
        d["scenario"]["trajectory"][10]["legal_share"]
        < d["against"]["trajectory"][10]["legal_share"]
    )
    # The trajectory of each side is what the tenure-mix API answers for it.
    mine = writable_client.get(
        "/areas/vollsmose/tenure-mix/trajectory",
        params={"from": 2020, "to": 2035, "scenario": "sammenlign"},
    ).json()
    assert mine["first_compliant_year"] == d["scenario"]["first_compliant_year"]

    table = writable_client.get("/scenarios/sammenlign/diff", params={"f": "csv"})
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert any(r["id"] == str(gone) and r["change"] == "removed" for r in rows)
    assert any(
        r["id"] == str(postponed) and r["attribute"] == "demolished_year" and r["to"] == "2031"
        for r in rows
    )
    listed = writable_client.get("/scenarios/sammenlign").json()
    assert listed["overrides"] == 5
    assert listed["overrides_by_collection"] == {"buildings": 4, "roads": 1}

    unknown = writable_client.get("/scenarios/sammenlign/diff", params={"against": "nej"})
    assert unknown.status_code == 404


def test_adopt_without_conflict(writable_client, writable_ref, db):
    assert _create(writable_client, writable_ref, "vedtages").status_code == 201
    sid = _id(db, "vedtages")
    with db.begin() as c:
        postponed, sold = almen_buildings(c, 5)[3:5]
        edit(c, sid)
        change_building(c, sid, postponed, demolished_year=2031)
        take_over_building(c, sid, sold)
        set_dwellings(c, sid, sold, "owner_occupied")
    shown = writable_client.get(
        "/areas/vollsmose/tenure-mix/trajectory",
        params={"from": 2020, "to": 2035, "scenario": "vedtages"},
    ).json()
    before = writable_client.get(
        "/areas/vollsmose/tenure-mix/trajectory", params={"from": 2020, "to": 2035}
    ).json()
    assert shown != before

    planner = writable_client.post(
        "/scenarios/vedtages/adopt", json={"note": "x"}, headers=writable_ref.bearer("planner")
    )
    assert planner.status_code == 403
    done = writable_client.post(
        "/scenarios/vedtages/adopt",
        json={"note": "Realiseringsbestyrelsen"},
        headers=writable_ref.bearer("admin"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["tables"]["dwelling_stock"]["updated"] >= 1

    now = writable_client.get(
        "/areas/vollsmose/tenure-mix/trajectory", params={"from": 2020, "to": 2035}
    ).json()
    assert now == shown
    with db.connect() as c:
        at = c.execute(
            text("SELECT recorded_at FROM plan_change WHERE id = :c"),
            {"c": done.json()["change_id"]},
        ).scalar_one()
        kind, note = c.execute(
            text("SELECT kind, note FROM plan_change WHERE id = :c"),
            {"c": done.json()["change_id"]},
        ).one()
    assert (kind, note) == ("adopt", "Realiseringsbestyrelsen")
    # Just before the adoption, vedtaget is the old plan.
    then = writable_client.get(
        "/areas/vollsmose/tenure-mix/trajectory",
        params={
            "from": 2020,
            "to": 2035,
            "recorded": (at - dt.timedelta(microseconds=1)).isoformat(),
        },
    ).json()
    assert then == before
    state = writable_client.get("/scenarios/vedtages").json()
    assert state["adopted"] is True
    # The public is shown the adoption's change opaque; an admin sees the id it was given.
    assert state["adopted_change"]["id"] == opaque(db, done.json()["change_id"])
    admin = writable_client.get("/scenarios/vedtages", headers=writable_ref.bearer("admin"))
    assert admin.json()["adopted_change"]["id"] == done.json()["change_id"]
    again = writable_client.post("/scenarios/vedtages/adopt", headers=writable_ref.bearer("admin"))
    assert again.status_code == 409
    diff = writable_client.get("/scenarios/vedtages/diff").json()
    assert (diff["added"], diff["removed"], diff["changed"]) == ([], [], [])
    gone = writable_client.delete("/scenarios/vedtages", headers=writable_ref.bearer("admin"))
    assert gone.status_code == 409


def test_adopt_with_a_conflict_writes_nothing_and_names_the_features(
    writable_client, writable_ref, db
):
    assert _create(writable_client, writable_ref, "i-strid").status_code == 201
    sid = _id(db, "i-strid")
    with db.begin() as c:
        contested, free = almen_buildings(c, 8)[6:8]
        edit(c, sid)
        change_building(c, sid, contested, demolished_year=2031)
        change_building(c, sid, free, demolished_year=2032)
    with db.begin() as c:
        theirs = edit(c, 1, note="en kollega")
        c.execute(
            text("UPDATE building SET demolished_year = 2027 WHERE id = :id"), {"id": contested}
        )
    plan = _plan(db)
    with db.connect() as c:
        changes = c.execute(text("SELECT count(*) FROM plan_change")).scalar_one()
    refused = writable_client.post(
        "/scenarios/i-strid/adopt", json={"note": "nej"}, headers=writable_ref.bearer("admin")
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith(PROBLEM)
    (conflict,) = refused.json()["conflicts"]
    assert (conflict["collection"], conflict["id"]) == ("buildings", contested)
    assert conflict["change"]["id"] == theirs.id and conflict["change"]["note"] == "en kollega"
    assert conflict["vedtaget_changed_at"]
    assert _plan(db) == plan
    with db.connect() as c:
        assert c.execute(text("SELECT count(*) FROM plan_change")).scalar_one() == changes
    assert writable_client.get("/scenarios/i-strid").json()["adopted"] is False


def test_delete_a_scenario(writable_client, writable_ref):
    assert _create(writable_client, writable_ref, "slet-mig").status_code == 201
    planner = writable_client.delete("/scenarios/slet-mig", headers=writable_ref.bearer("planner"))
    assert planner.status_code == 403
    gone = writable_client.delete("/scenarios/slet-mig", headers=writable_ref.bearer("admin"))
    assert gone.status_code == 204
    assert writable_client.get("/scenarios/slet-mig").status_code == 404
    again = writable_client.delete("/scenarios/slet-mig", headers=writable_ref.bearer("admin"))
    assert again.status_code == 404
    adopted = writable_client.delete("/scenarios/vedtaget", headers=writable_ref.bearer("admin"))
    assert adopted.status_code == 409
