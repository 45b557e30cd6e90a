"""A plot's version as each reader reads it: with its sale data for those who may read it,
without for everyone else.

A change of sale data alone (a price, an option's expiry) is a version of the plot for the
land company and an admin: their ETag moves, their history shows it, a stale tag of theirs
is refused. For the public and a planner nothing moves (gis.land.confidential: they may know
when sale data changed by its year only), and a planner's tag read before it still writes,
without touching the sale data. Over the reference data, writes committed per module.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support import engine_for, merge_patch


@pytest.fixture(scope="module")
def db(writable_ref):
    yield from engine_for(writable_ref.url)


def _auth(writable_ref, role: str | None) -> dict[str, str]:
    return {} if role is None else writable_ref.bearer(role)


def _plot(db, *, with_sale: bool) -> int:
    """A plot with a row of sale data, or one without any."""
    join = "JOIN" if with_sale else "LEFT JOIN"
    where = "" if with_sale else " WHERE s.parcel_id IS NULL"
    with db.connect() as c:
        return c.execute(
            text(
                f"SELECT min(l.parcel_id) FROM parcel_land l {join} parcel_sale s"
                f" USING (parcel_id){where}"
            )
        ).scalar_one()


def _seen(client, writable_ref, path: str, role: str | None, scenario: str | None = None):
    """What `role` can poll of the plot: its ETag, its history's length and last tag, and
    the ETag of the plots' page."""
    q = f"?scenario={scenario}" if scenario else ""
    h = _auth(writable_ref, role)
    item = client.get(path + q, headers=h)
    assert item.status_code == 200, item.text
    history = client.get(f"{path}/history{q}", headers=h).json()
    page = client.get(f"/collections/plots/items{q}", headers=h).headers["etag"]
    return item.headers["etag"], len(history), history[-1]["version"], page


def test_the_company_sees_its_change_of_sale_data_and_others_do_not(
    writable_client, writable_ref, db
):
    path = f"/collections/plots/items/{_plot(db, with_sale=True)}"
    company, others = "developer_company", (None, "planner")
    before = {r: _seen(writable_client, writable_ref, path, r) for r in (company, *others)}
    tag = before[company][0]
    r = merge_patch(writable_client, writable_ref, path, company, tag, {"price_dkk": 4_321_000})
    assert r.status_code == 200, r.text
    after = _seen(writable_client, writable_ref, path, company)
    # The company: a new version, named alike by the write, a read and the history.
    assert r.headers["etag"] == after[0] == after[2] != tag
    assert after[1] == before[company][1] + 1 and after[3] != before[company][3]
    # Others: nothing moved.
    for role in others:
        assert _seen(writable_client, writable_ref, path, role) == before[role], role
    # The company's tag from before its change is stale now, for any write of theirs.
    stale = merge_patch(writable_client, writable_ref, path, company, tag, {"price_dkk": 1})
    assert stale.status_code == 412, stale.text
    assert (
        writable_client.get(path, headers=writable_ref.bearer(company)).json()["properties"][
            "price_dkk"
        ]
        == 4_321_000
    )


def test_a_planner_s_tag_read_before_a_change_of_sale_data_still_writes_and_keeps_it(
    writable_client, writable_ref, db
):
    path = f"/collections/plots/items/{_plot(db, with_sale=True)}"
    company = writable_ref.bearer("developer_company")
    planner_tag = writable_client.get(path, headers=writable_ref.bearer("planner")).headers["etag"]
    tag = writable_client.get(path, headers=company).headers["etag"]
    sold = merge_patch(writable_client, writable_ref, path, "developer_company", tag,
                  {"price_dkk": 7_654_000})  # fmt: skip
    assert sold.status_code == 200, sold.text
    # The planner saw nothing change, so their tag names what is there.
    r = merge_patch(
        writable_client, writable_ref, path, "planner", planner_tag, {"expected_dwellings": 9}
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] != planner_tag
    now = writable_client.get(path, headers=company)
    assert now.json()["properties"]["price_dkk"] == 7_654_000
    assert now.json()["properties"]["expected_dwellings"] == 9
    # The planner's change moved the company's version as well.
    assert now.headers["etag"] != sold.headers["etag"]


def test_the_company_may_write_with_the_tag_it_read_as_the_public_reads(
    writable_client, writable_ref, db
):
    """What it read without its token has not changed since: the opaque tag names the plot
    as the public sees it, and a change of sale data alone does not move it."""
    path = f"/collections/plots/items/{_plot(db, with_sale=True)}"
    public_tag = writable_client.get(path).headers["etag"]
    for price in (111_000, 222_000):
        r = merge_patch(writable_client, writable_ref, path, "developer_company", public_tag,
                   {"price_dkk": price})  # fmt: skip
        assert r.status_code == 200, r.text
    assert writable_client.get(path).headers["etag"] == public_tag


