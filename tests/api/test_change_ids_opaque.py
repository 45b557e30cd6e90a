"""Every change id a reader who may not read sale data is shown is opaque.

A change id is a place in the one sequence of changes, and a change of sale data takes its
place there too. Real ids of a building's versions, seen by the public or a planner, would
show a gap where the land company changed a price between two of them, and so bound the
moment of a sale change (gis.land.confidential: others may know it by its year only).
The item's ETag, the building's life, its history, a scenario's adoption and an import's
report give them opaque ids (`gis.record.opaque_ids`), below 2**53 so that a JSON number
carries them exactly; they name a version by those only, so no If-Match or restore
confirms a real id. Over the reference data, writes committed per module.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.record import MASKED_CHANGE_MIN
from tests.support import engine_for, merge_patch, opaque

BUILDING = 5
ITEM = f"/collections/buildings/items/{BUILDING}"


@pytest.fixture(scope="module")
def db(writable_ref):
    yield from engine_for(writable_ref.url)


def _auth(writable_ref, role: str | None) -> dict[str, str]:
    return {} if role is None else writable_ref.bearer(role)


def _number(tag: str) -> int:
    return int(tag.strip('"').rsplit("v", 1)[1])


def _is_opaque(n: int) -> bool:
    return MASKED_CHANGE_MIN <= n < 2**53


def _tag(client, writable_ref, role: str | None, path: str = ITEM) -> str:
    r = client.get(path, headers=_auth(writable_ref, role))
    assert r.status_code == 200, r.text
    return r.headers["etag"]


def _history(client, writable_ref, role: str | None) -> list[dict]:
    r = client.get(f"{ITEM}/history", headers=_auth(writable_ref, role))
    assert r.status_code == 200, r.text
    return r.json()


def _sold_plot(db) -> int:
    with db.connect() as c:
        return c.execute(text("SELECT min(parcel_id) FROM parcel_sale")).scalar_one()


def test_a_change_of_sale_data_between_two_public_ones_leaves_no_gap_others_see(
    writable_client, writable_ref, db
):
    plot = f"/collections/plots/items/{_sold_plot(db)}"
    first = merge_patch(
        writable_client,
        writable_ref,
        ITEM,
        "planner",
        _tag(writable_client, writable_ref, "planner"),
        {"name": "Blok 5, før"},
    )
    assert first.status_code == 200, first.text
    company = _tag(writable_client, writable_ref, "developer_company", plot)
    sale = merge_patch(
        writable_client, writable_ref, plot, "developer_company", company, {"price_dkk": 7_654_000}
    )
    assert sale.status_code == 200, sale.text
    second = merge_patch(
        writable_client, writable_ref, ITEM, "planner", first.headers["etag"], {"name": "Blok 5"}
    )
    assert second.status_code == 200, second.text

    # As it is: the sale change sits between the building's two versions.
    real = [v["change"]["id"] for v in _history(writable_client, writable_ref, "admin")]
    with db.connect() as c:
        between = c.execute(
            text("SELECT count(*) FROM plan_change WHERE id > :a AND id < :b"),
            {"a": real[-2], "b": real[-1]},
        ).scalar_one()
    assert between == 1 and all(n < MASKED_CHANGE_MIN for n in real)

    for role in (None, "planner"):
        versions = _history(writable_client, writable_ref, role)
        ids = [v["change"]["id"] for v in versions]
        assert ids == [opaque(db, n) for n in real], role
        assert all(_is_opaque(n) for n in ids)
        assert [_number(v["version"]) for v in versions] == ids
        tag = _tag(writable_client, writable_ref, role)
        life = writable_client.get(f"/buildings/{BUILDING}/life", headers=_auth(writable_ref, role))
        assert tag == life.headers["etag"] == versions[-1]["version"]
        assert _number(tag) == opaque(db, real[-1])
    # The writes answered each writer's own tag.
    assert _number(second.headers["etag"]) == opaque(db, real[-1])
    assert _tag(writable_client, writable_ref, "admin") == f'"v{real[-1]}"'


def test_a_planner_names_a_version_by_its_opaque_tag_and_confirms_no_real_one(
    writable_client, writable_ref, db
):
    tag = _tag(writable_client, writable_ref, "planner")
    with db.connect() as c:
        real = c.execute(
            text("SELECT change_id FROM building WHERE id = :id"), {"id": BUILDING}
        ).scalar_one()
    assert tag == f'"v{opaque(db, real)}"'
    # Neither the real tag nor a list of guesses holding it names the version.
    for guess in (f'"v{real}"', ", ".join(f'"v{n}"' for n in range(1, real + 2))):
        r = merge_patch(writable_client, writable_ref, ITEM, "planner", guess, {"name": "x"})
        assert r.status_code == 412, r.text
        assert tag in r.json()["detail"] and f'"v{real}"' not in r.json()["detail"]
    # Nor does a restore by a real id; by the opaque id the history gives, it restores.
    versions = _history(writable_client, writable_ref, "planner")
    planner = {**writable_ref.bearer("planner"), "If-Match": tag}
    first_real = _history(writable_client, writable_ref, "admin")[0]["change"]["id"]
    by_real = writable_client.post(f"{ITEM}/history/{first_real}/restore", headers=planner)
    assert by_real.status_code == 404, by_real.text
    restored = writable_client.post(
        f"{ITEM}/history/{versions[0]['change']['id']}/restore", headers=planner
    )
    assert restored.status_code == 200, restored.text
    assert _is_opaque(_number(restored.headers["etag"]))
    assert restored.headers["etag"] == _tag(writable_client, writable_ref, "planner")
    # An admin names the version by its real tag, or by the opaque one read as others read.
    admin_tag = _tag(writable_client, writable_ref, "admin")
    assert not _is_opaque(_number(admin_tag))
    public_tag = _tag(writable_client, writable_ref, None)
    r = merge_patch(writable_client, writable_ref, ITEM, "admin", public_tag, {"name": "Blok 5"})
    assert r.status_code == 200, r.text
    r = merge_patch(
        writable_client, writable_ref, ITEM, "admin", r.headers["etag"], {"name": "Blok 5, igen"}
    )
    assert r.status_code == 200, r.text
