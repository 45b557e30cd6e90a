"""No lost update: a building's life (`PATCH /buildings/{id}/life`, If-Match required), a
parcel's sale status (`POST /land/parcels/{key}/sale-status`, the status it leaves named,
If-Match honoured) and an item of OGC API – Features Part 4 (`PATCH
/collections/buildings/items/{id}`, merge patch, If-Match required). The preconditions one by
one in process, a write to a scenario, then 8 real concurrent clients against a real server
doing read-modify-write: every successful write counted in the result, and a history whose
chain never breaks in the order it is served (each sale-status entry leaves what the one before
set; each item version was written on top of the version served before it)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from gis.models.land import SALE_STATUSES
from tests.support import opaque

EDITORS = 8
WRITES_EACH = 5  # successful writes per editor: 40 in all, within the plan's years


@pytest.fixture(scope="module")
def db(writable_ref) -> Iterator[Engine]:
    engine = create_engine(writable_ref.url)
    yield engine
    engine.dispose()


def _buildings(db: Engine, n: int) -> list[int]:
    """`n` buildings with dwellings whose life has no built or demolished year: their
    renovation years can move freely in 2000-2060."""
    with db.connect() as c:
        return list(
            c.execute(
                text(
                    "SELECT id FROM building b WHERE built_year IS NULL"
                    " AND demolished_year IS NULL"
                    " AND EXISTS (SELECT 1 FROM dwelling_stock d WHERE d.building_id = b.id)"
                    " ORDER BY id LIMIT :n"
                ),
                {"n": n},
            ).scalars()
        )


# One building per test that writes, so the module's committed writes never meet.
@pytest.fixture(scope="module")
def buildings(db) -> list[int]:
    return _buildings(db, 8)


def _life(client, building: int, **params) -> httpx.Response:
    r = client.get(f"/buildings/{building}/life", params=params)
    assert r.status_code == 200, r.text
    return r


def _scalar(db: Engine, sql: str, **params):
    with db.connect() as c:
        return c.execute(text(sql), params).scalar_one()


# -- the preconditions, in process --------------------------------------------------------------
def test_a_patch_without_if_match_is_428_and_writes_nothing(
    writable_client, writable_ref, db, buildings
):
    building = buildings[0]
    before = _life(writable_client, building).json()
    changes = _scalar(db, "SELECT count(*) FROM plan_change")
    r = writable_client.patch(
        f"/buildings/{building}/life",
        json={"renovation_end_year": 2040},
        headers=writable_ref.bearer("planner"),
    )
    assert r.status_code == 428, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "If-Match" in r.json()["detail"]
    assert _life(writable_client, building).json() == before
    assert _scalar(db, "SELECT count(*) FROM plan_change") == changes


def test_a_stale_if_match_is_412_with_the_current_etag_and_writes_nothing(
    writable_client, writable_ref, db, buildings
):
    building = buildings[0]
    url = f"/buildings/{building}/life"
    read = _life(writable_client, building)
    tag, life = read.headers["etag"], read.json()
    assert tag.startswith('"v') and read.headers["cache-control"] == "no-cache"
    headers = {**writable_ref.bearer("planner"), "If-Match": tag}
    first = writable_client.patch(url, json={"renovation_end_year": 2041}, headers=headers)
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != tag
    assert first.headers["etag"] == _life(writable_client, building).headers["etag"]

    # A colleague still holding the first read sends it: 412, told the version now.
    versions = _scalar(db, "SELECT count(*) FROM building_version WHERE id = :id", id=building)
    stale = writable_client.patch(url, json={"renovation_end_year": 2050}, headers=headers)
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.headers["etag"] == first.headers["etag"]
    now = _life(writable_client, building).json()
    assert now == {**life, "renovation_end_year": 2041}
    assert (
        _scalar(db, "SELECT count(*) FROM building_version WHERE id = :id", id=building) == versions
    )
    # `*` matches any version; a list matches if one of its tags does.
    star = {**headers, "If-Match": "*"}
    assert writable_client.patch(url, json={"renovation_end_year": 2042}, headers=star).is_success
    listed = {**headers, "If-Match": f'"v1", {_life(writable_client, building).headers["etag"]}'}
    assert writable_client.patch(url, json={"renovation_end_year": 2043}, headers=listed).is_success


def test_the_etag_moves_when_the_buildings_dwellings_change(
    writable_client, writable_ref, db, buildings
):
    building = buildings[1]
    tag = _life(writable_client, building).headers["etag"]
    with db.begin() as c:
        c.execute(
            text("UPDATE dwelling_stock SET dwellings = dwellings + 1 WHERE building_id = :id"),
            {"id": building},
        )
    assert _life(writable_client, building).headers["etag"] != tag
    r = writable_client.patch(
        f"/buildings/{building}/life",
        json={"renovation_end_year": 2040},
        headers={**writable_ref.bearer("planner"), "If-Match": tag},
    )
    assert r.status_code == 412


def test_a_write_is_audited_with_who_why_and_the_version_it_made(
    writable_client, writable_ref, db, buildings
):
    building = buildings[1]
    tag = _life(writable_client, building).headers["etag"]
    r = writable_client.patch(
        f"/buildings/{building}/life",
        params={"note": "query note, overridden by the body's"},
        json={"renovation_end_year": 2039, "note": "udskudt et år"},
        headers={**writable_ref.bearer("planner"), "If-Match": tag},
    )
    assert r.status_code == 200, r.text
    with db.connect() as c:
        change = c.execute(
            text(
                "SELECT c.actor, c.role, c.kind, c.note, c.scenario_id, b.renovation_end_year"
                " FROM building b JOIN plan_change c ON c.id = b.change_id WHERE b.id = :id"
            ),
            {"id": building},
        ).one()
        old = c.execute(
            text(
                "SELECT count(*) FROM building_version v JOIN plan_change c"
                " ON c.id = v.superseded_by WHERE v.id = :id AND c.note = 'udskudt et år'"
            ),
            {"id": building},
        ).scalar_one()
    assert tuple(change) == ("planner-writer", "planner", "edit", "udskudt et år", 1, 2039)
    assert old == 1  # the state before, kept under the change that superseded it
    # A planner is shown the change opaque (its real id is a place in the one sequence).
    assert r.headers["etag"] == f'"v{opaque(db, _scalar(db, "SELECT max(id) FROM plan_change"))}"'


def test_a_conditional_get_of_the_same_version_is_304(writable_client, buildings):
    tag = _life(writable_client, buildings[2]).headers["etag"]
    r = writable_client.get(f"/buildings/{buildings[2]}/life", headers={"If-None-Match": tag})
    assert r.status_code == 304 and r.headers["etag"] == tag


def test_years_out_of_order_after_the_lock_are_422_and_write_nothing(
    writable_client, writable_ref, buildings
):
    building = buildings[2]
    read = _life(writable_client, building)
    start = read.json()["renovation_start_year"]
    r = writable_client.patch(
        f"/buildings/{building}/life",
        json={"renovation_end_year": start - 1},
        headers={**writable_ref.bearer("planner"), "If-Match": read.headers["etag"]},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["parameter"] == "renovation_end_year"
    assert _life(writable_client, building).headers["etag"] == read.headers["etag"]


def test_the_life_as_recorded_before_a_write_is_the_one_served_then(
    writable_client, writable_ref, db, buildings
):
    building = buildings[5]
    served = _life(writable_client, building)
    r = writable_client.patch(
        f"/buildings/{building}/life",
        json={"renovation_end_year": 2038},
        headers={**writable_ref.bearer("planner"), "If-Match": served.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    at = _scalar(db, "SELECT max(recorded_at) FROM plan_change") - dt.timedelta(microseconds=1)
    then = _life(writable_client, building, recorded=at.isoformat())
    assert then.json() == served.json() and then.headers["etag"] == served.headers["etag"]
    assert _life(writable_client, building).json()["renovation_end_year"] == 2038


# -- a scenario -------------------------------------------------------------------------------
def test_a_write_to_a_scenario_copies_the_building_and_its_dwellings_and_leaves_the_plan(
    writable_client, writable_ref, db, buildings
):
    building = buildings[3]
    with db.begin() as c:
        c.execute(text("INSERT INTO scenario (slug, name) VALUES ('livstid', 'Livstid')"))
    adopted = _life(writable_client, building)
    read = _life(writable_client, building, scenario="livstid")
    assert read.json() == adopted.json()
    assert read.headers["etag"].startswith('"livstid.v')
    url = f"/buildings/{building}/life"
    headers = {**writable_ref.bearer("planner"), "If-Match": read.headers["etag"]}
    # The adopted plan's ETag names another version: not a tag of the scenario's building.
    wrong = {**headers, "If-Match": adopted.headers["etag"]}
    body = {"renovation_end_year": 2044}
    assert (
        writable_client.patch(
            url, params={"scenario": "livstid"}, json=body, headers=wrong
        ).status_code
        == 412
    )

    r = writable_client.patch(url, params={"scenario": "livstid"}, json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["renovation_end_year"] == 2044
    mine = _life(writable_client, building, scenario="livstid")
    assert mine.json()["renovation_end_year"] == 2044 and mine.headers["etag"] == r.headers["etag"]
    assert _life(writable_client, building).json() == adopted.json()  # the plan is untouched
    assert _life(writable_client, building).headers["etag"] == adopted.headers["etag"]
    sid = _scalar(db, "SELECT id FROM scenario WHERE slug = 'livstid'")
    dwellings = "SELECT count(*), sum(dwellings) FROM {} WHERE building_id = :id {}"
    with db.connect() as c:
        base = c.execute(text(dwellings.format("dwelling_stock", "")), {"id": building}).one()
        copied = c.execute(
            text(dwellings.format("dwelling_stock_version", "AND scenario_id = :s")),
            {"id": building, "s": sid},
        ).one()
        change = c.execute(
            text("SELECT scenario_id FROM plan_change WHERE id = (SELECT max(id) FROM plan_change)")
        ).scalar_one()
    assert tuple(copied) == tuple(base) and base[0] > 0
    assert change == sid

    # A later edit in the scenario keeps the state before as the scenario's history.
    again = {**headers, "If-Match": r.headers["etag"]}
    body = {"renovation_end_year": 2045}
    r2 = writable_client.patch(url, params={"scenario": "livstid"}, json=body, headers=again)
    assert r2.status_code == 200, r2.text
    kept = _scalar(
        db,
        "SELECT count(*) FROM building_version WHERE scenario_id = :s AND id = :id"
        " AND recorded_to < 'infinity' AND renovation_end_year = 2044",
        s=sid,
        id=building,
    )
    assert kept == 1
    assert (
        _scalar(
            db,
            "SELECT count(*) FROM dwelling_stock_version WHERE scenario_id = :s"
            " AND building_id = :id",
            s=sid,
            id=building,
        )
        == base[0]
    )  # copied once, not again


def test_a_write_to_a_recorded_time_is_refused(writable_client, writable_ref, buildings):
    r = writable_client.patch(
        f"/buildings/{buildings[3]}/life",
        params={"recorded": "2021-03-01"},
        json={"renovation_end_year": 2040},
        headers={**writable_ref.bearer("planner"), "If-Match": "*"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "recorded"


def test_an_unknown_scenario_is_404(writable_client, writable_ref, buildings):
    r = writable_client.patch(
        f"/buildings/{buildings[3]}/life",
        params={"scenario": "findes-ikke"},
        json={"renovation_end_year": 2040},
        headers={**writable_ref.bearer("planner"), "If-Match": "*"},
    )
    assert r.status_code == 404


# -- 8 concurrent editors against a real server ---------------------------------------------
def _editors(work: Callable[[httpx.Client, int], None]) -> None:
    """Runs `work(client, n)` in EDITORS threads at once, each with its own HTTP client;
    re-raises the first failure."""
    start = threading.Barrier(EDITORS)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            with httpx.Client(timeout=30) as client:
                start.wait()
                work(client, n)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(EDITORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


def test_eight_concurrent_editors_of_one_building_lose_no_update(
    writable_server, writable_ref, db, buildings
):
    building = buildings[4]
    url = f"{writable_server.url}/buildings/{building}/life"
    auth = writable_ref.bearer("planner")
    with httpx.Client() as client:
        read = client.get(url)
        r = client.patch(
            url,
            json={"renovation_start_year": 2000, "renovation_end_year": 2000},
            headers={**auth, "If-Match": read.headers["etag"]},
        )
        assert r.status_code == 200, r.text
    first_change = _scalar(db, "SELECT max(id) FROM plan_change")
    outcomes: Counter[str] = Counter()
    written: list[int] = []
    lock = threading.Lock()

    def edit(client: httpx.Client, n: int) -> None:
        done = 0
        while done < WRITES_EACH:
            got = client.get(url)
            assert got.status_code == 200, got.text
            year = got.json()["renovation_end_year"]
            r = client.patch(
                url,
                json={"renovation_end_year": year + 1},
                headers={**auth, "If-Match": got.headers["etag"]},
            )
            assert r.status_code in (200, 412), r.text
            with lock:
                outcomes[r.status_code] += 1
                if r.status_code == 200:
                    written.append(r.json()["renovation_end_year"])
            done += r.status_code == 200

    _editors(edit)
    successes = outcomes[200]
    assert successes == EDITORS * WRITES_EACH
    assert outcomes[412] > 0  # editors did collide, and were told so
    with httpx.Client() as client:
        final = client.get(url).json()["renovation_end_year"]
    assert final == 2000 + successes  # every successful write counted: 0 lost updates
    assert sorted(written) == list(range(2001, 2001 + successes))
    # The database's own history agrees: one superseded version per successful write, each
    # under a change of its own.
    superseded = _scalar(
        db,
        "SELECT count(DISTINCT superseded_by) FROM building_version"
        " WHERE id = :id AND scenario_id = 1 AND superseded_by > :c",
        id=building,
        c=first_change,
    )
    assert superseded == successes


def _cycle(status: str) -> str:
    return SALE_STATUSES[(SALE_STATUSES.index(status) + 1) % len(SALE_STATUSES)]


def test_eight_concurrent_sale_status_editors_keep_an_unbroken_history(
    writable_server, writable_ref, db
):
    key = "12"
    base = f"{writable_server.url}/land/parcels/{key}/sale-status"
    admin = writable_ref.bearer("admin")
    company = writable_ref.bearer("developer_company")
    with httpx.Client() as client:
        earlier = len(client.get(f"{base}/history", headers=admin).json())
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def edit(client: httpx.Client, n: int) -> None:
        done = tries = 0
        while done < WRITES_EACH:
            # Bounded: a tag the write never takes would otherwise loop for ever.
            tries += 1
            assert tries <= 50 * WRITES_EACH, f"editor {n}: {done} writes in {tries} tries"
            got = client.get(base)
            assert got.status_code == 200, got.text
            status = got.json()["sale_status"]
            headers = dict(company)
            if n % 2:  # half the editors also send the plot's version
                headers["If-Match"] = got.headers["etag"]
            body = {"from_status": status, "to_status": _cycle(status), "note": f"editor {n}"}
            r = client.post(base, json=body, headers=headers)
            assert r.status_code in (200, 412), r.text
            with lock:
                outcomes[r.status_code] += 1
            done += r.status_code == 200

    _editors(edit)
    assert outcomes[200] == EDITORS * WRITES_EACH
    assert outcomes[412] > 0
    with httpx.Client() as client:
        history = client.get(f"{base}/history", headers=admin).json()
        public = client.get(f"{base}/history").json()
        now = client.get(base).json()["sale_status"]
    assert len(history) == earlier + outcomes[200]
    breaks = [
        (i, a["to_status"], b["from_status"])
        for i, (a, b) in enumerate(zip(history, history[1:], strict=False), start=1)
        if b["from_status"] != a["to_status"]
    ]
    assert breaks == []  # in the order served, each entry leaves what the one before set
    assert history[-1]["to_status"] == now
    times = [dt.datetime.fromisoformat(e["changed_at"]) for e in history]
    assert times == sorted(times)
    assert [(e["from_status"], e["to_status"]) for e in public] == [
        (e["from_status"], e["to_status"]) for e in history
    ]
    assert Counter(e["note"] for e in history[earlier:]) == {
        f"editor {n}": WRITES_EACH for n in range(EDITORS)
    }


# -- 8 concurrent Part 4 editors of one item --------------------------------------------------
MERGE = "application/merge-patch+json"


class ItemRun:
    """What the editors of one item did: each successful write's If-Match (the version it
    was made on) by the ETag it answered, the values written, the outcomes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: Counter[int] = Counter()
        self.based_on: dict[str, str] = {}
        self.written: list[int] = []


