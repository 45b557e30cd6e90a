"""The routers' routes added flat (api/routing.py) are the routes FastAPI's include_router
would give: same paths, operations, parameters, responses and schemas."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from api import auth
from api.app import ROUTERS, create_app
from api.routing import include_flat
from api.settings import Settings


def _openapi(include) -> dict:
    app = FastAPI(title="t", version="0")
    auth.register(app)  # the app-wide reader check, as create_app adds it
    for router in ROUTERS:
        include(app, router)
    return app.openapi()


def test_flat_routes_document_as_included_ones():
    flat = _openapi(include_flat)
    included = _openapi(lambda app, router: app.include_router(router))
    assert flat["paths"].keys() == included["paths"].keys()
    assert flat == included


def test_the_app_matches_each_route_on_its_own(database_url):
    app = create_app(Settings(database_url=database_url))
    kinds = {type(r) for r in app.router.routes}
    assert kinds <= {APIRoute, Route, Mount}, kinds
    paths = [r.path for r in app.router.routes if isinstance(r, APIRoute)]
    assert paths[0] == "/tileMatrixSets"  # the OGC API first, as ROUTERS lists it
    assert "/collections/{collection_id}/items" in paths


def test_include_flat_refuses_what_it_cannot_copy():
    router = APIRouter()
    router.routes.append(Route("/plain", lambda request: None))
    with pytest.raises(TypeError, match="/plain"):
        include_flat(FastAPI(), router)


def _dependencies(dependant) -> int:
    return sum(1 + _dependencies(d) for d in dependant.dependencies)


def test_the_hot_reads_solve_few_dependencies(database_url):
    # Each dependency FastAPI solves costs a request about 0.02 ms; items and tiles answer in
    # about 1 ms, so their dependencies are folded into one (api.ogc.read.Read). The app-wide
    # reader check is the other, and the folded one asks for it again (cached).
    app = create_app(Settings(database_url=database_url))
    hot = {
        "/collections/{collection_id}/items",
        "/collections/{collection_id}/items/{feature_id}",
        "/collections/{collection_id}/tiles/{tms}/{z}/{x}/{y}",
        "/tiles/{tms}/{z}/{x}/{y}",
    }
    counts = {
        r.path: _dependencies(r.dependant)
        for r in app.router.routes
        if isinstance(r, APIRoute) and r.path in hot and "GET" in r.methods
    }
    assert counts.keys() == hot
    assert max(counts.values()) <= 3, counts
