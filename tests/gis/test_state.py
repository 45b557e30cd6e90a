"""The SQL rule of time, `state_includes(start, end, year)`: present in Y iff start < Y <= end.

An event dated E shows from the state of 1 January E+1, so a thing started in E is absent in
E and present in E+1; a thing ended in E is present in E and absent in E+1. NULL is open.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, select, text

from gis.state import in_state

CASES = [
    # start, end, year, present
    (None, None, 2030, True),
    (None, 2026, 2026, True),  # ended during 2026: still there on 1 January 2026
    (None, 2026, 2027, False),
    (None, 2026, 2000, True),
    (2027, None, 2027, False),  # started during 2027: not yet there on 1 January 2027
    (2027, None, 2028, True),
    (2027, None, 2000, False),
    (2020, 2025, 2020, False),
    (2020, 2025, 2021, True),
    (2020, 2025, 2025, True),
    (2020, 2025, 2026, False),
    (2025, 2025, 2025, False),  # built and gone within one year: never in a 1 January state
    (2025, 2025, 2026, False),
    (2024, 2025, 2025, True),  # exactly one state: 1 January 2025
]


@pytest.mark.parametrize(("start", "end", "year", "present"), CASES)
def test_state_includes(conn: Connection, start, end, year, present) -> None:
    got = conn.execute(
        text(
            "SELECT state_includes(CAST(:s AS integer), CAST(:e AS integer), CAST(:y AS integer))"
        ),
        {"s": start, "e": end, "y": year},
    ).scalar_one()
    assert got is present


def test_state_includes_table_of_cases_in_one_query(conn: Connection) -> None:
    """Set-based, as the queries use it: the rule evaluated over a table of rows."""
    conn.execute(
        text("CREATE TEMP TABLE life (i integer, s integer, e integer, y integer) ON COMMIT DROP")
    )
    conn.execute(
        text("INSERT INTO life VALUES (:i, :s, :e, :y)"),
        [{"i": i, "s": s, "e": e, "y": y} for i, (s, e, y, _) in enumerate(CASES)],
    )
    rows = conn.execute(
        text("SELECT i, state_includes(s, e, y) AS present FROM life ORDER BY i")
    ).all()
    assert [r.present for r in rows] == [present for *_, present in CASES]


def test_in_state_expression_uses_the_same_function(conn: Connection) -> None:
    for start, end, year, present in CASES:
        assert conn.execute(select(in_state(start, end, year))).scalar_one() is present


def test_state_includes_is_immutable_and_inlinable(conn: Connection) -> None:
    """IMMUTABLE and plain SQL: the planner can inline it into the set-based queries."""
    row = conn.execute(
        text(
            "SELECT p.provolatile, l.lanname, p.proparallel FROM pg_proc p"
            " JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = 'state_includes'"
        )
    ).one()
    assert (row.provolatile, row.lanname, row.proparallel) == ("i", "sql", "s")


def test_presence_of_a_row_in_a_building_is_one_state_includes(conn: Connection) -> None:
    """The identity gis/sql/tenure_mix.sql relies on to sum equal lives once:
    present(built, demolished) AND present(start, end)
    == present(greatest(built, start), least(demolished, end)), NULL meaning open."""
    mismatches = conn.execute(
        text(
            "WITH v(x) AS (SELECT NULL::integer UNION ALL SELECT generate_series(2024, 2028)),"
            " y(y) AS (SELECT generate_series(2023, 2030))"
            " SELECT count(*) FILTER (WHERE"
            "   (state_includes(b.x, d.x, y.y) AND state_includes(s.x, e.x, y.y))"
            "   IS DISTINCT FROM state_includes(greatest(b.x, s.x), least(d.x, e.x), y.y)),"
            " count(*)"
            " FROM v b, v d, v s, v e, y"
        )
    ).one()
    assert mismatches == (0, 6**4 * 8)
