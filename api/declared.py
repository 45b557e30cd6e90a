"""Routes whose query parameters are declared once (`gis.ogc.params.Parameters`): the
dependency that parses them (`Declared`, subclassed by each kind of route) and the API
document's parameters of each such route, taken from the same declaration (`document`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from gis.ogc.params import Parameters


class Declared:
    """A dependency that parses a route's query string by `declared` (subclasses say
    what the route then gets)."""

    def __init__(self, declared: Parameters) -> None:
        self.declared = declared


def declared_of(route: APIRoute) -> Parameters | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, Declared):
            return dependency.call.declared
    return None


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters FastAPI itself reads for a route, in any of its dependencies."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def document(router: APIRouter) -> None:
    """Writes each declared route's query parameters into its OpenAPI operation (FastAPI
    adds `openapi_extra` to what it documents), but those another of its dependencies
    declares to FastAPI already (the plan version of `api.deps.get_connection`): call once
    its routes are defined, before the router is included."""
    for route in router.routes:
        if isinstance(route, APIRoute) and (declared := declared_of(route)) is not None:
            known = _query_names(route.dependant)
            extra = dict(route.openapi_extra or {})
            extra["parameters"] = [
                *extra.get("parameters", []),
                *(p.openapi() for p in declared.params if p.name not in known),
            ]
            route.openapi_extra = extra