def test_sale_data_restored_away_is_cleared_and_the_company_s_version_moves(
    writable_client, writable_ref, db
):
    """A plot without sale data gets a price, then the company restores the version before
    it: the sale data is gone for every read, and the company's version moves again (its row
    is cleared, not removed, so the version that covers it cannot fall back to an older
    one). Others see none of it."""
    fid = _plot(db, with_sale=False)
    path = f"/collections/plots/items/{fid}"
    company = writable_ref.bearer("developer_company")
    public = _seen(writable_client, writable_ref, path, None)
    first = writable_client.get(path, headers=company).headers["etag"]
    priced = merge_patch(writable_client, writable_ref, path, "developer_company", first,
                    {"price_dkk": 3_000_000})  # fmt: skip
    assert priced.status_code == 200, priced.text
    versions = writable_client.get(f"{path}/history", headers=company).json()
    assert versions[-1]["version"] == priced.headers["etag"]
    back = writable_client.post(
        f"{path}/history/{versions[-2]['change']['id']}/restore",
        headers={**company, "If-Match": priced.headers["etag"]},
    )
    assert back.status_code == 200, back.text
    assert back.json()["properties"]["price_dkk"] is None
    assert back.headers["etag"] not in (first, priced.headers["etag"])
    assert writable_client.get(path, headers=company).headers["etag"] == back.headers["etag"]
    assert _seen(writable_client, writable_ref, path, None) == public


def _scenario(db, slug: str) -> str:
    with db.begin() as c:
        c.execute(text("INSERT INTO scenario (slug, name) VALUES (:s, :n)"), {"s": slug, "n": slug})
    return slug


def test_in_a_scenario_that_has_the_plot_a_change_of_sale_data_moves_only_the_company_s(
    writable_client, writable_ref, db
):
    """The planner's edit makes the plot the scenario's own (its rows copied there); then a
    change of its sale data in the scenario moves the company's version, nobody else's."""
    slug = _scenario(db, "salg-i-scenarie")
    path = f"/collections/plots/items/{_plot(db, with_sale=True)}"
    q = f"?scenario={slug}"
    planner = writable_ref.bearer("planner")
    tag = writable_client.get(path + q, headers=planner).headers["etag"]
    r = writable_client.patch(
        path + q,
        json={"properties": {"expected_dwellings": 12}},
        headers={**planner, "If-Match": tag, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    company = "developer_company"
    before = {role: _seen(writable_client, writable_ref, path, role, slug)
              for role in (None, "planner", company)}  # fmt: skip
    r = merge_patch(writable_client, writable_ref, path + q, company, before[company][0],
               {"option_expires": "2031-06-30"})  # fmt: skip
    assert r.status_code == 200, r.text
    for role in (None, "planner"):
        assert _seen(writable_client, writable_ref, path, role, slug) == before[role], role
    after = _seen(writable_client, writable_ref, path, company, slug)
    assert after[0] == r.headers["etag"] != before[company][0]
    assert after[1] == before[company][1] + 1
    # The adopted plan's plot is as it was.
    assert (
        writable_client.get(path, headers=writable_ref.bearer(company)).json()["properties"][
            "option_expires"
        ]
        != "2031-06-30"
    )


def test_a_scenario_s_first_edit_of_a_plot_s_sale_data_moves_nothing_for_others(
    writable_client, writable_ref, db
):
    """The scenario takes the plot over (copies its rows) at its first edit: the copies
    keep the versions they had, so only the company's version moves; the company's history
    shows the plot before (as the adopted plan had it) and after."""
    slug = _scenario(db, "foerste-salg")
    fid = _plot(db, with_sale=True)
    path = f"/collections/plots/items/{fid}"
    company = "developer_company"

    def seen(role):
        h = _auth(writable_ref, role)
        diff = writable_client.get(f"/scenarios/{slug}/diff", headers=h).json()
        return (
            _seen(writable_client, writable_ref, path, role, slug),
            writable_client.get(f"/scenarios/{slug}", headers=h).json()["overrides"],
            sorted((c["collection"], c["id"]) for c in diff["changed"]),
        )

    before = {role: seen(role) for role in (None, "planner", company)}
    old = writable_client.get(path, headers=writable_ref.bearer(company)).json()["properties"]
    r = merge_patch(writable_client, writable_ref, path + f"?scenario={slug}", company,
               before[company][0][0], {"option_expires": "2032-01-31"})  # fmt: skip
    assert r.status_code == 200, r.text
    # Others: not the plot's version or history, not the scenario's count of what it
    # overrides, not its diff against vedtaget.
    for role in (None, "planner"):
        assert seen(role) == before[role], role
    (tag, length, last, _page), overrides, changed = seen(company)
    assert tag == last == r.headers["etag"] != before[company][0][0]
    assert length == before[company][0][1] + 1
    assert overrides == before[company][1] + 1
    assert ("plots", fid) in changed or ("parcels", fid) in changed, changed
    versions = writable_client.get(
        f"{path}/history?scenario={slug}", headers=writable_ref.bearer(company)
    ).json()
    assert [v["scenario"] for v in versions[-2:]] == ["vedtaget", slug]
    shown = [v["feature"]["properties"]["option_expires"] for v in versions[-2:]]
    assert shown == [old["option_expires"], "2032-01-31"]
