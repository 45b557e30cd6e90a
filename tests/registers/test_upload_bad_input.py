"""Bad register files and queries over HTTP (the audit of the upload): each is a 4xx
problem naming what is wrong, never a 500, and nothing of it is written; what GIS software
writes without fault (a byte order mark, heights) is read. A database of its own (the
reference data, the June extracts imported first), whose writes commit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gis.record import LOCAL

FIXTURES = Path(__file__).parent / "fixtures"
URL = "/registers/{}/import?extract_date=2026-06-01"
BOM = b"\xef\xbb\xbf"
# The body guard checks NULs and lone surrogates of JSON media types only: the importers
# check what they read whatever the body says it is.
KINDS = ("application/octet-stream", "text/plain")


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _post(client, ref, register, content, kind="application/json", url=URL):
    headers = {**ref.bearer("planner"), "Content-Type": kind}
    return client.post(url.format(register), content=content, headers=headers)


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


def _scalar(ref, sql: str, **params):
    engine = create_engine(ref.url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def _changes(ref) -> int:
    return _scalar(ref, "SELECT count(*) FROM plan_change")


@pytest.fixture(scope="module")
def imported(writable_ref):
    """The June extracts of Matrikel, BBR and DAR, imported: a bad file must leave them."""
    from tests.support import make_client

    with make_client(writable_ref.url) as client:
        for register, name in (
            ("matrikel", "jordstykker.geojson"),
            ("bbr", "bbr.json"),
            ("dar", "dar.json"),
        ):
            r = _post(client, writable_ref, register, (FIXTURES / name).read_bytes())
            assert r.status_code == 200, r.text
    return writable_ref


def _parcels_named(ref) -> list[str]:
    engine = create_engine(ref.url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT matrikelnummer FROM parcel WHERE source_register = 'matrikel'")
        )
        names = sorted(rows.scalars())
    engine.dispose()
    return names


# --- 1. lone surrogates, whatever the Content-Type -------------------------------------------

# (the JSON as sent, what a lone surrogate is once escaped in a problem's record)
SURROGATES = [
    ("\\ud800x", "\\ud800x"),  # a lone high one: yajl made it "?x"
    ("\\udc00", "\\udc00"),  # a lone low one: yajl's bytes were a 500
    ("\\ud800\\u0041", "\\ud800A"),  # a high one before another escape: yajl made it 𐁁
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("sent", "escaped"), SURROGATES)
def test_a_lone_surrogate_in_a_matrikelnummer_is_refused(
    writable_client, imported, kind, sent, escaped
):
    before, changes = _parcels_named(imported), _changes(imported)
    doc = _fixture("jordstykker.geojson")
    doc["features"][1]["properties"]["matrikelnummer"] = "@@"
    content = json.dumps(doc).encode().replace(b'"@@"', b'"' + sent.encode() + b'"')
    body = _problem(_post(writable_client, imported, "matrikel", content, kind), 422)
    assert body["errors"] == [
        {
            "record": f"features[1] ({escaped})",
            "field": "matrikelnummer",
            "message": "holds a lone surrogate (\\ud800-\\udfff), which is no character",
        }
    ]
    assert _parcels_named(imported) == before and _changes(imported) == changes


@pytest.mark.parametrize("kind", KINDS)
def test_a_lone_surrogate_in_a_street_name_is_refused(writable_client, imported, kind):
    changes = _changes(imported)
    doc = _fixture("dar.json")
    doc["NavngivenVejList"][0]["vejnavn"] = "\ud800"
    content = json.dumps(doc).encode()  # the lone surrogate as its escape, \ud800
    assert b'"vejnavn": "\\ud800"' in content
    body = _problem(_post(writable_client, imported, "dar", content, kind), 422)
    assert body["errors"][0] == {
        "record": "NavngivenVejList[0] (e0000000-0000-4000-8000-000000000001)",
        "field": "vejnavn",
        "message": "holds a lone surrogate (\\ud800-\\udfff), which is no character",
    }
    # The street refused, its husnumre name a street the file does not give (test_dar).
    assert {e["field"] for e in body["errors"][1:]} == {"navngivenVej"}
    assert _changes(imported) == changes
    assert _scalar(imported, "SELECT count(*) FROM address WHERE vejnavn = 'Testvej'") == 4


def test_a_surrogate_pair_is_the_character_it_encodes(writable_client, imported):
    doc = _fixture("dar.json")
    doc["NavngivenVejList"][0]["vejnavn"] = "Testvej \U0001f333"
    content = json.dumps(doc).encode()  # as the pair \ud83c\udf33
    assert b"\\ud83c\\udf33" in content
    r = _post(writable_client, imported, "dar", content, "text/plain")
    assert r.status_code == 200, r.text
    assert _scalar(imported, "SELECT count(*) FROM address WHERE vejnavn = :v",
                   v="Testvej \U0001f333") == 4  # fmt: skip
    r = _post(writable_client, imported, "dar", (FIXTURES / "dar.json").read_bytes())
    assert r.status_code == 200, r.text


def test_bytes_that_are_not_utf8_are_not_json(writable_client, imported):
    # A surrogate encoded as UTF-8 (CESU-8), which yajl passes on to Python's decoder.
    content = (FIXTURES / "jordstykker.geojson").read_bytes().replace(b'"1b"', b'"\xed\xa0\x80"')
    body = _problem(_post(writable_client, imported, "matrikel", content, KINDS[0]), 422)
    assert [(e["record"], e["field"]) for e in body["errors"]] == [("file", None)]
    assert body["errors"][0]["message"].startswith("not valid JSON: ")


# --- 2. a NUL in any text that reaches the database ------------------------------------------


@pytest.mark.parametrize(
    ("register", "fixture", "where", "record"),
    [
        ("dar", "dar.json", ("HusnummerList", 1),
         "HusnummerList[1] (d0000000-0000-4000-8000-000000000001)"),
        ("dar", "dar.json", ("AdressepunktList", 0),
         "AdressepunktList[0] (a0000000-0000-4000-8000-000000000001)"),
        ("dar", "dar.json", ("NavngivenVejList", 0),
         "NavngivenVejList[0] (e0000000-0000-4000-8000-000000000001)"),
        ("dar", "dar.json", ("PostnummerList", 0),
         "PostnummerList[0] (c0000000-0000-4000-8000-000000008210)"),
        ("bbr", "bbr.json", ("BygningList", 0),
         "BygningList[0] (b0000000-0000-4000-8000-000000000001)"),
        ("bbr", "bbr.json", ("EnhedList", 0), None),
        ("matrikel", "jordstykker.geojson", ("features", 0), "features[0] (1a)"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("sent", ["x\\u0000y", "\\ud800"])
def test_a_registration_time_that_cannot_be_stored_is_refused(
    writable_client, imported, register, fixture, where, record, sent
):
    changes = _changes(imported)
    doc = _fixture(fixture)
    obj = doc[where[0]][where[1]]
    (obj["properties"] if register == "matrikel" else obj)["registreringFra"] = "@@"
    content = json.dumps(doc).encode().replace(b'"@@"', b'"' + sent.encode() + b'"')
    body = _problem(_post(writable_client, imported, register, content, "text/plain"), 422)
    (error,) = body["errors"]
    assert error["field"] == "registreringFra"
    assert error["record"] == (record or error["record"])
    assert error["record"].startswith(f"{where[0]}[{where[1]}]")
    assert error["message"].startswith("holds a ")
    assert _changes(imported) == changes


def test_a_nul_in_a_text_field_is_named(writable_client, imported):
    doc = _fixture("bbr.json")
    doc["BygningList"][2]["jordstykke"] = "f1\x00"
    body = _problem(_post(writable_client, imported, "bbr", json.dumps(doc).encode(),
                          "text/plain"), 422)  # fmt: skip
    assert body["errors"] == [
        {
            "record": "BygningList[2] (b0000000-0000-4000-8000-000000000002)",
            "field": "jordstykke",
            "message": "holds a NUL character",
        }
    ]


def test_a_nul_in_a_bbr_point_is_no_point(writable_client, imported):
    doc = _fixture("bbr.json")
    doc["BygningList"][2]["byg404Koordinat"] = "POINT(571250 6223100)\x00junk"
    body = _problem(_post(writable_client, imported, "bbr", json.dumps(doc).encode(),
                          "text/plain"), 422)  # fmt: skip
    assert [(e["record"], e["field"]) for e in body["errors"]] == [
        ("BygningList[2] (b0000000-0000-4000-8000-000000000002)", "byg404Koordinat")
    ]


def test_a_record_label_quoting_the_file_is_shown_escaped(writable_client, imported):
    # An id with a NUL and a lone surrogate: refused, its label readable (not a 500).
    doc = _fixture("bbr.json")
    doc["BygningList"][2]["id_lokalId"] = "b\x00\ud800"
    body = _problem(_post(writable_client, imported, "bbr", json.dumps(doc).encode(),
                          "text/plain"), 422)  # fmt: skip
    errors = [e for e in body["errors"] if e["field"] == "id_lokalId"]
    assert errors == [
        {"record": "BygningList[2] (b\\x00\\ud800)", "field": "id_lokalId",
         "message": "holds a NUL character"}
    ]  # fmt: skip


# --- 3. heights -------------------------------------------------------------------------------


def _with_z(doc: dict) -> dict:
    for feature in doc["features"]:
        rings = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [[[x, y, 12.5] for x, y in ring] for ring in rings]
    return doc


def test_a_3d_parcel_is_read_as_its_2d_shape(writable_client, imported):
    doc = _with_z(_fixture("jordstykker.geojson"))
    r = _post(writable_client, imported, "matrikel", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    assert r.json()["unchanged"] is True  # the same parcels as June's, heights dropped
    # A new one with heights, as a MultiPolygon: stored flat.
    extra = json.loads(json.dumps(doc["features"][0]))
    extra["properties"]["matrikelnummer"] = "9z"
    ring = [[x + 10_000, y, 3.0] for x, y, _ in extra["geometry"]["coordinates"][0]]
    extra["geometry"] = {"type": "MultiPolygon", "coordinates": [[ring]]}
    doc["features"].append(extra)
    r = _post(writable_client, imported, "matrikel", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    assert r.json()["changes"]["parcels added"] == ["2000171-9z"]
    dims = _scalar(imported, "SELECT ST_NDims(geom) FROM parcel WHERE matrikelnummer = '9z'")
    assert dims == 2


def test_a_3d_lokalplan_is_read_as_its_2d_shape(writable_client, imported):
    doc = _with_z(_fixture("lokalplaner.geojson"))
    r = _post(writable_client, imported, "plandata", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    assert r.json()["read"]["lokalplaner"] == 2
    assert _scalar(imported, "SELECT max(ST_NDims(geom)) FROM local_plan") == 2


# --- 4. DAR's points --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "position",
    ["POINT (1.2.3 6223100)", "POINT (e e)", "POINT (- 6223100)", "POINT (571100 6223100e)",
     "POINT (. 6223100)", "POINT (1e 2)"],
)  # fmt: skip
def test_a_malformed_dar_point_is_refused(writable_client, imported, position):
    changes = _changes(imported)
    doc = _fixture("dar.json")
    doc["AdressepunktList"][0]["position"] = position
    body = _problem(_post(writable_client, imported, "dar", json.dumps(doc).encode()), 422)
    assert body["errors"] == [
        {
            "record": "AdressepunktList[0] (a0000000-0000-4000-8000-000000000001)",
            "field": "position",
            "message": "missing or not a WKT POINT (x y) in EPSG:25832",
        },
        {  # the point refused, its husnummer names one the file does not give (test_dar)
            "record": "HusnummerList[1] (d0000000-0000-4000-8000-000000000001)",
            "field": "adgangspunkt",
            "message": "names a0000000-0000-4000-8000-000000000001, which is not in the file",
        },
    ]
    assert _changes(imported) == changes


def test_dar_points_in_every_number_form_are_read(writable_client, imported):
    doc = _fixture("dar.json")
    doc["AdressepunktList"][0]["position"] = "SRID=25832;POINT(+5.711E5 6223100.)"
    r = _post(writable_client, imported, "dar", json.dumps(doc).encode())
    assert r.status_code == 200, r.text
    r = _post(writable_client, imported, "dar", (FIXTURES / "dar.json").read_bytes())
    assert r.status_code == 200, r.text


# --- 5. the extract's date --------------------------------------------------------------------


def _tomorrow() -> str:
    return (dt.datetime.now(LOCAL).date() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "2090-01-01", "1999-12-31", None])
def test_an_extract_date_outside_the_platforms_years_or_to_come_is_a_400(
    writable_client, imported, date
):
    date = date or _tomorrow()
    changes = _changes(imported)
    url = f"/registers/{{}}/import?extract_date={date}"
    # The date is refused before the body is read: this one is no JSON at all.
    for content in (b"not json", (FIXTURES / "bbr.json").read_bytes()):
        body = _problem(_post(writable_client, imported, "bbr", content, url=url), 400)
        assert body["errors"] == [{"parameter": "extract_date", "message": body["detail"]}]
        assert date in body["detail"]
    assert _changes(imported) == changes
    assert _scalar(imported, "SELECT max(built_year) FROM building") <= 2060


def test_today_is_an_extract_date(writable_client, imported):
    today = dt.datetime.now(LOCAL).date().isoformat()
    url = f"/registers/{{}}/import?extract_date={today}"
    r = _post(writable_client, imported, "matrikel",
              (FIXTURES / "jordstykker.geojson").read_bytes(), url=url)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["extract_date"] == today


@pytest.mark.parametrize(
    ("date", "said"),
    [("2090-01-01", "is outside the platform's years (2000 to 2060)"),
     ("2059-01-01", "is after today")],
)  # fmt: skip
def test_the_command_takes_the_same_rule(imported, date, said):
    from tests.test_cli import run

    changes = _changes(imported)
    out = run(imported.url, "import", "bbr", str(FIXTURES / "bbr.json"), "--quiet",
              "--extract-date", date, check=False)  # fmt: skip
    assert out.returncode == 2
    assert f"vollsmose: extract_date {date} {said}" in out.stderr
    assert _changes(imported) == changes


# --- 6. the query --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("extract_date=2026-06-01&dry_run=true", "dry_run"),
        ("dry_run=true", "dry_run"),
        ("extract_date=2026-06-01&extract_date=2026-07-01", "extract_date"),
        ("extract_date=yesterday", "extract_date"),
    ],
)
def test_unknown_repeated_and_malformed_parameters_are_a_400(
    writable_client, imported, query, parameter
):
    changes = _changes(imported)
    doc = _fixture("bbr.json")
    doc["BygningList"][2]["byg054AntalEtager"] = 9  # a change the import would write
    url = f"/registers/{{}}/import?{query}"
    body = _problem(_post(writable_client, imported, "bbr", json.dumps(doc).encode(), url=url),
                    400)  # fmt: skip
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert _changes(imported) == changes


def test_the_query_is_documented_from_its_declaration(writable_client):
    op = writable_client.get("/openapi.json").json()["paths"]["/registers/{register}/import"]
    params = {p["name"]: p for p in op["post"]["parameters"]}
    assert set(params) == {"register", "extract_date"}
    assert params["extract_date"]["in"] == "query"
    assert params["extract_date"]["schema"] == {"type": "string", "format": "date"}
    assert "400" in op["post"]["responses"]


def test_a_token_is_asked_before_the_query(writable_client):
    r = writable_client.post("/registers/bbr/import?dry_run=true", content=b"{}")
    assert r.status_code == 401


# --- 7 and 8. a byte order mark; the parser's words ---------------------------------------


@pytest.mark.parametrize(
    ("register", "name"),
    [
        ("matrikel", "jordstykker.geojson"),
        ("matrikel", "mat2_jordstykker.json"),
        ("bbr", "bbr.json"),
        ("bbr", "bbr_graphql.json"),
        ("dar", "dar.json"),
        ("plandata", "lokalplaner.geojson"),
    ],
)
def test_a_json_file_with_a_byte_order_mark_is_read(writable_client, imported, register, name):
    r = _post(writable_client, imported, register, BOM + (FIXTURES / name).read_bytes(),
              "application/octet-stream")  # fmt: skip
    assert r.status_code == 200, r.text


def test_a_byte_order_mark_and_a_lone_surrogate(writable_client, imported):
    # Both: the file read by the parser that keeps surrogates, past its mark.
    content = BOM + (FIXTURES / "jordstykker.geojson").read_bytes().replace(b'"1b"', b'"\\ud800"')
    body = _problem(_post(writable_client, imported, "matrikel", content, KINDS[0]), 422)
    assert [(e["record"], e["field"]) for e in body["errors"]] == [
        ("features[1] (\\ud800)", "matrikelnummer")
    ]


@pytest.mark.parametrize(
    "content",
    [b'{"features": [x]}', b'{"features": ["\xff"]}', b'{"features": [', BOM + BOM + b"{}"],
)
def test_the_parsers_words_are_plain_text(writable_client, imported, content):
    body = _problem(_post(writable_client, imported, "matrikel", content, KINDS[0]), 422)
    (error,) = body["errors"]
    assert (error["record"], error["field"]) == ("file", None)
    message = error["message"]
    assert message.startswith("not valid JSON: ") and "b'" not in message, message
    assert "\n" not in message
