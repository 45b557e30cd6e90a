"""Importing indicator values: all rows or none, every problem named by line and column, and
a value of fewer than 5 persons stored suppressed, without its number, whoever writes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from gis.models.program import Indicator, Value
from gis.program.importer import COLUMNS, CsvImportError, import_values
from gis.program.reference import employment_targets, load_program, rehousing_targets

HEADER = ",".join(COLUMNS)
GOOD = [
    "foreninger,2025,40,,register,CVR-udtræk,2025-10-01",  # a count shown
    "foreninger,2026,5,,import,test,",  # 5 is shown: the threshold is below 5
    "foreninger,2027,4,,import,test,",  # a count below 5: suppressed
    "mindst_2_dansk_matematik,2025,87.654,3,import,test,",  # a share of 3 pupils: suppressed
    'mindst_2_dansk_matematik,2026,"76,5",40,,test,',  # decimal comma; provenance default
]
BAD = [
    "foreninger,2030,12,,import,test,",  # line 2: good
    "findes_ikke,2030,1,,import,test,",  # line 3: indicator
    "foreninger,tyve,1,,import,test,",  # line 4: year
    "mindst_2_dansk_matematik,2030,140,,import,test,",  # line 5: value over 100 %
    "foreninger,2031,2.5,,import,test,",  # line 6: a count that is no whole number
    "foreninger,2032,3,,gaet,test,",  # line 7: provenance
    "foreninger,2033,30,,import,,2999-01-01",  # line 8: source, source_date
    "foreninger,2030,12,,import,test,",  # line 9: same indicator and year as line 2
    "mindst_2_dansk_matematik,2034,50,-1,import,test,",  # line 10: count
    "foreninger,2035",  # line 11: too few fields
]
EXPECTED_BAD = {
    (3, "indicator"),
    (4, "year"),
    (5, "value"),
    (6, "value"),
    (7, "provenance"),
    (8, "source"),
    (8, "source_date"),
    (9, "year"),
    (10, "count"),
    (11, None),
}


def csv_text(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def program(conn):
    load_program(conn)
    return conn


def stored(conn, key: str) -> dict[int, tuple]:
    rows = conn.execute(
        select(Value.year, Value.value, Value.suppressed, Value.provenance)
        .join(Indicator, Indicator.id == Value.indicator_id)
        .where(Indicator.key == key)
    )
    return {r.year: (r.value, r.suppressed, r.provenance) for r in rows}


def everything(conn) -> list:
    return conn.execute(select(Value.__table__).order_by(Value.indicator_id, Value.year)).all()


def test_good_rows_are_stored_and_small_counts_suppressed_without_their_number(program) -> None:
    assert import_values(program, csv_text(GOOD)) == {"imported": 5, "suppressed": 2}
    clubs = stored(program, "foreninger")
    assert clubs[2025] == (40.0, False, "register")
    assert clubs[2026] == (5.0, False, "import")
    assert clubs[2027] == (None, True, "import")  # the 4 is nowhere
    grades = stored(program, "mindst_2_dansk_matematik")
    assert grades[2025] == (None, True, "import")  # nor the share of 3 pupils
    assert grades[2026] == (76.5, False, "import")


def test_a_row_replaces_the_stored_year_even_with_a_suppressed_one(program) -> None:
    import_values(program, csv_text([GOOD[0]]))
    import_values(program, csv_text([GOOD[0].replace(",40,", ",2,")]))
    assert stored(program, "foreninger")[2025] == (None, True, "register")


def test_bad_rows_are_reported_line_by_line_and_nothing_is_written(program) -> None:
    before = everything(program)
    with pytest.raises(CsvImportError) as caught:
        import_values(program, csv_text(BAD))
    assert {(e["line"], e["column"]) for e in caught.value.errors} == EXPECTED_BAD
    assert all(e["message"] for e in caught.value.errors)
    assert everything(program) == before  # not even the good line 2


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("foreninger,2_030,12,,import,test,", "year"),
        ("foreninger,\u0662\u0660\u0663\u0660,12,,import,test,", "year"),  # Arabic-Indic
        ("foreninger,2030,1_2,,import,test,", "value"),
        ("foreninger,2030,nan,,import,test,", "value"),
        ("mindst_2_dansk_matematik,2030,50,\uff14\uff10,import,test,", "count"),  # full-width
    ],
)
def test_numbers_no_spreadsheet_writes_are_refused(program, row, column) -> None:
    """Python's int() and float() take them; a register or a spreadsheet does not mean them."""
    before = everything(program)
    with pytest.raises(CsvImportError) as caught:
        import_values(program, csv_text([row]))
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [(2, column)]
    assert everything(program) == before


def test_a_problem_never_echoes_the_value(program) -> None:
    # A small count with a bad provenance: the message names the column, not the number.
    with pytest.raises(CsvImportError) as caught:
        import_values(program, csv_text(["foreninger,2030,3.25,,gaet,test,"]))
    assert all("3.25" not in str(e) for e in caught.value.errors)


def test_a_wrong_header_names_the_columns(program) -> None:
    with pytest.raises(CsvImportError) as caught:
        import_values(program, HEADER.replace("count", "antal") + "\n" + GOOD[0] + "\n")
    got = {(e["line"], e["column"], e["message"]) for e in caught.value.errors}
    assert (1, "count", "column missing from the header") in got
    assert (1, "antal", "unknown column") in got


def test_the_database_refuses_a_small_count_from_any_writer(program) -> None:
    clubs = program.execute(select(Indicator.id).where(Indicator.key == "foreninger")).scalar()
    insert = text(
        "INSERT INTO program_value (indicator_id, year, value, suppressed, provenance, source)"
        " VALUES (:i, 2040, :v, :s, 'import', 'psql')"
    )
    with pytest.raises(IntegrityError, match="below 5"), program.begin_nested():
        program.execute(insert, {"i": clubs, "v": 4, "s": False})
    with pytest.raises(IntegrityError, match="program_value_suppressed"), program.begin_nested():
        program.execute(insert, {"i": clubs, "v": 40, "s": True})  # suppressed with a number
    with program.begin_nested():
        program.execute(insert, {"i": clubs, "v": 5, "s": False})


def test_the_bundled_values_are_checked_as_an_import_is(program) -> None:
    # data/program/values.csv holds a satellite count of 3 for 2022 and a share of 4 persons.
    assert stored(program, "kultur_satellitter")[2022] == (None, True, "illustrative")
    assert stored(program, "aktiv_boern_unge_sag")[2023] == (None, True, "illustrative")
    assert stored(program, "offentlig_forsoergelse_merantal")[2019] == (1734.0, False, "plan")


def test_the_plans_targets_are_computed_from_its_figures() -> None:
    excess = {t["year"]: t["value"] for t in employment_targets()}
    assert excess[2020] == 1734 - 150
    assert excess[2021] == 1734 - 150 - 195
    assert excess[2028] == 1734 - 150 - 8 * 195  # 24: about the rest of Odense's level
    assert sorted(excess) == list(range(2020, 2029))
    rehoused = {t["year"]: t["value"] for t in rehousing_targets()}
    assert rehoused[2020] == 9  # Fyrreparken's 26 over 2020-2022
    assert rehoused[2028] == 97 * 8 + 67 * 3 + 26