def _storeys_editors(url: str, params: dict, auth: dict) -> ItemRun:
    """EDITORS clients at once, each doing GET (ETag), then PATCH `storeys` + 1 with that
    ETag in If-Match, until WRITES_EACH of its PATCHes succeeded, reading again after a 412."""
    run = ItemRun()

    def edit(client: httpx.Client, n: int) -> None:
        done = 0
        while done < WRITES_EACH:
            got = client.get(url, params=params)
            assert got.status_code == 200, got.text
            tag = got.headers["etag"]
            storeys = got.json()["properties"]["storeys"]
            r = client.patch(
                url,
                params=params,
                content=json.dumps({"properties": {"storeys": storeys + 1}}),
                headers={**auth, "Content-Type": MERGE, "If-Match": tag},
            )
            assert r.status_code in (200, 412), r.text
            if r.status_code == 412:
                assert r.headers["content-type"].startswith("application/problem+json")
            with run.lock:
                run.outcomes[r.status_code] += 1
                if r.status_code == 200:
                    assert r.headers["etag"] not in run.based_on  # one version per write
                    run.based_on[r.headers["etag"]] = tag
                    run.written.append(r.json()["properties"]["storeys"])
            done += r.status_code == 200

    _editors(edit)
    return run


def _start_at_zero(url: str, params: dict, auth: dict) -> str:
    """Sets the building's storeys to 0; its ETag then."""
    with httpx.Client() as client:
        got = client.get(url, params=params)
        r = client.patch(
            url,
            params=params,
            content=json.dumps({"properties": {"storeys": 0}}),
            headers={**auth, "Content-Type": MERGE, "If-Match": got.headers["etag"]},
        )
        assert r.status_code == 200, r.text
        return r.headers["etag"]


