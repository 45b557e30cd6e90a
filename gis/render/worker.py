"""Rendering in a bounded worker process, so what a render takes is given back.

A print map or a report PDF is drawn with matplotlib (rasterio for a GeoTIFF, folium for a
shared map), imported in the workers only (a server that imported them held some 200 MB more
before its first render; `tests/test_startup.py` keeps them out of it): a render
leaves the process that drew it some 60-90 MB larger (figure caches, fonts, the allocator's
arenas), and a server that renders now and then sat at 400-600 MB for good. Here every render
runs in a worker process instead:

- at most `workers` of them (default 1), started lazily on the first render (spawned, not
  forked: a fork would copy the server's pools, threads and event loop);
- they are replaced by fresh ones after `tasks_per_worker` renders each, and all of them
  exit after `idle_seconds` without one, so the memory a render took goes back to the system;
- at most `queue` renders wait for a worker; one more is refused at once (`RendererBusy`,
  a 503 with Retry-After) rather than holding a request and its thread for minutes;
- a worker reads through its own connection, in the version of the plan the request named
  (`gis.record.enter`), with the platform's session options (`gis.db.make_engine`).

A domain error in a worker (no such area, a bad parameter, the database gone) comes back as
the same error, to be answered as it would have been in the server itself.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.errors import DomainError, Unavailable
from gis.record import PlanView

log = logging.getLogger(__name__)


class RenderSettings(BaseSettings):
    """VOLLSMOSE_RENDER_WORKERS, _TASKS_PER_WORKER, _IDLE_SECONDS, _QUEUE, _TIMEOUT_SECONDS."""

    model_config = SettingsConfigDict(env_prefix="VOLLSMOSE_RENDER_", extra="ignore")

    workers: int = Field(1, ge=1, le=8)
    tasks_per_worker: int = Field(10, ge=1, le=1000)
    idle_seconds: float = Field(30.0, gt=0, le=3600)
    queue: int = Field(8, ge=0, le=256)
    # A render takes 0.5-3 s; one that takes this long is stuck, not slow.
    timeout_seconds: float = Field(120.0, gt=0, le=3600)


class RendererBusy(Unavailable):
    """Every worker busy and the queue full: try again shortly (503, Retry-After)."""

    title = "Renderer busy"

    def __init__(self, detail: str = "Every map renderer is busy; try again shortly.") -> None:
        super().__init__(detail)


@dataclass(frozen=True)
class Job:
    """One render: `kind` names a function of `_KINDS`, `args` its arguments after the
    connection; the database and version to read it from."""

    kind: str
    database_url: str
    view: PlanView
    args: tuple
    connect_timeout: int = 5


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


def map_job(
    database_url: str,
    view: PlanView,
    area: str,
    year: int,
    fmt: str,
    *,
    dpi: int | None = None,
    resolution: float | None = None,
    connect_timeout: int = 5,
    extent: tuple[float, float, float, float] | None = None,
    scale: int | None = None,
) -> Job:
    """A print map (png, pdf, with `dpi`, a chosen `extent` and `scale`) or a GeoTIFF (tif,
    with `resolution`)."""
    if fmt == "tif":
        args: tuple = (area, year, resolution)
        return Job("geotiff", database_url, view, args, connect_timeout)
    return Job("map", database_url, view, (area, year, fmt, dpi, extent, scale), connect_timeout)


def report_job(
    database_url: str, view: PlanView, area: str, year: int, *, connect_timeout: int = 5
) -> Job:
    return Job("report", database_url, view, (area, year), connect_timeout)


def share_job(
    database_url: str,
    view: PlanView,
    area: str,
    year: int,
    *,
    layers: tuple[str, ...],
    centre: tuple[float, float, float] | None = None,
    connect_timeout: int = 5,
) -> Job:
    """'Del dette kort' (folium): drawn here too, so a server never imports folium (and the
    pandas it brings) for it."""
    return Job("share", database_url, view, (area, year, layers, centre), connect_timeout)


# ---- in the worker ----------------------------------------------------------------------

_engines: dict = {}


def _watch_parent(parent: int) -> None:
    # A worker whose server died without shutting it down (kill -9) must not linger: it would
    # hold its memory and a database connection for good.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _start_worker(parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    # Imported once per worker, before its first render, not in each.
    import gis.render.geotiff  # noqa: F401
    import gis.render.report  # noqa: F401


def _render_map(conn, area, year, fmt, dpi, extent=None, scale=None) -> Rendered:
    from gis.render import static

    m = static.render_map(conn, area, year, fmt, dpi=dpi, extent=extent, scale=scale)
    return Rendered(m.content, m.media_type, m.filename)


def _render_geotiff(conn, area, year, resolution) -> Rendered:
    from gis.render import geotiff

    kw = {} if resolution is None else {"resolution": resolution}
    r = geotiff.render_geotiff(conn, area, year, **kw)
    return Rendered(r.content, "image/tiff; application=geotiff", r.filename)


def _render_report(conn, area, year) -> Rendered:
    from gis.render.report import render_report

    r = render_report(conn, area, year)
    return Rendered(r.content, "application/pdf", r.filename)


def _render_share(conn, area, year, layers, centre) -> Rendered:
    from gis.render.share import share_html

    body = share_html(conn, area, year, layers=layers, view=centre)
    return Rendered(
        body.encode(), "text/html; charset=utf-8", f"fremtidsbillede-{area}-{year}.html"
    )


_KINDS = {
    "map": _render_map,
    "geotiff": _render_geotiff,
    "report": _render_report,
    "share": _render_share,
}


def _run(job: Job) -> Rendered | tuple[str, type, dict]:
    from gis import record
    from gis.db import READER_ROLE, make_engine, translate_errors

    engine = _engines.get(job.database_url)
    if engine is None:
        # Maps and reports are public: drawn with the reader role's rights (migration 0014).
        engine = make_engine(
            job.database_url,
            pool_size=1,
            connect_timeout=job.connect_timeout,
            role=READER_ROLE,
        )
        _engines[job.database_url] = engine
    try:
        with translate_errors(), engine.connect() as conn:
            record.enter(conn, job.view)
            return _KINDS[job.kind](conn, *job.args)
    except DomainError as exc:
        # A domain error's constructor takes other arguments than its `args` (NotFound's kind
        # and key), so it would not unpickle: its class and attributes travel instead.
        return ("error", type(exc), dict(vars(exc)))


# ---- in the server ----------------------------------------------------------------------


def _error(cls: type, attrs: dict) -> DomainError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, attrs.get("detail", ""))
    vars(exc).update(attrs)
    return exc


class Renderer:
    """The worker processes of one app (`api.app.create_app` makes it; no process starts
    until the first render, and `shutdown` in the app's lifespan ends them)."""

    def __init__(self, settings: RenderSettings | None = None) -> None:
        self.settings = settings or RenderSettings()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pending = 0
        self._used = 0  # jobs given to the current pool
        self._idle: threading.Timer | None = None

    def submit(self, job: Job) -> Future:
        """Starts `job` in a worker; its future holds what `result` unpacks."""
        s = self.settings
        with self._lock:
            if self._pending >= s.workers + s.queue:
                raise RendererBusy()
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None
            if self._pool is not None and self._used >= s.tasks_per_worker * s.workers:
                # Retired: what it has queued it still renders, then its workers exit. Not
                # the executor's own max_tasks_per_child: with a backlog queued, Python 3.11
                # to 3.13 stop scheduling when a worker exits at its limit (CPython
                # gh-115634), and every render waiting would hang.
                self._pool.shutdown(wait=False)
                self._pool = None
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=s.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
                self._used = 0
            try:
                future = self._pool.submit(_run, job)
            except BrokenProcessPool:
                # A worker died (killed, out of memory): a new pool for later jobs.
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
                raise RendererBusy("The map renderer restarted; try again.") from None
            self._used += 1
            self._pending += 1
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending -= 1
            broken = not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)
            if broken and self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            if self._pending == 0 and self._pool is not None:
                self._idle = threading.Timer(self.settings.idle_seconds, self._retire)
                self._idle.daemon = True
                self._idle.start()

    def _retire(self) -> None:
        with self._lock:
            if self._pending or self._pool is None:
                return
            pool, self._pool, self._idle = self._pool, None, None
        pool.shutdown(wait=True)

    def result(self, future: Future) -> Rendered:
        """What the worker rendered, or the domain error it raised, raised here."""
        try:
            out = future.result(timeout=self.settings.timeout_seconds)
        except BrokenProcessPool:
            log.warning("a render worker died")
            raise RendererBusy("The map renderer restarted; try again.") from None
        except TimeoutError:
            log.warning("a render took longer than %s s", self.settings.timeout_seconds)
            raise RendererBusy("The map renderer is stuck; try again later.") from None
        if isinstance(out, tuple):
            raise _error(out[1], out[2])
        return out

    def render(self, job: Job) -> Rendered:
        """Renders `job` in a worker and waits for it (from a thread, not the event loop)."""
        return self.result(self.submit(job))

    async def arender(self, job: Job) -> Rendered:
        """Renders `job` in a worker; the event loop serves others meanwhile, and no
        thread of the server's pool is held while it waits."""
        future = self.submit(job)
        done, _ = await asyncio.wait(
            [asyncio.wrap_future(future)], timeout=self.settings.timeout_seconds
        )
        if not done:
            log.warning("a render took longer than %s s", self.settings.timeout_seconds)
            raise RendererBusy("The map renderer is stuck; try again later.")
        return self.result(future)  # done: unpacks without waiting

    def worker_pids(self) -> list[int]:
        pool = self._pool
        procs = getattr(pool, "_processes", None) or {}
        return list(procs)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
