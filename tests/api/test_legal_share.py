"""`/legal-share`: every area's tenure mix and legal share, year by year, in one answer.

Each area's figures are the ones its own trajectory answers (the same rule, the same
statement), in JSON and CSV, for the adopted plan and for a scenario; the answer is read in
one snapshot, so its ETag names the data it was computed from even when a write commits
while it is being answered.
"""

from __future__ import annotations

import csv
import io
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from tests.api.test_errors import assert_problem
from tests.gis.test_scenarios import almen_buildings, edit, set_dwellings, take_over_building
from tests.support import make_client

YEARS = "from=2020&to=2031"


def _assert_each_as_its_own(client, answer: dict, query: str = YEARS) -> None:
    """Each area of a `/legal-share` answer: the totals and first compliant year its own
    trajectory gives for the same query."""
    for answered in answer["areas"]:
        own = client.get(f"/areas/{answered['area']}/tenure-mix/trajectory?{query}").json()
        assert answered["years"] == [{"year": y["year"], "total": y["total"]} for y in own["years"]]
        assert answered["first_compliant_year"] == own["first_compliant_year"]


def test_every_area_as_its_own_trajectory_says(ref_client):
    response = ref_client.get(f"/legal-share?{YEARS}")
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == (2020, 2031)
    assert body["law"]["max_legal_share"] == 0.4
    areas = ref_client.get("/areas").json()
    assert [a["area"] for a in body["areas"]] == [a["slug"] for a in areas]
    for answered, area in zip(body["areas"], areas, strict=True):
        assert (answered["area_name"], answered["kind"]) == (area["name"], area["kind"])
        assert answered["data_source"] == area["data_source"]
    _assert_each_as_its_own(ref_client, body)
    vollsmose = next(a for a in body["areas"] if a["area"] == "vollsmose")
    # The plan's course: above the limit in 2020, under it by the deadline.
    assert vollsmose["years"][0]["total"]["compliant"] is False
    assert vollsmose["first_compliant_year"] <= 2030


def test_kinds(ref_client):
    def slugs(query: str) -> list[str]:
        return [a["area"] for a in ref_client.get(f"/legal-share?{query}").json()["areas"]]

    assert slugs("kind=udsat") == ["kertemindevejkvarteret"]
    assert slugs("kind=hard_ghetto") == ["vollsmose"]
    assert slugs("kind=udsat&kind=hard_ghetto") == ["vollsmose", "kertemindevejkvarteret"]
    assert slugs("kind=parallelsamfund") == []


def test_csv_is_each_areas_total_rows(ref_client):
    response = ref_client.get(f"/legal-share?{YEARS}&f=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="areas-2020-2031.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected, areas = [], ref_client.get("/areas").json()
    for area in areas:
        own = ref_client.get(f"/areas/{area['slug']}/tenure-mix/trajectory?{YEARS}&f=csv")
        expected += [
            {**r, "quarter_set": ""}
            for r in csv.DictReader(io.StringIO(own.text))
            if r["quarter"] == "total"
        ]
    assert len(rows) == len(areas) * 12
    assert rows == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("from=2031&to=2020", "to"),
        ("from=1999", "from"),
        ("to=abc", "to"),
        ("kind=nowhere", "kind[0]"),
        ("f=xlsx", "f"),
    ],
)
def test_bad_input(ref_client, query, parameter):
    response = ref_client.get(f"/legal-share?{query}")
    assert_problem(response, 422)
    assert parameter in {e["parameter"] for e in response.json()["errors"]}


def test_a_scenario_answers_as_each_area_does_in_it(writable_client, writable_ref):
    made = writable_client.post(
        "/scenarios",
        json={"slug": "flere-ejere", "name": "Flere ejerboliger", "base": "vedtaget"},
        headers=writable_ref.bearer("planner"),
    )
    assert made.status_code == 201, made.text
    engine = create_engine(writable_ref.url)
    with engine.begin() as c:
        sid = c.execute(text("SELECT id FROM scenario WHERE slug = 'flere-ejere'")).scalar_one()
        # In the scenario, Vollsmose's largest almene family block is sold to its owners.
        (sold,) = almen_buildings(c, 1)
        edit(c, sid)
        take_over_building(c, sid, sold)
        set_dwellings(c, sid, sold, "owner_occupied")
    engine.dispose()
    adopted = writable_client.get(f"/legal-share?{YEARS}").json()
    query = f"{YEARS}&scenario=flere-ejere"
    scenario = writable_client.get(f"/legal-share?{query}").json()
    assert scenario["areas"] != adopted["areas"]
    _assert_each_as_its_own(writable_client, scenario, query)


def test_a_recorded_time_answers_as_each_area_did_then(ref_client):
    """Before the 2023 update was recorded, every area as its own trajectory was then."""
    query = f"{YEARS}&recorded=2022-12-31"
    then = ref_client.get(f"/legal-share?{query}").json()
    now = ref_client.get(f"/legal-share?{YEARS}").json()
    assert then["areas"] != now["areas"]
    _assert_each_as_its_own(ref_client, then, query)


def test_not_modified_until_the_data_changes(writable_client, writable_ref):
    first = writable_client.get(f"/legal-share?{YEARS}")
    etag = first.headers["etag"]
    again = writable_client.get(f"/legal-share?{YEARS}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    with create_engine(writable_ref.url).begin() as c:
        c.execute(
            text(
                "UPDATE dwelling_stock SET dwellings = dwellings + 1 WHERE id = "
                "(SELECT min(id) FROM dwelling_stock)"
            )
        )
    changed = writable_client.get(f"/legal-share?{YEARS}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_one_snapshot_while_a_write_commits(writable_ref):
    """A write that commits while the answer is being computed: the answer is the data its
    ETag names, as it was before the write, not a mix of before and after."""
    url = f"/legal-share?{YEARS}"
    engine = create_engine(writable_ref.url)
    with make_client(writable_ref.url) as client:
        before = client.get(url)
        got: list = []
        with engine.connect() as writer:
            writer.begin()
            # The areas' statements wait for this lock; the data version, which the ETag
            # names, is read before them.
            writer.execute(text("LOCK TABLE derived.tenure_delta IN ACCESS EXCLUSIVE MODE"))
            reader = threading.Thread(target=lambda: got.append(client.get(url)))
            reader.start()
            deadline = time.monotonic() + 30
            while not writer.execute(
                text(
                    "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND application_name LIKE 'vollsmose[%' AND datname = current_database())"
                )
            ).scalar_one():
                assert time.monotonic() < deadline, "the read never waited for the lock"
                time.sleep(0.02)
            writer.execute(
                text(
                    "UPDATE dwelling_stock SET dwellings = dwellings + 40 WHERE id = ("
                    "SELECT min(s.id) FROM dwelling_stock s JOIN building b ON b.id ="
                    " s.building_id JOIN area a ON ST_Covers(a.boundary, b.anchor)"
                    " WHERE a.slug = 'vollsmose' AND s.tenure = 'almen_family')"
                )
            )
            writer.commit()
        reader.join(30)
        during = got[0]
        after = client.get(url)
    engine.dispose()
    assert during.status_code == 200
    assert after.json() != before.json(), "the write changed nothing the answer shows"
    assert during.headers["etag"] == before.headers["etag"]
    assert during.json() == before.json()
    assert after.headers["etag"] != before.headers["etag"]