def _check_no_lost_item_update(url: str, params: dict, start: str, run: ItemRun, kind: str):
    successes = run.outcomes[200]
    assert successes == EDITORS * WRITES_EACH
    assert run.outcomes[412] > 0  # editors did collide, and were told so
    with httpx.Client() as client:
        final = client.get(url, params=params)
        history = client.get(f"{url}/history", params=params).json()
    assert final.json()["properties"]["storeys"] == successes  # 0 lost updates
    assert sorted(run.written) == list(range(1, successes + 1))
    # The served history, oldest first: the start, then one version per successful write,
    # each made on the version served just before it, each one more storey.
    tags = [v["version"] for v in history]
    after = history[tags.index(start) :]
    assert len(after) == 1 + successes
    assert after[-1]["version"] == final.headers["etag"]
    breaks = [
        (i, prev["version"], run.based_on.get(this["version"]))
        for i, (prev, this) in enumerate(zip(after, after[1:], strict=False), start=1)
        if run.based_on.get(this["version"]) != prev["version"]
        or this["feature"]["properties"]["storeys"] != prev["feature"]["properties"]["storeys"] + 1
    ]
    assert breaks == []
    assert {v["scenario"] for v in after} == {kind}
    assert {(v["change"]["kind"], v["change"]["actor"]) for v in after} == {
        ("edit", "planner-writer")
    }
    stamps = [v["change"]["recorded_at"] for v in after]
    assert stamps == sorted(stamps)


