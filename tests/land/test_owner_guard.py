"""The database itself refuses a public owner naming a plot's confidential option holder or
buyer before the sale, whoever writes (migration 0011), judged at commit.

Plain SQL, as psql would write it. In the rolled-back `ref_conn`, `SET CONSTRAINTS ALL
IMMEDIATE` (inside a savepoint) runs the deferred checks a commit would run."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from gis.db import OWNER_LEAK_SQLSTATE, translate_errors
from gis.errors import InvalidParameter
from gis.land.confidential import check_public_owner

IMMEDIATE = text("SET CONSTRAINTS ALL IMMEDIATE")


def _optioned(conn) -> dict:
    """A plot under option whose holder is not its owner, with a building on it."""
    row = (
        conn.execute(
            text(
                """
                SELECT p.id, p.owner, s.option_holder AS holder, b.id AS building
                FROM parcel p
                JOIN parcel_land l ON l.parcel_id = p.id
                JOIN parcel_sale s ON s.parcel_id = p.id
                JOIN building b ON b.parcel_id = p.id
                WHERE l.sale_status = 'under_option' AND s.option_holder IS NOT NULL
                  AND p.owner IS NOT NULL
                  AND lower(p.owner) <> lower(s.option_holder)
                ORDER BY p.id LIMIT 1
                """
            )
        )
        .mappings()
        .first()
    )
    assert row is not None, "the reference data has a plot under option with a building"
    return dict(row)


def _override(conn, scenario: int, parcel: int) -> None:
    """The scenario overrides the parcel, as an edit in it would: the parcel's row and its
    child rows (land and sale data) become the scenario's (migration 0010)."""
    for table, key in (
        ("parcel", "id"),
        ("parcel_land", "parcel_id"),
        ("parcel_sale", "parcel_id"),
    ):
        conn.execute(
            text(
                f"INSERT INTO {table}_version SELECT nextval('{table}_version_vid_seq'), :s,"
                f" 'infinity', NULL, false, t.* FROM {table} t WHERE t.{key} = :id"
            ),
            {"s": scenario, "id": parcel},
        )


def _refused(conn, *statements: tuple[str, dict], name: str) -> None:
    with pytest.raises(DBAPIError) as caught, conn.begin_nested():
        for sql, params in statements:
            conn.execute(text(sql), params)  # the write itself passes: judged later
        conn.execute(IMMEDIATE)
    assert caught.value.orig.sqlstate == OWNER_LEAK_SQLSTATE
    message = str(caught.value.orig)
    assert "confidential" in message
    assert name.lower() not in message.lower()  # the writer may not read the name


def _accepted(conn, *statements: tuple[str, dict]) -> None:
    with conn.begin_nested():
        for sql, params in statements:
            conn.execute(text(sql), params)
        conn.execute(IMMEDIATE)


@pytest.mark.parametrize("spelling", [str, lambda s: f"  {s.upper()} "])
def test_parcel_owner_naming_the_option_holder_is_refused(ref_conn, spelling):
    plot = _optioned(ref_conn)
    _refused(
        ref_conn,
        ("UPDATE parcel SET owner = :o WHERE id = :id", {"o": spelling(plot["holder"]), **plot}),
        name=plot["holder"],
    )


def test_building_owner_naming_the_option_holder_is_refused(ref_conn):
    plot = _optioned(ref_conn)
    _refused(
        ref_conn,
        ("UPDATE building SET owner = :holder WHERE id = :building", plot),
        name=plot["holder"],
    )


def test_building_moved_onto_a_plot_whose_holder_it_names_is_refused(ref_conn):
    plot = _optioned(ref_conn)
    _refused(
        ref_conn,
        (
            "UPDATE building SET owner = :holder, parcel_id = :id"
            " WHERE id = (SELECT min(id) FROM building WHERE parcel_id <> :id)",
            plot,
        ),
        name=plot["holder"],
    )


def test_option_holder_set_to_the_current_owner_is_refused(ref_conn):
    plot = _optioned(ref_conn)
    _refused(
        ref_conn,
        ("UPDATE parcel_sale SET option_holder = :owner WHERE parcel_id = :id", plot),
        name=plot["owner"],
    )


def test_owner_and_holder_changed_together_are_judged_as_the_transaction_leaves_them(
    ref_conn,
):
    # The holder becomes the owner (the option was taken up by the owner's company) and the
    # owner changes in the same transaction: each statement alone would leak, the end does not.
    plot = _optioned(ref_conn)
    _accepted(
        ref_conn,
        ("UPDATE parcel SET owner = :holder WHERE id = :id", plot),
        ("UPDATE building SET owner = :holder WHERE parcel_id = :id", plot),
        (
            "UPDATE parcel_sale SET option_holder = 'Ny Optionshaver ApS' WHERE parcel_id = :id",
            plot,
        ),
    )


