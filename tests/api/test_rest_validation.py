"""The REST reads validate their own parameters before they take a database connection.

FastAPI solves a route's dependencies, its connection among them, before it validates the
route's own parameters; `api.deps.check_route_parameters` validates them first, from the
same declaration. The client here (`down_client`) is pointed at a port nothing listens on:
an answer that needed the database would be a 503, so a 422 naming the parameter shows that
no I/O came first. (The OGC routes' declared parameters have the same test in test_declared.py.)
"""

from __future__ import annotations

import datetime as dt
import typing

from fastapi.routing import APIRoute

from api import deps
from tests.api.test_errors import assert_problem

CONNECTIONS = {deps.get_connection, deps.get_scratch_connection}
# A value that cannot be a parameter of the type, by its annotation.
INVALID = {int: "abc", float: "abc", bool: "perhaps", dt.date: "2025-13-40"}


def _calls(route: APIRoute) -> set:
    found, todo = set(), [route.dependant]
    while todo:
        d = todo.pop()
        found.add(d.call)
        todo.extend(d.dependencies)
    return found


def _invalid(annotation) -> str | None:
    if typing.get_origin(annotation) is typing.Literal:
        return "no-such-choice"
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return INVALID.get(args[0] if len(args) == 1 else annotation)


def _example(path: str) -> str:
    return (
        path.replace("{area}", "vollsmose")
        .replace("{year}", "2030")
        .replace("{", "x")
        .replace("}", "")
    )


def _reads(app) -> list[APIRoute]:
    """Every REST read that takes a connection."""
    return [
        route
        for route in app.routes
        if isinstance(route, APIRoute) and "GET" in route.methods and _calls(route) & CONNECTIONS
    ]


def _cases(app) -> list[tuple[str, str, str, str]]:
    """(path, in, name, invalid value) for every REST read that takes a connection."""
    cases = []
    for route in _reads(app):
        for where, fields in (
            ("query", route.dependant.query_params),
            ("path", route.dependant.path_params),
        ):
            for field in fields:
                if (value := _invalid(field.field_info.annotation)) is not None:
                    cases.append((route.path, where, field.alias, value))
    return cases


def test_a_bad_parameter_of_a_rest_read_is_a_422_before_the_database_is_asked(down_client):
    cases = _cases(down_client.app)
    # The reads of an area's figures are among them: the sweep sees what it should.
    assert ("/areas/{area}/tenure-mix", "query", "year", "abc") in cases
    assert ("/buildings/{building_id}/life", "path", "building_id", "abc") in cases
    assert len(cases) >= 20
    for path, where, name, value in cases:
        url = _example(path)
        params = {}
        if where == "path":
            url = _example(path.replace("{" + name + "}", value))
        else:
            params[name] = value
        r = down_client.get(url, params=params)
        body = assert_problem(r, 422)
        assert name in [e["parameter"] for e in body["errors"]], (path, name, body)


def test_a_missing_required_parameter_is_a_422_before_the_database_is_asked(down_client):
    r = down_client.get("/areas/vollsmose/tenure-mix")
    assert [e["parameter"] for e in assert_problem(r, 422)["errors"]] == ["year"]
    # What passes the declaration does reach the database: a 503 here.
    assert down_client.get("/areas/vollsmose/tenure-mix?year=2030").status_code == 503


def _periods(app) -> list[str]:
    """Every REST read that takes a connection and a period of years as `from` and `to`."""
    found = []
    for route in _reads(app):
        years = {f.alias for f in route.dependant.query_params if f.field_info.annotation is int}
        if {"from", "to"} <= years:
            found.append(route.path)
    return found


def test_a_period_that_ends_before_it_starts_is_a_422_before_the_database_is_asked(down_client):
    paths = _periods(down_client.app)
    assert {"/areas/{area}/tenure-mix/trajectory", "/legal-share", "/kort/omraader"} <= set(paths)
    for path in paths:
        r = down_client.get(_example(path), params={"from": 2030, "to": 2020})
        body = assert_problem(r, 422)
        assert [e["parameter"] for e in body["errors"]] == ["to"], (path, body)
        assert body["errors"][0]["message"] == "'to' (2020) is before 'from' (2030)."
        # One year is a period too: it reaches the database (a 503 here).
        same = down_client.get(_example(path), params={"from": 2030, "to": 2030})
        assert same.status_code == 503, (path, same.status_code)
