"""The CSV import: bad rows reported line by line with their column, and nothing written
unless every row is good; the same from the command line and over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from gis import auth
from gis.criteria.importer import COLUMNS, CsvImportError, import_values
from gis.models.criteria import CriteriaValue
from tests.api.conftest import make_client
from tests.criteria.support import make_area
from tests.support import prepared_database

HEADER = ",".join(COLUMNS)
GOOD = [
    "testomraade,2023,1200,41.5,1.2,61,54.5,52,false,true,test",
    "testomraade,2024,1190,,1.1,60,55,51,false,true,test",
]
# Line numbers count the header as line 1.
BAD = [
    "testomraade,2025,1180,41,1.0,60,55,50,false,true,test",  # line 2: good
    "findes-ikke,2025,1000,40,1,60,55,50,false,true,test",  # line 3: area
    "testomraade,tyve,1000,40,1,60,55,50,false,true,test",  # line 4: year
    "testomraade,2026,1000,140,1,60,55,50,false,true,test",  # line 5: outside_work > 100
    "testomraade,2027,-5,40,x,60,55,50,false,true,test",  # line 6: residents, convicted
    "testomraade,2028,1000,40,1,60,55,50,maybe,true,",  # line 7: published, data_source
    "testomraade,2025,1180,41,1.0,60,55,50,false,true,test",  # line 8: duplicate of line 2
    "testomraade,2029,1000,40",  # line 9: too few fields
]
EXPECTED_BAD = {
    (3, "area"),
    (4, "year"),
    (5, "outside_work"),
    (6, "residents"),
    (6, "convicted"),
    (7, "published"),
    (7, "data_source"),
    (8, "year"),
    (9, None),
}


def csv_text(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def stored(conn) -> int:
    return conn.execute(select(func.count()).select_from(CriteriaValue)).scalar_one()


def test_good_rows_are_stored_and_a_missing_value_stays_missing(conn) -> None:
    area = make_area(conn)
    assert import_values(conn, csv_text(GOOD)) == 2
    rows = conn.execute(
        select(CriteriaValue.__table__)
        .where(CriteriaValue.area_id == area)
        .order_by(CriteriaValue.year)
    ).all()
    assert [r.year for r in rows] == [2023, 2024]
    assert rows[0].outside_work == 41.5 and rows[1].outside_work is None
    assert rows[0].illustrative is True and rows[0].published is False


def test_a_row_replaces_the_stored_year(conn) -> None:
    make_area(conn)
    import_values(conn, csv_text(GOOD))
    import_values(conn, csv_text([GOOD[0].replace(",41.5,", ",30.0,")]))
    assert stored(conn) == 2
    got = conn.execute(select(CriteriaValue.outside_work).where(CriteriaValue.year == 2023))
    assert got.scalar_one() == 30.0


def test_bad_rows_are_reported_line_by_line_and_nothing_is_written(conn) -> None:
    make_area(conn)
    before = stored(conn)
    with pytest.raises(CsvImportError) as caught:
        import_values(conn, csv_text(BAD))
    assert {(e["line"], e["column"]) for e in caught.value.errors} == EXPECTED_BAD
    assert all(e["message"] for e in caught.value.errors)
    assert stored(conn) == before  # not even the good line 2


def test_a_wrong_header_names_the_columns(conn) -> None:
    make_area(conn)
    header = HEADER.replace("convicted", "doemte")
    with pytest.raises(CsvImportError) as caught:
        import_values(conn, header + "\n" + GOOD[0] + "\n")
    got = {(e["line"], e["column"], e["message"]) for e in caught.value.errors}
    assert (1, "convicted", "column missing from the header") in got
    assert (1, "doemte", "unknown column") in got


# -- the same over the command line and HTTP, against committed databases ----------------


@pytest.fixture(scope="module")
def import_db(new_database) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def load(conn):
        make_area(conn)
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, role, role)

    return prepared_database(new_database, load), tokens


def count_in(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as c:
        n = c.execute(text("SELECT count(*) FROM criteria_value")).scalar_one()
    engine.dispose()
    return n


VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))


def test_cli_import_reports_each_bad_line_and_writes_nothing(import_db, tmp_path) -> None:
    url, _ = import_db
    env = {**os.environ, "DATABASE_URL": url}
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(BAD), encoding="utf-8")
    before = count_in(url)
    out = subprocess.run(
        [VOLLSMOSE, "criteria", "import", str(bad)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 2
    for line, column in EXPECTED_BAD:
        where = f"line {line}" + (f", column {column}" if column else "")
        assert where in out.stderr
    assert count_in(url) == before

    good = tmp_path / "good.csv"
    good.write_text(csv_text([r.replace("2023", "2013").replace("2024", "2014") for r in GOOD]))
    out = subprocess.run(
        [VOLLSMOSE, "criteria", "import", str(good)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "imported 2 rows" in out.stdout
    assert count_in(url) == before + 2


@pytest.fixture
def client(import_db) -> Iterator:
    with make_client(import_db[0]) as c:
        yield c


def post(client, body: str, token: str | None):
    headers = {"Content-Type": "text/csv"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/criteria/import", content=body.encode(), headers=headers)


def test_http_import_needs_a_planner_or_admin(client, import_db) -> None:
    url, tokens = import_db
    before = count_in(url)
    assert post(client, csv_text(GOOD), None).status_code == 401
    assert post(client, csv_text(GOOD), tokens["developer_company"]).status_code == 403
    assert count_in(url) == before
    r = post(client, csv_text(GOOD), tokens["planner"])
    assert r.status_code == 200 and r.json() == {"imported": 2}
    assert post(client, csv_text(GOOD), tokens["admin"]).status_code == 200
    assert count_in(url) == before + 2  # the second import replaced the same two years


def test_http_bad_rows_answer_422_with_every_line_and_write_nothing(client, import_db) -> None:
    url, tokens = import_db
    before = count_in(url)
    r = post(client, csv_text(BAD), tokens["planner"])
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert {(e["line"], e["column"]) for e in body["errors"]} == EXPECTED_BAD
    assert "nothing was imported" in body["detail"]
    assert count_in(url) == before
    r = post(client, "\xff", tokens["planner"])
    assert r.status_code == 422


# -- what the csv module would have let through ------------------------------------------

MALFORMED = [
    # (rows after the header, the line and column named)
    (['testomraade,2023,1200,41.5,1.2,61,54.5,52,false,true,"test', GOOD[1]], (2, "data_source")),
    ([GOOD[0], 'testomraade,2024,"1190,,1.1,60,55,51,false,true,test'], (3, "residents")),
    ([GOOD[0], 'testomraade,2024,"11"90,,1.1,60,55,51,false,true,test'], (3, "residents")),
    (['"testomraade,2023,1200,41.5,1.2,61,54.5,52,false,true,test'], (2, "area")),
]


@pytest.mark.parametrize(("rows", "where"), MALFORMED)
def test_a_quote_left_open_is_refused_naming_line_and_column(conn, rows, where) -> None:
    make_area(conn)
    before = stored(conn)
    with pytest.raises(CsvImportError) as caught:
        import_values(conn, csv_text(rows))
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [where]
    assert stored(conn) == before


def test_a_quoted_field_over_lines_keeps_the_line_numbers_of_the_file(conn) -> None:
    make_area(conn)
    rows = [GOOD[0].replace(",test", ',"two\nlines"'), GOOD[1].replace(",1190,", ",-1,")]
    with pytest.raises(CsvImportError) as caught:
        import_values(conn, csv_text(rows))
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [(4, "residents")]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (GOOD[0].replace(",1200,", ",2147483648,"), "residents"),  # beyond int4
        (GOOD[0].replace(",1200,", f",{10**40},"), "residents"),
        (GOOD[0].replace(",54.5,", ",1e400,"), "income"),  # infinite as a double
        # What Python's int() and float() take and no spreadsheet means as a number:
        (GOOD[0].replace(",2023,", ",2_023,"), "year"),
        (GOOD[0].replace(",2023,", ",\u0662\u0660\u0662\u0663,"), "year"),  # Arabic-Indic
        (GOOD[0].replace(",1200,", ",\uff11\uff12\uff10\uff10,"), "residents"),  # full-width
        (GOOD[0].replace(",54.5,", ",5_4.5,"), "income"),
        (GOOD[0].replace(",54.5,", ",nan,"), "income"),
        (GOOD[0].replace(",54.5,", ",infinity,"), "income"),
        (GOOD[0].replace(",test", ",te\x00st"), "data_source"),  # PostgreSQL text has no NUL
        (GOOD[0].replace("testomraade", "testomr\x00aade"), "area"),
        (GOOD[0].replace(",test", "," + "x" * 200_000), "data_source"),  # over csv's field limit
    ],
)
def test_a_value_no_column_can_hold_is_refused_and_nothing_written(conn, row, column) -> None:
    make_area(conn)
    before = stored(conn)
    with pytest.raises(CsvImportError) as caught:
        import_values(conn, csv_text([GOOD[1], row]))
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [(3, column)]
    assert stored(conn) == before


@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_lines_ended_by_cr_alone_or_crlf_are_lines(conn, end) -> None:
    make_area(conn)
    before = stored(conn)
    import_values(conn, end.join([HEADER, *GOOD]) + end)
    assert stored(conn) == before + len(GOOD)


def test_numbers_as_spreadsheets_write_them_are_read(conn) -> None:
    make_area(conn)
    # An exponent, a sign, a decimal comma in a quoted field.
    row = GOOD[0].replace(",54.5,", ",5.45E+01,").replace(",1.2,", ",+1.2,")
    import_values(conn, csv_text([row.replace(",41.5,", ',"41,5",')]))
    got = conn.execute(
        text("SELECT income, convicted, outside_work FROM criteria_value WHERE year = 2023")
    )
    assert tuple(got.one()) == (54.5, 1.2, 41.5)


def test_http_malformed_csv_and_out_of_range_values_answer_422_naming_them(
    client, import_db
) -> None:
    url, tokens = import_db
    before = count_in(url)
    rows, where = MALFORMED[1]
    r = post(client, csv_text(rows), tokens["planner"])
    assert r.status_code == 422
    assert [(e["line"], e["column"]) for e in r.json()["errors"]] == [where]
    r = post(client, csv_text([GOOD[0].replace(",1200,", ",2147483648,")]), tokens["planner"])
    assert r.status_code == 422
    assert [(e["line"], e["column"]) for e in r.json()["errors"]] == [(2, "residents")]
    # A NUL is refused before the route reads the body, naming its line.
    r = post(client, csv_text([GOOD[0].replace(",test", ",te\x00st")]), tokens["planner"])
    assert r.status_code == 400 and "line 2" in r.json()["detail"]
    assert count_in(url) == before
