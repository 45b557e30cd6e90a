"""The time of a sale-status change does not follow from the plan record (issue 15).

A sale-status change is made when a plot is offered, optioned or sold: its time is the
confidential offered/option/sold date. Asked at instants ever closer together, a `recorded=`
read (or a scenario pinned at a time) would find that instant; so would a version tag (ETag,
change id) placed in the one sequence of changes between two public ones. For the public
and a planner, land data at a recorded time is the year's (migration 0026): a binary search
over the year finds its start, on every path; the company finds the instant. Other layers
are answered exactly: what the public was served at T is what `recorded=T` gives later.

The module's database gets a past year of land history written with backdated changes
(2024: a plot offered in March, optioned in September, public building edits around them)
and, in the current year, a status change between two public edits through the API.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pytest
from sqlalchemy import text

from gis.layers import LAYERS
from gis.record import LOCAL, MASKED_CHANGE_MIN
from tests.support import engine_for, make_client

OTHERS = ("public", "planner")
YEAR = 2024
YEAR_START = dt.datetime(YEAR, 1, 1, tzinfo=LOCAL)
YEAR_END = dt.datetime(YEAR + 1, 1, 1, tzinfo=LOCAL) - dt.timedelta(microseconds=1)
OFFERED = dt.datetime(YEAR, 3, 10, 12, 0, 7, tzinfo=LOCAL)
OPTIONED = dt.datetime(YEAR, 9, 20, 9, 30, 41, tzinfo=LOCAL)
# Public changes of known times around the offer (a building's name).
BEFORE = dt.datetime(YEAR, 3, 1, 10, 0, tzinfo=LOCAL)
AFTER = dt.datetime(YEAR, 4, 1, 10, 0, tzinfo=LOCAL)


@pytest.fixture(scope="module")
def db(writable_ref):
    yield from engine_for(writable_ref.url)


def _backdated(conn, at: dt.datetime, kind: str = "edit") -> int:
    return conn.execute(
        text("SELECT id FROM vm_begin_change('test', 'admin', :k, NULL, 1, :at)"),
        {"k": kind, "at": at},
    ).scalar_one()


def _sale_change(db, parcel: int, old: str, new: str, at: dt.datetime) -> int:
    with db.begin() as conn:
        change = _backdated(conn, at)
        conn.execute(
            text("UPDATE parcel_land SET sale_status = :s WHERE parcel_id = :p"),
            {"s": new, "p": parcel},
        )
        conn.execute(
            text(
                "INSERT INTO sale_status_change (parcel_id, changed_at, actor, from_status, "
                "to_status, change_id) VALUES (:p, :at, 'test', :o, :n, :c)"
            ),
            {"p": parcel, "at": at, "o": old, "n": new, "c": change},
        )
    return change


def _rename(db, building: int, at: dt.datetime) -> int:
    with db.begin() as conn:
        change = _backdated(conn, at)
        conn.execute(
            text("UPDATE building SET name = coalesce(name, '') || '.' WHERE id = :b"),
            {"b": building},
        )
    return change


@pytest.fixture(scope="module")
def plot(db) -> dict:
    """A planned plot offered and optioned in 2024, between public changes (backdated: the
    reference data's last change is of 2023)."""
    with db.connect() as conn:
        row = conn.execute(
            text(
                "SELECT l.parcel_id, l.plot_label, ST_X(g) AS lon, ST_Y(g) AS lat "
                "FROM parcel_land l JOIN parcel p ON p.id = l.parcel_id, "
                "LATERAL ST_Transform(ST_PointOnSurface(p.geom), 4326) g "
                "WHERE l.sale_status = 'planned' ORDER BY l.parcel_id LIMIT 1"
            )
        ).one()
        building = conn.execute(
            text("SELECT min(id) FROM building WHERE parcel_id IS DISTINCT FROM :p"),
            {"p": row.parcel_id},
        ).scalar_one()
    changes = {
        "before": _rename(db, building, BEFORE),
        "offered": _sale_change(db, row.parcel_id, "planned", "on_offer", OFFERED),
        "after": _rename(db, building, AFTER),
        "optioned": _sale_change(db, row.parcel_id, "on_offer", "under_option", OPTIONED),
    }
    return {**row._asdict(), "building": building, "changes": changes}


@pytest.fixture(scope="module")
def client(writable_ref):
    # One connection per pool: public and company reads of a version take turns on it.
    with make_client(writable_ref.url, db_pool_size=1) as c:
        yield c


def _headers(writable_ref, reader: str) -> dict[str, str]:
    return {} if reader == "public" else writable_ref.bearer(reader)


def _tile(lon: float, lat: float, z: int = 16) -> str:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"


def _paths(plot: dict) -> dict[str, tuple[str, dict]]:
    """Every path that shows a plot's sale status or a parcel's version at a recorded time
    (a parcels page shows neither: the same all year whatever the views do)."""
    fid = plot["parcel_id"]
    tile = _tile(plot["lon"], plot["lat"])
    return {
        "plots items": ("/collections/plots/items", {"limit": 1000}),
        "plot item": (f"/collections/plots/items/{fid}", {}),
        "parcel item": (f"/collections/parcels/items/{fid}", {}),
        "plot tile": (f"/collections/plots/tiles/WebMercatorQuad/{tile}", {}),
        "tile": (f"/tiles/WebMercatorQuad/{tile}", {"datetime": YEAR}),
        "sellable": ("/land/sellable", {"status": "any", "f": "csv"}),
        "sale status": (f"/land/parcels/{plot['plot_label']}/sale-status", {}),
    }


def _answer(client, path: str, params: dict, headers: dict) -> tuple:
    """What a reader can compare between two reads: the body (without the links, which
    name the request) and the ETag of one item."""
    got = client.get(path, params=params, headers=headers)
    assert got.status_code in (200, 204), (path, params, got.text[:300])
    body: object = got.content
    if got.headers.get("content-type", "").startswith(("application/geo+json", "application/j")):
        doc = got.json()
        if isinstance(doc, dict):
            doc.pop("links", None)
            doc.pop("timeStamp", None)
        body = doc
    etag = got.headers.get("etag") if "/items/" in path or "sale-status" in path else None
    return body, etag


def _first_as_at(read: Callable[[dt.datetime], tuple], lo: dt.datetime, hi: dt.datetime):
    """Binary search to the second: the earliest instant in [lo, hi] from which every read
    answers what `read(hi)` does (the instant of the last change before hi, as far as the
    reads can tell); `lo` if none is seen."""
    last = read(hi)
    if read(lo) == last:
        return lo
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if read(mid) == last:
            hi = mid
        else:
            lo = mid
    return hi


def _reads(client, headers: dict, path: str, params: dict, extra: dict | None = None):
    def read(at: dt.datetime) -> tuple:
        return _answer(
            client, path, {**params, **(extra or {}), "recorded": at.isoformat()}, headers
        )

    return read


@pytest.mark.parametrize("reader", OTHERS)
def test_a_binary_search_over_a_year_finds_only_the_year(client, writable_ref, plot, reader):
    h = _headers(writable_ref, reader)
    for name, (path, params) in _paths(plot).items():
        read = _reads(client, h, path, params)
        # The whole year answers as its end: the search ends at the year's start.
        found = _first_as_at(read, YEAR_START, YEAR_END)
        assert found == YEAR_START, (name, found)
        # ... and the year is what anyone may know: the year before answers otherwise.
        if name not in ("tile", "sellable", "parcel item"):
            assert read(YEAR_START - dt.timedelta(days=1)) != read(YEAR_END), name


def test_the_company_finds_the_exact_instant(client, writable_ref, plot):
    h = writable_ref.bearer("developer_company")
    # (One item and the status: the pages and tiles read the same rows, at more cost.)
    for name in ("plot item", "sale status"):
        path, params = _paths(plot)[name]
        read = _reads(client, h, path, params)
        found = _first_as_at(read, YEAR_START, YEAR_END)
        assert OPTIONED <= found < OPTIONED + dt.timedelta(seconds=2), (name, found)
        found = _first_as_at(read, YEAR_START, OPTIONED - dt.timedelta(seconds=1))
        assert OFFERED <= found < OFFERED + dt.timedelta(seconds=2), (name, found)


@pytest.mark.parametrize("reader", OTHERS)
def test_no_version_tag_bounds_a_sale_change(client, writable_ref, plot, reader):
    """Neither an item's ETag, nor the change ids and order of its history, place a sale
    change between the public changes before and after it."""
    h = _headers(writable_ref, reader)
    changes = plot["changes"]
    fid = plot["parcel_id"]
    for c in ("plots", "parcels"):
        for at in (OFFERED + dt.timedelta(days=1), YEAR_END):
            got = client.get(
                f"/collections/{c}/items/{fid}", params={"recorded": at.isoformat()}, headers=h
            )
            number = int(got.headers["etag"].strip('"').lstrip("v"))
            assert number >= MASKED_CHANGE_MIN, (c, got.headers["etag"])
        versions = client.get(f"/collections/{c}/items/{fid}/history", headers=h).json()
        ids = [v["change"]["id"] for v in versions]
        assert changes["offered"] not in ids and changes["optioned"] not in ids, ids
        of_year = [v for v in versions[:-1] if (v["change"].get("recorded_year") == YEAR)]
        assert len(of_year) >= 1
        for v in of_year:
            assert v["change"]["recorded_at"] is None and v["change"]["id"] >= MASKED_CHANGE_MIN
            assert str(v["change"]["id"]) in v["version"]
            # Each version shows the plot as at the end of its year.
            if c == "plots":
                assert v["feature"]["properties"]["sale_status"] == "under_option"
        # Within its year a masked version comes before every public one.
        seen_public = set()
        for v in versions[:-1]:
            change = v["change"]
            year = change.get("recorded_year") or int(change["recorded_at"][:4])
            if change["recorded_at"] is None:
                assert year not in seen_public, ids
            else:
                seen_public.add(year)


def test_a_scenario_pinned_within_the_year_shows_the_year(client, writable_ref, plot):
    r = client.post(
        "/scenarios",
        json={
            "slug": "laast-2024",
            "name": "Låst midt i 2024",
            "base": "vedtaget",
            "base_recorded": (OFFERED + dt.timedelta(days=30)).isoformat(),
        },
        headers=writable_ref.bearer("planner"),
    )
    assert r.status_code == 201, r.text
    path = f"/collections/plots/items/{plot['parcel_id']}"
    status = {}
    for reader in ("public", "planner", "developer_company"):
        got = client.get(
            path, params={"scenario": "laast-2024"}, headers=_headers(writable_ref, reader)
        )
        assert got.status_code == 200, got.text
        status[reader] = got.json()["properties"]["sale_status"]
    assert status == {
        "public": "under_option",
        "planner": "under_option",
        "developer_company": "on_offer",
    }


def _change(client, writable_ref, label: str, to: str) -> dict:
    company = writable_ref.bearer("developer_company")
    now = client.get(f"/land/parcels/{label}/sale-status", headers=company)
    r = client.post(
        f"/land/parcels/{label}/sale-status",
        json={"from_status": now.json()["sale_status"], "to_status": to},
        headers={**company, "If-Match": now.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _patch_building(client, writable_ref, building: int, name: str) -> str:
    planner = writable_ref.bearer("planner")
    got = client.get(f"/collections/buildings/items/{building}", headers=planner)
    r = client.patch(
        f"/collections/buildings/items/{building}",
        json={"properties": {"name": name}},
        headers={
            **planner,
            "If-Match": got.headers["etag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert r.status_code == 200, r.text
    return r.headers["etag"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _non_land(client, h: dict, at: dt.datetime | None) -> dict:
    out = {}
    params = {} if at is None else {"recorded": at.isoformat()}
    for lid in LAYERS:
        if lid in ("plots", "parcels"):
            continue
        out[lid] = _answer(client, f"/collections/{lid}/items", {"limit": 10000, **params}, h)
    return out


def test_this_year_s_change_between_two_public_ones(client, writable_ref, plot):
    """A sale change made now, between two public edits: the public's recorded reads in the
    current year are the plan now; the company's find the change; every other layer is
    answered at T as it was served at T."""
    building = plot["building"]
    with_tag = _patch_building(client, writable_ref, building, "Før salget")
    served_at = {}
    for reader in OTHERS:
        served_at[reader] = _non_land(client, _headers(writable_ref, reader), None)
    t_served = _now()
    before = _now()
    label = next(
        r["properties"]["plot_label"]
        for r in client.get("/collections/plots/items", params={"limit": 1000}).json()["features"]
        if r["properties"]["sale_status"] == "planned"
    )
    changed = _change(client, writable_ref, label, "on_offer")
    after = _now()
    later_tag = _patch_building(client, writable_ref, building, "Efter salget")
    assert with_tag != later_tag
    pid = changed["parcel_id"]
    at = dt.datetime.fromisoformat(changed["changed_at"])
    for reader in OTHERS:
        h = _headers(writable_ref, reader)
        # Every non-land layer as served then.
        assert _non_land(client, h, t_served) == served_at[reader], reader
        for path in (
            f"/collections/plots/items/{pid}",
            "/collections/plots/items",
            f"/land/parcels/{label}/sale-status",
        ):
            read = _reads(client, h, path, {})
            assert read(before) == read(after) == read(_now()), (reader, path)
            body, etag = read(before)
            assert etag is None or int(etag.strip('"').lstrip("v")) >= MASKED_CHANGE_MIN
        got = client.get(f"/land/parcels/{label}/sale-status", headers=h)
        assert int(got.headers["etag"].strip('"').lstrip("v")) >= MASKED_CHANGE_MIN
    company = writable_ref.bearer("developer_company")
    read = _reads(client, company, f"/collections/plots/items/{pid}", {})
    assert read(before) != read(after)
    assert before <= _first_as_at(read, before, after) <= at + dt.timedelta(seconds=1)


def test_a_pooled_connection_gives_each_reader_their_own_answer(client, writable_ref, plot):
    """The read engine keeps a version's settings on its connection between requests (one
    connection here): the public's and the company's reads of one version take turns."""
    path = f"/collections/plots/items/{plot['parcel_id']}"
    at = {"recorded": (OFFERED + dt.timedelta(days=1)).isoformat()}
    company = writable_ref.bearer("developer_company")
    for _ in range(3):
        pub = client.get(path, params=at).json()["properties"]["sale_status"]
        com = client.get(path, params=at, headers=company).json()["properties"]["sale_status"]
        assert (pub, com) == ("under_option", "on_offer")


def test_a_planner_edits_a_parcel_from_a_version_it_read(client, writable_ref, plot):
    """The opaque tag a planner reads a parcel's version by (a scenario's, here) names that
    version in a write, as the change id's does."""
    planner = writable_ref.bearer("planner")
    r = client.post("/scenarios", json={"slug": "maskeret", "name": "Maskeret"}, headers=planner)
    assert r.status_code == 201, r.text
    path = f"/collections/parcels/items/{plot['parcel_id']}"
    got = client.get(path, params={"scenario": "maskeret"}, headers=planner)
    assert int(got.headers["etag"].strip('"').split("v")[-1]) >= MASKED_CHANGE_MIN
    r = client.patch(
        path,
        params={"scenario": "maskeret"},
        json={"properties": {"planned_use": "housing"}},
        headers={
            **planner,
            "If-Match": got.headers["etag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert r.status_code == 200, r.text


def _number(tag: str) -> int:
    return int(tag.strip('"').split("v")[-1])


def test_the_plan_now_tags_a_parcel_opaquely_for_others(client, writable_ref, plot):
    """The adopted plan as it stands: the public and a planner get a parcel's version as an
    opaque tag, the company its change; a planner's stale tag is a 412 naming the opaque
    one, with which the write then goes through."""
    fid = plot["parcel_id"]
    planner = writable_ref.bearer("planner")
    company = writable_ref.bearer("developer_company")
    for c in ("plots", "parcels"):
        path = f"/collections/{c}/items/{fid}"
        assert _number(client.get(path).headers["etag"]) >= MASKED_CHANGE_MIN, c
        assert _number(client.get(path, headers=planner).headers["etag"]) >= MASKED_CHANGE_MIN
        assert _number(client.get(path, headers=company).headers["etag"]) < MASKED_CHANGE_MIN
    path = f"/collections/parcels/items/{fid}"
    patch = {"Content-Type": "application/merge-patch+json"}
    body = {"properties": {"planned_use": "mixed"}}
    stale = client.patch(path, json=body, headers={**planner, **patch, "If-Match": '"v1"'})
    assert stale.status_code == 412, stale.text
    shown = client.get(path, headers=planner).headers["etag"]
    assert shown in stale.json()["detail"] and _number(shown) >= MASKED_CHANGE_MIN
    r = client.patch(path, json=body, headers={**planner, **patch, "If-Match": shown})
    assert r.status_code == 200, r.text
