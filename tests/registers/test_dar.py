"""The DAR importer and the address lookup, on a hand-made Datafordeler DAR file extract
(tests/registers/fixtures/dar.json, illustrative addresses on the illustrative parcels and
BBR buildings of test_import), each test in a rolled-back transaction of the reference
database.

Worked out by hand (footprints are squares of BBR's built area around its point):

| husnummer    | BBR reference | point            | building          | parcel        |
| ------------ | ------------- | ---------------- | ----------------- | ------------- |
| Testvej 1    | B1            | 571100, 6223100  | B1 (BBR's id)     | 1a (point)    |
| Testvej 3    | B2            | 571255.5, 6223095.25 | B2 (BBR's id) | 1b (point)    |
| Testvej 5A   | none          | 571300, 6223250  | B4 (its footprint holds the point) | 2 |
| Skolestien 2 | B9 (unknown)  | 571180, 6223150  | none              | 1a (point)    |
| Testvej 9    | B5            | 571505, 6223105  | B5 (BBR's id)     | 3 (point)     |
| Testvej 7    | status 4 (nedlagt): no address |  |                   |               |

Testvej 1 has an older registration ("1A", registreringTil set) that is not read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.registers import bbr, dar, matrikel
from gis.registers.common import ImportRefused

FIXTURES = Path(__file__).parent / "fixtures"
JUNE, JULY = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
B = "b0000000-0000-4000-8000-00000000000"
D = "d0000000-0000-4000-8000-00000000000"


def _dar(conn, source=None, date=JUNE):
    return dar.import_dar(
        conn, source or str(FIXTURES / "dar.json"), extract_date=date, actor="test"
    )


@pytest.fixture
def loaded(ref_conn):
    for importer, name in ((matrikel.import_matrikel, "jordstykker.geojson"),
                           (bbr.import_bbr, "bbr.json")):  # fmt: skip
        importer(ref_conn, str(FIXTURES / name), extract_date=JUNE, actor="test")
    return ref_conn


def _addresses(conn) -> dict[str, tuple]:
    rows = conn.execute(
        text(
            """
            SELECT a.vejnavn || ' ' || a.husnummer AS label, b.source_id AS building,
                   p.matrikelnummer, a.postnummer, a.postnrnavn, a.source_extract_date,
                   ST_X(a.geom) AS x, ST_Y(a.geom) AS y
            FROM address a
            LEFT JOIN building b ON b.id = a.building_id
            LEFT JOIN parcel p ON p.id = a.parcel_id
            WHERE a.source_id LIKE 'd0000000-%'
            """
        )
    )
    return {
        r.label: ((r.building or "-")[-1], r.matrikelnummer, r.postnummer, r.x, r.y) for r in rows
    }


def test_addresses_are_placed_on_their_buildings_and_parcels(loaded):
    report = _dar(loaded)
    assert report.read == {"husnumre": 7, "adressepunkter": 6}
    assert report.change_id is not None
    assert _addresses(loaded) == {
        "Testvej 1": ("1", "1a", 8210, 571100.0, 6223100.0),
        "Testvej 3": ("2", "1b", 8210, 571255.5, 6223095.25),
        "Testvej 5A": ("4", "2", 8210, 571300.0, 6223250.0),
        "Skolestien 2": ("-", "1a", 8210, 571180.0, 6223150.0),
        "Testvej 9": ("5", "3", 8210, 571505.0, 6223105.0),
    }
    assert report.changes["addresses added"] == [
        f"Skolestien 2 ({D}4)",
        f"Testvej 1 ({D}1)",
        f"Testvej 3 ({D}2)",
        f"Testvej 5A ({D}3)",
        f"Testvej 9 ({D}6)",
    ]
    assert report.contradictions == [
        f"Skolestien 2 names BBR building {B}9, which the plan does not hold"
    ]
    kind, note = loaded.execute(
        text("SELECT kind, note FROM plan_change WHERE id = :c"), {"c": report.change_id}
    ).one()
    assert (kind, note) == ("import", "dar extract of 2026-06-01")


def test_same_file_twice_changes_nothing(loaded):
    _dar(loaded)
    again = _dar(loaded, date=JULY)
    assert again.unchanged and again.change_id is None
    dates = loaded.execute(
        text("SELECT DISTINCT source_extract_date FROM address WHERE source_id LIKE 'd0000000-%'")
    ).scalars()
    assert list(dates) == [JUNE]


def test_reimport_records_exactly_the_differences(loaded, tmp_path):
    _dar(loaded)
    doc = json.loads((FIXTURES / "dar.json").read_text())
    current = [h for h in doc["HusnummerList"] if h["registreringTil"] is None]
    for h in current:
        if h["id_lokalId"] == f"{D}2":
            h["husnummertekst"] = "3B"
    doc["HusnummerList"] = [h for h in current if h["id_lokalId"] != f"{D}4"]
    path = tmp_path / "dar_2.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    report = _dar(loaded, str(path), date=JULY)
    assert report.changes == {
        "addresses changed": [f"Testvej 3B ({D}2)"],
        "addresses removed": [f"Skolestien 2 ({D}4)"],
    }
    assert set(_addresses(loaded)) == {"Testvej 1", "Testvej 3B", "Testvej 5A", "Testvej 9"}
    history = loaded.execute(
        text("SELECT husnummer FROM address_version WHERE superseded_by = :c ORDER BY 1"),
        {"c": report.change_id},
    ).scalars()
    assert list(history) == ["2", "3"]  # the removed and the changed one, as they were


def test_every_problem_is_listed_by_record_and_field_and_nothing_written(ref_conn):
    doc = json.loads((FIXTURES / "dar.json").read_text())
    doc["HusnummerList"][2]["navngivenVej"] = "e0000000-0000-4000-8000-000000000099"
    doc["HusnummerList"][3]["husnummertekst"] = None
    doc["AdressepunktList"][3]["position"] = "POINT (10.2 56.1)"
    before = ref_conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one()
    with pytest.raises(ImportRefused) as caught:
        _dar(ref_conn, json.dumps(doc).encode())
    found = {(p["record"], p["field"]) for p in caught.value.errors}
    assert found == {
        (f"HusnummerList[2] ({D}2)", "navngivenVej"),
        (f"HusnummerList[3] ({D}3)", "husnummertekst"),
        ("AdressepunktList[3] (a0000000-0000-4000-8000-000000000004)", "position"),
        # Skolestien 2's point was refused, so its husnummer names a point not in the file.
        (f"HusnummerList[4] ({D}4)", "adgangspunkt"),
    }
    assert ref_conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one() == before
    assert ref_conn.execute(text("SELECT count(*) FROM address")).scalar_one() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b'{"BygningList": []}', "not a DAR file extract")],
)
def test_a_file_that_is_no_dar_extract_is_refused(ref_conn, content, message):
    with pytest.raises(ImportRefused) as caught:
        _dar(ref_conn, content)
    assert message in caught.value.errors[0]["message"]


def test_search_finds_addresses_by_street_and_number(loaded):
    _dar(loaded)
    found = dar.search(loaded, dar.check_search("testvej 3", 10), 10)["features"]
    assert [f["properties"]["label"] for f in found] == ["Testvej 3, 8210 Aarhus V"]
    props = found[0]["properties"]
    assert props["building_id"] is not None and props["matrikel"] == "2000171-1b"
    assert (props["source_register"], props["source_id"]) == ("dar", f"{D}2")
    assert props["source_extract_date"] == "2026-06-01"
    lon, lat = found[0]["geometry"]["coordinates"]
    assert 10.0 < lon < 10.2 and 56.1 < lat < 56.2
    streets = dar.search(loaded, dar.check_search("Testvej", 10), 10)["features"]
    assert [f["properties"]["husnummer"] for f in streets] == ["1", "3", "5A", "9"]
    # A LIKE wildcard in the query is a character, not a pattern.
    assert dar.search(loaded, dar.check_search("%", 10), 10)["features"] == []


@pytest.mark.parametrize(("q", "limit", "name"), [("", 10, "q"), ("x" * 101, 10, "q"),
                                                  ("Testvej", 0, "limit")])  # fmt: skip
def test_a_bad_search_is_refused_before_any_io(q, limit, name):
    from gis.errors import InvalidParameter

    with pytest.raises(InvalidParameter) as caught:
        dar.check_search(q, limit)
    assert caught.value.parameter == name


def test_an_extract_elsewhere_removes_nothing_of_this_one(loaded):
    _dar(loaded)
    doc = json.loads((FIXTURES / "dar.json").read_text())
    doc["HusnummerList"] = [dict(doc["HusnummerList"][2], id_lokalId=f"{D}8")]
    doc["AdressepunktList"] = [dict(doc["AdressepunktList"][1], position="POINT (725000 6175000)")]
    report = _dar(loaded, json.dumps(doc).encode(), date=JULY)  # one address in København
    assert report.changes == {"addresses added": [f"Testvej 3 ({D}8)"]}
    n = loaded.execute(text("SELECT count(*) FROM address WHERE source_id LIKE 'd0000000-%'"))
    assert n.scalar_one() == 6  # the five of June stay


def test_addresses_follow_buildings_a_later_bbr_import_adds(ref_conn):
    matrikel.import_matrikel(
        ref_conn, str(FIXTURES / "jordstykker.geojson"), extract_date=JUNE, actor="test"
    )
    _dar(ref_conn)  # before BBR: on their parcels, on no building
    assert {v[0] for v in _addresses(ref_conn).values()} == {"-"}
    report = bbr.import_bbr(ref_conn, str(FIXTURES / "bbr.json"), extract_date=JULY, actor="t")
    assert report.changes["addresses placed"] == [
        f"Testvej 1 ({D}1)",
        f"Testvej 3 ({D}2)",
        f"Testvej 5A ({D}3)",
        f"Testvej 9 ({D}6)",
    ]
    assert {k: v[:2] for k, v in _addresses(ref_conn).items()} == {
        "Testvej 1": ("1", "1a"),
        "Testvej 3": ("2", "1b"),
        "Testvej 5A": ("4", "2"),
        "Skolestien 2": ("-", "1a"),
        "Testvej 9": ("5", "3"),
    }
