"""The application factory: one `create_app(settings)`, nothing built at import time."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import auth, errors, guards, head, timing
from api.routes import (
    areas,
    criteria,
    edits,
    health,
    land,
    land_page,
    maps,
    monitoring,
    ogc_edit,
    ogc_features,
    ogc_tiles,
    scenarios,
    viewer,
    whatif,
)
from api.routing import include_flat
from api.settings import Settings
from gis.db import make_engine, make_read_engine

ROUTERS = (
    ogc_tiles.router,
    ogc_features.router,
    ogc_edit.router,
    health.router,
    areas.router,
    land.router,
    land_page.router,
    whatif.router,
    edits.router,
    scenarios.router,
    monitoring.router,
    criteria.router,
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
        app.state.engine = make_engine(settings.database_url, **pool)
        # The OGC API's reads, on the event loop (gis.db.make_read_engine says why).
        app.state.read_engine = make_read_engine(settings.database_url, **pool)
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

    app = FastAPI(
        title="Fremtidens Vollsmose",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    logging.getLogger("api").setLevel(settings.log_level.upper())
    errors.register(app)
    auth.register(app)
    app.add_middleware(guards.RejectNul)
    app.add_middleware(guards.GuardBody)  # sizes and text of bodies, before any route
    app.add_middleware(head.HeadAsGet)  # outside the guard: a refused HEAD has no body either
    app.add_middleware(timing.ServerTiming)  # outermost: the whole of the app's time
    # The OGC API first: the router tries routes in order, and tiles and items come by
    # the hundred.
    for router in ROUTERS:
        include_flat(app, router)
    # The viewer's JavaScript and CSS (Leaflet vendored): served here, no CDN, works offline.
    app.mount("/static", StaticFiles(directory=viewer.WEB / "static"), name="static")
    return app