def test_eight_concurrent_part_4_editors_of_one_building_lose_no_update(
    writable_server, writable_ref, db, buildings
):
    building = buildings[6]
    url = f"{writable_server.url}/collections/buildings/items/{building}"
    auth = writable_ref.bearer("planner")
    start = _start_at_zero(url, {}, auth)
    first_change = _scalar(db, "SELECT max(id) FROM plan_change")
    run = _storeys_editors(url, {}, auth)
    _check_no_lost_item_update(url, {}, start, run, "vedtaget")
    # The database's own history agrees: one superseded version per successful write.
    superseded = _scalar(
        db,
        "SELECT count(DISTINCT superseded_by) FROM building_version"
        " WHERE id = :id AND scenario_id = 1 AND superseded_by > :c",
        id=building,
        c=first_change,
    )
    assert superseded == run.outcomes[200]


def test_eight_concurrent_part_4_editors_in_a_scenario_lose_no_update_and_leave_vedtaget(
    writable_server, writable_ref, db, buildings
):
    building = buildings[7]
    url = f"{writable_server.url}/collections/buildings/items/{building}"
    auth = writable_ref.bearer("planner")
    with httpx.Client() as client:
        made = client.post(
            f"{writable_server.url}/scenarios",
            json={"slug": "samtidige", "name": "Samtidige redaktører", "base": "vedtaget"},
            headers=auth,
        )
        assert made.status_code == 201, made.text
        adopted = client.get(url)
    adopted_versions = "SELECT count(*) FROM building_version WHERE id = :id AND scenario_id = 1"
    kept = _scalar(db, adopted_versions, id=building)
    params = {"scenario": "samtidige"}
    start = _start_at_zero(url, params, auth)
    assert start.startswith('"samtidige.v')
    run = _storeys_editors(url, params, auth)
    _check_no_lost_item_update(url, params, start, run, "samtidige")
    with httpx.Client() as client:
        now = client.get(url)
    assert now.json() == adopted.json() and now.headers["etag"] == adopted.headers["etag"]
    sid = _scalar(db, "SELECT id FROM scenario WHERE slug = 'samtidige'")
    # Each write is a row of the scenario's own: the start and one per successful write.
    rows = _scalar(
        db,
        "SELECT count(*) FROM building_version WHERE id = :id AND scenario_id = :s",
        id=building,
        s=sid,
    )
    assert rows == 1 + run.outcomes[200]
    assert _scalar(db, adopted_versions, id=building) == kept  # vedtaget's never superseded


