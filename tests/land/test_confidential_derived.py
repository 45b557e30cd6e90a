"""Facts derived from confidential sale data leak nowhere (issue 15).

Over the reference data: every offered/option/expiry/sold date, and every option holder and
buyer of a plot not yet sold, is looked for in what the public and a planner get from every
path that carries land, parcels or buildings (the sale-status histories, OGC items in every
format, the Part 4 histories, tiles, the viewer's layers and popups). Then, with writes that
commit: a status change's time reaches others as its year only (both histories), and no
write or load may make a public owner name a secret buyer.
"""

from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from gis.errors import DataError
from gis.land.confidential import check_reference
from gis.record import LOCAL, MASKED_CHANGE_MIN
from tests.support import engine_for, merge_patch, rolled_back


@pytest.fixture(scope="module")
def db(writable_ref):
    yield from engine_for(writable_ref.url)


OTHERS = ("public", "planner")


def _headers(writable_ref, reader: str) -> dict[str, str]:
    return {} if reader == "public" else writable_ref.bearer(reader)


@pytest.fixture(scope="module")
def secrets(db) -> dict:
    """Every confidential value of the reference data, as text, and the plots carrying them."""
    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.*, l.plot_label, l.sale_status FROM parcel_sale s "
                "JOIN parcel_land l USING (parcel_id)"
            )
        ).mappings()
        rows = list(rows)
    dates = {
        r[k].isoformat()
        for r in rows
        for k in ("offered_date", "option_date", "option_expires", "sold_date")
        if r[k] is not None
    }
    names = {
        r[k]
        for r in rows
        if r["sale_status"] != "sold"
        for k in ("option_holder", "buyer")
        if r[k] is not None
    }
    return {"dates": dates, "names": names, "rows": rows}


def _clean(body: str, secrets: dict, where: str) -> None:
    for d in secrets["dates"]:
        assert d not in body, (where, d)
    for n in secrets["names"]:
        assert n not in body, (where, n)


def test_the_reference_data_holds_what_is_looked_for(secrets):
    # 50 plots with sale data; the 18 under option name a holder.
    assert len(secrets["rows"]) == 50 and len(secrets["dates"]) > 10
    assert len(secrets["names"]) >= 4


@pytest.mark.parametrize("reader", OTHERS)
def test_no_sale_status_history_shows_a_date(writable_client, writable_ref, secrets, reader):
    for r in secrets["rows"]:
        got = writable_client.get(
            f"/land/parcels/{r['plot_label']}/sale-status/history",
            headers=_headers(writable_ref, reader),
        )
        assert got.status_code == 200, got.text
        _clean(got.text, secrets, r["plot_label"])
        entries = got.json()
        assert entries and all(
            set(e) == {"changed_year", "from_status", "to_status"} for e in entries
        )
        assert entries[-1]["to_status"] == r["sale_status"]


def test_the_company_sees_each_change_s_time(writable_client, writable_ref, secrets):
    sold = next(r for r in secrets["rows"] if r["sold_date"] is not None)
    got = writable_client.get(
        f"/land/parcels/{sold['plot_label']}/sale-status/history",
        headers=writable_ref.bearer("developer_company"),
    ).json()
    assert got[-1]["changed_at"].startswith(sold["sold_date"].isoformat())


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    return (
        z,
        int((lon + 180) / 360 * n),
        int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n),
    )


