"""The routers' routes on the app's own route list.

FastAPI 0.16x keeps an included router as one lazy entry in the app's routes. Matching a
request then walks it twice, once to learn that the router matches and once to pick the
route in it, and swaps context keys in the scope for every route it tries. On the OGC API's
items and tiles that cost about 0.03–0.08 ms a request (in process), of the 0.3–0.4 ms the
API spends beside its query. Each route registered on the app, as `@app.get` would do, is
matched once, by its own regular expression.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

# What a route was declared with; add_api_route takes each under the same name. A setting
# left out here would silently change a route, so tests/api/test_routing.py compares the
# whole OpenAPI document with the one FastAPI's own include_router gives.
_DECLARED = (
    "response_model",
    "status_code",
    "tags",
    "dependencies",
    "summary",
    "description",
    "response_description",
    "responses",
    "deprecated",
    "methods",
    "operation_id",
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
    "include_in_schema",
    "response_class",
    "name",
    "callbacks",
    "openapi_extra",
    "generate_unique_id_function",
    "strict_content_type",
)


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """Adds each of `router`'s routes to `app` as a route of its own, in order. The app's
    dependencies (the reader check, `api.auth.register`) and dependency overrides apply to
    them as to any route of the app."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only API routes can be added flat")
        declared = {name: getattr(route, name) for name in _DECLARED}
        app.router.add_api_route(
            route.path, route.endpoint, route_class_override=type(route), **declared
        )
