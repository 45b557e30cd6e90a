"""Hand-made areas and indicator values for the criteria tests."""

from __future__ import annotations

from sqlalchemy import Connection, insert, text

from gis.criteria import evaluate
from gis.models.criteria import CriteriaNational, CriteriaValue

# Values that meet no criterion of any list, and a national conviction share whose
# multiples are exact in binary floating point (3 × 0.5 = 1.5, 2 × 0.5 = 1.0).
CLEAN = {
    "residents": 2000,
    "outside_work": 10.0,
    "convicted": 0.1,
    "basic_school": 10.0,
    "income": 100.0,
    "non_western": 10.0,
}
NATIONAL = 0.5
# Far over every threshold of the ghetto / parallelsamfund lists, so that a 2-year average
# with a clean neighbour year still meets the averaged criteria (80 and 10 average 45 > 40).
GHETTO = {
    "residents": 2000,
    "outside_work": 80.0,
    "convicted": 0.1,
    "basic_school": 70.0,
    "income": 40.0,
    "non_western": 60.0,
}


def make_area(conn: Connection, slug: str = "testomraade") -> int:
    return conn.execute(
        text(
            "INSERT INTO area (slug, name, kind, boundary) VALUES (:s, :n, 'other', "
            "ST_Multi(ST_MakeEnvelope(590000, 6139000, 590500, 6139400, 25832))) RETURNING id"
        ),
        {"s": slug, "n": slug},
    ).scalar_one()


def national(conn: Connection, years: range, value: float = NATIONAL) -> None:
    conn.execute(
        insert(CriteriaNational),
        [{"year": y, "convicted": value, "data_source": "test"} for y in years],
    )


def put(conn: Connection, area_id: int, year: int, published: bool = False, **values) -> None:
    conn.execute(
        insert(CriteriaValue).values(
            area_id=area_id, year=year, published=published, data_source="test", **values
        )
    )


def year_of(conn: Connection, year: int, slug: str = "testomraade") -> dict:
    (y,) = evaluate(conn, slug, year, year)
    return y


def list_of(result: dict, key: str) -> dict:
    return next(r for r in result["lists"] if r["key"] == key)
