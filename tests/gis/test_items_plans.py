"""An items page is planned once per connection, not on every request
(`gis.ogc.features._page_numbers`, `gis.ogc.crs.bbox_sql`): where no bound value selects its
rows, PostgreSQL keeps the generic plan of the prepared statement. Planning was half the
database's CPU of a small page (benchmarks/README.md, "Figures, 2026-12-01, evening"). A page
that a filter's, a property's or a time's values select is left to PostgreSQL's choice, as
before."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from gis.layers import LAYERS
from gis.ogc import features

BUILDINGS = LAYERS["buildings"]
# psycopg prepares a statement at its 5th run, PostgreSQL makes 5 custom plans of it, then
# compares its generic plan with them: 14 runs leave 4 or more on the kept plan.
RUNS = 14


def _plans(ref_engine: Engine, params: dict[str, str]) -> tuple[int, int]:
    """(generic, custom) plans of the page's prepared statement after RUNS reads on one
    connection of its own (a fresh session: nothing prepared before)."""
    q = features.ItemsQuery.from_params(BUILDINGS, params)
    with ref_engine.connect() as conn:
        pages = [features.items(conn, BUILDINGS, q) for _ in range(RUNS)]
        assert len({(p.features, p.number_matched, p.next_cursor) for p in pages}) == 1
        rows = conn.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%WITH found AS%'"
            )
        ).all()
        conn.rollback()
    assert len(rows) == 1, rows  # the page is one statement, prepared
    return rows[0][0], rows[0][1]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "10"},
        {"limit": "1000"},
        {"limit": "10", "bbox": "10.425,55.403,10.435,55.410"},
        {"limit": "10", "bbox": "10.425,55.403,10.435,55.410", "sortby": "-storeys"},
    ],
    ids=["limit 10", "limit 1000", "bbox", "bbox sortby"],
)
def test_a_page_no_bound_value_selects_keeps_its_generic_plan(
    ref_engine: Engine, params: dict[str, str]
) -> None:
    generic, custom = _plans(ref_engine, params)
    assert generic >= RUNS - 10 and custom <= 5, (generic, custom)


def test_a_later_offset_page_answers_as_the_first_pages_do(ref_engine: Engine) -> None:
    """The first page has its offset written in, a later one binds it: both forms page
    through the same rows."""
    with ref_engine.connect() as conn:

        def page(offset: int) -> features.Page:
            q = features.ItemsQuery.from_params(BUILDINGS, {"limit": "5", "offset": str(offset)})
            return features.items(conn, BUILDINGS, q)

        whole = features.items(
            conn, BUILDINGS, features.ItemsQuery.from_params(BUILDINGS, {"limit": "10"})
        )
        first, second = page(0), page(5)
    assert first.number_returned == second.number_returned == 5
    assert f"{first.features},{second.features}" == whole.features
    assert first.number_matched == second.number_matched == whole.number_matched
