"""The application factory: one `create_app(settings)`, nothing built at import time."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.responses import RedirectResponse
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from api import asgi, auth, errors, guards, head, replicas, retry, timing
from api.ogc import edit as ogc_edit
from api.ogc import features as ogc_features
from api.ogc import openapi as ogc_openapi
from api.ogc import tiles as ogc_tiles
from api.routes import (
    areas,
    criteria,
    edits,
    health,
    land,
    land_page,
    maps,
    monitoring,
    program,
    registers,
    scenarios,
    viewer,
    whatif,
)
from api.routing import include_flat
from api.settings import Settings
from gis import record
from gis.db import READER_ROLE, make_confidential_read_engine, make_engine, make_read_engine
from gis.render import worker as render_worker
from gis.replication import Replication

ROUTERS = (
    ogc_tiles.router,
    ogc_features.router,
    ogc_edit.router,
    health.router,
    areas.router,
    areas.national,
    land.router,
    land_page.router,
    whatif.router,
    edits.router,
    scenarios.router,
    monitoring.router,
    criteria.router,
    registers.router,
    program.router,
    maps.router,
    viewer.router,
)

DESCRIPTION = """
The system of record for the transformation of Vollsmose, Odense (2020–2030): parcels,
buildings and their dwellings, the bygade and sivegader, letbane line 2 and facilities, each
with its life over time; the tenure mix per quarter and the legal share of almene family
dwellings (almenboligloven § 168 a) for any year.