@pytest.mark.parametrize("reader", OTHERS)
def test_no_path_shows_a_secret_buyer_or_date(writable_client, writable_ref, db, secrets, reader):
    h = _headers(writable_ref, reader)
    paths = [
        (c, {"f": f, "limit": 1000})
        for c in ("/collections/plots/items", "/collections/parcels/items")
        for f in ("json", "csv", "html")
    ]
    paths += [("/collections/buildings/items", {"f": f, "limit": 1000}) for f in ("json", "csv")]
    paths += [("/land/sellable", {"status": "any", "f": f}) for f in ("json", "csv")]
    paths += [(f"/kort/lag/{layer}.geojson", {"year": 2026}) for layer in ("parcels", "buildings")]
    # The plan as recorded at a time (the land rows by the year, migration 0026).
    paths += [
        (c, {"recorded": "2024-06-01", "limit": 1000})
        for c in ("/collections/plots/items", "/collections/parcels/items")
    ]
    paths += [("/land/sellable", {"recorded": "2024-06-01", "status": "any"})]
    for path, params in paths:
        got = writable_client.get(path, params=params, headers=h)
        assert got.status_code in (200, 404), (path, got.text[:200])
        if params.get("f") == "html":
            # The page's own text (its form's examples) with no feature on it: a date there
            # is no plot's, but it must not appear more often with the features.
            empty = writable_client.get(path, params={**params, "bbox": "0,0,0.001,0.001"})
            for d in secrets["dates"] | secrets["names"]:
                assert got.text.count(d) == empty.text.count(d), (path, d)
            continue
        _clean(got.text, secrets, path)
    ids = [r["parcel_id"] for r in secrets["rows"]]
    with db.connect() as conn:
        buildings = conn.execute(
            text("SELECT id FROM building WHERE parcel_id = ANY(:ids)"), {"ids": ids}
        ).scalars()
        buildings = list(buildings)
        lonlat = conn.execute(
            text(
                "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326)"
                " g FROM parcel WHERE id = ANY(:ids)) x"
            ),
            {"ids": ids},
        ).all()
    for b in buildings:
        got = writable_client.get(f"/kort/bygninger/{b}.json", headers=h)
        _clean(got.text, secrets, f"popup {b}")
    for pid in ids[:: max(1, len(ids) // 12)]:
        for c in ("plots", "parcels"):
            got = writable_client.get(f"/collections/{c}/items/{pid}/history", headers=h)
            assert got.status_code == 200, got.text
            _clean(got.text, secrets, f"{c} history {pid}")
    for lon, lat in lonlat[::5]:
        z, col, row = _tile_of(lon, lat, 16)
        for c in ("/collections/plots", "/collections/parcels", "/collections/buildings", ""):
            got = writable_client.get(f"{c}/tiles/WebMercatorQuad/{z}/{col}/{row}", headers=h)
            assert got.status_code in (200, 204)
            for n in secrets["names"]:
                assert n.encode() not in got.content, (c, n)


def _change(writable_client, writable_ref, label: str, to: str) -> dict:
    now = writable_client.get(f"/land/parcels/{label}/sale-status").json()
    r = writable_client.post(
        f"/land/parcels/{label}/sale-status",
        json={"from_status": now["sale_status"], "to_status": to, "note": "Sentinel-note 4417"},
        headers=writable_ref.bearer("developer_company"),
    )
    assert r.status_code == 200, r.text
    return {**r.json(), "parcel_id": now["parcel_id"]}


def test_a_status_change_s_time_reaches_others_as_its_year(writable_client, writable_ref):
    changed = _change(writable_client, writable_ref, "17", "on_offer")
    at = dt.datetime.fromisoformat(changed["changed_at"])
    day = at.date().isoformat()
    pid = changed["parcel_id"]
    for c in ("plots", "parcels"):
        path = f"/collections/{c}/items/{pid}/history"
        full = writable_client.get(path, headers=writable_ref.bearer("admin")).json()
        mine = next(v for v in full if v["change"]["id"] == changed["change_id"])
        assert dt.datetime.fromisoformat(mine["change"]["recorded_at"]) == at
        for reader in OTHERS:
            got = writable_client.get(path, headers=_headers(writable_ref, reader))
            assert got.status_code == 200
            assert day not in got.text and "4417" not in got.text, (c, reader)
            # Its id is opaque (a place in the one sequence of changes would bound its time
            # between two public changes), and so is its version's tag.
            versions = got.json()
            assert changed["change_id"] not in [v["change"]["id"] for v in versions]
            shown = versions[-1]
            assert shown["change"]["id"] >= MASKED_CHANGE_MIN
            assert shown["version"] == f'"v{shown["change"]["id"]}"'
            assert shown["change"]["recorded_at"] is None
            assert shown["change"]["recorded_year"] == at.astimezone(LOCAL).year
            assert shown["change"]["actor"] is None and shown["change"]["note"] is None


def _owner_of(writable_client, path: str) -> tuple[str, str]:
    got = writable_client.get(path)
    return got.headers["etag"], got.json()["properties"]["owner"]


def _plot_feature(db, secrets, collection: str, status: str = "under_option"):
    plot = next(r for r in secrets["rows"] if r["sale_status"] == status)
    fid = plot["parcel_id"]
    if collection == "buildings":
        with db.connect() as conn:
            fid = conn.execute(
                text("SELECT min(id) FROM building WHERE parcel_id = :p"), {"p": fid}
            ).scalar()
    if fid is None:
        pytest.skip("no building on the plot")
    return plot, f"/collections/{collection}/items/{fid}"


@pytest.mark.parametrize("collection", ["parcels", "buildings"])
def test_no_write_makes_a_public_owner_name_the_option_holder(
    writable_client, writable_ref, db, secrets, collection
):
    """An admin (who may read the holder) is refused exactly the owner that names it."""
    plot, path = _plot_feature(db, secrets, collection)
    tag, before = _owner_of(writable_client, path)
    for spelled in (plot["option_holder"], f"  {plot['option_holder'].upper()} "):
        r = merge_patch(writable_client, writable_ref, path, "admin", tag, {"owner": spelled})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert plot["option_holder"] not in r.text and "owner" in r.text
        assert _owner_of(writable_client, path) == (tag, before)  # nothing written


@pytest.mark.parametrize("collection", ["parcels", "buildings"])
def test_a_planner_cannot_guess_the_option_holder_by_writing_owners(
    writable_client, writable_ref, db, secrets, collection
):
    """A planner may not read the holder, so the answer to any owner on a plot in a sale is
    the same refusal: the holder's name, its spelling, or any other name alike."""
    plot, path = _plot_feature(db, secrets, collection)
    tag, before = _owner_of(writable_client, path)
    answers = []
    for name in (plot["option_holder"], plot["option_holder"].upper(), "Odense Kommune"):
        r = merge_patch(writable_client, writable_ref, path, "planner", tag, {"owner": name})
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        answers.append(r.json()["detail"])
        assert _owner_of(writable_client, path) == (tag, before)  # nothing written
    assert len(set(answers)) == 1


def test_a_planner_writes_owners_where_no_sale_is_under_way(
    writable_client, writable_ref, db, secrets
):
    plot, path = _plot_feature(db, secrets, "parcels", status="sold")
    tag, _before = _owner_of(writable_client, path)
    r = merge_patch(
        writable_client, writable_ref, path, "planner", tag, {"owner": "Odense Kommune"}
    )
    assert r.status_code == 200, r.text
    assert _owner_of(writable_client, path)[1] == "Odense Kommune"


def test_the_loader_refuses_an_owner_naming_the_option_holder(db, secrets):
    plot = next(r for r in secrets["rows"] if r["sale_status"] == "under_option")
    with contextmanager(rolled_back)(db) as conn:
        check_reference(conn)  # the bundled data passes
        conn.execute(
            text("UPDATE parcel SET owner = :o WHERE id = :id"),
            {"o": plot["option_holder"], "id": plot["parcel_id"]},
        )
        with pytest.raises(DataError, match="option holder or buyer"):
            check_reference(conn)


@pytest.mark.parametrize("reader", OTHERS)
def test_a_change_of_sale_data_alone_is_not_seen_by_others_when_it_happens(
    writable_client, writable_ref, db, secrets, reader
):
    """Others may learn a change of a plot's sale data by its year only (gis.land.confidential:
    "when a plot's sale data changed"). Polled, what they are answered must not move when the
    company changes the sale data alone (a price, an option's expiry), or its moment is theirs:
    not the plot's ETag, not its history, not the ETag of a page, of the areas or of the tile it
    is on, not the sellable land."""
    _plot, path = _plot_feature(db, secrets, "plots", status="sold")
    seen = _headers(writable_ref, reader)
    lon, lat = writable_client.get(path).json()["geometry"]["coordinates"][0][0][0]
    z, col, row = _tile_of(lon, lat, 15)
    tile = f"/collections/plots/tiles/WebMercatorQuad/{z}/{col}/{row}"

    def observed():
        return (
            writable_client.get(path, headers=seen).headers["etag"],
            len(writable_client.get(f"{path}/history", headers=seen).json()),
            writable_client.get("/collections/plots/items", headers=seen).headers["etag"],
            writable_client.get("/areas", headers=seen).headers["etag"],
            # No ETag: the answer itself.
            writable_client.get("/land/sellable?status=any", headers=seen).text,
            writable_client.get(tile, headers=seen).headers["etag"],
        )

    before = observed()
    tag = writable_client.get(path, headers=writable_ref.bearer("developer_company")).headers
    price = 1_000_000 + len(reader)  # another price for each reader's run
    r = merge_patch(
        writable_client, writable_ref, path, "developer_company", tag["etag"], {"price_dkk": price}
    )
    assert r.status_code == 200, r.text
    assert observed() == before
