"""The data version moves with every change to the map data, and only then."""

from __future__ import annotations

import re

from sqlalchemy import text

from gis import data_version
from gis.layers import LAYERS
from gis.models import Base


def test_a_change_to_a_data_table_bumps_the_version(ref_conn):
    before = data_version.current(ref_conn)
    assert data_version.current(ref_conn) == before  # reading does not bump it
    ref_conn.execute(
        text("UPDATE building SET demolished_year = 2029 WHERE id = (SELECT min(id) FROM building)")
    )
    after_update = data_version.current(ref_conn)
    assert after_update > before
    ref_conn.execute(text("DELETE FROM facility WHERE false"))  # a statement, even of no rows
    assert data_version.current(ref_conn) > after_update


def _tables_with_trigger(conn) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            text(
                "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid"
                " WHERE g.tgname = :name"
            ),
            {"name": data_version.TRIGGER},
        )
    }


def test_the_trigger_is_on_every_data_table_and_attach_works_for_new_ones(conn):
    tables = _tables_with_trigger(conn)
    expected = {"area", "quarter_set", "quarter", "parcel", "building", "dwelling_stock"}
    assert expected | {"road", "rail_line", "rail_stop", "facility"} <= tables
    conn.execute(text("CREATE TABLE scratch_layer (id int)"))
    conn.execute(text(data_version.attach_sql("scratch_layer")))
    before = data_version.current(conn)
    conn.execute(text("TRUNCATE scratch_layer"))
    assert data_version.current(conn) == before + 1
    conn.execute(text(data_version.detach_sql("scratch_layer")))
    conn.execute(text("INSERT INTO scratch_layer VALUES (1)"))
    assert data_version.current(conn) == before + 1


def test_every_table_a_layer_reads_bumps_the_version(conn):
    # ETags of items and tiles key on the data version: a layer reading a table without the
    # trigger would serve a stale cached answer after that table changed.
    with_trigger = _tables_with_trigger(conn)
    read = {
        table
        for layer in LAYERS.values()
        for table in Base.metadata.tables
        for source in (layer.source, layer.confidential_source or "")
        if re.search(rf"\b{table}\b", source)
    }
    assert {"parcel_land", "parcel_sale", "building", "rail_stop"} <= read
    assert read <= with_trigger, read - with_trigger


def test_a_bump_rolled_back_and_made_again_has_another_stamp(ref_conn):
    """The caches' key (gis.ogc.tile_cache, gis.tenure's kept corrections) is the number and
    the bump's stamp: a bump rolled back leaves the number where it was, and the next one
    reaches the same number with other data, so its stamp must differ, in both pairs. And
    the reader role reads the public pair, not the instant (migrations 0033, 0035)."""
    stamp = "SELECT version, stamp, public_version, public_stamp FROM data_version"
    bump = "DELETE FROM facility WHERE false"
    with ref_conn.begin_nested() as undone:
        ref_conn.execute(text(bump))
        rolled_back = ref_conn.execute(text(stamp)).one()
        undone.rollback()
    ref_conn.execute(text(bump))
    again = ref_conn.execute(text(stamp)).one()
    assert again.version == rolled_back.version
    assert again.stamp != rolled_back.stamp
    assert again.public_version == rolled_back.public_version
    assert again.public_stamp != rolled_back.public_stamp
    columns = ["version", "stamp", "changed_at", "public_version", "public_stamp"]
    reader = ref_conn.execute(
        text(
            "SELECT has_column_privilege('vm_public', 'data_version', c, 'SELECT')"
            " FROM unnest(CAST(:c AS text[])) c"
        ),
        {"c": columns},
    ).scalars()
    assert dict(zip(columns, reader, strict=True)) == {
        "version": False,
        "stamp": False,
        "changed_at": False,
        "public_version": True,
        "public_stamp": True,
    }


def test_sale_data_alone_moves_only_the_counter_of_those_who_may_read_it(ref_conn):
    """A write of sale data alone (a price) moves the data version of a reader who may read
    sale data, not that of the reader role (migration 0035): its pages' ETags must not tell
    others the moment (gis.land.confidential). Any other write moves both."""

    def seen() -> tuple[data_version.Stamp, data_version.Stamp]:
        full = data_version.stamp(ref_conn)
        ref_conn.execute(text("SET LOCAL ROLE vm_public"))
        public = data_version.stamp(ref_conn)
        assert data_version.current(ref_conn) == public.version
        ref_conn.execute(text("RESET ROLE"))
        return full, public

    full, public = seen()
    ref_conn.execute(
        text(
            "UPDATE parcel_sale SET price_dkk = coalesce(price_dkk, 0) + 1"
            " WHERE parcel_id = (SELECT min(parcel_id) FROM parcel_sale)"
        )  # fmt: skip
    )
    after_sale = seen()
    assert after_sale[0].version > full.version and after_sale[0].token != full.token
    assert after_sale[1] == public
    ref_conn.execute(text("DELETE FROM facility WHERE false"))
    after_other = seen()
    assert after_other[0].version > after_sale[0].version
    assert after_other[1].version > public.version and after_other[1].token != public.token