def test_a_write_is_committed_before_its_answer_is_sent(
    writable_server, writable_ref, db, buildings
):
    """Read your own write: the moment a client has its 200, the change is in the database
    for every other connection. A commit made slow on purpose (a deferred trigger that
    sleeps at commit) shows the order: committed after the answer, the read below would
    still see the old value."""
    building = buildings[7]
    url = f"{writable_server.url}/collections/buildings/items/{building}"
    with db.begin() as c:
        c.execute(
            text(
                "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$"
            )
        )
        c.execute(
            text(
                "CREATE CONSTRAINT TRIGGER slow_commit AFTER UPDATE ON building "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()"
            )
        )
    try:
        with httpx.Client(timeout=30) as client:
            got = client.get(url)
            storeys = (got.json()["properties"]["storeys"] or 0) + 7
            r = client.patch(
                url,
                content=json.dumps({"properties": {"storeys": storeys}}),
                headers={
                    **writable_ref.bearer("planner"),
                    "Content-Type": MERGE,
                    "If-Match": got.headers["etag"],
                },
            )
            assert r.status_code == 200, r.text
            seen = _scalar(db, "SELECT storeys FROM building WHERE id = :id", id=building)
        assert seen == storeys
    finally:
        with db.begin() as c:
            c.execute(text("DROP TRIGGER slow_commit ON building"))
            c.execute(text("DROP FUNCTION slow_commit()"))