def test_a_sold_plot_may_be_owned_by_its_buyer_until_it_is_unsold(ref_conn):
    plot = _optioned(ref_conn)
    sold = ("UPDATE parcel_land SET sale_status = 'sold' WHERE parcel_id = :id", plot)
    bought = ("UPDATE parcel_sale SET buyer = :holder WHERE parcel_id = :id", plot)
    owned = ("UPDATE parcel SET owner = :holder WHERE id = :id", plot)
    _accepted(ref_conn, sold, bought, owned)
    # Back from sold with the buyer still the owner: the status change is what leaks.
    _refused(
        ref_conn,
        ("UPDATE parcel_land SET sale_status = 'under_option' WHERE parcel_id = :id", plot),
        name=plot["holder"],
    )


def test_a_scenario_row_naming_the_holder_is_refused(ref_conn):
    plot = _optioned(ref_conn)
    scenario = ref_conn.execute(
        text("INSERT INTO scenario (slug, name) VALUES ('owner-guard', 'Guard') RETURNING id")
    ).scalar_one()
    # The scenario overrides the parcel (as an edit in it would), naming the holder as owner.
    with pytest.raises(DBAPIError) as caught, ref_conn.begin_nested():
        _override(ref_conn, scenario, plot["id"])
        ref_conn.execute(IMMEDIATE)  # the scenario as copied: no leak
        ref_conn.execute(
            text("UPDATE parcel_version SET owner = :holder WHERE scenario_id = :s AND id = :id"),
            {"s": scenario, **plot},
        )
    assert caught.value.orig.sqlstate == OWNER_LEAK_SQLSTATE
    assert plot["holder"].lower() not in str(caught.value.orig).lower()
    # The Python check asks the same function, of the plan the transaction entered (left
    # to the rollback: deferred, the triggers never run).
    ref_conn.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    _override(ref_conn, scenario, plot["id"])
    ref_conn.execute(
        text("UPDATE parcel_version SET owner = :holder WHERE scenario_id = :s AND id = :id"),
        {"s": scenario, **plot},
    )
    check_public_owner(ref_conn, [plot["id"]])  # the adopted plan: no leak
    ref_conn.execute(
        text(
            "SELECT set_config('search_path', 'plan_scenario, public', true),"
            " set_config('vm.scenario', CAST(:s AS text), true)"
        ),
        {"s": scenario},
    )
    with pytest.raises(InvalidParameter) as caught:
        check_public_owner(ref_conn, [plot["id"]])
    assert caught.value.parameter == "owner"


def test_a_write_only_the_database_caught_is_a_422_on_owner(writable_ref):
    """At a real commit, through the one place database errors are translated."""
    engine = create_engine(writable_ref.url)
    try:
        with engine.connect() as conn:
            plot = _optioned(conn)
        with pytest.raises(InvalidParameter) as caught, translate_errors(), engine.begin() as conn:
            conn.execute(text("UPDATE parcel SET owner = :holder WHERE id = :id"), plot)
        assert caught.value.parameter == "owner"
        assert plot["holder"].lower() not in caught.value.detail.lower()
        with engine.connect() as conn:  # nothing written
            owner = conn.execute(text("SELECT owner FROM parcel WHERE id = :id"), plot).scalar_one()
        assert owner == plot["owner"]
    finally:
        engine.dispose()


def _scenario_building_owned_by(conn, slug: str, plot: dict, owner: str, pinned: bool) -> int:
    """A scenario (following the adopted plan, or pinned to it as it is now) whose own
    version of the plot's building names `owner`, as an edit in it would leave it."""
    scenario = conn.execute(
        text(
            "INSERT INTO scenario (slug, name, base_recorded) VALUES (:slug, :name, "
            "CASE WHEN :pinned THEN clock_timestamp() END) RETURNING id"
        ),
        {"slug": slug, "name": slug, "pinned": pinned},
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO building_version SELECT nextval('building_version_vid_seq'), :s,"
            " 'infinity', NULL, false, b.* FROM building b WHERE b.id = :id"
        ),
        {"s": scenario, "id": plot["building"]},
    )
    conn.execute(
        text("UPDATE building_version SET owner = :o WHERE scenario_id = :s AND id = :id"),
        {"o": owner, "s": scenario, "id": plot["building"]},
    )
    return scenario


def test_an_adopted_holder_that_a_following_scenario_publishes_as_owner_is_refused(ref_conn):
    """The scenario follows the adopted plan: the holder recorded there is the scenario's
    holder too, beside the scenario's building owned by that name."""
    plot = _optioned(ref_conn)
    _scenario_building_owned_by(ref_conn, "follows", plot, "Ny Bygherre ApS", pinned=False)
    _accepted(ref_conn)  # the scenario as it is: no leak
    _refused(
        ref_conn,
        (
            "UPDATE parcel_sale SET option_holder = :h WHERE parcel_id = :id",
            {"h": "ny bygherre aps", "id": plot["id"]},
        ),
        name="Ny Bygherre ApS",
    )


def test_a_pinned_scenario_does_not_see_the_adopted_plan_move_on(ref_conn):
    plot = _optioned(ref_conn)
    _scenario_building_owned_by(ref_conn, "pinned", plot, "Ny Bygherre ApS", pinned=True)
    _accepted(
        ref_conn,
        (
            "UPDATE parcel_sale SET option_holder = :h WHERE parcel_id = :id",
            {"h": "Ny Bygherre ApS", "id": plot["id"]},
        ),
    )
