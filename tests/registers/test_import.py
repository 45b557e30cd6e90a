"""The BBR and Matrikel importers and `area define`, on hand-made extracts in the real formats
(tests/registers/fixtures, illustrative parcels of an invented ejerlav 2000171 near Aarhus,
far from the reference Vollsmose), each test in a rolled-back transaction of the reference
database.

The fixtures, worked out by hand (1 January 2027; BBR extract of 1 June 2026):

| building | parcel | units (enh020 / enh045 / enh046)                        | tenure            |
| -------- | ------ | ------------------------------------------------------- | ----------------- |
| B1       | 1a     | 6 × 140/1/10, 1 × 140/1/25, 1 × 320 business 150 m²     | 6 AF, 1 youth     |
|          |        | (+ 2 × 140/1/10, one ended, one status 11: not counted) |                   |
| B2       | 1b     | 2 × 130/2/0, 1 × 130/1/0, 1 × 130/3/0                   | 2 owner, 2 rental |
| B3       | 2      | 2 × 140/1/40, 1 × 140/1/42, 1 × 140/1/10                | 3 elderly, 1 AF   |
| B4 (41)  | 2      | 2 × 140/1/0, 1 × 140/1/20 (owner an andelsboligforening) | 3 cooperative     |
| B5       | 3      | 5 × almen family: outside the area                      | -                 |
| B7       | 1a     | status 10 (deleted): not read                           | -                 |

Area 1a + 1b + 2: A = 7 almen family, 18 dwellings, 150 m² business = 2 dwellings:
share 7 / (18 + 2) = 0.35. Quarter Nord (1a, 1b) 6 / (11 + 2); Syd (2) 1 / 7.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from gis import tenure
from gis.errors import Conflict
from gis.registers import bbr, matrikel
from gis.registers.areas import define_area
from gis.registers.common import ImportRefused

FIXTURES = Path(__file__).parent / "fixtures"
JUNE, JULY = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
B = "b0000000-0000-4000-8000-00000000000"  # + the building's number


def _matrikel(conn, name="jordstykker.geojson", date=JUNE):
    return matrikel.import_matrikel(conn, str(FIXTURES / name), extract_date=date, actor="test")


def _bbr(conn, name="bbr.json", date=JUNE):
    return bbr.import_bbr(conn, str(FIXTURES / name), extract_date=date, actor="test")


def _area(conn, parcels="parcels_quarters.csv"):
    content = (FIXTURES / parcels).read_text()
    return define_area(
        conn,
        "testparken",
        name="Testparken",
        kind="omdannelsesomraade",
        parcels_csv=content,
        actor="test",
    )


def _stock(conn) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        text(
            """
            SELECT b.source_id, s.tenure, sum(s.dwellings) AS n
            FROM building b JOIN dwelling_stock s ON s.building_id = b.id
            WHERE b.source_register = 'bbr' AND s.end_year IS NULL
            GROUP BY 1, 2
            """
        )
    )
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r.source_id[-1], {})[r.tenure] = r.n
    return out


def _changes(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one()


@pytest.fixture
def loaded(ref_conn):
    _matrikel(ref_conn)
    _bbr(ref_conn)
    return ref_conn


def test_area_from_registers_alone_has_the_hand_worked_tenure_mix(loaded):
    area = _area(loaded)
    assert (area.kind, area.parcels, area.quarters) == ("omdannelse", 3, ["Nord", "Syd"])
    assert area.area_m2 == pytest.approx(120_000)
    mix = tenure.tenure_mix(loaded, "testparken", 2027, "matrikler")
    assert mix.total.dwellings == {
        "almen_family": 7,
        "almen_youth": 1,
        "almen_elderly": 3,
        "private_rental": 2,
        "owner_occupied": 2,
        "cooperative": 3,
    }
    assert mix.total.business_floor_area_m2 == 150
    assert mix.total.legal_share == pytest.approx(7 / 20)
    quarters = {q.slug: q.mix for q in mix.quarters}
    assert quarters["nord"].legal_share == pytest.approx(6 / 13)
    assert quarters["syd"].legal_share == pytest.approx(1 / 7)
    assert mix.unassigned is None


def test_one_quarter_by_default(loaded):
    area = _area(loaded, "parcels.csv")
    assert area.quarters == ["Testparken"]
    mix = tenure.tenure_mix(loaded, "testparken", 2027, None)
    assert [q.slug for q in mix.quarters] == ["testparken"]
    assert mix.quarters[0].mix.legal_share == pytest.approx(0.35)


def test_buildings_sit_on_their_parcels_with_provenance(loaded):
    rows = loaded.execute(
        text(
            """
            SELECT right(b.source_id, 1) AS b, p.matrikelnummer, b.source_register,
                   b.source_extract_date, b.use, b.ejerforhold, b.business_floor_area_m2,
                   round(ST_Area(b.footprint)) AS m2
            FROM building b LEFT JOIN parcel p ON p.id = b.parcel_id
            WHERE b.source_register = 'bbr' ORDER BY 1
            """
        )
    ).all()
    assert [(r.b, r.matrikelnummer) for r in rows] == [
        ("1", "1a"),
        ("2", "1b"),
        ("3", "2"),
        ("4", "2"),
        ("5", "3"),
    ]
    assert {(r.source_register, r.source_extract_date) for r in rows} == {("bbr", JUNE)}
    b1 = rows[0]
    assert (b1.use, b1.ejerforhold, b1.business_floor_area_m2, b1.m2) == ("mixed", 20, 150, 400)
    parcel = loaded.execute(
        text(
            "SELECT source_register, source_id, registered_area_m2 FROM parcel "
            "WHERE ejerlavskode = 2000171 AND matrikelnummer = '1a'"
        )
    ).one()
    assert tuple(parcel) == ("matrikel", "2000171-1a", 40_000)


def test_graphql_shape_reads_as_the_file_extract(ref_conn):
    _matrikel(ref_conn)
    report = _bbr(ref_conn, "bbr_graphql.json")
    assert report.read == {"buildings": 7, "units": 30}
    assert _stock(ref_conn) == {
        "1": {"almen_family": 6, "almen_youth": 1},
        "2": {"owner_occupied": 2, "private_rental": 2},
        "3": {"almen_elderly": 3, "almen_family": 1},
        "4": {"cooperative": 3},
        "5": {"almen_family": 5},
    }


def test_mat2_extract_reads_the_current_registration(ref_conn):
    report = _matrikel(ref_conn, "mat2_jordstykker.json")
    assert report.changes["parcels added"] == [
        "2000171-1a",
        "2000171-1b",
        "2000171-2",
        "2000171-3",
    ]
    area, source = ref_conn.execute(
        text(
            "SELECT registered_area_m2, source_id FROM parcel "
            "WHERE ejerlavskode = 2000171 AND matrikelnummer = '1a'"
        )
    ).one()
    # The superseded registration says 1 m²; the current one 40,000 m².
    assert (area, source) == (40_000, "f1000000-0000-4000-8000-00000000001a")


def test_mat2_list_as_a_feature_collection_reads_the_same(ref_conn):
    extract = json.loads((FIXTURES / "mat2_jordstykker.json").read_text())
    extract["JordstykkeList"] = {"type": "FeatureCollection", "features": extract["JordstykkeList"]}
    content = json.dumps(extract).encode()
    report = matrikel.import_matrikel(ref_conn, content, extract_date=JUNE, actor="test")
    assert report.read == {"jordstykker": 5}
    assert len(report.changes["parcels added"]) == 4


def test_same_files_twice_change_nothing_and_say_so(loaded):
    before = _changes(loaded)
    versions = loaded.execute(text("SELECT count(*) FROM building_version")).scalar_one()
    again = _bbr(loaded)
    parcels = _matrikel(loaded)
    assert again.unchanged and parcels.unchanged
    assert again.change_id is None
    assert "nothing changed" in "\n".join(again.lines())
    assert _changes(loaded) == before
    assert loaded.execute(text("SELECT count(*) FROM building_version")).scalar_one() == versions


def test_reimport_reports_exactly_the_differences_as_one_change(loaded):
    # A planner's data on a register building: a name, and B3 demolished in 2025.
    loaded.execute(text(f"UPDATE building SET name = 'Blok 1' WHERE source_id = '{B}1'"))
    loaded.execute(text(f"UPDATE building SET demolished_year = 2025 WHERE source_id = '{B}3'"))
    parcels = _matrikel(loaded, "jordstykker_2.geojson", JULY)
    assert parcels.changes == {
        "parcels split": ["2000171-1b → 2000171-1b, 2000171-1c"],
        "parcels added": ["2000171-1c"],
        "parcels changed": ["2000171-1b"],
    }
    before = _changes(loaded)
    report = _bbr(loaded, "bbr_2.json", JULY)
    assert _changes(loaded) == before + 1
    assert report.changes == {
        "buildings removed": [f"BBR {B}2 (demolished 2026)"],
        "buildings added": [f"{B}8"],
        "units converted": ["Blok 1: almen_family 6 → 4", "Blok 1: owner_occupied 0 → 2"],
    }
    assert report.contradictions == [
        "the plan says BBR " + B + "3 is demolished in 2025; BBR still has it on 2026-07-01"
    ]
    kind, note = loaded.execute(
        text("SELECT kind, note FROM plan_change WHERE id = :id"), {"id": report.change_id}
    ).one()
    assert (kind, note) == ("import", "bbr extract of 2026-07-01")
    # The history holds exactly the change: B2's demolition and B1's two stock rows.
    touched = loaded.execute(
        text(
            "SELECT right(source_id, 1) FROM building_version WHERE superseded_by = :id ORDER BY 1"
        ),
        {"id": report.change_id},
    ).scalars()
    assert list(touched) == ["1", "2"]
    # The planners' data stays; the new building, under construction, stands from 2027.
    life = loaded.execute(
        text(
            "SELECT right(source_id, 1), name, built_year, demolished_year FROM building "
            "WHERE source_register = 'bbr' ORDER BY 1"
        )
    ).all()
    assert [tuple(r) for r in life] == [
        ("1", "Blok 1", None, None),
        ("2", None, None, 2026),
        ("3", None, None, 2025),
        ("4", None, 2024, None),
        ("5", None, None, None),
        ("8", None, 2026, None),
    ]
    # B8 has no jordstykke reference: placed by its coordinate, on the new 1c.
    on = loaded.execute(
        text(
            "SELECT p.matrikelnummer FROM building b JOIN parcel p ON p.id = b.parcel_id "
            f"WHERE b.source_id = '{B}8'"
        )
    ).scalar_one()
    assert on == "1c"
    # The conversion is dated: B1's 6 almen family through 2026, 4 from 2027 (B3, the
    # plan's demolition of 2025, is gone from 2026; B2, gone from BBR, from 2027). B8
    # stands on 1c, split off after the area's list was made: outside the area.
    _area(loaded, "parcels.csv")
    mix_2026 = tenure.tenure_mix(loaded, "testparken", 2026, None).total
    assert (mix_2026.dwellings["almen_family"], mix_2026.dwellings["private_rental"]) == (6, 2)
    mix = tenure.tenure_mix(loaded, "testparken", 2027, None).total
    assert (mix.dwellings["almen_family"], mix.dwellings["private_rental"]) == (4, 0)
    assert mix.demolished_not_replaced == 4 + 4  # B3's and B2's dwellings
    again = _bbr(loaded, "bbr_2.json", JULY)
    assert again.unchanged


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"BygningList": [{"id_lokalId": "x", ', ("file", None, "not valid JSON")),
        (b'{"Bygninger": []}', ("file", None, "neither a BBR file extract")),
        (b"[1, 2]", ("file", None, "neither a BBR file extract")),
    ],
)
def test_a_file_that_is_no_bbr_extract_is_refused(ref_conn, content, problem):
    with pytest.raises(ImportRefused) as refused:
        bbr.import_bbr(ref_conn, content, extract_date=JUNE, actor="test")
    (found,) = refused.value.problems
    assert (found.record, found.field) == problem[:2]
    assert problem[2] in found.message


def _bbr_file(buildings, units) -> bytes:
    return json.dumps({"BygningList": buildings, "EnhedList": units}).encode()


def _b(ident, **kw):
    return {
        "id_lokalId": ident,
        "byg021BygningensAnvendelse": "140",
        "byg404Koordinat": "POINT(571100 6223100)",
        "registreringTil": None,
        "virkningTil": None,
        **kw,
    }


def _u(ident, building, **kw):
    return {"id_lokalId": ident, "bygning": building, "enh020EnhedensAnvendelse": "140", **kw}


def test_every_problem_of_a_bad_bbr_file_is_listed_and_nothing_written(ref_conn):
    before = ref_conn.execute(text("SELECT count(*) FROM building")).scalar_one()
    changes = _changes(ref_conn)
    content = _bbr_file(
        [
            _b("a"),
            _b("b", byg404Koordinat="POINT(10.43 55.40)"),  # degrees: another CRS
            _b("c", byg021BygningensAnvendelse="x1"),
            _b("d", byg066Ejerforhold="77"),
        ],
        [
            _u("u1", "a"),
            _u("u2", "nowhere"),
            _u("u3", "a", enh046OffentligStøtte="11"),
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        bbr.import_bbr(ref_conn, content, extract_date=JUNE, actor="test")
    found = {(p.record, p.field) for p in refused.value.problems}
    assert found == {
        ("BygningList[1] (b)", "byg404Koordinat"),
        ("BygningList[2] (c)", "byg021BygningensAnvendelse"),
        ("BygningList[3] (d)", "byg066Ejerforhold"),
        ("EnhedList[2] (u3)", "enh046OffentligStoette"),
        ("EnhedList[1] (u2)", "bygning"),
    }
    assert "wrong CRS" in str(refused.value.problems[0])
    assert ref_conn.execute(text("SELECT count(*) FROM building")).scalar_one() == before
    assert _changes(ref_conn) == changes


def _parcels(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _f(nummer, ring, **props):
    return {
        "type": "Feature",
        "properties": {"ejerlavskode": 2000171, "matrikelnummer": nummer, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


SQUARE = [[571000, 6223000], [571100, 6223000], [571100, 6223100], [571000, 6223100]]


def test_every_problem_of_a_bad_matrikel_file_is_listed(ref_conn):
    bowtie = [[571000, 6223000], [571100, 6223100], [571100, 6223000], [571000, 6223100]]
    degrees = [[10.4, 55.4], [10.5, 55.4], [10.5, 55.5], [10.4, 55.4]]
    content = _parcels(
        _f("1a", [*SQUARE, SQUARE[0]]),
        _f("1b", [*bowtie, bowtie[0]]),
        _f("1c", degrees),
        _f("1a", [*SQUARE, SQUARE[0]]),
        {"type": "Feature", "properties": {"matrikelnummer": "9"}, "geometry": None},
    )
    with pytest.raises(ImportRefused) as refused:
        matrikel.import_matrikel(ref_conn, content, extract_date=JUNE, actor="test")
    messages = {(p.record, p.field): p.message for p in refused.value.problems}
    assert set(messages) == {
        ("features[1] (1b)", "geometry"),
        ("features[2] (1c)", "geometry"),
        ("features[3] (1a)", "matrikelnummer"),
        ("features[4] (9)", "ejerlavskode"),
        ("features[4] (9)", "geometry"),
    }
    assert messages[("features[3] (1a)", "matrikelnummer")] == "2000171-1a is features[0] (1a) too"
    assert "invalid: Self-intersection" in messages[("features[1] (1b)", "geometry")]
    assert "wrong CRS" in messages[("features[2] (1c)", "geometry")]


def test_a_crs_other_than_25832_is_refused(ref_conn):
    content = json.loads(_parcels(_f("1a", [*SQUARE, SQUARE[0]])))
    content["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    with pytest.raises(ImportRefused) as refused:
        matrikel.import_matrikel(
            ref_conn, json.dumps(content).encode(), extract_date=JUNE, actor="test"
        )
    assert [(p.record, p.field) for p in refused.value.problems] == [("file", "crs")]


def test_area_define_refuses_unknown_parcels_and_a_taken_slug(loaded):
    csv = "ejerlavskode,matrikelnummer\n2000171,1a\n2000171,99\nx,1\n"
    with pytest.raises(ImportRefused) as refused:
        define_area(loaded, "t", name="T", kind="omdannelse", parcels_csv=csv, actor="test")
    assert [(p.record, p.field) for p in refused.value.problems] == [("line 4", "ejerlavskode")]
    csv = "ejerlavskode,matrikelnummer\n2000171,1a\n2000171,99\n"
    with pytest.raises(ImportRefused) as refused:
        define_area(loaded, "t", name="T", kind="omdannelse", parcels_csv=csv, actor="test")
    assert [str(p) for p in refused.value.problems] == [
        "line 3, matrikelnummer: no parcel 2000171-99 (import Matrikel first)"
    ]
    csv = "ejerlavskode,matrikelnummer\n2000171,1a\n"
    with pytest.raises(Conflict):
        define_area(loaded, "vollsmose", name="V", kind="omdannelse", parcels_csv=csv, actor="t")


def test_merged_parcels_and_a_changed_building_are_reported_by_key(loaded):
    parcels = json.loads((FIXTURES / "jordstykker.geojson").read_text())
    merged = parcels["features"][0]
    merged["geometry"]["coordinates"] = [
        [[571000, 6223000], [571400, 6223000], [571400, 6223200], [571000, 6223200],
         [571000, 6223000]]
    ]  # fmt: skip
    merged["properties"]["registreretAreal"] = 80_000
    del parcels["features"][1]  # 1b is now part of 1a
    report = matrikel.import_matrikel(
        loaded, json.dumps(parcels).encode(), extract_date=JULY, actor="test"
    )
    assert report.changes == {
        "parcels merged": ["2000171-1a, 2000171-1b → 2000171-1a"],
        "parcels changed": ["2000171-1a"],
        "parcels removed": ["2000171-1b"],
        "buildings placed": [f"{B}2"],  # it stood on 1b
    }
    extract = json.loads((FIXTURES / "bbr.json").read_text())
    current = next(
        b
        for b in extract["BygningList"]
        if b["id_lokalId"] == f"{B}1" and b["registreringTil"] is None
    )
    current["byg054AntalEtager"] = 5
    report = bbr.import_bbr(loaded, json.dumps(extract).encode(), extract_date=JULY, actor="t")
    assert report.changes == {"buildings changed": [f"BBR {B}1"]}
    storeys = loaded.execute(
        text(f"SELECT storeys, source_extract_date FROM building WHERE source_id = '{B}1'")
    ).one()
    assert tuple(storeys) == (5, JULY)


def test_an_extract_elsewhere_removes_nothing_of_this_one(loaded):
    far = _bbr_file([_b("elsewhere", byg404Koordinat="POINT(700000 6100000)")], [])
    report = bbr.import_bbr(loaded, far, extract_date=JULY, actor="test")
    assert report.changes == {"buildings added": ["elsewhere"]}
    square = [[700000, 6100000], [700100, 6100000], [700100, 6100100], [700000, 6100100]]
    far = _parcels(_f("99", [*square, square[0]]))
    report = matrikel.import_matrikel(loaded, far, extract_date=JULY, actor="test")
    # …and the far building lands on it; 1a to 3 stay.
    assert report.changes == {"parcels added": ["2000171-99"], "buildings placed": ["elsewhere"]}