All geometry is stored in EPSG:25832. The bundled Vollsmose data is a **reference dataset**:
its numbers come from the plan (Realiseringsplan, Odense Kommune 2020), its geometry is an
approximate layout, not surveyed data.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = {"pool_size": settings.db_pool_size, "connect_timeout": settings.db_connect_timeout}
        # Both start every session as the reader role (gis.db.READER_ROLE): confidential data
        # is the database's to withhold, for a reader who may not see it, on every path.
        pool["role"] = READER_ROLE
        app.state.engine = _sync_engine(settings.database_url, pool)
        # The OGC API's reads, on the event loop (gis.db.make_read_engine says why).
        app.state.read_engine = make_read_engine(settings.database_url, **pool)
        # A confidential reader's OGC reads: the login role, READ ONLY (gis.db says why).
        app.state.confidential_read_engine = make_confidential_read_engine(
            settings.database_url, **pool
        )
        # Streaming replicas to read from, each with the same engines (gis/replication.py).
        app.state.replication = None
        if settings.replica_urls:
            app.state.replication = Replication(
                settings.database_url,
                settings.replica_urls,
                lambda url: (
                    _sync_engine(url, pool),
                    make_read_engine(url, **pool),
                    make_confidential_read_engine(url, **pool),
                ),
                max_lag=settings.replica_max_lag_seconds,
                connect_timeout=settings.db_connect_timeout,
            )
            app.state.replication.start()
        # Print maps and reports are drawn in worker processes, started on the first render.
        app.state.renderer = render_worker.Renderer()
        # What start-up made (modules, routes, engines) lives as long as the process. Frozen,
        # the collector stops walking it in every full collection: those walks were the
        # long tail under load (OGC items at 16 clients: p99 about 120 ms, 22 ms frozen).
        if settings.gc_freeze:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if settings.gc_freeze:
                gc.unfreeze()
            app.state.engine.dispose()
            await app.state.read_engine.dispose()
            await app.state.confidential_read_engine.dispose()
            if app.state.replication is not None:
                await app.state.replication.dispose()
            # The map renderer's worker processes, if a render started any.
            app.state.renderer.shutdown()

    app = FastAPI(
        title="Fremtidens Vollsmose",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served below as routes of the app, so the token check and the error mapping apply
        # to them as to every other route; ReDoc (assets from a CDN only) is not offered.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    logging.getLogger("api").setLevel(settings.log_level.upper())
    errors.register(app)
    auth.register(app)
    if settings.replica_urls:
        # Which server answers, and a write's commit position for the client (api/replicas.py).
        app.add_middleware(replicas.ReadYourWrites)
    # Innermost: a read whose kept plan version is gone is handled again (api/retry.py).
    app.add_middleware(retry.RetryStaleVersion)
    app.add_middleware(guards.RejectNul)
    app.add_middleware(guards.GuardBody)  # sizes and text of bodies, before any route
    if settings.compress_min_bytes:
        # Level 1: a worker's CPU is scarcer than the bytes the higher levels save on
        # JSON this repetitive (sizes and times in benchmarks/README.md, "The national
        # answers over HTTP"); big bodies are compressed in a worker thread. Inside
        # HeadAsGet, so a HEAD names the length its GET would send, and inside
        # ServerTiming, whose `app` then includes it.
        app.add_middleware(
            GZipMiddleware,
            minimum_size=settings.compress_min_bytes,
            compresslevel=1,
            # Besides what Starlette leaves alone (PNG, JPEG, ...): a GeoTIFF is DEFLATE
            # inside (gis/render/geotiff.py) and a PDF compresses its own streams.
            exclude_content_types=(
                *DEFAULT_EXCLUDED_CONTENT_TYPES,
                "image/tiff",
                "application/pdf",
            ),
        )
    app.add_middleware(head.HeadAsGet)  # outside the guard: a refused HEAD has no body either
    app.add_middleware(asgi.HeadersEdited, edit=guards.secured)  # every answer, refusals too
    app.add_middleware(timing.ServerTiming)  # outermost: the whole of the app's time
    # The OGC API first: the router tries routes in order, and tiles and items come by
    # the hundred.
    for router in ROUTERS:
        include_flat(app, router)
    _documentation(app)
    app.router.redirect_slashes = False
    app.router.default = _slash_redirect(app)
    # The viewer's JavaScript and CSS (Leaflet vendored): served here, no CDN, works offline.
    app.mount("/static", StaticFiles(directory=viewer.WEB / "static"), name="static")
    return app


def _sync_engine(url: str, pool: dict) -> Engine:
    """The REST routes' engine: its reads keep the plan version they answered for the next
    read (gis.record.keep); anything else it is taken for gets the adopted plan's settings."""
    engine = make_engine(url, **pool)
    record.reset_on_checkout(engine)
    return engine


def _documentation(app: FastAPI) -> None:
    """`/openapi.json` (every operation's responses declared, api.ogc.openapi.complete) and
    `/docs`, Swagger UI from web/static/vendor/swagger-ui, so it works offline."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = ogc_openapi.complete(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        # FastAPI's own page starts Swagger UI from a script in the page, which the
        # Content-Security-Policy (script-src 'self') refuses; web/static/docs.js does it.
        vendor = "/static/vendor/swagger-ui"
        title = escape(f"{app.title} – API")
        return HTMLResponse(
            '<!doctype html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="{vendor}/swagger-ui.css">'
            f'<link rel="icon" href="{vendor}/favicon-32x32.png"><title>{title}</title></head>'
            '<body><div id="swagger-ui" data-openapi="/openapi.json"></div>'
            f'<script src="{vendor}/swagger-ui-bundle.js"></script>'
            '<script src="/static/docs.js"></script></body></html>'
        )


def _slash_redirect(app: FastAPI):
    """Starlette's trailing-slash redirect, with a relative Location: its own builds the URL
    from the request's Host header, which the client controls (a spoofed Host would send the
    client, or a cache that keeps the redirect, to another site)."""
    router = app.router

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if scope["type"] == "http" and path != "/":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            moved = {**scope, "path": other}
            if any(route.matches(moved)[0] != Match.NONE for route in router.routes):
                query = scope.get("query_string", b"").decode("latin-1")
                location = scope.get("root_path", "") + other + (f"?{query}" if query else "")
                await RedirectResponse(location)(scope, receive, send)
                return
        await router.not_found(scope, receive, send)

    return default
