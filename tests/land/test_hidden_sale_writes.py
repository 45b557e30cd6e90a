"""A planner's writes neither depend on nor destroy the sale data they cannot see.

Found by an audit at 2026-12-03: restoring a plot's version answered a planner 403 naming
the sale field the land company had changed since ("may not change 'price_dkk'"); deleting a
plot answered 403 where it held any sale data and 204 where it held none; deleting it as a
parcel (`/collections/parcels`) took its sale data with it. Now a restore leaves the sale
data as it is for a reader who may not read it, and removing a plot, in either collection,
needs the right to edit sale data whatever it holds. Over the reference data, writes
committed per module.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support import engine_for, merge_patch

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def db(writable_ref):
    yield from engine_for(writable_ref.url)


def _plots(db, *, with_sale: bool, n: int = 1) -> list[int]:
    join = "JOIN" if with_sale else "LEFT JOIN"
    where = "" if with_sale else " WHERE s.parcel_id IS NULL"
    with db.connect() as c:
        return list(
            c.execute(
                text(
                    f"SELECT l.parcel_id FROM parcel_land l {join} parcel_sale s"
                    f" USING (parcel_id){where} ORDER BY 1 LIMIT :n"
                ),
                {"n": n},
            ).scalars()
        )


def _read(client, writable_ref, path: str, role: str | None = None):
    r = client.get(path, headers={} if role is None else writable_ref.bearer(role))
    assert r.status_code == 200, r.text
    return r.json(), r.headers["etag"]


def _sale(db, plot: int):
    with db.connect() as c:
        return c.execute(
            text("SELECT price_dkk, option_holder FROM parcel_sale WHERE parcel_id = :p"),
            {"p": plot},
        ).first()


def test_a_planner_s_restore_keeps_the_sale_data_and_is_not_refused_by_it(
    writable_client, writable_ref, db
):
    (plot,) = _plots(db, with_sale=True)
    path = f"/collections/plots/items/{plot}"
    planner = writable_ref.bearer("planner")
    feature, tag = _read(writable_client, writable_ref, path, "planner")
    dwellings = feature["properties"]["expected_dwellings"] or 0
    edit = merge_patch(
        writable_client, writable_ref, path, "planner", tag, {"expected_dwellings": dwellings + 7}
    )
    assert edit.status_code == 200, edit.text
    _, company = _read(writable_client, writable_ref, path, "developer_company")
    sale = merge_patch(
        writable_client, writable_ref, path, "developer_company", company, {"price_dkk": 9_876_000}
    )
    assert sale.status_code == 200, sale.text
    public_before = _read(writable_client, writable_ref, path)

    versions = writable_client.get(f"{path}/history", headers=planner).json()
    # The version of the planner's own edit: its public parts are the plot's now, so a
    # restore of it changes nothing, whatever the sale data held then.
    same = writable_client.post(
        f"{path}/history/{versions[-1]['change']['id']}/restore",
        headers={**planner, "If-Match": edit.headers["etag"]},
    )
    assert same.status_code == 200, same.text
    assert _read(writable_client, writable_ref, path) == public_before
    # The version before it: its public parts come back; the sale data stays the company's.
    back = writable_client.post(
        f"{path}/history/{versions[-2]['change']['id']}/restore",
        headers={**planner, "If-Match": edit.headers["etag"]},
    )
    assert back.status_code == 200, back.text
    assert (
        back.json()["properties"]["expected_dwellings"]
        == feature["properties"]["expected_dwellings"]
    )
    assert "price_dkk" not in back.json()["properties"]
    assert _sale(db, plot).price_dkk == 9_876_000


@pytest.mark.parametrize("collection", ["plots", "parcels"])
def test_no_planner_removes_a_plot_and_the_refusal_does_not_depend_on_its_sale_data(
    writable_client, writable_ref, db, collection
):
    sold = _plots(db, with_sale=True, n=2)[-1]
    bare = _plots(db, with_sale=False, n=2)[-1 if collection == "plots" else 0]
    planner = writable_ref.bearer("planner")
    answers = []
    for plot in (sold, bare):
        path = f"/collections/{collection}/items/{plot}"
        _, tag = _read(writable_client, writable_ref, path, "planner")
        r = writable_client.delete(path, headers={**planner, "If-Match": tag})
        assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM), r.text
        answers.append(r.json()["detail"])
        _read(writable_client, writable_ref, path)  # still there
    assert answers[0] == answers[1]
    assert _sale(db, sold) is not None
    # An admin removes it, its sale data with it.
    path = f"/collections/{collection}/items/{sold}"
    _, tag = _read(writable_client, writable_ref, path, "admin")
    r = writable_client.delete(path, headers={**writable_ref.bearer("admin"), "If-Match": tag})
    assert r.status_code == 204, r.text
    assert _sale(db, sold) is None


def _plot_in(db, status: str, *, holder: bool | None = None) -> tuple[int, str]:
    """A plot with the public status, (with or without an option holder recorded), and its
    plot label."""
    cond = {None: "", True: " AND s.option_holder IS NOT NULL", False: " AND s.parcel_id IS NULL"}
    with db.connect() as c:
        row = c.execute(
            text(
                "SELECT l.parcel_id, l.plot_label FROM parcel_land l LEFT JOIN parcel_sale s"
                f" USING (parcel_id) WHERE l.sale_status = :st{cond[holder]} ORDER BY 1 LIMIT 1"
            ),
            {"st": status},
        ).one()
    return row.parcel_id, row.plot_label


def test_a_party_is_recorded_only_on_a_plot_in_a_sale(writable_client, writable_ref, db):
    """Whether a plot is in a sale is public: a planner's owner write is refused there
    (gis.land.confidential.check_owner_writer), so a party recorded on a plot only 'planned'
    would make that refusal tell them one is. The company is told, and nothing is written."""
    plot, _label = _plot_in(db, "planned", holder=False)
    path = f"/collections/plots/items/{plot}"
    _, tag = _read(writable_client, writable_ref, path, "developer_company")
    r = merge_patch(
        writable_client, writable_ref, path, "developer_company", tag, {"option_holder": "Ny A/S"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "option_holder", r.text
    assert _sale(db, plot) is None
    # Leaving a sale with its option holder recorded: cleared first, then the status goes.
    plot, label = _plot_in(db, "under_option", holder=True)
    company = writable_ref.bearer("developer_company")
    body = {"from_status": "under_option", "to_status": "planned", "note": "optionen udløb"}
    r = writable_client.post(f"/land/parcels/{label}/sale-status", json=body, headers=company)
    assert r.status_code == 422 and "option_holder" in r.text, r.text
    path = f"/collections/plots/items/{plot}"
    _, tag = _read(writable_client, writable_ref, path, "developer_company")
    cleared = merge_patch(
        writable_client, writable_ref, path, "developer_company", tag, {"option_holder": None}
    )
    assert cleared.status_code == 200, cleared.text
    r = writable_client.post(f"/land/parcels/{label}/sale-status", json=body, headers=company)
    assert r.status_code == 200, r.text
    # A planner's owner write on a plot only planned is not refused, whatever it held.
    _, tag = _read(writable_client, writable_ref, f"/collections/parcels/items/{plot}", "planner")
    owner = merge_patch(
        writable_client,
        writable_ref,
        f"/collections/parcels/items/{plot}",
        "planner",
        tag,
        {"owner": "Odense Kommune"},
    )
    assert owner.status_code == 200, owner.text
