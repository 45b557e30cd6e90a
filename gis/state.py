"""The one rule for "the state in year Y": the data as of 1 January of Y.

An event dated year E (a building built or demolished, dwellings converted, a road opened)
happens during E, so it is part of the state from 1 January E+1. Something that starts with
event S and ends with event E is therefore present in year Y iff S < Y <= E, an open end
being NULL. The rule is the SQL function `state_includes`, created by the first migration, so
hand-written SQL and SQLAlchemy expressions share a single definition.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from gis.errors import InvalidParameter

# The range of years the platform answers for: the law counts demolitions from 2010, and
# the plan's horizon is 2030; a margin either side serves trajectories and scenarios.
MIN_YEAR = 2000
MAX_YEAR = 2060


def check_period(first_year: int, last_year: int) -> None:
    """A period of years (`from`, `to`, both included) ends no earlier than it starts; the
    one statement of it, for the domain and for the HTTP check before any I/O."""
    if last_year < first_year:
        raise InvalidParameter("to", f"'to' ({last_year}) is before 'from' ({first_year}).")


# Shared with the migration that creates it.
STATE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION state_includes(start_year integer, end_year integer, year integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ($1 IS NULL OR $1 < $3) AND ($2 IS NULL OR $2 >= $3)
$$
"""


def in_state(start, end, year) -> ColumnElement[bool]:
    """SQLAlchemy expression: is a thing with this start and end present in `year`?"""
    return func.state_includes(start, end, year)
